"""Pipeline schedules: validating `schedule` (expression and time zone, AWS's wording), and
keeping each pipeline's next run — in the scheduler's index and as `dateNextRun` — current."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..domain.clock import format_date
from ..domain.schedule import (
    ScheduleExpressionError,
    TimezoneError,
    next_run,
    parse_schedule_expression,
    validate_timezone,
)
from ..protocol.errors import invalid_parameter
from ..store.repository import Resource
from .context import Context

DEFAULT_START_CONDITION = "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"
DEFAULT_TIMEZONE = "UTC"


def complete_schedule(schedule: dict[str, Any]) -> dict[str, Any]:
    """The schedule as stored: validated, AWS's defaults filled in."""
    completed = dict(schedule)
    expression = completed.get("scheduleExpression")
    if expression:
        try:
            parse_schedule_expression(expression)
        except ScheduleExpressionError as error:
            raise invalid_parameter("schedule.scheduleExpression", error.message) from None
        completed.setdefault("pipelineExecutionStartCondition", DEFAULT_START_CONDITION)
        completed.setdefault("timezone", DEFAULT_TIMEZONE)
    if completed.get("timezone"):
        try:
            validate_timezone(completed["timezone"])
        except TimezoneError as error:
            raise invalid_parameter("schedule.timezone", error.message) from None
    return completed


def next_run_of(document: dict[str, Any], after: datetime, anchor: datetime) -> datetime | None:
    """When an enabled, scheduled pipeline runs next after `after`; None if it never does."""
    schedule = document.get("schedule") or {}
    if document.get("status") != "ENABLED" or not schedule.get("scheduleExpression"):
        return None
    return next_run(schedule["scheduleExpression"], after, schedule.get("timezone") or DEFAULT_TIMEZONE, anchor)


def reschedule(ctx: Context, pipeline: Resource, restart: bool, new: bool = False) -> None:
    """Records the pipeline's next run in the scheduler's index and its document. `restart`: the
    schedule (re)starts now — at creation, or an update (rate() counts from there); `new`: the
    pipeline was just created (nothing to replace yet)."""
    now = ctx.clock.now()
    previous = None if restart or new else ctx.schedules.anchor(pipeline.arn)
    anchor_at = previous if previous is not None else now.timestamp()
    upcoming = next_run_of(pipeline.document, now, datetime.fromtimestamp(anchor_at, UTC))
    document = {key: value for key, value in pipeline.document.items() if key != "dateNextRun"}
    if upcoming is not None:
        document["dateNextRun"] = format_date(upcoming)
    if (pipeline.document.get("schedule") or {}).get("scheduleExpression"):
        ctx.schedules.set(pipeline.arn, upcoming.timestamp() if upcoming else None, anchor_at)
    elif not new:
        ctx.schedules.remove(pipeline.arn)
    if new and document == pipeline.document:
        return  # a new, unscheduled pipeline: nothing to record
    pipeline.document = document
    ctx.repo.replace_document(pipeline.arn, document)
