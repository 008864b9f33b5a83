"""Test fixtures: a real `oib serve` process per store, and boto3 clients against it.

Each test gets a client in an account of its own (a random 12-digit access key is taken as the
account id), so tests share a server without seeing each other's resources.
The PostgreSQL run uses a fresh database (created and dropped here). Without a reachable
PostgreSQL it is skipped with a notice, unless CI is set, where that is a failure.
"""
from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config

from openimagebuilder.testing.service import SERVING_LINE

# Real container builds: container_settings, local_registry, busybox_base (tests/containers_fixtures.py).
from tests.containers_fixtures import busybox_base, container_settings, local_registry  # noqa: E402,F401

# Real VM builds: vm_base, vm_settings (tests/vm_fixtures.py).
from tests.vm_fixtures import vm_base, vm_cache, vm_settings  # noqa: E402,F401

POSTGRES_ADMIN_URL = os.environ.get("OIB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
STORES = ["sqlite", "postgresql"]

# `make test` runs the suite on two pytest-xdist workers. Tests of what the whole host shares run
# in one group, "host": one at a time, on one worker, while the other worker runs the rest. They are
# every test of these files: real container builds (buildah, runc, docker-registry; some assert on
# `runc list` and `ps` host-wide), QEMU machines (found through /proc), the README's quick start
# (`make` in this checkout, a network namespace). A test elsewhere that uses a fixture of
# HOST_FIXTURES is refused at collection until its file is listed here.
HOST_FILES = frozenset({
    "tests/e2e/test_container_builds.py", "tests/e2e/test_container_lifecycle.py",
    "tests/e2e/test_containers_bootstrap.py", "tests/e2e/test_containers_buildah.py",
    "tests/e2e/test_containers_executor.py", "tests/e2e/test_readme_quick_start.py",
    "tests/e2e/test_vm_agent.py", "tests/e2e/test_vm_backend.py", "tests/e2e/test_vm_builds.py",
    "tests/unit/test_containers_lifecycle.py",
})
HOST_FIXTURES = frozenset({"local_registry", "container_settings", "busybox_base", "vm_cache", "vm_base",
                           "vm_settings"})
ROOT = Path(__file__).resolve().parent.parent


def in_host_group(nodeid: str) -> bool:
    """Whether a test (its node id, relative to the repository) runs in the "host" group."""
    return nodeid.split("::", 1)[0] in HOST_FILES


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`-n N` (--dist load, the default, or loadgroup): xdist's loadgroup scheduling, with every
    test of HOST_FILES in the group "host". Decided here, in the controller, from node ids: xdist's
    own xdist_group marks reach the controller by a node id suffix that pytest 9.2 drops."""
    if config.getvalue("dist") not in ("load", "loadgroup"):
        return None
    from xdist.scheduler import LoadGroupScheduling

    class HostGroupScheduling(LoadGroupScheduling):
        # The largest scope is handed out first (xdist sorts scopes by size): the host group starts
        # at once on one worker, the other takes tests one by one.
        def _split_scope(self, nodeid: str) -> str:
            return "host" if in_host_group(nodeid) else super()._split_scope(nodeid)

    return HostGroupScheduling(config, log)


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        # On an xdist worker a Hypothesis example's time includes the other worker's load: no
        # deadlines (tests that set a deadline of their own keep it).
        from hypothesis import settings
        settings.register_profile("xdist-worker", deadline=None)
        settings.load_profile("xdist-worker")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        used = HOST_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if used and item.path.is_relative_to(ROOT) and not in_host_group(item.path.relative_to(ROOT).as_posix()):
            raise pytest.UsageError(
                f"{item.nodeid} uses {', '.join(sorted(used))} (real builds): add its file to HOST_FILES in "
                "tests/conftest.py, so that it runs in the host group under pytest -n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    store: str
    database_url: str
    process: subprocess.Popen
    log_path: Path
    env: dict

    def client(self, account_id: str | None = None, region: str = "us-east-1"):
        account_id = account_id or new_account_id()
        return boto3.client(
            "imagebuilder", endpoint_url=self.url, region_name=region,
            aws_access_key_id=account_id, aws_secret_access_key="secret",
            config=Config(retries={"total_max_attempts": 1}))

    def stop(self, sig: str = "term") -> int:
        return stop_process(self.process, sig)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def restart(self, sig: str = "term") -> None:
        self.stop(sig)
        self.process = _spawn(self.env, self.log_path)
        wait_healthy(self.url, self.process, self.log_path)


def stop_process(process: subprocess.Popen, sig: str = "term") -> int:
    """SIGTERM (or, with sig="kill", SIGKILL) unless it has exited; its exit status."""
    if process.poll() is None:
        if sig == "kill":
            process.kill()
        else:
            process.terminate()
    return process.wait(timeout=30)


def new_account_id() -> str:
    return f"{random.randrange(10**11, 10**12):012d}"


def _spawn(env: dict, log_path: Path, command: tuple[str, ...] = ("serve",)) -> subprocess.Popen:
    with open(log_path, "ab") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", "openimagebuilder.server.cli", *command],
                                env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 30) -> None:
    """Until /_oib/health answers 200; RuntimeError with the end of the log if the server exits or never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oib serve exited early:\n{log_path.read_text()[-4000:]}")
        try:
            if httpx.get(f"{url}/_oib/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"oib serve did not become healthy:\n{log_path.read_text()[-4000:]}")


def start_server(store: str, database_url: str, tmp: Path, extra_env: dict | None = None) -> Server:
    # Port 0: the server takes a free port itself and says which (a port picked here and handed
    # over could be taken meanwhile by another test process, and its health check answered by
    # another server). A restart keeps the port.
    # The API's tests build nothing for real: the simulated backend, unless a test asks otherwise.
    env = {**os.environ, "OIB_PORT": "0", "OIB_HOST": "127.0.0.1", "OIB_LOG_LEVEL": "info",
           "OIB_DATA_DIR": str(tmp / "data"), "OIB_DATABASE_URL": database_url if store != "sqlite" else "",
           "OIB_BACKEND": "simulated", **(extra_env or {})}
    log_path = tmp / f"oib-{store}-{uuid.uuid4().hex[:8]}.log"
    process = _spawn(env, log_path)
    url = served_url(process, log_path)
    env["OIB_PORT"] = url.rsplit(":", 1)[1]
    wait_healthy(url, process, log_path)
    return Server(url, store, database_url, process, log_path, env)


def served_url(process: subprocess.Popen, log_path: Path, timeout: float = 30) -> str:
    """The URL `oib serve` says it serves on (its log's first lines)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = SERVING_LINE.search(log_path.read_text(errors="replace"))
        if found:
            return found.group(1)
        if process.poll() is not None:
            raise RuntimeError(f"oib serve exited early:\n{log_path.read_text()[-4000:]}")
        time.sleep(0.05)
    raise RuntimeError(f"oib serve did not say where it serves:\n{log_path.read_text()[-4000:]}")


@dataclass
class Worker:
    """An `oib worker` process: the build engine and the scheduler on a server's store, no HTTP."""
    process: subprocess.Popen
    log_path: Path

    def stop(self, sig: str = "term") -> int:
        return stop_process(self.process, sig)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_worker(server: Server, tmp: Path, *args: str, extra_env: dict | None = None) -> Worker:
    """`oib worker <args>` on the store `server` uses (its database URL, or its SQLite data dir).
    A worker answers nothing over HTTP: it shows in what happens to builds, and in its log."""
    env = {**os.environ, "OIB_LOG_LEVEL": "info", "OIB_DATA_DIR": server.env["OIB_DATA_DIR"],
           "OIB_DATABASE_URL": server.env["OIB_DATABASE_URL"], "OIB_BACKEND": server.env["OIB_BACKEND"],
           **(extra_env or {})}
    env.pop("OIB_NO_WORKER", None)
    log_path = tmp / f"oib-worker-{uuid.uuid4().hex[:8]}.log"
    return Worker(_spawn(env, log_path, ("worker", *args)), log_path)


@contextmanager
def scratch_database(admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[str]:
    """A fresh PostgreSQL database (its SQLAlchemy URL), dropped afterwards. When PostgreSQL is not
    reachable: skipped with a notice, or, with CI set, a failure."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"oib_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        admin.dispose()
        if os.environ.get("CI"):
            raise RuntimeError(f"PostgreSQL is required in CI but not reachable: {exc}") from exc
        pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432: PostgreSQL tests skipped (set CI=1 to fail instead)")
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def migrated_store(store: str, tmp: Path) -> Iterator[Any]:
    """A store's engine (SQLAlchemy's Engine) with every migration applied, for tests of the store
    itself: a SQLite file in `tmp`, or a fresh PostgreSQL database (see scratch_database)."""
    from openimagebuilder.store.database import create_store_engine, migrate, sqlite_url

    with nullcontext(sqlite_url(tmp)) if store == "sqlite" else scratch_database() as url:
        engine = create_store_engine(url)
        migrate(engine)
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def isolated_server(server: Server, tmp: Path, extra_env: dict | None = None) -> Iterator[Server]:
    """Another `oib serve` like `server`, on a store of its own (a fresh PostgreSQL database, or its
    own SQLite file), so that no other server's engine or scheduler touches its builds."""
    if server.store == "postgresql":
        with scratch_database(server.database_url or POSTGRES_ADMIN_URL) as database_url:
            started = start_server(server.store, database_url, tmp, extra_env)
            try:
                yield started
            finally:
                started.stop()
        return
    started = start_server(server.store, "", tmp, extra_env)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this test session, or None when no server is reachable."""
    try:
        with scratch_database() as url:
            yield url
    except pytest.skip.Exception:
        yield None


@pytest.fixture(scope="session", params=STORES)
def server(request, postgres_database, tmp_path_factory) -> Iterator[Server]:
    store = request.param
    if store == "postgresql" and postgres_database is None:
        pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432: PostgreSQL tests skipped (set CI=1 to fail instead)")
    tmp = tmp_path_factory.mktemp(f"oib-{store}")
    started = start_server(store, postgres_database or "", tmp)
    yield started
    started.stop()


@pytest.fixture
def client(server):
    """A boto3 Image Builder client in a fresh account of its own."""
    return server.client()


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
