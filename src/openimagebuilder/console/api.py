"""The console's way into the service: each call is an ordinary API request, made in-process.

A call is serialized with botocore (as boto3 would send it), signed with the console user's
credential under `--auth sigv4` (or carrying the chosen account in its credential scope under
`--auth none`) and handed to the same dispatcher as every API request: the same identification,
validation, handlers, transactions and logging. Nothing here touches the store.

Reads run on a handler thread in a transaction of their own (never on the event loop); writes are
handed to the service's ASGI app as if they came over HTTP, and so run exactly as an API request
does (in the shared write transaction on SQLite).
"""
from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlencode

import orjson
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.model import OperationModel
from botocore.serialize import create_serializer

from ..api.registry import READ_ONLY_OPERATIONS
from ..protocol.model import service_model
from ..server.auth.sigv4 import SERVICE
from ..server.dispatch import Response
from .http import Receive, Scope, Send

# The host the in-process requests name (signed under sigv4; never resolved).
INTERNAL_HOST = "console.internal"


Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class Dispatch(Protocol):
    """server/dispatch.py's Dispatcher.handle: one request in a transaction of its own."""

    def __call__(self, method: str, raw_path: str, query: bytes, headers: Mapping[str, str],
                 body: bytes) -> Response: ...


@dataclass(frozen=True)
class ApiService:
    """The running service: `dispatch` answers reads on a handler thread; `asgi` (the service's
    ASGI app) answers writes exactly as it answers them over HTTP."""
    dispatch: Dispatch
    asgi: Asgi


class ApiError(Exception):
    """An API call answered with an error: its code and AWS's message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Principal:
    """Whom the console acts for: an account in a region, and how its requests identify it."""
    account: str
    region: str
    admin: bool
    # Under --auth sigv4: the credential the requests are signed with; None under --auth none.
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)  # never in a log line


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: bytes
    headers: dict[str, str]
    body: bytes


class RequestBuilder:
    """API requests as boto3 sends them, for one principal."""

    def __init__(self) -> None:
        self._serializer = create_serializer("rest-json", include_validation=False)
        self._model = service_model()
        self._operations: dict[str, OperationModel] = {}

    def operation(self, name: str) -> OperationModel:
        if name not in self._operations:
            self._operations[name] = self._model.operation_model(name)
        return self._operations[name]

    def build(self, principal: Principal, name: str, params: Mapping[str, Any]) -> Request:
        operation = self.operation(name)
        members = operation.input_shape.members if operation.input_shape is not None else {}
        filled = dict(params)
        for member, shape in members.items():
            # botocore's client fills idempotency tokens the same way.
            if shape.metadata.get("idempotencyToken") and member not in filled:
                filled[member] = str(uuid.uuid4())
        serialized = self._serializer.serialize_to_request(filled, operation)
        path = serialized["url_path"]
        query = urlencode(serialized["query_string"], doseq=True)
        body = serialized["body"]
        body = body.encode() if isinstance(body, str) else body
        headers = {key.lower(): value for key, value in serialized["headers"].items()}
        headers["host"] = INTERNAL_HOST
        url = f"http://{INTERNAL_HOST}{path}" + (f"?{query}" if query else "")
        if principal.access_key_id is not None and principal.secret_access_key is not None:
            signed = AWSRequest(method=serialized["method"], url=url, data=body, headers=headers)
            credentials = Credentials(principal.access_key_id, principal.secret_access_key)
            SigV4Auth(credentials, SERVICE, principal.region).add_auth(signed)
            headers = {key.lower(): value for key, value in signed.headers.items()}
        else:
            # --auth none takes a 12-digit access key as the account, and the scope's region.
            day = datetime.now(UTC).strftime("%Y%m%d")
            headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={principal.account}/{day}/"
                                        f"{principal.region}/{SERVICE}/aws4_request")
        return Request(serialized["method"], path, query.encode(), headers, body)


class Api:
    """API calls for one principal. `read` blocks (call it on a handler thread); `write` is awaited
    on the event loop."""

    def __init__(self, service: ApiService, builder: RequestBuilder, principal: Principal) -> None:
        self.service = service
        self.builder = builder
        self.principal = principal

    def read(self, name: str, **params: Any) -> dict[str, Any]:
        assert name in READ_ONLY_OPERATIONS, f"{name} changes things: use write()"
        request = self.builder.build(self.principal, name, params)
        return _result(self.service.dispatch(request.method, request.path, request.query,
                                             request.headers, request.body))

    def read_all(self, name: str, key: str, **params: Any) -> list[dict[str, Any]]:
        """Every page of a list operation: the items under `key`."""
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self.read(name, **params, **({"nextToken": token} if token else {}))
            items.extend(page.get(key) or [])
            token = page.get("nextToken")
            if not token:
                return items

    async def write(self, name: str, **params: Any) -> dict[str, Any]:
        request = self.builder.build(self.principal, name, params)
        return _result(await _over_asgi(self.service.asgi, request))


async def _over_asgi(asgi: Asgi, request: Request) -> Response:
    """The request handed to the service's ASGI app as if it came over HTTP; its answer."""
    scope: Scope = {"type": "http", "method": request.method, "path": request.path,
                    "raw_path": request.path.encode(), "query_string": request.query,
                    "headers": [(key.encode("latin-1"), value.encode("latin-1"))
                                for key, value in request.headers.items()]}
    sent = False
    answer = Response(500, [], b"", "-")
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": request.body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = list(message.get("headers") or [])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await asgi(scope, receive, send)
    answer.body = b"".join(chunks)
    return answer


def _result(response: Response) -> dict[str, Any]:
    payload = orjson.loads(response.body) if response.body else {}
    if response.status != 200:
        code = dict(response.headers).get(b"x-amzn-errortype", b"").decode("latin-1").split(":", 1)[0]
        raise ApiError(code or str(response.status), str(payload.get("message") or payload.get("Message") or ""))
    return dict(payload)
