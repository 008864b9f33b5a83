"""The scheduler's data: each scheduled pipeline's next run, and the firings made."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from .tables import pipeline_schedules, resources, schedule_firings

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


def claim_due_schedules(connection: Connection, now: float, postgres: bool, limit: int = 8) -> list[DueSchedule]:
    """Due schedules, locked for this transaction (other schedulers on PostgreSQL skip them). A few at
    a time: a burst of firings commits in small transactions and does not hold SQLite's single
    writer (and with it the API) for long."""
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
    """PostgreSQL: locks the pipeline's row for this transaction without waiting; False when it is
    locked (a request or a build step is changing the pipeline: try again in a moment).

    Requests and build steps lock a pipeline before they read and rewrite it, and some of them
    then touch its schedule; a scheduler, which already holds due schedules, does not wait for a
    pipeline, so the two never wait for each other in a cycle. SQLite needs none of this: a write
    transaction excludes all other writers."""
    if connection.dialect.name != "postgresql":
        return True
    try:
        with connection.begin_nested():
            connection.execute(select(resources.c.id).where(
                resources.c.account_id == account_id, resources.c.region == region,
                resources.c.arn == pipeline_arn).with_for_update(nowait=True)).all()
    except DBAPIError as error:
        if _state(error) == "55P03":  # lock_not_available
            return False
        raise
    return True


def _state(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)


_CONFLICT_STATES = frozenset({"40P01", "40001", "55P03"})  # deadlock, serialization failure, lock not available


def is_lock_conflict(error: BaseException) -> bool:
    """A transaction lost a lock conflict and was rolled back (worth retrying as a whole)."""
    if not isinstance(error, DBAPIError):
        return False
    return _state(error) in _CONFLICT_STATES or "database is locked" in str(error.orig).lower()
