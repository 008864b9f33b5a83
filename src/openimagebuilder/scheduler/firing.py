"""Firing one due schedule: decide whether the pipeline builds (status, start condition), start
the build, record the firing exactly once, and move the schedule to its next run."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..domain.clock import format_date
from ..protocol.errors import ServiceError
from ..service.build_configuration import build_configuration
from ..service.builds import embed_recipe, start_build
from ..service.context import Context
from ..service.schedules import next_run_of
from ..store.repository import Resource, UniqueViolation
from ..store.schedules import DueSchedule, advance_schedule, is_lock_conflict, lock_pipeline_now

STARTED = "STARTED"
SKIPPED_NO_UPDATES = "SKIPPED_NO_DEPENDENCY_UPDATES"
SKIPPED_DISABLED = "SKIPPED_DISABLED"
FAILED_TO_START = "FAILED_TO_START"
STARTING = "STARTING"  # recorded while the firing is in progress (same transaction)
MAX_ATTEMPTS = 5  # a build start that loses a uniqueness race runs again, as the API's requests do

log = logging.getLogger("openimagebuilder.scheduler")


@dataclass(frozen=True)
class Firing:
    pipeline_arn: str
    due_at: datetime
    outcome: str
    image_arn: str | None


def fire(ctx: Context, due: DueSchedule) -> Firing | None:
    """Fires one due schedule inside the caller's transaction; None if the pipeline is gone or this
    due time was fired before. The schedule always moves on, so a due time never fires twice and
    a schedule is never stuck on one due time."""
    due_at = datetime.fromtimestamp(due.next_run_at, UTC)
    if not lock_pipeline_now(ctx.repo.connection, ctx.account_id, ctx.region, due.pipeline_arn):
        raise Busy(due.pipeline_arn)
    pipeline = ctx.repo.get(due.pipeline_arn, for_update=True)
    if pipeline is None:
        ctx.schedules.remove(due.pipeline_arn)
        return None
    now = ctx.clock.now()
    # Runs missed while the service was down are not replayed one by one: this firing stands for
    # them all, and the next run is the first one after now.
    following = next_run_of(pipeline.document, max(due_at, now), datetime.fromtimestamp(due.anchor_at, UTC))
    advance_schedule(ctx.repo.connection, due.pipeline_arn, following.timestamp() if following else None)
    document = {key: value for key, value in pipeline.document.items() if key != "dateNextRun"}
    if following is not None:
        document["dateNextRun"] = format_date(following)
    pipeline.document = document
    ctx.repo.replace_document(pipeline.arn, document)
    # Claim the firing before building: a (pipeline, due time) fired before — by another
    # scheduler, or by an earlier pipeline of the same ARN — does not build again.
    if not ctx.schedules.record_firing(pipeline.arn, due.next_run_at, now.timestamp(), STARTING, None):
        log.info("pipeline %s: run due %s was fired before", pipeline.arn, format_date(due_at))
        return None
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with ctx.repo.connection.begin_nested():  # a build that cannot start leaves no trace
                outcome, image_arn, detail = _run(ctx, pipeline)
            break
        except UniqueViolation:
            # A race lost to another process (a build number, a name): run again, as the API runs
            # a request again, rather than lose the run as FAILED_TO_START.
            if attempt < MAX_ATTEMPTS:
                continue
            log.exception("pipeline %s: scheduled run due %s lost %d races", pipeline.arn, format_date(due_at),
                          attempt)
            outcome, image_arn, detail = FAILED_TO_START, None, "internal error"
        except Exception as error:  # noqa: BLE001 - one pipeline's fault must not stop the others' schedules
            if is_lock_conflict(error):
                raise  # the whole firing is retried
            log.exception("pipeline %s: scheduled run due %s failed to start", pipeline.arn, format_date(due_at))
            outcome, image_arn, detail = FAILED_TO_START, None, "internal error"
            break
    ctx.schedules.set_firing_outcome(pipeline.arn, due.next_run_at, outcome, image_arn)
    _log(ctx, pipeline, f"Scheduled run due {format_date(due_at)}: {outcome}" + (f" ({detail})" if detail else "")
         + (f": {image_arn}" if image_arn else ""))
    return Firing(pipeline.arn, due_at, outcome, image_arn)


class Busy(Exception):
    """The pipeline, or one of its builds, is being changed right now: fire it in a moment."""


def _run(ctx: Context, pipeline: Resource) -> tuple[str, str | None, str]:
    if pipeline.document.get("status") != "ENABLED":
        return SKIPPED_DISABLED, None, "the pipeline is disabled"
    schedule = pipeline.document.get("schedule") or {}
    try:
        build = build_configuration(ctx, pipeline.document)
        if (schedule.get("pipelineExecutionStartCondition") == "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"
                and not _dependencies_updated(ctx, pipeline, build.recipe)):
            return SKIPPED_NO_UPDATES, None, "no new versions of the recipe's dependencies since the last image"
        image_arn = start_build(ctx, build, build_type="SCHEDULED", tags=pipeline.document.get("imageTags") or {},
                                pipeline=pipeline)
    except ServiceError as error:
        return FAILED_TO_START, None, error.message
    return STARTED, image_arn, ""


def _dependencies(recipe: dict[str, Any]) -> tuple[str, tuple[str, ...], str]:
    return (recipe.get("arn", ""), tuple(c["componentArn"] for c in recipe.get("components") or []),
            recipe.get("parentImage", ""))


def _dependencies_updated(ctx: Context, pipeline: Resource, recipe: Resource) -> bool:
    """Documented: with semantic version filters in the recipe, build only when the base image or
    components now resolve to versions other than those the pipeline's last image used."""
    last = ctx.repo.get(pipeline.document.get("lastImageArn") or "")
    if last is None:
        return True
    used = last.document.get("imageRecipe") or last.document.get("containerRecipe") or {}
    current, _ = embed_recipe(ctx, recipe)
    return _dependencies(current) != _dependencies(used)


def _log(ctx: Context, pipeline: Resource, message: str) -> None:
    group = (pipeline.document.get("loggingConfiguration") or {}).get("pipelineLogGroupName") \
        or f"/aws/imagebuilder/pipeline/{pipeline.document['name']}"
    ctx.executions.append_log(group, pipeline.arn, ctx.now(), [message])
