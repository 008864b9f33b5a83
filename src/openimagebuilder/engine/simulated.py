"""The simulated backend: builds nothing, deterministically. Ids derive from the image ARN, so a
build's outputs are reproducible. Everything made up lives here: instance, AMI and ECR ids,
package inventories, and the controls users test their error handling with (image tags
`oib:fail-step`, `oib:step-seconds`, `oib:block-seconds`, `oib:fail` in a component step)."""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..domain.ami_names import ami_name, ami_name_templates
from ..toe.executor import RunOutcome, TargetError
from ..toe.modules import ModuleResult, RunnerSettings, StepCall
from ..toe.modules.platforms import WINDOWS_ONLY_ACTIONS
from .backend import BuildContext, StepControl, StepResult
from .components import run_components
from .plan import ComponentRun

FAIL_MARKER = "oib:fail"              # in a component step's inputs: that step fails
FAIL_STEP_TAG = "oib:fail-step"       # image tag: fail these workflow steps (comma-separated names)
STEP_SECONDS_TAG = "oib:step-seconds"  # image tag: how long each step of this build takes
BLOCK_SECONDS_TAG = "oib:block-seconds"  # image tag: each backend call blocks its worker this long

SIMULATED_PACKAGES = (("bash", "5.2.15-1"), ("curl", "8.5.0-1"), ("openssl", "3.0.13-1"),
                      ("python3", "3.11.7-1"), ("systemd", "252.22-1"))


@dataclass(frozen=True)
class SimulatedSettings:
    step_seconds: float = 0.1                  # how long each workflow step takes (waiting, not blocking)
    fail_steps: frozenset[str] = frozenset()   # workflow step names every build fails on purpose
    # On a manual clock time moves only when the user moves it, so steps take no time at all,
    # whatever a build's `oib:step-seconds` tag asks.
    manual_clock: bool = False


def _token(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _tag_list(value: str | None) -> frozenset[str]:
    return frozenset(item.strip() for item in (value or "").split(",") if item.strip())


def _tag_seconds(tags: Mapping[str, str], name: str) -> float | None:
    try:
        return max(0.0, float(tags[name])) if name in tags else None
    except ValueError:
        return None


class SimulatedBackend:
    def __init__(self, settings: SimulatedSettings | None = None) -> None:
        self.settings = settings or SimulatedSettings()

    def pacing_seconds(self, context: BuildContext) -> float:
        seconds = _tag_seconds(context.tags, STEP_SECONDS_TAG)
        if self.settings.manual_clock or seconds is None:
            return 0.0 if self.settings.manual_clock else self.settings.step_seconds
        return seconds

    def _begin(self, context: BuildContext, control: StepControl) -> StepResult | None:
        """What every simulated call does first: block as long as the build asks (cancellable),
        then fail on purpose if the step is one to fail."""
        block = _tag_seconds(context.tags, BLOCK_SECONDS_TAG)
        if block and control.cancel.wait(block):
            return StepResult(False, {}, "Stopped while running.")
        if control.step_name in self.settings.fail_steps | _tag_list(context.tags.get(FAIL_STEP_TAG)):
            return StepResult(False, {}, f"Failure injected for step '{control.step_name}' (simulated backend).")
        return None

    def provision(self, context: BuildContext, control: StepControl, purpose: str) -> StepResult:
        instance_id = f"i-{_token(context.image_arn, control.step_name)}"
        return self._begin(context, control) or StepResult(
            True, {"instanceId": instance_id}, log=[f"Launched {purpose} instance {instance_id}"])

    def run_components(self, context: BuildContext, control: StepControl, target_id: str,
                       components: list[ComponentRun], phases: tuple[str, ...]) -> StepResult:
        return self._begin(context, control) or _run_components(control, target_id, components, phases,
                                                                context.platform)

    def run_command(self, context: BuildContext, control: StepControl, target_id: str, action: str) -> StepResult:
        return self._begin(context, control) or StepResult(
            True, {"runCommandId": _token(target_id, action), "status": "Success", "output": ""},
            log=[f"{action} on {target_id}: succeeded"])

    def bookkeeping(self, context: BuildContext, control: StepControl, action: str,
                    outputs: dict[str, Any]) -> StepResult:
        return self._begin(context, control) or StepResult(True, outputs, log=[f"{action}: done"])

    def collect_metadata(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        return self._begin(context, control) or StepResult(
            True, {"osVersion": "Amazon Linux 2" if context.platform == "Linux" else "Microsoft Windows Server 2022",
                   "associationId": _token(target_id, "inventory"),
                   "packages": [{"packageName": n, "packageVersion": v} for n, v in SIMULATED_PACKAGES]},
            log=[f"Collected inventory of {target_id}"])

    def snapshot(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        image_id = f"ami-{_token(context.image_arn, 'ami')}"
        return self._begin(context, control) or StepResult(
            True, {"imageId": image_id}, log=[f"Created image {image_id} from {target_id}"])

    def distribute(self, context: BuildContext, control: StepControl, image_id: str) -> StepResult:
        images = [{"region": region, "imageId": f"ami-{_token(context.image_arn, region)}"}
                  for region in context.distribution_regions]
        return self._begin(context, control) or StepResult(
            True, {"distributedImages": images},
            log=[f"Distributed {image_id} to {', '.join(context.distribution_regions)}"])

    def clean_up(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        return self._begin(context, control) or StepResult(True, {}, log=[f"Terminated instance {target_id}"])

    def output_resources(self, context: BuildContext, image_id: str | None,
                         distributed: Mapping[str, Any]) -> dict[str, Any]:
        if context.image_type == "DOCKER":
            recipe = context.image.get("containerRecipe") or {}
            repository = (recipe.get("targetRepository") or {}).get("repositoryName", "image")
            version, build = context.image_arn.rsplit("/", 2)[-2:]
            return {"containers": [
                {"region": region,
                 "imageUris": [f"{context.account_id}.dkr.ecr.{region}.amazonaws.com/{repository}:{version}-{build}"]}
                for region in context.distribution_regions]}
        by_region = {item["region"]: item["imageId"] for item in distributed.get("distributedImages") or []}
        created = str(context.image.get("dateCreated") or "")
        # Each Region's AMI is named by its distribution's amiDistributionConfiguration.name.
        templates = ami_name_templates(context.image)
        return {"amis": [{"region": region, "image": by_region.get(region) or image_id or "",
                          "name": ami_name(templates.get(region), context.image_name, context.image_arn, created),
                          "state": {"status": "AVAILABLE"}, "accountId": context.account_id}
                         for region in context.distribution_regions]}


class _NoTarget:
    """The simulated build target: a dry run never reaches it; if anything did, it says so."""

    def run(self, script: str, **_: Any) -> RunOutcome:
        raise TargetError("the simulated backend has no target to run scripts on")

    def put_file(self, path: str, data: bytes, *, mode: int | None = None) -> None:
        raise TargetError("the simulated backend has no target to write files to")

    def get_file(self, path: str) -> bytes:
        raise TargetError("the simulated backend has no target to read files from")

    def reboot(self, cancel: threading.Event | None = None) -> None:
        pass


def _simulated_step(call: StepCall) -> ModuleResult | None:
    """Failure injection inside a component: a step whose inputs (variables substituted) contain
    `oib:fail` fails. Nested documents live on a target the simulated backend does not have, so
    ExecuteDocument succeeds without running them, and so do the Windows-only modules
    (ExecutePowerShell, ...) on a Windows image: the runner drives no Windows target, but a
    simulated one runs nothing anyway."""
    if FAIL_MARKER in str(call.inputs):
        return ModuleResult(False, message=f"The step asked the simulated backend to fail ({FAIL_MARKER}).",
                            exit_code=1)
    if call.action == "ExecuteDocument":
        return ModuleResult(True)
    if call.action in WINDOWS_ONLY_ACTIONS and call.settings.platform == "Windows":
        return ModuleResult(True)
    return None


_DRY_RUN = RunnerSettings(dry_run=True, dry_step_result=_simulated_step)


def _run_components(control: StepControl, target_id: str, components: list[ComponentRun],
                    phases: tuple[str, ...], platform: str) -> StepResult:
    """Each component's phases, in recipe order, interpreted by the component runner in a dry run
    (variables, loops, conditions and chaining as a real build, no command run) for the image's
    platform, so that a Windows image's PowerShell steps are simulated like a Linux image's shell
    steps; every step the runner reports goes to the build log as it goes."""
    return run_components(_NoTarget(), replace(_DRY_RUN, platform=platform), control, components, phases,
                          command_id=lambda key: _token(target_id, key))
