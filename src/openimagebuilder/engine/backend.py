"""The interface between the engine and what really builds: a backend provisions build and test
targets, runs component phases on them, snapshots a target as an image, distributes images and
cleans up. The engine calls it outside any transaction, on a worker thread, and stores what the
backend reports as its handle, so a call can be resumed (or failed with a reason) by another
worker after a crash. `simulated.SimulatedBackend` is the default; container and VM backends
implement the same calls."""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .plan import ComponentRun


@dataclass(frozen=True)
class BuildContext:
    """The build a backend call belongs to."""
    image_arn: str
    image_name: str
    platform: str
    image_type: str              # AMI | DOCKER
    region: str
    account_id: str
    distribution_regions: tuple[str, ...]
    tags: Mapping[str, str]      # the image's tags
    image: Mapping[str, Any]     # the image resource as the API shows it (recipe, configurations embedded)


@dataclass
class StepControl:
    """One running step, as the backend sees it: the step it runs for, a way to report progress and
    its handle, and the signal to stop (cancellation, timeout, lost lease)."""
    step_name: str
    action: str
    cancel: threading.Event
    on_output: Callable[[str], None]
    save_handle: Callable[[dict[str, Any]], None]
    handle: dict[str, Any] | None = None   # set when resuming work a stopped worker started

    def stopped(self) -> bool:
        return self.cancel.is_set()


@dataclass
class StepResult:
    succeeded: bool
    outputs: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    log: list[str] = field(default_factory=list)
    # ComponentFailureContext members when a component step failed (phaseName, stepName, ...).
    component_failure: dict[str, Any] | None = None


class Backend(Protocol):
    def pacing_seconds(self, context: BuildContext) -> float:
        """How long the engine lets each step take before running it (a simulated build's pace;
        0 for backends whose work takes its own time)."""
        ...

    def provision(self, context: BuildContext, control: StepControl, purpose: str) -> StepResult:
        """A build target from the parent image (purpose "build") or a test target from the built
        image ("test"); outputs `instanceId`."""
        ...

    def run_components(self, context: BuildContext, control: StepControl, target_id: str,
                       components: list[ComponentRun], phases: tuple[str, ...]) -> StepResult: ...

    def run_command(self, context: BuildContext, control: StepControl, target_id: str,
                    action: str) -> StepResult:
        """The service's own scripts on a target (SanitizeInstance, RunSysPrep, RunCommand, ...)."""
        ...

    def bookkeeping(self, context: BuildContext, control: StepControl, action: str,
                    outputs: dict[str, Any]) -> StepResult:
        """An action that changes no target (ModifyImageAttributes, ...): succeeds with `outputs`,
        the members AWS documents for it."""
        ...

    def collect_metadata(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        """Outputs `osVersion` and `packages` (name, version pairs) of the target."""
        ...

    def snapshot(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        """The target kept as an image; outputs `imageId`."""
        ...

    def distribute(self, context: BuildContext, control: StepControl, image_id: str) -> StepResult:
        """Copies of the image per the distribution configuration; outputs `distributedImages`
        ([{region, imageId}]) and, for container images, `containers` ([{region, imageUris}])."""
        ...

    def clean_up(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        """Terminates a target and removes what it left."""
        ...

    def output_resources(self, context: BuildContext, image_id: str | None,
                         distributed: Mapping[str, Any]) -> dict[str, Any]:
        """The image's `outputResources` once it is AVAILABLE."""
        ...
