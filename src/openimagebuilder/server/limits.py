"""Bounds on what callers can hold of the service, so that slow or huge requests cannot exhaust it:

- connections: at most `max_connections` at once; one more is answered 503 and closed at once
  (the process raises its descriptor limit at start, and keeps room below it for the store and the
  build engine);
- request heads: at most `max_header_bytes` and `max_headers` headers (431; a head still arriving
  that outgrows the limit is cut off by h11 with a 400), complete within `header_timeout` seconds
  of the connection opening or of the previous response (408, then the connection is closed);
- bodies: at most 16 MiB each (413), all bodies being read or handled at most
  `max_inflight_body_bytes` together (503, which SDKs retry), each received within `body_timeout`
  seconds (408);
- idle keep-alive connections close after `idle_timeout` seconds;
- API calls: per account, `rate_limit` a second with bursts of twice that
  (CallRateLimitExceededException, 429, which SDKs retry), divided among the `oib serve`
  processes sharing a PostgreSQL store (server/rate_share.py).

Every refusal is an AWS-style error reply (`x-amzn-errortype` and a JSON message) where the
protocol allows one.
"""
from __future__ import annotations

import asyncio
import resource
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from ..protocol.service_error import ServiceError

MAX_BODY_BYTES = 16 * 1024 * 1024
_DESCRIPTORS_KEPT = 256  # below the descriptor limit: the store's connections, the engine, logs
_BUCKETS_KEPT = 100_000


@dataclass(frozen=True)
class Limits:
    max_connections: int = 4000
    max_header_bytes: int = 16 * 1024
    max_headers: int = 100
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    idle_timeout: float = 5.0
    max_inflight_body_bytes: int = 64 * 1024 * 1024
    rate_limit: float = 0.0  # API calls per second per account; 0: none


class RequestRefused(ServiceError):
    """A request refused by a limit before any operation ran."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def too_large() -> RequestRefused:
    return RequestRefused("RequestEntityTooLargeException", 413,
                          f"Request Too Long: a request body is at most {MAX_BODY_BYTES} bytes.")


def raise_descriptor_limit(limits: Limits) -> tuple[Limits, str | None]:
    """Raises this process's open-file limit to its hard limit; if `max_connections` still does not
    fit below it with room for the rest, lowers it and says so."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = limits.max_connections + _DESCRIPTORS_KEPT
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft != resource.RLIM_INFINITY and soft < wanted:
        fitting = max(1, soft - _DESCRIPTORS_KEPT)
        return (Limits(**{**limits.__dict__, "max_connections": fitting}),
                f"max connections lowered to {fitting}: the open-file limit is {soft} (raise `ulimit -n`)")
    return limits, None


def _raw_error(status: int, reason: str, code: str, message: str) -> bytes:
    """A whole HTTP/1.1 error response that closes the connection, for when h11 has no request to
    answer (a head that never completes, a connection over the limit)."""
    body = orjson.dumps({"message": message})
    return (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\nx-amzn-errortype: {code}\r\n"
            f"connection: close\r\ncontent-length: {len(body)}\r\n\r\n").encode() + body


def bounded_protocol(limits: Limits) -> type:
    """uvicorn's h11 protocol with the connection cap and the request-head deadline."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class BoundedH11Protocol(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            if len(self.server_state.connections) >= limits.max_connections:
                transport.write(_raw_error(503, "Service Unavailable", "ServiceUnavailableException",
                                           "Too many connections; retry later."))
                transport.close()
                self.transport = transport
                return
            super().connection_made(transport)
            # asyncio turns Nagle off only on sockets whose protocol number says TCP; one accepted
            # from socket.create_server's (as `oib serve` listens) says 0, and each response, written
            # in two parts, then waited for the client's delayed ACK: ~40 ms a call.
            sock = transport.get_extra_info("socket")
            if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._arm_head_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm_head_timer()
            if self.flow is None:
                return  # refused in connection_made: never counted
            super().connection_lost(exc)

        def handle_events(self) -> None:
            waiting = self.conn.their_state is h11.IDLE
            super().handle_events()
            if waiting and self.conn.their_state is not h11.IDLE:
                self._disarm_head_timer()  # a whole request head arrived

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm_head_timer()

        def _arm_head_timer(self) -> None:
            self._disarm_head_timer()
            self._head_timer = self.loop.call_later(limits.header_timeout, self._head_timed_out)

        def _disarm_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timed_out(self) -> None:
            self._head_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                if self.conn.our_state is h11.IDLE:
                    self.transport.write(_raw_error(408, "Request Timeout", "RequestTimeoutException",
                                                    f"The request head did not arrive within "
                                                    f"{limits.header_timeout:g} seconds."))
                self.transport.close()

    return BoundedH11Protocol


class BodyBudget:
    """The bytes of request bodies held at once, across requests (read on the event loop only)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0

    def take(self, size: int) -> bool:
        if self.held + size > self.limit:
            return False
        self.held += size
        return True

    def give_back(self, size: int) -> None:
        self.held -= size


Receive = Callable[[], Awaitable[dict[str, Any]]]


async def read_body(receive: Receive, budget: BodyBudget, timeout: float) -> tuple[bytes, int]:
    """The request's body and the bytes it holds of `budget` (to give back once answered), or
    RequestRefused: over 16 MiB (413), over the budget (503), slower than `timeout` (408)."""
    chunks: list[bytes] = []
    size = 0
    # One timer that cancels this task, not asyncio.wait_for around each receive (a task each).
    task = asyncio.current_task()
    assert task is not None
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        task.cancel()

    timer = asyncio.get_running_loop().call_later(timeout, expire)
    try:
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            if size + len(chunk) > MAX_BODY_BYTES:
                raise too_large()
            if not budget.take(len(chunk)):
                raise RequestRefused("ServiceUnavailableException", 503,
                                     "The service is receiving too many request bodies at once; retry later.")
            size += len(chunk)
            chunks.append(chunk)
            if not message.get("more_body"):
                break
    except asyncio.CancelledError:
        budget.give_back(size)
        if not expired:
            raise
        task.uncancel()
        raise RequestRefused("RequestTimeoutException", 408,
                             f"The request body did not arrive within {timeout:g} seconds.") from None
    except RequestRefused:
        budget.give_back(size)
        raise
    finally:
        timer.cancel()
    return b"".join(chunks), size


@dataclass(frozen=True)
class BucketShape:
    """What one process's token bucket per account gives: `refill` calls a second, at most
    `capacity` at once."""
    refill: float
    capacity: float


def fair_share(rate: float, live_servers: int) -> BucketShape:
    """One of `live_servers` API processes' share of an account's `rate` calls a second (bursts of
    twice that): together they allow the rate when a load balancer spreads the account's calls
    over them. A bucket holds at least one call, so a rate smaller than the number of servers
    allows a little more than itself."""
    servers = max(1, live_servers)
    return BucketShape(refill=rate / servers, capacity=max(1.0, 2 * rate / servers))


class RateLimiter:
    """A token bucket per account: `rate` calls a second, bursts of twice that — divided among the
    API processes sharing the store (`share_among`, from server/rate_share.py). Thread-safe (with
    PostgreSQL, requests run on handler threads)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.bucket = fair_share(rate, 1)
        self.servers = 1
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # account → (tokens, at)
        self._lock = threading.Lock()

    def share_among(self, live_servers: int) -> None:
        """From now on this process allows its share of the rate among `live_servers` processes.
        Buckets fuller than the new capacity are cut to it at their next call."""
        with self._lock:
            self.servers = max(1, live_servers)
            self.bucket = fair_share(self.rate, self.servers)

    def check(self, account: str) -> None:
        if self.rate <= 0:
            return
        now = self._clock()
        with self._lock:
            bucket = self.bucket
            tokens, at = self._buckets.get(account, (bucket.capacity, now))
            tokens = min(bucket.capacity, tokens + (now - at) * bucket.refill)
            if tokens < 1:
                self._buckets[account] = (tokens, now)
                raise RequestRefused("CallRateLimitExceededException", 429,
                                     f"Rate exceeded: at most {self.rate:g} calls a second per account.")
            if len(self._buckets) >= _BUCKETS_KEPT and account not in self._buckets:
                self._forget_full(now)
            self._buckets[account] = (tokens - 1, now)

    def _forget_full(self, now: float) -> None:
        """Drops the buckets that have filled up again (they hold nothing a new one would not)."""
        bucket = self.bucket
        for account, (tokens, at) in list(self._buckets.items()):
            if tokens + (now - at) * bucket.refill >= bucket.capacity:
                del self._buckets[account]


class BoundedApp:
    """The ASGI app behind the limits on request heads and bodies: the body is read here (bounded
    in size, time and, across requests, in total), then handed to `app` whole; the bytes it held go
    back to the budget once `app` has answered."""

    def __init__(self, app: Callable[..., Awaitable[None]], limits: Limits) -> None:
        self.app = app
        self.limits = limits
        self.bodies = BodyBudget(limits.max_inflight_body_bytes)

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Callable[..., Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            # h11 bounds a head still arriving; one that arrived whole in a single read is checked here.
            if (len(scope["headers"]) > self.limits.max_headers
                    or sum(len(name) + len(value) for name, value in scope["headers"]) > self.limits.max_header_bytes):
                raise RequestRefused("RequestHeaderFieldsTooLargeException", 431,
                                     f"A request has at most {self.limits.max_headers} headers of "
                                     f"{self.limits.max_header_bytes} bytes in all.")
            body, held = await read_body(receive, self.bodies, self.limits.body_timeout)
        except RequestRefused as refusal:
            reply = orjson.dumps({"message": refusal.message})
            await send({"type": "http.response.start", "status": refusal.status, "headers": [
                (b"content-type", b"application/json"), (b"x-amzn-errortype", refusal.code.encode()),
                (b"content-length", str(len(reply)).encode())]})
            await send({"type": "http.response.body", "body": reply})
            return
        delivered = False

        async def replay() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # what comes after the body: the disconnect

        try:
            await self.app(scope, replay, send)
        finally:
            self.bodies.give_back(held)


def server_config(app: Callable[..., Awaitable[None]], host: str, port: int, limits: Limits) -> tuple[Any, str | None]:
    """uvicorn's configuration for `oib serve` with these limits (and a warning when the descriptor
    limit lowered the connection cap)."""
    import uvicorn

    limits, warning = raise_descriptor_limit(limits)
    config = uvicorn.Config(BoundedApp(app, limits), host=host, port=port, log_level="warning", access_log=False,
                            lifespan="on", http=bounded_protocol(limits),
                            h11_max_incomplete_event_size=limits.max_header_bytes,
                            timeout_keep_alive=limits.idle_timeout)  # type: ignore[arg-type]
    return config, warning
