"""Real `oib serve` processes on one PostgreSQL database divide each account's call rate
(server/rate_share.py): an account calling two of them alternately is allowed about `--rate-limit`
calls a second in total, not that many on each; when a server stops — killed and silent past
`--api-server-timeout`, or cleanly — the others' shares grow back.

Counts are taken after draining the buckets (calling until refused), so what passes is the refill
over the counting window; bounds are wide, for a loaded machine."""
from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from botocore.exceptions import ClientError
from sqlalchemy import create_engine, text

from openimagebuilder.store.database import create_store_engine, migrate
from tests.conftest import Server, new_account_id, scratch_database, start_server

RATE = 6.0       # calls a second per account, across the servers
TIMEOUT = 2.0    # --api-server-timeout: a heartbeat every 0.4 s
ENV = {"OIB_RATE_LIMIT": str(RATE), "OIB_API_SERVER_TIMEOUT": str(TIMEOUT), "OIB_NO_WORKER": "1"}


@pytest.fixture
def database() -> Iterator[str]:
    """A scratch PostgreSQL database, migrated here: servers that start together on a fresh
    database would each run the migrations at once."""
    with scratch_database() as url:
        engine = create_store_engine(url)
        try:
            migrate(engine)
        finally:
            engine.dispose()
        yield url


def start(database: str, tmp: Path, name: str) -> Server:
    (tmp / name).mkdir()
    return start_server("postgresql", database, tmp / name, ENV)


def api_servers_seen_by(server: Server) -> int:
    return httpx.get(f"{server.url}/_oib/health", timeout=5).json()["rateLimit"]["apiServers"]


def wait_until_seen(servers: list[Server], count: int, within: float) -> None:
    """Until every server counts `count` API servers sharing the store."""
    deadline = time.monotonic() + within
    while any(api_servers_seen_by(server) != count for server in servers):
        assert time.monotonic() < deadline, f"not {count} API servers after {within} s"
        time.sleep(0.05)


def registered(database: str) -> int:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM api_servers")).scalar_one())
    finally:
        engine.dispose()


def passes(client) -> bool:  # type: ignore[no-untyped-def]
    try:
        client.list_components()
        return True
    except ClientError as error:
        assert error.response["Error"]["Code"] == "CallRateLimitExceededException"
        return False


def allowed_over(seconds: float, clients: list) -> int:  # type: ignore[type-arg]
    """The calls that pass in `seconds` of calling `clients` in turn, after emptying each
    server's bucket."""
    for client in clients:
        assert any(not passes(client) for _ in range(200)), "never refused"
    allowed, turn, end = 0, 0, time.monotonic() + seconds
    while time.monotonic() < end:
        allowed += passes(clients[turn % len(clients)])
        turn += 1
    return allowed


def test_api_servers_allow_an_account_the_rate_in_total_and_take_back_a_stopped_one_s_share(database, tmp_path):
    with ThreadPoolExecutor(3) as starting:   # started together: a few seconds, not three times that
        first, second, third = starting.map(lambda name: start(database, tmp_path, name), ("first", "second", "third"))
    try:
        wait_until_seen([first, second, third], 3, within=15)

        # Killed: its row stays until it is TIMEOUT old; then the other two share the rate by two.
        third.stop("kill")
        assert registered(database) == 3
        wait_until_seen([first, second], 2, within=TIMEOUT + 15)

        # An account calling both in turn: each refills at RATE / 2, together RATE a second (not
        # RATE on each, 2 x RATE).
        account = new_account_id()
        on_first, on_second = first.client(account), second.client(account)
        window = 2.0
        together = allowed_over(window, [on_first, on_second])
        assert 0.5 * RATE * window <= together <= RATE * window + 4, together   # 2 x RATE would be 24

        # Stopped cleanly, the second removes itself at once; the first then has the whole rate.
        assert second.stop() == 0
        assert registered(database) == 1
        wait_until_seen([first], 1, within=TIMEOUT + 15)
        window = 1.5
        alone = allowed_over(window, [on_first])
        assert 0.75 * RATE * window <= alone <= RATE * window + 3, alone   # half the rate would be 4.5
    finally:
        for server in (first, second, third):
            server.stop()
