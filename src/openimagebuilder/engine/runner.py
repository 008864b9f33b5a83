"""The build worker: threads that take due builds from the store and advance them, embedded in
`oib serve` or run alone as `oib worker`. Several workers (in any number of processes on one
PostgreSQL) share the builds.

An advance has three parts, and only the first and last touch the store:
1. claim (one short transaction): lease the most overdue build, run its state machine up to the
   next step whose action does real work, record that work in the plan, commit;
2. work (no transaction, on this worker's thread, never the API's event loop): run the action on
   the backend, streaming its output to the build log; a heartbeat renews the lease every
   `heartbeat_seconds` and stops the work on a cancel, a timeout or a lost lease;
3. record (one short transaction): if the lease is still held, hand the result to the state
   machine, which goes on to the next step, and give the lease back.
A worker that dies keeps its lease only until `lease_seconds` pass; then another worker takes the
build over and runs the step again, resuming the backend's work from its saved handle.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection
from sqlalchemy import Engine as DatabaseEngine

from ..domain.arn import parse_arn, partition_of
from ..domain.clock import Clock, format_date
from ..store.database import transaction
from ..store.executions import (
    ExecutionRepository,
    Job,
    claim_due_job,
    claim_expired_job,
    defer_job,
    held_job,
    next_due_at,
    next_lease_expiry,
    renew_leases,
    save_job,
    save_plan,
)
from ..store.repository import Repository
from .actions import run_action
from .backend import Backend, BuildContext, StepControl, StepResult
from .build import BuildStep
from .plan import BuildPlan, StepWork

log = logging.getLogger("openimagebuilder.engine")

IDLE_POLL_SECONDS = 0.25   # how long an idle worker sleeps unless woken or a job falls due sooner
ERROR_BACKOFF_SECONDS = 1.0
MAX_STEP_ERRORS = 5        # consecutive failures to advance one build before it is marked FAILED
OUTPUT_LINE_LIMIT = 16 * 1024  # characters of one output line kept in the log


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class WorkerSettings:
    threads: int = 2                 # builds advanced at once (each running step holds one)
    lease_seconds: float = 10.0      # a dead worker's builds move to another after this long
    heartbeat_seconds: float = 0.5   # also bounds how late a cancel or a timeout reaches a running step
    worker_id: str = field(default_factory=default_worker_id)


@dataclass
class _Running:
    """A build this worker holds the lease of, from claim to record."""
    image_arn: str
    log_group: str
    step_name: str
    deadline: float | None = None            # wall-clock seconds; None before the work starts
    cancel: threading.Event = field(default_factory=threading.Event)
    stop_reason: str | None = None           # "cancelled" | "timeout" | "lost"
    lines: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason
        self.cancel.set()

    def take_lines(self) -> list[tuple[str, str]]:
        with self.lock:
            lines, self.lines = self.lines, []
        return lines


class BuildEngine:
    def __init__(self, database: DatabaseEngine, clock: Clock, backend: Backend,
                 settings: WorkerSettings | None = None) -> None:
        self.database = database
        self.clock = clock
        self.backend = backend
        self.settings = settings or WorkerSettings()
        self.worker_id = self.settings.worker_id
        self.postgres = database.dialect.name == "postgresql"
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._running: dict[str, _Running] = {}
        self._running_lock = threading.Lock()

    # -- life cycle ------------------------------------------------------------------------------
    def start(self) -> None:
        # Leases found at start may be a previous run's or another live worker's (even on SQLite,
        # an `oib worker` may share the file): either way they are taken over only once they run out.
        for index in range(self.settings.threads):
            thread = threading.Thread(target=self._work, name=f"oib-engine-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)
        heartbeat = threading.Thread(target=self._heartbeat, name="oib-engine-heartbeat", daemon=True)
        heartbeat.start()
        self._threads.append(heartbeat)
        log.info("build worker %s started (%d threads, lease %.0f s)", self.worker_id, self.settings.threads,
                 self.settings.lease_seconds)

    def stop(self) -> None:
        """Stops claiming; steps still running are stopped and their builds left for the next
        worker (their leases run out), so nothing this worker started outlives it."""
        self._stop.set()
        for running in self._snapshot():
            running.stop("lost")
        self.wake()
        for thread in self._threads:
            thread.join(timeout=10)

    def wake(self) -> None:
        """Called after a request that may have made a job due (a new build, a cancel, a resume)."""
        with self._wake:
            self._wake.notify_all()

    def health(self) -> dict[str, object]:
        return {"worker": self.worker_id, "threads": self.settings.threads, "runningSteps": len(self._running)}

    # -- one advance -----------------------------------------------------------------------------
    def advance_one(self) -> bool:
        """Claims the most overdue build (or one whose worker died) and advances it until it waits
        for time or a user; False when nothing was due."""
        now = self.clock.now()
        wall = time.time()
        with transaction(self.database, write=False) as connection:
            due = next_due_at(connection)
            expiry = next_lease_expiry(connection)
        takeover = expiry is not None and expiry < wall
        if not takeover and (due is None or due > now.timestamp()):
            return False  # checked without the write lock, which API requests need
        claimed = self._claim(takeover)
        if claimed is None:
            return True
        job, plan, context = claimed
        try:
            while plan.work is not None and not self._stop.is_set():
                # Held from here (the lease is committed) until the result is recorded: the
                # heartbeat renews the lease of exactly the steps this worker runs.
                self._hold(job.image_arn, plan.log_group, plan.work.step_name)
                result = self._run(job, plan, context)
                if result is None:
                    return True  # the lease was lost: the build is another worker's now
                claimed = self._record(job, result)
                if claimed is None:
                    return True
                job, plan, context = claimed
        finally:
            self._forget(job.image_arn)
        return True

    def _claim(self, takeover: bool) -> tuple[Job, BuildPlan, BuildContext] | None:
        lease_until = job_lease(self.settings)
        image_arn = None
        try:
            with transaction(self.database, write=True) as connection:
                job = None
                if takeover:
                    job = claim_expired_job(connection, time.time(), self.worker_id, lease_until, self.postgres)
                if job is None:
                    job = claim_due_job(connection, self.clock.now().timestamp(), self.worker_id, lease_until,
                                        self.postgres)
                if job is None:
                    return None
                image_arn = job.image_arn
                plan = BuildPlan.from_json(job.plan)
                if plan.work is not None:
                    return self._take_over(connection, job, plan)
                return self._advance(connection, job, plan, None)
        except Exception as error:
            if image_arn is None:
                raise
            self._defer(image_arn, error)
            return None

    def _take_over(self, connection: Connection, job: Job, plan: BuildPlan) -> tuple[Job, BuildPlan, BuildContext] | None:
        """A build whose worker stopped while its step ran (or whose result could not be
        recorded): the step runs again here, and the backend resumes its work from the saved
        handle (or fails the step, saying why)."""
        work = plan.work
        assert work is not None
        if job.cancel_requested:  # cancelled meanwhile: nothing to run again
            return self._advance(connection, job, plan, StepResult(False, {}, "The build was cancelled."))
        log.warning("worker %s took over %s: step %s of worker %s (lease expired)", self.worker_id,
                    job.image_arn, work.step_name, work.worker)
        step = self._build_step(connection, job, plan, None)
        if step.image is None:
            step.advance()
            return None
        executions = step.executions
        executions.append_log(plan.log_group, job.image_arn, step.stamp, [
            f"Step {work.step_name}: worker {work.worker} stopped while it ran; worker {self.worker_id} takes it over."])
        work.worker = self.worker_id
        work.attempt += 1
        save_job(connection, job, plan.to_json(), job_lease(self.settings))
        return job, plan, step.context()

    def _advance(self, connection: Connection, job: Job, plan: BuildPlan,
                 result: StepResult | None) -> tuple[Job, BuildPlan, BuildContext] | None:
        """Runs the state machine in the caller's transaction; returns what to run next when it
        handed a step's work to this worker."""
        done = plan.work
        step = self._build_step(connection, job, plan, result)
        step.advance()
        if step.image is None:
            return None  # deleted while building: its job is gone
        if done is not None and plan.work is not None and plan.work.step_id == done.step_id:
            plan.work = None  # the result had no step to go to (the build moved on); never run it twice
        plan.step_errors = 0
        if plan.work is None:
            save_job(connection, job, plan.to_json(), None)
            return None
        save_job(connection, job, plan.to_json(), job_lease(self.settings))
        return job, plan, step.context()

    def _build_step(self, connection: Connection, job: Job, plan: BuildPlan, result: StepResult | None) -> BuildStep:
        repo = Repository(connection, job.account_id, job.region, partition_of(job.region))
        executions = ExecutionRepository(connection, job.account_id, job.region)
        return BuildStep(repo, executions, self.backend, job, plan, self.clock.now(), self.worker_id, result)

    def _run(self, job: Job, plan: BuildPlan, context: BuildContext) -> StepResult | None:
        """Runs the plan's work outside any transaction; None when the lease was lost meanwhile."""
        work = plan.work
        assert work is not None
        running = self._running[job.image_arn]
        if work.timeout_seconds:
            running.deadline = time.time() + work.timeout_seconds
        control = StepControl(work.step_name, work.action, running.cancel, self._output_sink(running),
                              self._handle_saver(job, plan, work), handle=work.handle)
        try:
            result = run_action(self.backend, context, control, work, plan)
        except Exception as error:  # noqa: BLE001 - a backend failure fails the step, not the worker
            log.exception("step %s of %s failed in the backend", work.step_name, job.image_arn)
            result = StepResult(False, {}, f"The {work.action} action failed: {error}")
        self._flush_output(running)
        if running.stop_reason == "lost":
            log.warning("lost the lease of %s while step %s ran; its result is dropped", job.image_arn,
                        work.step_name)
            return None
        if running.stop_reason == "timeout":
            return StepResult(False, result.outputs, f"The step did not finish within its timeout of "
                              f"{work.timeout_seconds:g} seconds (timeoutSeconds).", result.log)
        return result

    def _record(self, job: Job, result: StepResult) -> tuple[Job, BuildPlan, BuildContext] | None:
        try:
            with transaction(self.database, write=True) as connection:
                held = held_job(connection, job.image_arn, self.worker_id)
                if held is None:
                    log.warning("lost the lease of %s before its step's result was recorded", job.image_arn)
                    return None
                return self._advance(connection, held, BuildPlan.from_json(held.plan), result)
        except Exception as error:
            self._defer(job.image_arn, error)
            return None

    def _defer(self, image_arn: str, error: Exception) -> None:
        # The advance rolled back; put the job back later so it cannot starve the others, and give
        # up on a build that keeps failing rather than retrying it forever.
        log.exception("advancing %s failed; retrying in %.0f s", image_arn, ERROR_BACKOFF_SECONDS)
        with transaction(self.database, write=True) as connection:
            failures = defer_job(connection, image_arn, self.clock.now().timestamp() + ERROR_BACKOFF_SECONDS)
            if failures >= MAX_STEP_ERRORS:
                self._fail_build(connection, image_arn, error)

    def _fail_build(self, connection: Connection, image_arn: str, error: Exception) -> None:
        arn = parse_arn(image_arn)
        assert arn is not None
        repo = Repository(connection, arn.owner, arn.region, partition_of(arn.region))
        image = repo.get(image_arn, for_update=True)
        if image is not None:
            image.document["state"] = {"status": "FAILED", "reason": (
                f"Internal error: the build could not advance after {MAX_STEP_ERRORS} attempts ({error}).")}
            repo.replace_document(image_arn, image.document)
        ExecutionRepository(connection, arn.owner, arn.region).finish_job(image_arn)
        log.error("gave up on %s after %d failed attempts", image_arn, MAX_STEP_ERRORS)

    # -- running steps ---------------------------------------------------------------------------
    def _hold(self, image_arn: str, log_group: str, step_name: str) -> None:
        with self._running_lock:
            running = self._running.get(image_arn)
            if running is None or running.cancel.is_set():
                self._running[image_arn] = _Running(image_arn, log_group, step_name)
            else:
                running.step_name, running.deadline = step_name, None

    def _forget(self, image_arn: str) -> None:
        with self._running_lock:
            self._running.pop(image_arn, None)

    def _snapshot(self) -> list[_Running]:
        with self._running_lock:
            return list(self._running.values())

    def _output_sink(self, running: _Running) -> Callable[[str], None]:
        def add(line: str) -> None:
            line = line.rstrip()
            if not line:
                return  # a blank line of a step's output would be a log line with an empty tail
            stamp = format_date(self.clock.now())
            with running.lock:
                running.lines.append((stamp, f"{running.step_name}: {line[:OUTPUT_LINE_LIMIT]}"))
        return add

    def _flush_output(self, running: _Running) -> None:
        if running.lines:
            with transaction(self.database, write=True) as connection:
                _write_output(connection, running)

    def _handle_saver(self, job: Job, plan: BuildPlan, work: StepWork) -> Callable[[dict[str, object]], None]:
        def save(handle: dict[str, object]) -> None:
            work.handle = dict(handle)
            with transaction(self.database, write=True) as connection:
                if not save_plan(connection, job.image_arn, self.worker_id, plan.to_json()):
                    self._running[job.image_arn].stop("lost")
        return save

    def _heartbeat(self) -> None:
        """Renews this worker's leases, and stops running steps that were cancelled, ran out of
        time or lost their lease; flushes their output to the build logs as it goes."""
        while not self._stop.wait(self.settings.heartbeat_seconds):
            running = self._snapshot()
            if not running:
                continue
            try:
                with transaction(self.database, write=True) as connection:
                    held = renew_leases(connection, self.worker_id, [item.image_arn for item in running],
                                        job_lease(self.settings))
                    for item in running:
                        _write_output(connection, item)
            except Exception:  # noqa: BLE001 - tried again at the next beat, well within the lease
                log.exception("heartbeat failed")
                continue
            wall = time.time()
            for item in running:
                if item.image_arn not in held:
                    item.stop("lost")
                elif held[item.image_arn]:
                    item.stop("cancelled")
                elif item.deadline is not None and wall > item.deadline:
                    item.stop("timeout")

    # -- the loop --------------------------------------------------------------------------------
    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                if self.advance_one():
                    continue
                self._sleep()
            except Exception:  # a failing build must not take the engine down; it is retried
                log.exception("engine step failed; retrying")
                self._stop.wait(ERROR_BACKOFF_SECONDS)

    def _sleep(self) -> None:
        with transaction(self.database, write=False) as connection:
            due = next_due_at(connection)
        delay = IDLE_POLL_SECONDS if due is None else max(0.0, min(IDLE_POLL_SECONDS, due - self.clock.now().timestamp()))
        with self._wake:
            self._wake.wait(delay)


def job_lease(settings: WorkerSettings) -> float:
    return time.time() + settings.lease_seconds


def _write_output(connection: Connection, running: _Running) -> None:
    """The lines a running step printed since the last write, to its build's log."""
    lines = running.take_lines()
    if lines:
        arn = parse_arn(running.image_arn)
        assert arn is not None
        ExecutionRepository(connection, arn.owner, arn.region).append_log_lines(
            running.log_group, running.image_arn, lines)
