"""The ASGI application: health endpoint, request bodies, and handing requests to the dispatcher
on a thread pool (handlers are synchronous and talk to the database)."""
from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
from sqlalchemy import Engine

from ..console.routes import Console, is_console_path
from ..domain.clock import Clock, SystemClock
from ..engine.runner import BuildEngine, default_worker_id
from ..parser_process import PARSER
from ..scheduler.service import PipelineScheduler
from ..service.sharing import organizations
from ..store.checkpoint import WalCheckpointer
from ..store.clock import StoredClock
from ..store.database import InlineTransactions, create_store_engine, migrate, service_secret, sqlite_url
from .background import build_engine, close_backend, registry_cleanup
from .build_logs import LOGS_PATH, read_logs
from .clock_control import CLOCK_PATH, clock_request
from .control_access import Reply, authorize, clock_access, headers_of, logs_access, sees_health_details
from .dispatch import Dispatcher
from .identity import Identity
from .rate_share import RateShareHeartbeat
from .settings import Settings

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

log = logging.getLogger("openimagebuilder.server")

MAX_BODY_BYTES = 16 * 1024 * 1024
HEALTH_PATH = "/_oib/health"


def database_url(settings: Settings) -> str:
    return settings.database_url or sqlite_url(settings.data_dir)


class ImageBuilderApp:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        organizations()  # a malformed OIB_ORGANIZATIONS_FILE stops the start, not a later shared lookup
        self.engine: Engine = create_store_engine(database_url(settings), pool_size=settings.workers)
        migrate(self.engine)
        manual = settings.clock == "manual"
        self.clock = clock or (StoredClock(self.engine) if manual else SystemClock())
        secret = service_secret(self.engine)
        self.identity = Identity(settings, self.engine)
        for warning in self.identity.warnings:
            log.warning("%s", warning)
        # The embedded worker builds and fires schedules; without it (`--no-worker`) an `oib worker`
        # does, and this process only serves (the manual clock's moves still fire schedules here).
        self.builds: BuildEngine | None = None if settings.no_worker else build_engine(settings, self.engine, self.clock)
        wake_builds = self.builds.wake if self.builds is not None else _nothing
        self.registry_cleanup = registry_cleanup(settings, self.builds)
        on_images_deleted = self.registry_cleanup.images_deleted if self.registry_cleanup is not None else None
        self.scheduler = PipelineScheduler(self.engine, self.clock, secret, on_fire=wake_builds,
                                           on_images_deleted=on_images_deleted)
        self.dispatcher = Dispatcher(self.engine, settings, self.clock, secret, on_work_due=wake_builds,
                                     on_schedule_change=self.scheduler.wake,
                                     on_images_deleted=on_images_deleted, identity=self.identity)
        # The embedded SQLite store takes one writer at a time, so handing each request to a thread
        # only adds a hand-off (and GIL ping-pong): requests run on the event loop, and the writes
        # of one turn of the loop share a transaction and its commit. With PostgreSQL, whose calls
        # wait on the network, requests run on a pool of `workers` threads, each in its own.
        sqlite = self.engine.dialect.name == "sqlite"
        self.inline = InlineTransactions(self.engine, on_open=self._commit_soon) if sqlite else None
        self.checkpointer = WalCheckpointer(self.engine.url.database or "") if sqlite else None
        # Several API processes can share a PostgreSQL store only: there each takes its share of
        # the accounts' call rate (server/rate_share.py).
        limiter = self.dispatcher.rate_limiter
        self.rate_share = (RateShareHeartbeat(self.engine, limiter, default_worker_id(), settings.api_server_timeout)
                           if not sqlite and limiter.rate > 0 else None)
        self._committed: asyncio.Future[BaseException | None] | None = None
        self.executor = ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="oib-handler")
        # The web console (/console): its reads go to the dispatcher on handler threads, its writes
        # through this app as API requests.
        self.console = Console(self, self.dispatcher.handle, self.identity, self.engine, self.executor, secret)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if is_console_path(scope["path"]):
            await self.console(scope, receive, send)
            return
        if scope["path"] in (HEALTH_PATH, CLOCK_PATH, LOGS_PATH):
            body = await _read_body(receive)
            if scope["path"] == HEALTH_PATH and self.identity.verifier is None:
                # Nothing to verify: answered at once, however busy the handler threads are.
                status, reply_headers, payload = self._control(scope, body)
            else:
                status, reply_headers, payload = await asyncio.get_running_loop().run_in_executor(
                    self.executor, self._control, scope, body)
            await _respond(send, status, reply_headers, payload)
            return
        body = await _read_body(receive)
        headers = headers_of(scope)
        raw_path = scope.get("raw_path") or scope["path"].encode()
        raw_path_text = raw_path.decode("latin-1").split("?", 1)[0]
        inputs = None
        placement = self.dispatcher.placement(scope["method"], raw_path_text)
        if placement.prepare:
            # S3 objects the request names are read, and its document parsed, first: off the loop
            # and outside any transaction.
            inputs = await asyncio.get_running_loop().run_in_executor(
                self.executor, self.dispatcher.prepare, scope["method"], raw_path_text,
                scope.get("query_string", b""), headers, body)
        if self.inline is not None and placement.on_loop:
            response = self.dispatcher.handle(scope["method"], raw_path_text, scope.get("query_string", b""),
                                              headers, body, self.inline, inputs)
            if response.awaits_commit:
                # Answered once the shared transaction is committed (see _commit_soon): a request
                # that comes alone waits little, and a burst shares one commit.
                assert self._committed is not None
                if await self._committed is not None:
                    response = self.dispatcher.internal_error(response.operation, response.request_id)
        else:
            response = await asyncio.get_running_loop().run_in_executor(
                self.executor, self.dispatcher.handle, scope["method"], raw_path_text,
                scope.get("query_string", b""), headers, body, None, inputs)
        await _respond(send, response.status, response.headers, response.body)

    def _control(self, scope: Scope, body: bytes) -> Reply:
        """A `/_oib/*` request, on a handler thread (control_access.py says who may do what)."""
        path, method = scope["path"], scope["method"]
        query = scope.get("query_string", b"")
        json_type = [(b"content-type", b"application/json")]
        if path == HEALTH_PATH:
            health: dict[str, Any] = {"status": "ok", "service": "imagebuilder"}
            if sees_health_details(self.identity, scope, body):
                health["engine"] = self.builds.health() if self.builds is not None else None
                if self.inline is not None:
                    health["sharedCommits"] = {"requests": self.inline.requests, "commits": self.inline.commits}
                limiter = self.dispatcher.rate_limiter
                if limiter.rate > 0:
                    health["rateLimit"] = {"callsPerSecond": limiter.rate, "apiServers": limiter.servers,
                                           "thisServerCallsPerSecond": limiter.bucket.refill}
            return 200, json_type, orjson.dumps(health)
        allowed = clock_access(method) if path == CLOCK_PATH else logs_access(query)
        caller = authorize(self.identity, scope, body, allowed)
        if isinstance(caller, tuple):
            return caller
        if path == CLOCK_PATH:
            status, payload = clock_request(self.clock, self.scheduler, method, caller.body)
        else:
            status, payload = read_logs(self.engine, query)
        return status, json_type, orjson.dumps(payload)

    def _commit_soon(self) -> None:
        """The shared transaction opened: commit it once the requests that are ready to run on
        the loop now, and those the next poll of the sockets brings, have had their turn (two
        turns of the loop: a few tens of microseconds when the service is idle)."""
        loop = asyncio.get_running_loop()
        self._committed = loop.create_future()
        loop.call_soon(loop.call_soon, self._commit_shared)

    def _commit_shared(self) -> None:
        committed, self._committed = self._committed, None
        if committed is None:
            return  # committed already by the call a transaction opened before it scheduled
        assert self.inline is not None
        try:
            self.inline.commit()
        except Exception as error:  # noqa: BLE001 - every request of the batch is answered with it
            log.exception("commit of a shared write transaction failed")
            committed.set_result(error)
        else:
            committed.set_result(None)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.builds is not None:
                    self.builds.start()
                    self.scheduler.start()
                if self.checkpointer is not None:
                    self.checkpointer.start()
                if self.rate_share is not None:
                    self.rate_share.start()
                # What start-up built (botocore's model, compiled plans, SQLAlchemy's tables, the
                # catalog) lives as long as the process: out of the collector's way, a full
                # collection no longer walks it (measured: ~10% less CPU per create).
                gc.collect()
                gc.freeze()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def close(self) -> None:
        if self.rate_share is not None:  # first: the other API servers take back its share at once
            self.rate_share.stop()
        self.scheduler.stop()
        if self.builds is not None:
            self.builds.stop()
        if self.registry_cleanup is not None:
            self.registry_cleanup.close()
        if self.builds is not None:
            close_backend(self.builds.backend)
        if self.checkpointer is not None:
            self.checkpointer.stop()
        if self.inline is not None:
            self.inline.close()
        self.executor.shutdown(wait=True)
        PARSER.close()
        self.engine.dispose()


def _nothing() -> None:
    pass


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk)
        if not message.get("more_body"):
            break
    # An oversized body is cut short, fails to parse, and is answered as a SerializationException.
    return b"".join(chunks) if size <= MAX_BODY_BYTES else b"\x00"


async def _respond(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": headers + [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
