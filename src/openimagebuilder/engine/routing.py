"""One backend per image type: `oib serve --backend real` builds DOCKER images with the container
backend and AMIs with the VM backend (QEMU)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .backend import Backend, BuildContext, StepControl, StepResult
from .plan import ComponentRun


class RoutingBackend:
    def __init__(self, by_image_type: Mapping[str, Backend], default: Backend) -> None:
        self.by_image_type = dict(by_image_type)
        self.default = default

    def backend_for(self, image_type: str) -> Backend:
        return self.by_image_type.get(image_type, self.default)

    def describe(self) -> dict[str, str]:
        """Image type → the name of the backend that builds it (said at start-up)."""
        return {kind: type(self.backend_for(kind)).__name__ for kind in ("AMI", "DOCKER")}

    def close(self) -> None:
        for backend in {id(b): b for b in [*self.by_image_type.values(), self.default]}.values():
            close = getattr(backend, "close", None)
            if close is not None:
                close()

    def pacing_seconds(self, context: BuildContext) -> float:
        return self.backend_for(context.image_type).pacing_seconds(context)

    def provision(self, context: BuildContext, control: StepControl, purpose: str) -> StepResult:
        return self.backend_for(context.image_type).provision(context, control, purpose)

    def run_components(self, context: BuildContext, control: StepControl, target_id: str,
                       components: list[ComponentRun], phases: tuple[str, ...]) -> StepResult:
        return self.backend_for(context.image_type).run_components(context, control, target_id, components, phases)

    def run_command(self, context: BuildContext, control: StepControl, target_id: str, action: str) -> StepResult:
        return self.backend_for(context.image_type).run_command(context, control, target_id, action)

    def bookkeeping(self, context: BuildContext, control: StepControl, action: str,
                    outputs: dict[str, Any]) -> StepResult:
        return self.backend_for(context.image_type).bookkeeping(context, control, action, outputs)

    def collect_metadata(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        return self.backend_for(context.image_type).collect_metadata(context, control, target_id)

    def snapshot(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        return self.backend_for(context.image_type).snapshot(context, control, target_id)

    def distribute(self, context: BuildContext, control: StepControl, image_id: str) -> StepResult:
        return self.backend_for(context.image_type).distribute(context, control, image_id)

    def clean_up(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        return self.backend_for(context.image_type).clean_up(context, control, target_id)

    def output_resources(self, context: BuildContext, image_id: str | None,
                         distributed: Mapping[str, Any]) -> dict[str, Any]:
        return self.backend_for(context.image_type).output_resources(context, image_id, distributed)
