"""Who may use the `/_oib/*` endpoints (health, clock, logs) under `--auth sigv4`:

- every one of them needs a verified signature, like the API, except the health endpoint, which
  answers anyone with its status only (its details — worker, commit counts — need an administrator);
- a log (GET /_oib/logs) is readable by the account that owns the image or pipeline, and by
  administrators;
- moving the clock (POST /_oib/clock) needs an administrator; reading it, any caller.

Under `--auth none` nothing is checked (every caller is an administrator there).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from ..domain.arn import parse_arn
from ..protocol.serializer import serialize_error
from .auth.errors import AccessDenied, AuthError
from .identity import Caller, Identity

Reply = tuple[int, list[tuple[bytes, bytes]], bytes]


def headers_of(scope: dict[str, Any]) -> dict[str, str]:
    """Request headers by lower-case name; a repeated header's values joined with ',' (as SigV4
    canonicalizes them)."""
    headers: dict[str, str] = {}
    for key, value in scope["headers"]:
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1").strip()
        headers[name] = f"{headers[name]},{text}" if name in headers else text
    return headers


def authorize(identity: Identity, scope: dict[str, Any], body: bytes,
              allowed: Callable[[Caller], str | None]) -> Caller | Reply:
    """The caller of a control request, or the error reply refusing it (`allowed` returns why not,
    or None)."""
    raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1").split("?", 1)[0]
    try:
        caller = identity.identify(scope["method"], raw_path, scope.get("query_string", b""), headers_of(scope), body)
        refusal = allowed(caller)
        if refusal is not None:
            raise AccessDenied(refusal)
    except AuthError as error:
        return serialize_error(error, "")
    return caller


def sees_health_details(identity: Identity, scope: dict[str, Any], body: bytes) -> bool:
    """Whether the health endpoint shows this caller its details (worker, commit counts): always
    without verification, else to a verified administrator only."""
    if identity.verifier is None:
        return True
    caller = authorize(identity, scope, body, lambda _caller: None)
    return not isinstance(caller, tuple) and caller.admin


def clock_access(method: str) -> Callable[[Caller], str | None]:
    def allowed(caller: Caller) -> str | None:
        if method == "GET" or caller.admin:
            return None
        return f"Access key {caller.access_key} is not an administrator: only administrators move the clock."
    return allowed


def logs_access(query_string: bytes) -> Callable[[Caller], str | None]:
    query = parse_qs(query_string.decode("latin-1"))
    arn_text = (query.get("imageBuildVersionArn") or query.get("imagePipelineArn") or [""])[0]
    arn = parse_arn(arn_text)

    def allowed(caller: Caller) -> str | None:
        if caller.admin or arn is None or arn.owner == caller.account:
            return None  # an unparsable ARN is refused by read_logs, saying why
        return f"Account {caller.account} cannot read the logs of account {arn.owner}'s resources."
    return allowed
