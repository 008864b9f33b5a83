"""The baseline for bench/run.py: the least an ASGI service can do for an Image Builder request.

A plain ASGI callable (no framework) that reads the whole body, parses it with orjson when there is
one, and answers 200 with a small JSON body and the headers oib sends (content-type,
x-amzn-requestid, content-length). It is served by uvicorn with exactly the settings `oib serve`
uses (see src/openimagebuilder/server/cli.py), so the ratio oib / minimal is the cost of oib's own
work: routing, parsing, validation, the thread-pool hop, the SQLite transaction, serialization.

    python bench/minimal_app.py --host 127.0.0.1 --port 4020
"""
from __future__ import annotations

import argparse
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    params = orjson.loads(body) if body else {}
    request_id = str(uuid.uuid4())
    answer: dict[str, Any] = {"requestId": request_id}
    if isinstance(params, dict) and "clientToken" in params:
        answer["clientToken"] = params["clientToken"]
    payload = orjson.dumps(answer)
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"application/json"),
        (b"x-amzn-requestid", request_id.encode()),
        (b"content-length", str(len(payload)).encode()),
    ]})
    await send({"type": "http.response.body", "body": payload})


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="minimal ASGI baseline for the oib benchmark")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4020)
    args = parser.parse_args()
    # The same uvicorn settings as `oib serve` (server/cli.py).
    uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level="warning",
                                  access_log=False, lifespan="on")).run()


if __name__ == "__main__":
    main()
