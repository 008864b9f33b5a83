"""Scoped data access for image builds in progress: the engine's job queue, workflow and step
executions, build-number counters and build logs. Like Repository, every query is filtered on the
caller's account and region (the engine acts as the image's owner)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, and_, bindparam, case, delete, func, insert, select, update

from .database import dialect_insert
from .tables import build_jobs, counters, log_events, step_executions, workflow_executions

# The due time of a job whose lease is held: out of reach of the due-job query while a worker has it.
LEASED_DUE_AT = 1e18


@dataclass
class Job:
    image_arn: str
    account_id: str
    region: str
    due_at: float
    cancel_requested: bool
    plan: str                   # the engine's build plan, as JSON
    lease_owner: str | None = None


@dataclass
class Execution:
    """A workflow or step execution: its id, position and document (API member names)."""
    id: str
    image_arn: str
    position: int
    document: dict[str, Any]
    workflow_execution_id: str = ""
    waiting: bool = False


# Statements built once for the engine's hot path (building expressions per call costs more than
# running them). WHERE binds are `p_`-prefixed, apart from the columns a statement writes.
# Lookups by id go by the primary key alone (scope is checked on the row): with scope columns in the
# WHERE clause, PostgreSQL's planner, before it has statistics, prefers a scope-prefixed index and
# filters every execution of the account.
_GET_WORKFLOW = select(workflow_executions).where(workflow_executions.c.id == bindparam("p_id"))
_SAVE_WORKFLOW = update(workflow_executions).where(workflow_executions.c.id == bindparam("p_id")).values(
    document=bindparam("document"))
_STEPS_OF_WORKFLOW = select(step_executions).where(
    step_executions.c.workflow_execution_id == bindparam("p_workflow_execution_id")
).order_by(step_executions.c.position)
_GET_STEP = select(step_executions).where(step_executions.c.id == bindparam("p_id"))
_SAVE_STEP = update(step_executions).where(step_executions.c.id == bindparam("p_id")).values(
    document=bindparam("document"), waiting=bindparam("waiting"))
_SAVE_JOB = update(build_jobs).where(build_jobs.c.image_arn == bindparam("p_image_arn")).values(
    due_at=bindparam("due_at"), plan=bindparam("plan"), lease_owner=bindparam("lease_owner"),
    lease_until=bindparam("lease_until"))
_TAKE_LEASE = update(build_jobs).where(build_jobs.c.image_arn == bindparam("p_image_arn")).values(
    due_at=LEASED_DUE_AT, lease_owner=bindparam("lease_owner"), lease_until=bindparam("lease_until"))
_JOB_FOR_UPDATE = select(build_jobs).where(build_jobs.c.image_arn == bindparam("p_image_arn")).with_for_update()
_INSERT_LOG = insert(log_events)
_DUE_JOB = select(build_jobs).where(
    build_jobs.c.due_at <= bindparam("p_now"), build_jobs.c.lease_owner.is_(None)
).order_by(build_jobs.c.due_at).limit(1)
_DUE_JOB_SKIP_LOCKED = _DUE_JOB.with_for_update(skip_locked=True)
_EXPIRED_JOB = select(build_jobs).where(
    build_jobs.c.lease_owner.is_not(None), build_jobs.c.lease_until < bindparam("p_wall")).limit(1)
_EXPIRED_JOB_SKIP_LOCKED = _EXPIRED_JOB.with_for_update(skip_locked=True)
_NEXT_DUE = select(build_jobs.c.due_at).where(build_jobs.c.lease_owner.is_(None)).order_by(
    build_jobs.c.due_at).limit(1)


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


class ExecutionRepository:
    def __init__(self, connection: Connection, account_id: str, region: str) -> None:
        self.connection = connection
        self.account_id = account_id
        self.region = region
        self.made_work_due = False  # a job was added or woken: the engine should look soon

    # -- counters --------------------------------------------------------------------------------
    def next_number(self, key: str) -> int:
        """The next value of a counter that never goes back (1 for a new counter)."""
        # One upsert: two transactions creating the same counter at once (two schedulers firing
        # pipelines of one recipe version) are ordered by the row's key, and the second counts on
        # from the first instead of failing on it.
        upsert = dialect_insert(self.connection, counters).values(
            account_id=self.account_id, region=self.region, counter_key=key, value=1)
        upsert = upsert.on_conflict_do_update(index_elements=[counters.c.account_id, counters.c.region,
                                                              counters.c.counter_key],
                                              set_={"value": counters.c.value + 1})
        return int(self.connection.scalar(upsert.returning(counters.c.value)))

    # -- jobs ------------------------------------------------------------------------------------
    def add_job(self, image_arn: str, due_at: float, plan: str) -> None:
        self.connection.execute(insert(build_jobs).values(
            image_arn=image_arn, account_id=self.account_id, region=self.region, due_at=due_at, plan=plan))
        self.made_work_due = True

    def job(self, image_arn: str) -> Job | None:
        row = self.connection.execute(select(build_jobs).where(
            build_jobs.c.account_id == self.account_id, build_jobs.c.region == self.region,
            build_jobs.c.image_arn == image_arn)).first()
        return _job(row) if row else None

    def wake_job(self, image_arn: str, now: float, cancel: bool = False) -> bool:
        """Makes the build due now (and asks it to cancel); False when it has no job any more. A
        job whose lease a worker holds keeps it: that worker sees the cancel at its next heartbeat,
        and schedules the job itself when it gives the lease back."""
        values: dict[str, Any] = {"due_at": case((build_jobs.c.lease_owner.is_(None), now),
                                                 else_=build_jobs.c.due_at)}
        if cancel:
            values["cancel_requested"] = True
        result = self.connection.execute(update(build_jobs).where(
            build_jobs.c.account_id == self.account_id, build_jobs.c.region == self.region,
            build_jobs.c.image_arn == image_arn).values(**values))
        self.made_work_due = True
        return result.rowcount > 0

    def finish_job(self, image_arn: str) -> None:
        self.connection.execute(delete(build_jobs).where(build_jobs.c.image_arn == image_arn))

    def delete_executions(self, image_arn: str) -> None:
        """The workflow and step executions of a deleted image."""
        for table in (step_executions, workflow_executions):
            self.connection.execute(delete(table).where(
                table.c.account_id == self.account_id, table.c.region == self.region, table.c.image_arn == image_arn))

    # -- workflow executions ---------------------------------------------------------------------
    def add_workflow_execution(self, execution: Execution) -> None:
        self.connection.execute(insert(workflow_executions).values(
            id=execution.id, account_id=self.account_id, region=self.region, image_arn=execution.image_arn,
            position=execution.position, document=_dumps(execution.document)))

    def save_workflow_execution(self, execution: Execution) -> None:
        self.connection.execute(_SAVE_WORKFLOW, {"p_id": execution.id, "document": _dumps(execution.document)})

    def workflow_executions(self, image_arn: str) -> list[Execution]:
        rows = self.connection.execute(select(workflow_executions).where(
            workflow_executions.c.account_id == self.account_id, workflow_executions.c.region == self.region,
            workflow_executions.c.image_arn == image_arn).order_by(workflow_executions.c.position))
        return [Execution(row.id, row.image_arn, row.position, orjson.loads(row.document)) for row in rows]

    def workflow_execution(self, execution_id: str) -> Execution | None:
        row = self.connection.execute(_GET_WORKFLOW, {"p_id": execution_id}).first()
        if row is not None and (row.account_id, row.region) != (self.account_id, self.region):
            row = None
        return Execution(row.id, row.image_arn, row.position, orjson.loads(row.document)) if row else None

    # -- step executions -------------------------------------------------------------------------
    def add_step_executions(self, steps: list[Execution]) -> None:
        if steps:
            self.connection.execute(insert(step_executions), [dict(
                id=step.id, account_id=self.account_id, region=self.region, image_arn=step.image_arn,
                workflow_execution_id=step.workflow_execution_id, position=step.position, waiting=step.waiting,
                document=_dumps(step.document)) for step in steps])

    def save_step_execution(self, step: Execution) -> None:
        self.connection.execute(_SAVE_STEP, {"p_id": step.id, "document": _dumps(step.document),
                                             "waiting": step.waiting})

    def step_executions(self, workflow_execution_id: str) -> list[Execution]:
        rows = self.connection.execute(_STEPS_OF_WORKFLOW, {"p_workflow_execution_id": workflow_execution_id})
        return [_step(row) for row in rows if (row.account_id, row.region) == (self.account_id, self.region)]

    def step_execution(self, step_id: str) -> Execution | None:
        row = self.connection.execute(_GET_STEP, {"p_id": step_id}).first()
        in_scope = row is not None and (row.account_id, row.region) == (self.account_id, self.region)
        return _step(row) if in_scope else None

    def waiting_steps(self) -> list[Execution]:
        rows = self.connection.execute(select(step_executions).where(
            step_executions.c.account_id == self.account_id, step_executions.c.region == self.region,
            step_executions.c.waiting.is_(True)).order_by(step_executions.c.image_arn, step_executions.c.position))
        return [_step(row) for row in rows]

    # -- logs ------------------------------------------------------------------------------------
    def append_log(self, log_group: str, log_stream: str, timestamp: str, messages: list[str]) -> None:
        if messages:
            self.connection.execute(_INSERT_LOG, [dict(
                account_id=self.account_id, region=self.region, log_group=log_group, log_stream=log_stream,
                timestamp=timestamp, message=message) for message in messages])

    def append_log_lines(self, log_group: str, log_stream: str, lines: list[tuple[str, str]]) -> None:
        """Lines that each carry their own time: (timestamp, message)."""
        if lines:
            self.connection.execute(_INSERT_LOG, [dict(
                account_id=self.account_id, region=self.region, log_group=log_group, log_stream=log_stream,
                timestamp=timestamp, message=message) for timestamp, message in lines])

    def log_events(self, log_stream: str, after_id: int = 0, limit: int = 1000) -> list[tuple[int, str, str, str]]:
        rows = self.connection.execute(select(log_events).where(
            log_events.c.account_id == self.account_id, log_events.c.region == self.region,
            log_events.c.log_stream == log_stream, log_events.c.id > after_id)
            .order_by(log_events.c.id).limit(limit))
        return [(row.id, row.log_group, row.timestamp, row.message) for row in rows]


def _job(row: Any) -> Job:
    return Job(row.image_arn, row.account_id, row.region, row.due_at, bool(row.cancel_requested), row.plan,
               row.lease_owner)


def _step(row: Any) -> Execution:
    return Execution(row.id, row.image_arn, row.position, orjson.loads(row.document),
                     row.workflow_execution_id, bool(row.waiting))


# -- the engine's queue: jobs are claimed with a lease that the claiming worker renews while it
# runs the job's step; an expired lease means its worker stopped, and another takes the job over.
# Leases count in wall-clock seconds (whatever the service clock), so workers sharing a store need
# clocks that agree to within a fraction of the lease.

def claim_due_job(connection: Connection, now: float, worker: str, lease_until: float, postgres: bool) -> Job | None:
    """The most overdue job that no worker holds, leased to `worker`. On PostgreSQL concurrent
    workers (in any process) skip each other's locked rows; on SQLite the write transaction already
    excludes other writers."""
    row = connection.execute(_DUE_JOB_SKIP_LOCKED if postgres else _DUE_JOB, {"p_now": now}).first()
    return _lease(connection, row, worker, lease_until)


def claim_expired_job(connection: Connection, wall: float, worker: str, lease_until: float,
                      postgres: bool) -> Job | None:
    """A job whose worker stopped renewing its lease, leased to `worker` instead."""
    row = connection.execute(_EXPIRED_JOB_SKIP_LOCKED if postgres else _EXPIRED_JOB, {"p_wall": wall}).first()
    return _lease(connection, row, worker, lease_until)


def _lease(connection: Connection, row: Any, worker: str, lease_until: float) -> Job | None:
    if row is None:
        return None
    connection.execute(_TAKE_LEASE, {"p_image_arn": row.image_arn, "lease_owner": worker, "lease_until": lease_until})
    job = _job(row)
    job.lease_owner = worker
    return job


def held_job(connection: Connection, image_arn: str, worker: str) -> Job | None:
    """The job, locked, if `worker` still holds its lease (it may have lost it by stalling)."""
    row = connection.execute(_JOB_FOR_UPDATE, {"p_image_arn": image_arn}).first()
    return _job(row) if row is not None and row.lease_owner == worker else None


def save_job(connection: Connection, job: Job, plan: str, lease_until: float | None) -> None:
    """The job's plan, and either its lease kept (a step's work runs) or given back with its due time."""
    held = lease_until is not None
    connection.execute(_SAVE_JOB, {"p_image_arn": job.image_arn, "plan": plan,
                                   "due_at": LEASED_DUE_AT if held else job.due_at,
                                   "lease_owner": job.lease_owner if held else None,
                                   "lease_until": lease_until})


def save_plan(connection: Connection, image_arn: str, worker: str, plan: str) -> bool:
    """A running step's plan (its new handle), if `worker` still holds the job."""
    return connection.execute(update(build_jobs).where(
        build_jobs.c.image_arn == image_arn, build_jobs.c.lease_owner == worker).values(plan=plan)).rowcount > 0


def renew_leases(connection: Connection, worker: str, image_arns: list[str], lease_until: float) -> dict[str, bool]:
    """Extends the leases `worker` holds on these jobs; returns those it still holds, each with
    whether a cancel was asked. (A lease the worker holds but no longer works on runs out.)"""
    held = and_(build_jobs.c.lease_owner == worker, build_jobs.c.image_arn.in_(image_arns))
    connection.execute(update(build_jobs).where(held).values(lease_until=lease_until))
    rows = connection.execute(select(build_jobs.c.image_arn, build_jobs.c.cancel_requested).where(held))
    return {row.image_arn: bool(row.cancel_requested) for row in rows}


def release_lease(connection: Connection, image_arn: str, worker: str, due_at: float) -> None:
    connection.execute(update(build_jobs).where(
        build_jobs.c.image_arn == image_arn, build_jobs.c.lease_owner == worker).values(
        lease_owner=None, lease_until=None, due_at=due_at))


def defer_job(connection: Connection, image_arn: str, due_at: float) -> int:
    """Puts a job whose advance failed back for later, with no lease; returns how many times in a
    row it failed (counted in its plan, which a successful advance rewrites without the count)."""
    plan = connection.scalar(select(build_jobs.c.plan).where(build_jobs.c.image_arn == image_arn))
    if plan is None:
        return 0
    progress = orjson.loads(plan)
    progress["step_errors"] = int(progress.get("step_errors") or 0) + 1
    connection.execute(update(build_jobs).where(build_jobs.c.image_arn == image_arn)
                       .values(due_at=due_at, plan=_dumps(progress), lease_owner=None, lease_until=None))
    return progress["step_errors"]


def next_due_at(connection: Connection) -> float | None:
    return connection.scalar(_NEXT_DUE)


def next_lease_expiry(connection: Connection) -> float | None:
    """When the first lease held runs out (wall-clock seconds), if any is held."""
    return connection.scalar(select(func.min(build_jobs.c.lease_until)).where(build_jobs.c.lease_owner.is_not(None)))
