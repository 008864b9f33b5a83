"""Firing lifecycle work from the scheduler's index: the daily run of an ENABLED lifecycle
policy, and a StartResourceStateUpdate scheduled for its `updateAt`. Each (ARN, due time) runs
once (the firing's primary key), as pipeline runs do."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from ..domain.arn import parse_arn
from ..service.context import Context
from ..service.lifecycle import EXECUTION_KIND, next_daily_run, run_policy, run_state_update
from ..store.schedules import DueSchedule, advance_schedule, lock_pipeline_now
from .firing import Busy, Firing

LIFECYCLE_RUN = "LIFECYCLE_EXECUTION"
log = logging.getLogger("openimagebuilder.scheduler")


def fire_lifecycle(ctx: Context, due: DueSchedule) -> Firing | None:
    """Runs one due lifecycle item inside the caller's transaction; None when it is gone or this due
    time ran before."""
    due_at = datetime.fromtimestamp(due.next_run_at, UTC)
    arn = due.pipeline_arn
    if not lock_pipeline_now(ctx.repo.connection, ctx.account_id, ctx.region, arn):
        raise Busy(arn)
    resource = ctx.repo.get(arn, for_update=True)
    if resource is None:
        ctx.schedules.remove(arn)
        return None
    parsed = parse_arn(arn)
    scheduled_update = parsed is not None and parsed.resource_type == EXECUTION_KIND
    now = ctx.clock.now()
    # A policy runs again 24 hours on; missed days collapse into this one run. A scheduled state
    # update runs once.
    if scheduled_update:
        ctx.schedules.remove(arn)
    else:
        advance_schedule(ctx.repo.connection, arn, next_daily_run(due.anchor_at, max(due.next_run_at, now.timestamp())))
    if not ctx.schedules.record_firing(arn, due.next_run_at, now.timestamp(), LIFECYCLE_RUN, None):
        return None
    if scheduled_update:
        if (resource.document.get("state") or {}).get("status") != "PENDING":
            return None
        run_state_update(ctx, resource, due_at)
        execution_id = resource.document["lifecycleExecutionId"]
    else:
        if resource.document.get("status") != "ENABLED":
            return None
        execution_id = run_policy(ctx, resource, max(due_at, now)).document["lifecycleExecutionId"]
    log.info("lifecycle %s: run due %s: %s", arn, due_at.isoformat(), execution_id)
    return Firing(arn, due_at, LIFECYCLE_RUN, None)
