"""The engine inside `oib serve`: worker threads that repeatedly take the most overdue build job
and advance it one step, each advance in its own transaction. Several processes sharing one
PostgreSQL run their engines side by side; row locks keep them off each other's jobs."""
from __future__ import annotations

import logging
import threading

from sqlalchemy import Connection
from sqlalchemy import Engine as DatabaseEngine

from ..domain.arn import parse_arn
from ..domain.clock import Clock
from ..server.identity import partition_of
from ..store.database import transaction
from ..store.executions import ExecutionRepository, claim_due_job, defer_job, next_due_at
from ..store.repository import Repository
from .backend import Backend
from .build import BuildStep, EngineSettings

log = logging.getLogger("openimagebuilder.engine")

IDLE_POLL_SECONDS = 0.25   # how long an idle worker sleeps unless woken or a job falls due sooner
ERROR_BACKOFF_SECONDS = 1.0
MAX_STEP_ERRORS = 5        # consecutive failures to advance one build before it is marked FAILED


class BuildEngine:
    def __init__(self, database: DatabaseEngine, clock: Clock, backend: Backend, settings: EngineSettings,
                 workers: int = 2) -> None:
        self.database = database
        self.clock = clock
        self.backend = backend
        self.settings = settings
        self.workers = workers
        self.postgres = database.dialect.name == "postgresql"
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for index in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"oib-engine-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout=10)

    def wake(self) -> None:
        """Called after a request that may have made a job due (a new build, a cancel, a resume)."""
        with self._wake:
            self._wake.notify_all()

    def advance_one(self) -> bool:
        """Advances the most overdue build by one step; False when none is due."""
        now = self.clock.now()
        with transaction(self.database, write=False) as connection:
            due = next_due_at(connection)
        if due is None or due > now.timestamp():
            return False  # checked without the write lock, which API requests need
        image_arn = None
        try:
            with transaction(self.database, write=True) as connection:
                job = claim_due_job(connection, now.timestamp(), self.postgres)
                if job is None:
                    return False
                image_arn = job.image_arn
                repo = Repository(connection, job.account_id, job.region, partition_of(job.region))
                executions = ExecutionRepository(connection, job.account_id, job.region)
                BuildStep(repo, executions, self.backend, self.settings, job, now).advance()
        except Exception as error:
            if image_arn is None:
                raise
            # The step rolled back; put the job back later so it cannot starve the others, and give
            # up on a build that keeps failing rather than retrying it forever.
            log.exception("advancing %s failed; retrying in %.0f s", image_arn, ERROR_BACKOFF_SECONDS)
            with transaction(self.database, write=True) as connection:
                failures = defer_job(connection, image_arn, now.timestamp() + ERROR_BACKOFF_SECONDS)
                if failures >= MAX_STEP_ERRORS:
                    self._fail_build(connection, image_arn, error)
        return True

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
