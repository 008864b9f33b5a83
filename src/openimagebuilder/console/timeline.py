"""An image build's workflows and steps laid out in time: when each started, how long it took,
where it failed. Pure: from the documents ListWorkflowExecutions and ListWorkflowStepExecutions
answer with, and the time now (for what is still running)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

WIDTH = 1000  # the bars' coordinate space (an SVG viewBox), whatever the page's width


@dataclass(frozen=True)
class Bar:
    """Where a step or workflow sits on the build's time axis, in WIDTH units; None before it starts."""
    x: float
    width: float


@dataclass(frozen=True)
class StepRow:
    step_id: str
    name: str
    action: str
    status: str
    rollback_status: str
    message: str
    start: str | None
    end: str | None
    offset_seconds: float | None  # from the build's first start
    duration_seconds: float | None  # so far, for a running step
    bar: Bar | None
    failed_here: bool  # the step the build failed at


@dataclass(frozen=True)
class WorkflowRow:
    execution_id: str
    workflow_arn: str
    type: str
    status: str
    message: str
    start: str | None
    duration_seconds: float | None
    bar: Bar | None
    steps: list[StepRow]


@dataclass(frozen=True)
class Timeline:
    origin: str | None  # when the first workflow started
    span_seconds: float
    workflows: list[WorkflowRow]
    failed_step: str | None  # "workflow type / step name" where the build failed


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def build_timeline(workflows: Sequence[Mapping[str, Any]],
                   steps: Mapping[str, Sequence[Mapping[str, Any]]], now: datetime) -> Timeline:
    """`steps`: each workflow execution's steps, by workflowExecutionId."""
    starts = [t for t in (parse_time(w.get("startTime")) for w in workflows) if t is not None]
    starts += [t for s in steps.values() for t in (parse_time(step.get("startTime")) for step in s) if t is not None]
    if not starts:
        return Timeline(None, 0.0, [_workflow_row(w, steps.get(w.get("workflowExecutionId") or "", []), None, 1.0, now)
                                    for w in workflows], None)
    origin = min(starts)
    ends = [_end(item, now) for item in [*workflows, *(s for group in steps.values() for s in group)]
            if parse_time(item.get("startTime")) is not None]
    span = max(1e-3, max((end - origin).total_seconds() for end in ends) if ends else 0.0)
    rows = [_workflow_row(w, steps.get(w.get("workflowExecutionId") or "", []), origin, span, now) for w in workflows]
    failed = next((f"{row.type or 'workflow'} / {step.name}" for row in rows for step in row.steps if step.failed_here),
                  None)
    return Timeline(origin.isoformat(), span, rows, failed)


def _end(item: Mapping[str, Any], now: datetime) -> datetime:
    return parse_time(item.get("endTime")) or now


def _bar(item: Mapping[str, Any], origin: datetime | None, span: float, now: datetime) -> Bar | None:
    start = parse_time(item.get("startTime"))
    if start is None or origin is None:
        return None
    offset = (start - origin).total_seconds()
    length = max(0.0, (_end(item, now) - start).total_seconds())
    x = WIDTH * offset / span
    # A step that took no measurable time still shows as a sliver.
    return Bar(round(x, 1), round(max(2.0, min(WIDTH - x, WIDTH * length / span)), 1))


def _duration(item: Mapping[str, Any], now: datetime) -> float | None:
    start = parse_time(item.get("startTime"))
    return None if start is None else max(0.0, (_end(item, now) - start).total_seconds())


def _workflow_row(workflow: Mapping[str, Any], steps: Sequence[Mapping[str, Any]], origin: datetime | None,
                  span: float, now: datetime) -> WorkflowRow:
    failed_seen = False
    rows = []
    for step in steps:
        failed = step.get("status") == "FAILED" and not failed_seen
        failed_seen = failed_seen or failed
        start = parse_time(step.get("startTime"))
        rows.append(StepRow(
            step_id=step.get("stepExecutionId") or "", name=step.get("name") or "", action=step.get("action") or "",
            status=step.get("status") or "", rollback_status=step.get("rollbackStatus") or "",
            message=step.get("message") or "", start=step.get("startTime"), end=step.get("endTime"),
            offset_seconds=None if start is None or origin is None else (start - origin).total_seconds(),
            duration_seconds=_duration(step, now), bar=_bar(step, origin, span, now), failed_here=failed))
    return WorkflowRow(
        execution_id=workflow.get("workflowExecutionId") or "", workflow_arn=workflow.get("workflowBuildVersionArn") or "",
        type=workflow.get("type") or "", status=workflow.get("status") or "", message=workflow.get("message") or "",
        start=workflow.get("startTime"), duration_seconds=_duration(workflow, now),
        bar=_bar(workflow, origin, span, now), steps=rows)
