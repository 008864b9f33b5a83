"""The scheduler's data: each scheduled pipeline's next run, and the firings made."""
from __future__ import annotations

from dataclasses import dataclass

import orjson
from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from .tables import build_jobs, pipeline_schedules, resources, schedule_firings

_SCOPE = and_(pipeline_schedules.c.account_id == bindparam("p_account_id"),
              pipeline_schedules.c.region == bindparam("p_region"),
              pipeline_schedules.c.pipeline_arn == bindparam("p_pipeline_arn"))
_REMOVE = delete(pipeline_schedules).where(_SCOPE)
_ANCHOR = select(pipeline_schedules.c.anchor_at).where(_SCOPE)
_INSERT = insert(pipeline_schedules)


@dataclass
class DueSchedule:
    pipeline_arn: str
    account_id: str
    region: str
    next_run_at: float
    anchor_at: float


class ScheduleRepository:
    def __init__(self, connection: Connection, account_id: str, region: str) -> None:
        self.connection = connection
        self.account_id = account_id
        self.region = region
        self.changed = False  # a schedule was set or removed: the scheduler should look again

    def _where(self, pipeline_arn: str) -> dict[str, str]:
        return {"p_account_id": self.account_id, "p_region": self.region, "p_pipeline_arn": pipeline_arn}

    def set(self, pipeline_arn: str, next_run_at: float | None, anchor_at: float) -> None:
        self.remove(pipeline_arn)
        self.connection.execute(_INSERT, {"pipeline_arn": pipeline_arn, "account_id": self.account_id,
                                          "region": self.region, "next_run_at": next_run_at, "anchor_at": anchor_at})
        self.changed = True

    def anchor(self, pipeline_arn: str) -> float | None:
        return self.connection.scalar(_ANCHOR, self._where(pipeline_arn))

    def remove(self, pipeline_arn: str) -> None:
        self.connection.execute(_REMOVE, self._where(pipeline_arn))

    def record_firing(self, pipeline_arn: str, due_at: float, fired_at: float, outcome: str,
                      image_arn: str | None) -> bool:
        """Claims this (pipeline, due time); False when it was fired already (by another scheduler,
        or by an earlier pipeline of the same ARN)."""
        try:
            with self.connection.begin_nested():
                self.connection.execute(insert(schedule_firings).values(
                    pipeline_arn=pipeline_arn, due_at=due_at, account_id=self.account_id, region=self.region,
                    fired_at=fired_at, outcome=outcome, image_arn=image_arn))
        except IntegrityError:
            return False
        return True

    def set_firing_outcome(self, pipeline_arn: str, due_at: float, outcome: str, image_arn: str | None) -> None:
        self.connection.execute(update(schedule_firings).where(
            schedule_firings.c.pipeline_arn == pipeline_arn, schedule_firings.c.due_at == due_at)
            .values(outcome=outcome, image_arn=image_arn))

    def firings(self, pipeline_arn: str) -> list[tuple[float, str, str | None]]:
        rows = self.connection.execute(select(schedule_firings).where(
            schedule_firings.c.account_id == self.account_id, schedule_firings.c.region == self.region,
            schedule_firings.c.pipeline_arn == pipeline_arn).order_by(schedule_firings.c.due_at))
        return [(row.due_at, row.outcome, row.image_arn) for row in rows]


def claim_due_schedules(connection: Connection, now: float, postgres: bool, limit: int = 50) -> list[DueSchedule]:
    """Due schedules, locked for this transaction (skipped by other schedulers on PostgreSQL)."""
    query = (select(pipeline_schedules).where(pipeline_schedules.c.next_run_at <= now)
             .order_by(pipeline_schedules.c.next_run_at).limit(limit))
    if postgres:
        query = query.with_for_update(skip_locked=True)
    return [DueSchedule(row.pipeline_arn, row.account_id, row.region, row.next_run_at, row.anchor_at)
            for row in connection.execute(query)]


def advance_schedule(connection: Connection, pipeline_arn: str, next_run_at: float | None) -> None:
    connection.execute(update(pipeline_schedules).where(pipeline_schedules.c.pipeline_arn == pipeline_arn)
                       .values(next_run_at=next_run_at))


def earliest_run(connection: Connection) -> float | None:
    return connection.scalar(select(pipeline_schedules.c.next_run_at).where(
        pipeline_schedules.c.next_run_at.is_not(None)).order_by(pipeline_schedules.c.next_run_at).limit(1))


def lock_pipeline_now(connection: Connection, account_id: str, region: str, pipeline_arn: str) -> bool:
    """PostgreSQL: locks the pipeline and the jobs of its builds in progress for this transaction,
    without waiting; False when one of them is locked (a request changing the pipeline, or an
    engine step of one of its builds, is in flight: try again in a moment).

    While these locks are held, no engine step of the pipeline's builds runs (workers skip locked
    jobs), so none can read the pipeline before this transaction's change and write it back after.
    Not waiting keeps a scheduler that holds due schedules out of lock cycles with requests and
    engine steps, which lock the pipeline first and its schedule second. SQLite needs none of this:
    a write transaction excludes all other writers."""
    if connection.dialect.name != "postgresql":
        return True
    marker = orjson.dumps({"sourcePipelineArn": pipeline_arn}).decode()[1:-1]
    candidates = connection.execute(
        select(build_jobs.c.image_arn, resources.c.document)
        .join(resources, resources.c.arn == build_jobs.c.image_arn)
        .where(build_jobs.c.account_id == account_id, build_jobs.c.region == region,
               resources.c.document.contains(marker, autoescape=True))).all()
    jobs = [arn for arn, document in candidates if orjson.loads(document).get("sourcePipelineArn") == pipeline_arn]
    try:
        with connection.begin_nested():
            connection.execute(select(resources.c.id).where(
                resources.c.account_id == account_id, resources.c.region == region,
                resources.c.arn == pipeline_arn).with_for_update(nowait=True)).all()
            if jobs:
                connection.execute(select(build_jobs.c.image_arn).where(build_jobs.c.image_arn.in_(jobs))
                                   .with_for_update(nowait=True)).all()
    except DBAPIError as error:
        code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        if code == "55P03":  # lock_not_available
            return False
        raise
    return True
