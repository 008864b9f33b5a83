"""What a build looks like while `oib run --wait` watches it: the image's status and each workflow
step's, read through the API (GetImage, ListWorkflowExecutions, ListWorkflowStepExecutions)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from .styles import status_text

FINAL_IMAGE_STATES = frozenset({"AVAILABLE", "FAILED", "CANCELLED", "DEPRECATED", "DISABLED", "DELETED"})


@dataclass(frozen=True)
class StepView:
    workflow: str        # the workflow's type: BUILD, TEST, DISTRIBUTION
    name: str
    action: str
    status: str
    message: str
    start: str
    end: str


@dataclass(frozen=True)
class BuildView:
    image_arn: str
    status: str
    reason: str
    steps: tuple[StepView, ...]

    @property
    def finished(self) -> bool:
        return self.status in FINAL_IMAGE_STATES


def observe(client: Any, image_arn: str) -> BuildView:
    image = client.get_image(imageBuildVersionArn=image_arn)["image"]
    state = image.get("state") or {}
    steps: list[StepView] = []
    executions = client.list_workflow_executions(imageBuildVersionArn=image_arn).get("workflowExecutions", [])
    for execution in sorted(executions, key=lambda e: e.get("startTime") or ""):
        listed = client.list_workflow_step_executions(workflowExecutionId=execution["workflowExecutionId"])
        steps.extend(StepView(execution.get("type", ""), step["name"], step.get("action", ""),
                              step.get("status", ""), step.get("message") or "", step.get("startTime") or "",
                              step.get("endTime") or "") for step in listed.get("steps", []))
    return BuildView(image_arn, state.get("status", ""), state.get("reason") or "", tuple(steps))


def _duration(step: StepView, now: datetime) -> str:
    if not step.start:
        return ""
    start = _parse(step.start)
    end = _parse(step.end) if step.end else now
    if start is None or end is None:
        return ""
    return f"{max((end - start).total_seconds(), 0.0):.1f}s"


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def render(view: BuildView, now: datetime) -> Group:
    """The live display: the image's status over a table of its workflow steps."""
    heading = Text.assemble(("Image ", "bold"), view.image_arn, "  ", status_text(view.status))
    table = Table(expand=False)
    table.add_column("Workflow", no_wrap=True)
    table.add_column("Step", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Time", justify="right", no_wrap=True)
    table.add_column("Message", overflow="fold")
    for step in view.steps:
        # Only a failure's message is news; a skipped step's says its condition was false.
        message = step.message if step.status in ("FAILED", "WAITING") else ""
        table.add_row(step.workflow, step.name, status_text(step.status), _duration(step, now), message)
    parts: list[Any] = [heading, table]
    if view.reason:
        parts.append(Text(view.reason, style="red"))
    return Group(*parts)


def changes(before: BuildView | None, after: BuildView) -> list[str]:
    """One line per change between two looks at a build (for output that is not a terminal): the
    steps that moved on (a step still PENDING is not news), then the image's status."""
    lines = []
    seen = {(s.workflow, s.name): s.status for s in before.steps} if before is not None else {}
    for step in after.steps:
        if step.status != "PENDING" and seen.get((step.workflow, step.name)) != step.status:
            tail = f": {step.message}" if step.message and step.status == "FAILED" else ""
            lines.append(f"{step.workflow.lower()} {step.name} ({step.action}) {step.status}{tail}")
    if before is None or before.status != after.status:
        lines.append(f"image {after.status}" + (f": {after.reason}" if after.reason and after.finished else ""))
    return lines
