"""Bounded resources (server/limits.py) on a real `oib serve` with small limits: slow and huge
requests are answered and cut off, connections beyond the cap are refused at once, an account
over its call rate gets CallRateLimitExceededException — while ordinary calls keep working."""
from __future__ import annotations

import json
import socket
import time
from contextlib import closing

import pytest
from botocore.exceptions import ClientError

from tests.conftest import isolated_server, new_account_id

LIMITS = {"OIB_MAX_CONNECTIONS": "20", "OIB_HEADER_TIMEOUT": "1", "OIB_BODY_TIMEOUT": "2", "OIB_IDLE_TIMEOUT": "1",
          "OIB_MAX_BODY_IN_FLIGHT": "16", "OIB_RATE_LIMIT": "5"}
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def bounded(server, tmp_path_factory):
    with isolated_server(server, tmp_path_factory.mktemp("limits"), LIMITS) as started:
        yield started


def connect(server) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def reply_of(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the response on `sock` (read until the server closes or the body
    is complete)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def ordinary_call_works(server) -> None:
    assert "componentVersionList" in server.client().list_components()


def test_a_request_head_that_never_completes_is_answered_408_and_closed(bounded):
    with closing(connect(bounded)) as slow:
        started = time.monotonic()
        slow.sendall(b"GET /ListComponents HTTP/1.1\r\nHost: x\r\n")  # and no more
        ordinary_call_works(bounded)
        status, headers, body = reply_of(slow)
        assert (status, headers["x-amzn-errortype"]) == (408, "RequestTimeoutException")
        assert 0.9 < time.monotonic() - started < 5
        assert closed_by_server(slow)
    with closing(connect(bounded)) as silent:  # connected, sends nothing at all
        assert reply_of(silent)[0] == 408


def test_a_body_slower_than_the_body_timeout_is_answered_408(bounded):
    with closing(connect(bounded)) as slow:
        slow.sendall(b"PUT /CreateComponent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"name\":")
        status, headers, body = reply_of(slow)
    assert (status, headers["x-amzn-errortype"]) == (408, "RequestTimeoutException")
    assert "did not arrive within 2 seconds" in json.loads(body)["message"]


def test_oversized_heads_and_bodies_are_refused(bounded):
    with closing(connect(bounded)) as huge_header:
        huge_header.sendall(b"GET /ListComponents HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 64 * 1024 + b"\r\n\r\n")
        assert reply_of(huge_header)[0] == 431
    with closing(connect(bounded)) as growing_header:  # a head that keeps growing is cut off as it comes
        growing_header.sendall(b"GET /ListComponents HTTP/1.1\r\nHost: x\r\nX-Big: ")
        try:
            for _ in range(64):
                growing_header.sendall(b"a" * 1024)
                time.sleep(0.001)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert reply_of(growing_header)[0] == 400
    with closing(connect(bounded)) as many_headers:
        lines = b"".join(b"X-H%d: v\r\n" % i for i in range(150))
        many_headers.sendall(b"GET /ListComponents HTTP/1.1\r\nHost: x\r\n" + lines + b"\r\n")
        status, headers, _ = reply_of(many_headers)
        assert (status, headers["x-amzn-errortype"]) == (431, "RequestHeaderFieldsTooLargeException")
    with closing(connect(bounded)) as huge_body:
        huge_body.sendall(b"PUT /CreateComponent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n\r\n" % (17 * MIB))
        try:
            for _ in range(17):
                huge_body.sendall(b"a" * MIB)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered and closed before all of it was sent
        status, headers, _ = reply_of(huge_body)
        assert (status, headers["x-amzn-errortype"]) == (413, "RequestEntityTooLargeException")
    ordinary_call_works(bounded)


def test_bodies_in_flight_are_bounded_in_total(bounded):
    """16 MiB may be held at once: a 15 MiB body still arriving leaves no room for 2 MiB more."""
    with closing(connect(bounded)) as big, closing(connect(bounded)) as second:
        big.sendall(b"PUT /CreateComponent HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (16 * MIB))
        big.sendall(b"a" * 15 * MIB)
        time.sleep(0.3)
        second.sendall(b"PUT /CreateComponent HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (2 * MIB)
                       + b"b" * 2 * MIB)
        status, headers, _ = reply_of(second)
        assert (status, headers["x-amzn-errortype"]) == (503, "ServiceUnavailableException")
        # The stalled body times out and gives its room back.
        assert reply_of(big)[0] == 408
    ordinary_call_works(bounded)


def test_connections_beyond_the_cap_are_refused_at_once(bounded):
    held = [connect(bounded) for _ in range(20)]
    try:
        time.sleep(0.2)
        with closing(connect(bounded)) as extra:
            status, headers, _ = reply_of(extra)
            assert (status, headers["x-amzn-errortype"]) == (503, "ServiceUnavailableException")
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.2)
    ordinary_call_works(bounded)


def test_an_account_over_its_call_rate_is_throttled_as_aws_does(bounded):
    busy = bounded.client(new_account_id())
    codes = []
    for _ in range(30):
        try:
            busy.list_components()
            codes.append(200)
        except ClientError as error:
            codes.append(error.response["ResponseMetadata"]["HTTPStatusCode"])
            assert error.response["Error"]["Code"] == "CallRateLimitExceededException"
    assert codes.count(200) >= 10 and 429 in codes  # a burst of 10, then 5 a second
    ordinary_call_works(bounded)  # another account is not affected
