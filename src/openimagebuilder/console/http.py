"""The little HTTP the console needs on top of ASGI: requests with their query, form and cookies;
replies; the same-origin rule for actions."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

MAX_FORM_BYTES = 64 * 1024
# Pages load their own script and style sheet only; nothing inline, nothing from elsewhere.
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                                 b"form-action 'self'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    cookies: dict[str, str]
    headers: dict[str, str]
    secure: bool  # came over https: cookies are marked Secure

    def param(self, name: str) -> str:
        return self.form.get(name) or self.query.get(name) or ""


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)

    def set_cookie(self, name: str, value: str, secure: bool, max_age: int | None = None) -> None:
        parts = [f"{name}={value}", "Path=/console", "HttpOnly", "SameSite=Strict"]
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        if secure:
            parts.append("Secure")
        self.headers.append((b"set-cookie", "; ".join(parts).encode("latin-1")))


def redirect(location: str, **params: str) -> Reply:
    shown = {key: value for key, value in params.items() if value}
    target = location + ("?" + urlencode(shown) if shown else "")
    return Reply(303, headers=[(b"location", target.encode("latin-1"))])


def link(path: str, **params: str) -> str:
    return path + ("?" + urlencode(params, quote_via=quote) if params else "")


async def read_request(scope: Scope, receive: Receive) -> Request:
    headers: dict[str, str] = {}
    for key, value in scope.get("headers") or []:
        headers[key.decode("latin-1").lower()] = value.decode("latin-1")
    body = b""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        if len(body) <= MAX_FORM_BYTES:
            body += message.get("body", b"")
        if not message.get("more_body"):
            break
    form: dict[str, str] = {}
    if scope["method"] == "POST" and headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = _first(parse_qs(body[:MAX_FORM_BYTES].decode("utf-8", "replace"), keep_blank_values=True))
    cookies: dict[str, str] = {}
    if "cookie" in headers:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(headers["cookie"])
        except Exception:  # noqa: BLE001 - an unreadable cookie header is treated as none
            jar = SimpleCookie()
        cookies = {name: morsel.value for name, morsel in jar.items()}
    query = _first(parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
    return Request(scope["method"], scope["path"], query, form, cookies, headers, scope.get("scheme") == "https")


def same_origin(request: Request) -> bool:
    """Whether an action (a POST) comes from the console's own pages. Browsers send Origin with
    every POST and Sec-Fetch-Site where they support it; a cross-site form fails one or both. A
    request carrying neither is not from a browser page, so not a cross-site forgery."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    scheme = "https" if request.secure else "http"
    return origin == f"{scheme}://{request.headers.get('host', '')}"


async def send_reply(send: Send, reply: Reply) -> None:
    headers = [(b"content-type", reply.content_type.encode()), (b"cache-control", b"no-store"),
               *SECURITY_HEADERS, *reply.headers, (b"content-length", str(len(reply.body)).encode())]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


def _first(values: dict[str, list[str]]) -> dict[str, str]:
    return {key: items[0] for key, items in values.items() if items}
