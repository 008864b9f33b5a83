"""Each account's API call rate holds across the `oib serve` processes sharing a PostgreSQL store.

On AWS the limit is the account's, whichever host serves the call. Each API process here keeps its
token buckets in memory (no database round trip per request, and no row every call of an account
would update); instead it registers in `api_servers`, renews its row with a heartbeat, and counts
the live servers: its buckets then refill at rate / live and hold burst / live. That is a fair
share, not a shared counter: the account gets about the configured rate in total when a load
balancer spreads its calls over the servers; one that sends all its calls to one server gets that
server's share only.

A heartbeat is one short transaction on a thread of its own (never the event loop), `timeout` /
HEARTBEATS_PER_TIMEOUT seconds apart; it also forgets servers silent for longer than `timeout`
(killed with kill -9, or cut off from the store), so the others' shares grow back. A server that
stops cleanly deletes its row. A heartbeat that fails (the store down) keeps the last share and is
tried again at the next beat. On SQLite (one API process per store) and without a rate limit, none
of this runs.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine

from ..store.api_servers import heartbeat, leave
from ..store.database import transaction
from .limits import RateLimiter

log = logging.getLogger("openimagebuilder.server")

HEARTBEATS_PER_TIMEOUT = 5  # a live server misses four beats in a row before the others drop it


class RateShareHeartbeat:
    def __init__(self, database: Engine, limiter: RateLimiter, server_id: str, timeout: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self.limiter = limiter
        self.server_id = server_id
        self.timeout = timeout
        self.interval = timeout / HEARTBEATS_PER_TIMEOUT
        self._clock = clock
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False  # the previous beat failed: log the recovery

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="oib-rate-share", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops the heartbeat, then deletes this server's row (after the last beat, which would
        otherwise write it again)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        try:
            with transaction(self.database, write=True) as connection:
                leave(connection, self.server_id)
        except Exception as error:  # noqa: BLE001 - the others drop the row after the timeout
            log.warning("API server %s could not remove itself from the store (the others stop counting it "
                        "after %g s): %s", self.server_id, self.timeout, error)

    def beat(self) -> None:
        """One heartbeat: renews this server's row, forgets the stale ones, and takes the share of
        the live servers. On failure the last share stays."""
        try:
            with transaction(self.database, write=True) as connection:
                live = heartbeat(connection, self.server_id, self._clock(), self.timeout)
        except Exception as error:  # noqa: BLE001 - any failure of the store: tried again next beat
            if not self._failing:
                log.warning("rate-limit heartbeat of API server %s failed; keeping the share of %d server(s): %s",
                            self.server_id, self.limiter.servers, error)
            self._failing = True
            return
        if self._failing:
            log.info("rate-limit heartbeat of API server %s works again", self.server_id)
            self._failing = False
        if live != self.limiter.servers:
            log.info("%d API server(s) share the store: each allows an account %g calls a second",
                     live, self.limiter.rate / live)
            self.limiter.share_among(live)

    def _run(self) -> None:
        self.beat()  # at once: a server joining takes its share before it has served much
        while not self._stopping.wait(self.interval):
            self.beat()
