"""The backend for an image type that cannot be built here (a tool missing, the registry not
starting): every build of that type fails at its first step with the reason, which says what to
install or change. The service itself keeps serving, and the other image types keep building."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .backend import BuildContext, StepControl, StepResult
from .plan import ComponentRun


class UnavailableBackend:
    def __init__(self, reason: str) -> None:
        self.reason = reason

    def _refuse(self) -> StepResult:
        return StepResult(False, message=self.reason)

    def pacing_seconds(self, context: BuildContext) -> float:
        return 0.0

    def provision(self, context: BuildContext, control: StepControl, purpose: str) -> StepResult:
        return self._refuse()

    def run_components(self, context: BuildContext, control: StepControl, target_id: str,
                       components: list[ComponentRun], phases: tuple[str, ...]) -> StepResult:
        return self._refuse()

    def run_command(self, context: BuildContext, control: StepControl, target_id: str, action: str) -> StepResult:
        return self._refuse()

    def bookkeeping(self, context: BuildContext, control: StepControl, action: str,
                    outputs: dict[str, Any]) -> StepResult:
        return self._refuse()

    def collect_metadata(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        return self._refuse()

    def snapshot(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        return self._refuse()

    def distribute(self, context: BuildContext, control: StepControl, image_id: str) -> StepResult:
        return self._refuse()

    def clean_up(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        return StepResult(True)   # nothing was made

    def output_resources(self, context: BuildContext, image_id: str | None,
                         distributed: Mapping[str, Any]) -> dict[str, Any]:
        return {}
