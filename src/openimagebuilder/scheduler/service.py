"""The scheduler inside `oib serve`: a thread that sleeps until the earliest next run (or until a
pipeline changes), then fires every due schedule. Several processes sharing one PostgreSQL run
schedulers side by side: row locks keep them off each other's schedules, and the firing's
primary key makes a second firing of one due time impossible."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy.exc import DBAPIError

from ..domain.arn import partition_of
from ..domain.clock import Clock
from ..service.context import Context
from ..service.lifecycle import is_lifecycle_arn
from ..store.database import transaction
from ..store.executions import ExecutionRepository
from ..store.repository import Repository
from ..store.schedules import ScheduleRepository, claim_due_schedules, earliest_run, is_lock_conflict
from .firing import Busy, Firing, fire
from .lifecycle import fire_lifecycle

log = logging.getLogger("openimagebuilder.scheduler")

IDLE_POLL_SECONDS = 0.5   # also bounds how late a run fires when another process changed a schedule
BUSY_RETRY_SECONDS = 0.005   # a due pipeline that is being changed (request, build step) is retried after this
BUSY_PATIENCE_SECONDS = 5.0  # ... for at most this long in one go
MAX_CONFLICTS = 5            # deadlocks / serialization failures retried in one go


class PipelineScheduler:
    def __init__(self, database: DatabaseEngine, clock: Clock, secret: bytes,
                 on_fire: Callable[[], None] = lambda: None,
                 on_images_deleted: Callable[[list[dict[str, Any]]], None] | None = None) -> None:
        self.database = database
        self.clock = clock
        self.secret = secret
        self.on_fire = on_fire  # e.g. wakes the build engine
        # Container images a lifecycle run DELETED with their containers, handed over after the
        # commit, as DeleteImage's are (engine/registry_cleanup.py removes their manifests).
        self.on_images_deleted = on_images_deleted
        self.postgres = database.dialect.name == "postgresql"
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        # Held while firing; `/_oib/clock` holds it across a whole move of the manual clock, so the
        # runs due on the way are fired (and reported) by that request, in order.
        self.firing = threading.RLock()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._work, name="oib-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def wake(self) -> None:
        with self._wake:
            self._wake.notify_all()

    def fire_due(self) -> list[Firing]:
        """Fires every schedule due by the clock's now, in due order."""
        fired: list[Firing] = []
        with self.firing:
            busy_since = None
            conflicts = 0
            while True:
                try:
                    claimed, busy, batch = self._fire_batch()
                except DBAPIError as error:
                    # rolled back: a lock cycle with a request or a build step, on PostgreSQL
                    conflicts += 1
                    if conflicts > MAX_CONFLICTS or not is_lock_conflict(error):
                        raise
                    log.info("firing rolled back after a lock conflict; retrying: %s", error.orig)
                    continue
                fired.extend(batch)
                if not claimed:
                    break
                if busy < claimed:
                    busy_since = None
                    continue
                # Only schedules whose pipeline is being changed right now: a moment's wait.
                busy_since = busy_since or time.monotonic()
                if time.monotonic() - busy_since > BUSY_PATIENCE_SECONDS:
                    break
                time.sleep(BUSY_RETRY_SECONDS)
        if fired:
            self.on_fire()
        return fired

    def _fire_batch(self) -> tuple[int, int, list[Firing]]:
        """(schedules claimed, of those busy, firings made). Claimed schedules that are not busy
        always move on, even when they make no firing (pipeline gone, due time fired before)."""
        now = self.clock.now()
        deleted: list[dict[str, Any]] = []
        with transaction(self.database, write=True) as connection:
            fired = []
            busy = 0
            claimed = claim_due_schedules(connection, now.timestamp(), self.postgres)
            for due in claimed:
                partition = partition_of(due.region)
                ctx = Context(due.account_id, due.region, partition, "scheduler", "ScheduledRun",
                              Repository(connection, due.account_id, due.region, partition), self.clock,
                              self.secret, ExecutionRepository(connection, due.account_id, due.region),
                              ScheduleRepository(connection, due.account_id, due.region))
                try:
                    firing = fire_lifecycle(ctx, due) if is_lifecycle_arn(due.pipeline_arn) else fire(ctx, due)
                except Busy:
                    busy += 1
                    continue
                deleted.extend(ctx.deleted_images)
                if firing is not None:
                    fired.append(firing)
                    log.info("pipeline %s: run due %s %s %s", firing.pipeline_arn, firing.due_at.isoformat(),
                             firing.outcome, firing.image_arn or "")
        # Committed: only now may what the images owned outside the store go.
        if deleted and self.on_images_deleted is not None:
            self.on_images_deleted(deleted)
        return len(claimed), busy, fired

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                self.fire_due()
                self._sleep()
            except Exception:
                log.exception("scheduler tick failed; retrying")
                self._stop.wait(1.0)

    def _sleep(self) -> None:
        with transaction(self.database, write=False) as connection:
            earliest = earliest_run(connection)
        now = self.clock.now().timestamp()
        delay = IDLE_POLL_SECONDS if earliest is None else max(0.0, min(IDLE_POLL_SECONDS, earliest - now))
        with self._wake:
            self._wake.wait(delay)
