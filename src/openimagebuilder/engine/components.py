"""ExecuteComponents on any target: each component's phases in recipe order through the AWSTOE
runner, every line it reports streamed to the build log, the first failure reported as AWS
reports it (ComponentFailureContext). The simulated backend runs it in a dry run on no target;
real backends on their executors."""
from __future__ import annotations

from collections.abc import Callable

from ..toe.executor import Executor
from ..toe.interpreter import run_documents
from ..toe.modules import RunnerSettings
from ..toe.results import FAILED, ComponentInput, PhaseReport, RunEvent, RunReport, StepReport
from .backend import StepControl, StepResult
from .plan import ComponentRun

OUTPUT_TAIL_LINES = 20   # lines of a failed step's output its failure message carries (when asked)


def run_components(executor: Executor, settings: RunnerSettings, control: StepControl,
                   components: list[ComponentRun], phases: tuple[str, ...], *,
                   command_id: Callable[[str], str], with_output: bool = False) -> StepResult:
    """`command_id(key)`: the run command id reported for a component (its ARN) or the whole run
    (the phases); `with_output`: a failure message ends with the failed step's last output lines."""
    ran: list[str] = []
    for component in components:
        def note(event: RunEvent, name: str = component.name) -> None:
            if not event.text.strip():
                return  # a blank line of output says nothing in the build log
            where = f"{event.phase}/{event.step}" if event.step else (event.phase or "")
            control.on_output(f"{name} {where}: {event.text}" if where else f"{name}: {event.text}")

        report = run_documents(
            [ComponentInput(name=component.name, text=component.data,
                            parameters={key: ",".join(values) for key, values in component.parameters.items()})],
            phases, executor, settings, on_event=note, cancel=control.cancel)
        document = report.documents[0] if report.documents else None
        ran_phases = [phase.name for phase in document.phases] if document else []
        if report.succeeded:
            if ran_phases:
                ran.append(f"{component.name} ({', '.join(ran_phases)})")
            continue
        phase, step = failed_step(report)
        ran.append(f"{component.name} ({phase.name if phase else '?'}: failed)")
        message = (f"Component {component.arn} failed in phase '{phase.name if phase else '?'}', step "
                   f"'{step.name if step else '?'}': {step.failure_message if step else report.failure_message}")
        if with_output and step is not None:
            message += output_tail(step.output)
        return StepResult(False, {"runCommandId": command_id(component.arn), "status": "Failed",
                                  "output": _ran(ran, phases)}, message, [message],
                          {"componentArn": component.arn, "phaseName": phase.name if phase else "",
                           "stepName": step.name if step else "", "action": step.action if step else "",
                           "errorMessage": message})
    return StepResult(True, {"runCommandId": command_id(",".join(phases)), "status": "Success",
                             "output": _ran(ran, phases)})


def output_tail(lines: list[str]) -> str:
    kept = [line for line in lines if line.strip()][-OUTPUT_TAIL_LINES:]
    return (" Output:\n" + "\n".join(kept)) if kept else ""


def _ran(ran: list[str], phases: tuple[str, ...]) -> str:
    """ExecuteComponents' `output`: the components that ran, in order, with their phases."""
    if not ran:
        return f"No component has a {' or '.join(phases)} phase."
    return "Ran " + "; ".join(ran) + "."


def failed_step(report: RunReport) -> tuple[PhaseReport | None, StepReport | None]:
    for document in report.documents:
        for phase in document.phases:
            for step in phase.steps:
                if step.status == FAILED:
                    return phase, step
            if phase.status == FAILED:
                return phase, None
    return None, None
