"""Workflow step actions, dispatched through one table: each runs a step's work on the backend,
outside any transaction. What a result changes in the build (the image id CreateImage made, the
packages for ListImagePackages, ...) is recorded afterwards by the state machine (build.py)."""
from __future__ import annotations

from collections.abc import Callable

from ..domain.workflow_document import ACTIONS
from .backend import Backend, BuildContext, StepControl, StepResult
from .plan import BuildPlan, StepWork

# Component phases a workflow of each type runs (AWS: build and validate while building, test
# while testing).
COMPONENT_PHASES = {"BUILD": ("build", "validate"), "TEST": ("test",)}

ActionRunner = Callable[[Backend, BuildContext, StepControl, StepWork, BuildPlan], StepResult]


def _target(work: StepWork) -> str:
    return str(work.inputs.get("instanceId") or "")


def _launch(backend: Backend, context: BuildContext, control: StepControl, work: StepWork,
            plan: BuildPlan) -> StepResult:
    return backend.provision(context, control, "test" if work.workflow_type == "TEST" else "build")


def _components(backend: Backend, context: BuildContext, control: StepControl, work: StepWork,
                plan: BuildPlan) -> StepResult:
    phases = COMPONENT_PHASES.get(work.workflow_type, ("build",))
    return backend.run_components(context, control, _target(work), plan.components, phases)


def _command(backend: Backend, context: BuildContext, control: StepControl, work: StepWork,
             plan: BuildPlan) -> StepResult:
    return backend.run_command(context, control, _target(work), work.action)


def _metadata(backend: Backend, context: BuildContext, control: StepControl, work: StepWork,
              plan: BuildPlan) -> StepResult:
    return backend.collect_metadata(context, control, _target(work))


def _snapshot(backend: Backend, context: BuildContext, control: StepControl, work: StepWork,
              plan: BuildPlan) -> StepResult:
    return backend.snapshot(context, control, _target(work))


def _distribute(backend: Backend, context: BuildContext, control: StepControl, work: StepWork,
                plan: BuildPlan) -> StepResult:
    return backend.distribute(context, control, plan.image_id or "")


def _distribute_container(backend: Backend, context: BuildContext, control: StepControl, work: StepWork,
                          plan: BuildPlan) -> StepResult:
    """Outputs as documented for the action: a status and the regions it reached."""
    result = backend.distribute(context, control, plan.image_id or "")
    regions = [item["region"] for item in result.outputs.get("distributedImages", [])]
    result.outputs = {**result.outputs, "status": "SUCCESS" if result.succeeded else "FAILED",
                      "succeededRegions": regions if result.succeeded else [],
                      "failedRegions": [] if result.succeeded else list(context.distribution_regions)}
    return result


def _clean_up(backend: Backend, context: BuildContext, control: StepControl, work: StepWork,
              plan: BuildPlan) -> StepResult:
    return backend.clean_up(context, control, _target(work))


def _bookkeeping(backend: Backend, context: BuildContext, control: StepControl, work: StepWork,
                 plan: BuildPlan) -> StepResult:
    return backend.bookkeeping(context, control, work.action, {name: "" for name in ACTIONS[work.action].outputs})


ACTION_RUNNERS: dict[str, ActionRunner] = {
    "LaunchInstance": _launch,
    "ExecuteComponents": _components,
    "CollectImageMetadata": _metadata,
    "CreateImage": _snapshot, "RegisterImage": _snapshot, "CreateImageFromIso": _snapshot,
    "DistributeImage": _distribute,
    "DistributeContainerImage": _distribute_container,
    "TerminateInstance": _clean_up,
    **{action: _command for action in ("SanitizeInstance", "RunSysPrep", "RunCommand",
                                       "BootstrapInstanceForContainer", "CollectImageScanFindings",
                                       "WaitForSSMAgent")},
}


def run_action(backend: Backend, context: BuildContext, control: StepControl, work: StepWork,
               plan: BuildPlan) -> StepResult:
    return ACTION_RUNNERS.get(work.action, _bookkeeping)(backend, context, control, work, plan)
