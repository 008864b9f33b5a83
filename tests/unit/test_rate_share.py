"""The per-account rate limit divided among the API servers sharing a store: the share arithmetic,
the token buckets under a share, and the servers' heartbeats and expiry on real stores (SQLite and a
scratch PostgreSQL database)."""
from __future__ import annotations

import logging
import time

import pytest

from openimagebuilder.server.app import ImageBuilderApp
from openimagebuilder.server.limits import BucketShape, RateLimiter, RequestRefused, fair_share
from openimagebuilder.server.rate_share import HEARTBEATS_PER_TIMEOUT, RateShareHeartbeat
from openimagebuilder.server.settings import Settings
from openimagebuilder.store.api_servers import heartbeat, leave, registered_servers
from openimagebuilder.store.database import create_store_engine, transaction
from tests.conftest import free_port, migrated_store


class Clock:
    """Seconds that move only when the test moves them."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    with migrated_store(request.param, tmp_path) as engine:
        yield engine


def registered(database) -> list[str]:
    with transaction(database, write=False) as connection:
        return registered_servers(connection)


def allowed_now(limiter: RateLimiter, account: str = "111122223333") -> int:
    """How many calls the account's bucket lets through at this instant of the limiter's clock."""
    calls = 0
    while True:
        try:
            limiter.check(account)
        except RequestRefused:
            return calls
        calls += 1


# -- the arithmetic ------------------------------------------------------------------------------

@pytest.mark.parametrize(("rate", "servers", "shape"), [
    (10, 1, BucketShape(refill=10, capacity=20)),
    (10, 2, BucketShape(refill=5, capacity=10)),
    (10, 4, BucketShape(refill=2.5, capacity=5)),
    (1, 4, BucketShape(refill=0.25, capacity=1)),   # a bucket holds one call at least
    (10, 0, BucketShape(refill=10, capacity=20)),   # never fewer than this server itself
])
def test_each_of_the_live_servers_gets_an_equal_share_of_rate_and_burst(rate, servers, shape):
    assert fair_share(rate, servers) == shape


def test_the_shares_of_the_live_servers_add_up_to_the_configured_rate():
    for servers in range(1, 9):
        shape = fair_share(100, servers)
        assert shape.refill * servers == pytest.approx(100)
        assert shape.capacity * servers == pytest.approx(200)


def test_a_bucket_under_a_share_refills_and_bursts_at_that_share():
    clock = Clock()
    limiter = RateLimiter(10, clock=clock)
    limiter.share_among(2)
    assert allowed_now(limiter) == 10   # burst: 20 / 2
    clock.now += 1
    assert allowed_now(limiter) == 5    # refill: 10 / 2 a second
    limiter.share_among(1)               # the other server went away
    clock.now += 1
    assert allowed_now(limiter) == 10
    clock.now += 10
    assert allowed_now(limiter) == 20


def test_a_full_bucket_is_cut_to_a_smaller_share():
    clock = Clock()
    limiter = RateLimiter(10, clock=clock)
    limiter.check("111122223333")        # a bucket of 20, 19 left
    limiter.share_among(4)
    assert allowed_now(limiter) == 5


def test_the_refusal_names_the_configured_rate_not_the_share():
    limiter = RateLimiter(10, clock=Clock())
    limiter.share_among(2)
    allowed_now(limiter)
    with pytest.raises(RequestRefused, match="at most 10 calls a second per account"):
        limiter.check("111122223333")


# -- the store: heartbeats and expiry -------------------------------------------------------------

def test_servers_count_while_their_heartbeat_is_fresh_and_are_forgotten_after_the_timeout(database):
    with transaction(database, write=True) as connection:
        assert heartbeat(connection, "a", now=100.0, timeout=10) == 1
    with transaction(database, write=True) as connection:
        assert heartbeat(connection, "b", now=101.0, timeout=10) == 2
    with transaction(database, write=True) as connection:
        assert heartbeat(connection, "a", now=110.5, timeout=10) == 2   # b beat 9.5 s ago: live
    assert registered(database) == ["a", "b"]
    with transaction(database, write=True) as connection:
        assert heartbeat(connection, "a", now=111.5, timeout=10) == 1   # b silent 10.5 s: gone
    assert registered(database) == ["a"]
    with transaction(database, write=True) as connection:
        assert heartbeat(connection, "b", now=112.0, timeout=10) == 2   # back, as a new row
        leave(connection, "a")
    assert registered(database) == ["b"]


def test_heartbeats_of_two_servers_give_each_half_the_rate_until_one_goes(database):
    clock = Clock()
    first = RateShareHeartbeat(database, RateLimiter(10), "first", timeout=5, clock=clock)
    second = RateShareHeartbeat(database, RateLimiter(10), "second", timeout=5, clock=clock)
    first.beat()
    second.beat()
    first.beat()
    assert (first.limiter.servers, second.limiter.servers) == (2, 2)
    assert first.limiter.bucket == second.limiter.bucket == BucketShape(refill=5, capacity=10)
    clock.now += 5.5                     # the second server is killed: no more beats, no goodbye
    first.beat()
    assert first.limiter.servers == 1 and first.limiter.bucket == BucketShape(refill=10, capacity=20)
    assert registered(database) == ["first"]
    second.beat()                         # it comes back
    first.beat()
    assert first.limiter.servers == 2
    second.stop()                         # and stops cleanly: its row goes at once
    assert registered(database) == ["first"]
    first.beat()
    assert first.limiter.servers == 1


def test_the_heartbeat_thread_beats_at_once_and_its_server_leaves_when_stopped(database):
    share = RateShareHeartbeat(database, RateLimiter(10), "server", timeout=1)
    assert share.interval == 1 / HEARTBEATS_PER_TIMEOUT
    share.start()
    try:
        deadline = time.monotonic() + 10
        while registered(database) != ["server"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert registered(database) == ["server"]
    finally:
        share.stop()
    assert registered(database) == []
    assert share._thread is not None and not share._thread.is_alive()


def test_a_failing_heartbeat_keeps_the_last_share_and_logs(caplog):
    unreachable = create_store_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none?connect_timeout=2")
    limiter = RateLimiter(10)
    limiter.share_among(3)
    share = RateShareHeartbeat(unreachable, limiter, "cut-off", timeout=5)
    try:
        with caplog.at_level(logging.WARNING, logger="openimagebuilder.server"):
            share.beat()
            share.beat()
            share.stop()                  # nor does stopping raise
    finally:
        unreachable.dispose()
    assert limiter.servers == 3 and limiter.bucket == fair_share(10, 3)
    messages = [record.getMessage() for record in caplog.records]
    assert sum("heartbeat of API server cut-off failed; keeping the share of 3" in m for m in messages) == 1
    assert any("could not remove itself" in m for m in messages)


# -- which processes beat at all -----------------------------------------------------------------

@pytest.mark.parametrize(("store", "rate", "beats"), [("sqlite", 10.0, False), ("postgresql", 0.0, False),
                                                     ("postgresql", 10.0, True)])
def test_only_a_rate_limited_api_server_on_postgresql_has_a_heartbeat(store, rate, beats, tmp_path):
    with migrated_store(store, tmp_path) as engine:
        url = engine.url.render_as_string(hide_password=False) if store == "postgresql" else None
        app = ImageBuilderApp(Settings(data_dir=str(tmp_path), database_url=url, backend="simulated",
                                       rate_limit=rate))
        try:
            assert (app.rate_share is not None) is beats
        finally:
            app.close()
        assert registered(engine) == []   # written only by a started heartbeat, and removed on close
