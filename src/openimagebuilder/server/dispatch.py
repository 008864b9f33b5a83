"""One API request from bytes to bytes: route, parse, validate, run the handler in one
transaction (with idempotency and dry-run handled here, for every operation alike), serialize.

No HTTP framework here; the ASGI app hands over method, path, query, headers and body.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import random
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import orjson
from botocore.model import OperationModel
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from .. import api  # noqa: F401  (registers the handlers)
from ..api.registry import HANDLERS, PREPARERS, READ_ONLY_OPERATIONS, Handler
from ..domain.arn import partition_of
from ..domain.clock import Clock
from ..protocol.errors import NotImplementedException, ServiceError, UnknownOperationException
from ..protocol.generated import DryRunOperationException, IdempotentParameterMismatchException, ServiceException
from ..protocol.model import service_model
from ..protocol.parser import parse_request
from ..protocol.router import Router
from ..protocol.serializer import serialize_error, serialize_response
from ..protocol.validate import ValidatorCache
from ..service.context import Context
from ..service.s3_inputs import S3_INPUT_MEMBERS, S3Inputs, members_to_read, read_inputs
from ..store.database import InlineTransactions, transaction
from ..store.executions import ExecutionRepository
from ..store.repository import Repository, UniqueViolation
from ..store.schedules import ScheduleRepository
from .identity import Identity
from .limits import RateLimiter
from .settings import Settings

log = logging.getLogger("openimagebuilder.request")

MAX_ATTEMPTS = 5  # a request that loses a uniqueness race or a lock is run again from the start
DRY_RUN_MESSAGE = "Request would have succeeded, but DryRun flag is set."


@dataclass
class Response:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    operation: str
    request_id: str = ""
    # Written in the shared write transaction: not to be sent before that transaction commits.
    awaits_commit: bool = False


@dataclass(frozen=True)
class Placement:
    prepare: bool   # S3 objects to read or a document to parse first, on a thread
    on_loop: bool


class _DryRunSucceeded(Exception):
    pass


class Dispatcher:
    def __init__(self, engine: Engine, settings: Settings, clock: Clock, secret: bytes,
                 on_work_due: Callable[[], None] = lambda: None,
                 on_schedule_change: Callable[[], None] = lambda: None,
                 on_images_deleted: Callable[[list[dict]], None] | None = None,
                 identity: Identity | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.secret = secret
        self.router = Router(service_model())
        self.validators = ValidatorCache()
        self._token_members: dict[str, str | None] = {}
        # SQLite takes one writer at a time, so a write transaction sees every earlier write and no
        # concurrent one: a client token can be recorded with its response once the handler has
        # run. Elsewhere a request claims the token first, and a concurrent duplicate waits on it.
        self._serial_writes = engine.dialect.name == "sqlite"
        self._on_work_due = on_work_due  # wakes the build engine
        self._on_schedule_change = on_schedule_change  # wakes the scheduler
        self._on_images_deleted = on_images_deleted  # removes deleted images' registry content
        self.identity = identity or Identity(settings, engine)
        self.rate_limiter = RateLimiter(settings.limits().rate_limit)

    def placement(self, method: str, raw_path: str) -> Placement:
        """Where the request runs: whether it has work to do first on a thread (S3 objects to read,
        a document to parse: prepare()), and whether it may run on the event loop (SQLite's shared
        transactions) or needs a thread of its own."""
        route = self.router.resolve(method, raw_path)
        if route is None:
            return Placement(prepare=False, on_loop=True)
        operation = route.operation
        members = operation.input_shape.members if operation.input_shape is not None else {}
        # A list may scan many resources (a filter matching nothing reads them all): on the loop it
        # would stall every other client, so it reads in a transaction of its own on a thread.
        return Placement(prepare=operation.name in S3_INPUT_MEMBERS or operation.name in PREPARERS,
                         on_loop="maxResults" not in members)

    def prepare(self, method: str, raw_path: str, query: bytes, headers: Mapping[str, str],
                body: bytes) -> S3Inputs | None:
        """The S3 objects a valid request names, read through --s3-endpoint-url, and its operation's
        CPU-heavy preparation (api/registry.PREPARERS) done: blocking, so never on the event loop.
        None for a request that does not parse or validate: handle() answers it."""
        route = self.router.resolve(method, raw_path)
        if route is None:
            return None
        try:
            # Only for a caller who is who they say: nobody else makes the service read a thing.
            who = self.identity.identify(method, raw_path, query, headers, body)
            params = parse_request(route.operation, route.uri_labels, query, headers, who.body)
            self.validators.validate(route.operation, params)
        except ServiceError:
            return None
        inputs = read_inputs(members_to_read(route.operation.name, params), self.settings.s3_endpoint_url)
        preparer = PREPARERS.get(route.operation.name)
        if preparer is not None:
            preparer(params, inputs)
        return inputs

    def handle(self, method: str, raw_path: str, query: bytes, headers: Mapping[str, str],
               body: bytes, inline: InlineTransactions | None = None, inputs: S3Inputs | None = None) -> Response:
        """Answers one request, in the event loop's transactions when `inline` is given (SQLite; a
        write joins the shared write transaction), otherwise in a transaction of its own. `inputs`:
        what prepare() read for it."""
        request_id = new_request_id()
        started = time.perf_counter()
        name = "-"
        try:
            # Before anything else, as AWS does: an unauthenticated caller learns nothing of the API.
            who = self.identity.identify(method, raw_path, query, headers, body)
            self.rate_limiter.check(who.account)
            route = self.router.resolve(method, raw_path)
            if route is None:
                raise UnknownOperationException(
                    f"No operation matches {method} {raw_path}.")
            operation = route.operation
            name = operation.name
            params = parse_request(operation, route.uri_labels, query, headers, who.body)
            self.validators.validate(operation, params)
            handler = HANDLERS.get(name)
            if handler is None:
                raise NotImplementedException(
                    f"The operation {name} is not implemented by openimagebuilder yet.")
            account, region = who.account, who.region
            result, joined = self._run(operation, handler, params, account, region, request_id, inline,
                                       inputs or S3Inputs())
            response = Response(200, [(b"content-type", b"application/json"),
                                      (b"x-amzn-requestid", request_id.encode())],
                                serialize_response(operation, result), name, request_id, awaits_commit=joined)
        except ServiceError as error:
            response = Response(*serialize_error(error, request_id), name, request_id)
        except Exception:
            log.exception("unexpected failure in %s (request id %s)", name, request_id)
            response = self.internal_error(name, request_id)
        # An error answer names its error code, so the log says why without the client's side.
        log.info("%s %s %d%s %.1fms %s", name, method, response.status, _error_code(response),
                 (time.perf_counter() - started) * 1000, request_id)
        return response

    def _transaction(self, write: bool, inline: InlineTransactions | None) -> AbstractContextManager[Connection]:
        if inline is None:
            return transaction(self.engine, write)
        return inline.write() if write else inline.read()

    @staticmethod
    def internal_error(operation: str, request_id: str) -> Response:
        error = ServiceException(f"An internal error occurred. Request id: {request_id}")
        return Response(*serialize_error(error, request_id), operation, request_id)

    def _token_member(self, operation: OperationModel) -> str | None:
        if operation.name not in self._token_members:
            members = operation.input_shape.members if operation.input_shape else {}
            self._token_members[operation.name] = next(
                (n for n, m in members.items() if m.metadata.get("idempotencyToken")), None)
        return self._token_members[operation.name]

    def _run(self, operation: OperationModel, handler: Handler, params: dict[str, Any], account: str,
             region: str, request_id: str, inline: InlineTransactions | None,
             inputs: S3Inputs) -> tuple[dict[str, Any], bool]:
        """(result, whether it was written in the shared transaction)."""
        name = operation.name
        write = name not in READ_ONLY_OPERATIONS
        joined = write and inline is not None
        token_member = self._token_member(operation)
        token = params.get(token_member) if token_member else None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self._transaction(write, inline) as connection:
                    ctx = Context(account, region, partition_of(region), request_id, name,
                                  Repository(connection, account, region, partition_of(region)),
                                  self.clock, self.secret, ExecutionRepository(connection, account, region),
                                  ScheduleRepository(connection, account, region), inputs=inputs)
                    if token:
                        fingerprint = _fingerprint(params, token_member)
                        replay = self._replay(ctx, token, fingerprint)
                        if replay is not None:
                            return replay, joined
                        if not self._serial_writes:
                            ctx.repo.insert_client_token(name, token, fingerprint, ctx.now())
                    result = handler(ctx, params)
                    result["requestId"] = request_id
                    if token and token_member:
                        result.setdefault(token_member, token)
                        if self._serial_writes:
                            ctx.repo.insert_client_token(name, token, fingerprint, ctx.now(), result)
                        else:
                            ctx.repo.complete_client_token(name, token, result)
                    if params.get("dryRun"):
                        raise _DryRunSucceeded  # rolls the transaction back: nothing is written
                # After the commit, so the woken worker sees the new state.
                wake = inline.after_commit if inline is not None and joined else _call
                if ctx.executions.made_work_due:
                    wake(self._on_work_due)
                if ctx.schedules.changed:
                    wake(self._on_schedule_change)
                if ctx.deleted_images and self._on_images_deleted is not None:
                    wake(functools.partial(self._on_images_deleted, ctx.deleted_images))
                return result, joined
            except _DryRunSucceeded:
                raise DryRunOperationException(DRY_RUN_MESSAGE) from None
            except (UniqueViolation, DBAPIError) as exc:
                if attempt == MAX_ATTEMPTS or not _retryable(exc):
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _replay(ctx: Context, token: str, fingerprint: str) -> dict[str, Any] | None:
        """The response of the earlier request with this token, if there is one; it must have had
        the same parameters."""
        prior = ctx.repo.find_client_token(ctx.operation, token)
        if prior is None:
            return None
        prior_fingerprint, prior_response = prior
        if prior_fingerprint != fingerprint or prior_response is None:
            raise IdempotentParameterMismatchException(
                f"The client token '{token}' was already used with different request parameters.")
        return {**prior_response, "requestId": ctx.request_id}


def _fingerprint(params: dict[str, Any], token_member: str | None) -> str:
    request = {k: v for k, v in params.items() if k != token_member}
    return hashlib.sha256(orjson.dumps(request, option=orjson.OPT_SORT_KEYS)).hexdigest()


def new_request_id() -> str:
    """A random version-4 UUID, as AWS's request ids are. From `random`, not os.urandom: an id
    needs to be unique, not unpredictable, and the system call cost more than the rest of this."""
    value = random.getrandbits(128) & ~(0xF000 << 64 | 0xC000 << 48) | (0x4000 << 64 | 0x8000 << 48)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _error_code(response: Response) -> str:
    """An error answer's code (its x-amzn-errortype header) after a space; "" for a success."""
    for key, value in response.headers:
        if key == b"x-amzn-errortype":
            return " " + value.decode("latin-1")
    return ""


def _call(callback: Callable[[], None]) -> None:
    callback()


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, UniqueViolation):
        return True
    text = str(getattr(exc, "orig", exc)).lower()
    return any(word in text for word in ("database is locked", "deadlock", "could not serialize",
                                         "unique", "duplicate key"))
