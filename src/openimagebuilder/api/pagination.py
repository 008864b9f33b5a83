"""List pages with opaque, integrity-protected nextTokens.

A token names the operation and the last item returned (sort key, row id) and carries an HMAC
under the store's secret, so a forged, altered or foreign token is refused with
InvalidPaginationTokenException instead of being trusted.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import orjson

from ..protocol.generated import InvalidPaginationTokenException
from ..service.context import Context
from ..store.repository import Resource

DEFAULT_PAGE_SIZE = 25


def _sign(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()[:16]


def encode_token(ctx: Context, key: str, row_id: int) -> str:
    payload = orjson.dumps([ctx.operation, ctx.account_id, ctx.region, key, row_id])
    return base64.urlsafe_b64encode(_sign(ctx.secret, payload) + payload).decode().rstrip("=")


def decode_token(ctx: Context, token: str) -> tuple[str, int]:
    invalid = InvalidPaginationTokenException(
        "The pagination token is not valid.")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        signature, payload = raw[:16], raw[16:]
        if not hmac.compare_digest(signature, _sign(ctx.secret, payload)):
            raise invalid
        operation, account_id, region, key, row_id = orjson.loads(payload)
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise invalid from None
    if (operation, account_id, region) != (ctx.operation, ctx.account_id, ctx.region):
        raise invalid
    return key, int(row_id)


def paginate(
    ctx: Context,
    params: Mapping[str, Any],
    scan: Callable[[tuple[str, int] | None], Iterable[Resource]],
    keep: Callable[[Resource], bool] = lambda resource: True,
) -> tuple[list[Resource], str | None]:
    """One page of the resources `scan` yields in order, skipping those `keep` rejects."""
    limit = params.get("maxResults") or DEFAULT_PAGE_SIZE
    after = decode_token(ctx, params["nextToken"]) if params.get("nextToken") else None
    page: list[Resource] = []
    for resource in scan(after):
        if not keep(resource):
            continue
        if len(page) == limit:
            last = page[-1]
            return page, encode_token(ctx, last.sort_key, last.id)
        page.append(resource)
    return page, None


def paginate_list(ctx: Context, params: Mapping[str, Any], items: list[Any]) -> tuple[list[Any], str | None]:
    """One page of a short list held in memory (e.g. one image's workflow executions), with a
    signed offset as the token."""
    limit = params.get("maxResults") or DEFAULT_PAGE_SIZE
    start = decode_token(ctx, params["nextToken"])[1] if params.get("nextToken") else 0
    end = start + limit
    return items[start:end], (encode_token(ctx, "", end) if end < len(items) else None)
