"""Engine set-up, migrations at start, and transactions.

SQLite (the embedded default) runs in WAL mode; a write transaction starts with BEGIN IMMEDIATE so
that concurrent writers queue on the busy timeout instead of failing on lock upgrade. Acknowledged
writes survive a kill -9: WAL with synchronous=NORMAL only risks the last commits on power loss,
not on a process crash.
"""
from __future__ import annotations

import secrets
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, insert, select
from sqlalchemy.exc import IntegrityError

from .tables import service_settings

_MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 30_000


def sqlite_url(data_dir: str | Path) -> str:
    path = Path(data_dir).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path / 'oib.db'}"


def create_store_engine(url: str, pool_size: int = 16) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, pool_size=pool_size, max_overflow=0,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=4, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("oib_write", True)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def migrate(engine: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


# Process-local synchronisation for each SQLite engine (not data: all state lives in the store).
_SQLITE_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def _write_lock(engine: Engine) -> threading.Lock | None:
    """SQLite has one writer at a time. Its busy handler makes waiting writers sleep and poll (up to
    100 ms a try), so in-process writers queue on a lock instead and start the moment the previous
    write commits. (Keyed by engine; the embedded store is one process's, the busy timeout remains
    for anything else that opens the file.)"""
    if engine.dialect.name != "sqlite":
        return None
    with _LOCKS_GUARD:
        return _SQLITE_WRITE_LOCKS.setdefault(engine, threading.Lock())


@contextmanager
def transaction(engine: Engine, write: bool) -> Iterator[Connection]:
    lock = _write_lock(engine) if write else None
    if lock is not None:
        lock.acquire()
    try:
        with engine.connect().execution_options(oib_write=write) as connection:
            with connection.begin():
                yield connection
    finally:
        if lock is not None:
            lock.release()


def service_secret(engine: Engine) -> bytes:
    """A per-store secret (for pagination tokens), shared by every process on the store."""
    with transaction(engine, write=True) as connection:
        value = connection.scalar(select(service_settings.c.value).where(service_settings.c.key == "secret"))
        if value is not None:
            return bytes.fromhex(value)
    try:
        with transaction(engine, write=True) as connection:
            connection.execute(insert(service_settings).values(key="secret", value=secrets.token_hex(32)))
    except IntegrityError:
        pass  # another process won the race; read its secret
    with transaction(engine, write=False) as connection:
        return bytes.fromhex(connection.scalar(
            select(service_settings.c.value).where(service_settings.c.key == "secret")))
