"""Engine set-up, migrations at start, and transactions.

SQLite (the embedded default) runs in WAL mode; a write transaction starts with BEGIN IMMEDIATE so
that concurrent writers queue on the busy timeout instead of failing on lock upgrade. Acknowledged
writes survive a kill -9: WAL with synchronous=NORMAL only risks the last commits on power loss,
not on a process crash.
"""
from __future__ import annotations

import os
import secrets
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Table, create_engine, event, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, IntegrityError

from .checkpoint import BACKSTOP_PAGES
from .statements import driver_error
from .tables import service_settings

_MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 30_000


def sqlite_url(data_dir: str | Path) -> str:
    """The embedded store's URL, its directory and files made private first: they hold every
    document, client token, credential and the pagination-signing secret."""
    path = Path(data_dir).resolve()
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        path.chmod(0o700)  # mkdir's mode is masked by the umask
    database = path / "oib.db"
    # SQLite creates the -wal and -shm files with the database file's permissions.
    os.close(os.open(database, os.O_RDWR | os.O_CREAT, 0o600))
    for file in (database, path / "oib.db-wal", path / "oib.db-shm"):
        with suppress(FileNotFoundError):
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)
    return f"sqlite:///{database}"


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
    def on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")  # WalCheckpointer does it
        cursor.execute("PRAGMA foreign_keys=ON")
        # Savepoints and statement journals in memory, not in temporary files (each request of a
        # shared write transaction runs in a savepoint).
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get("oib_driver_transactions"):
            return  # InlineTransactions begins and ends them on the driver's connection
        write = options.get("oib_write", True)
        statement = "BEGIN IMMEDIATE" if write else "BEGIN"
        # On the driver's connection (a statement through SQLAlchemy costs ten times as much),
        # failing with SQLAlchemy's error as it would.
        try:
            connection.connection.dbapi_connection.execute(statement)  # type: ignore[union-attr]
        except sqlite3.Error as error:
            raise driver_error(connection, error, statement) from error


def dialect_insert(connection: Connection, table: Table) -> Any:
    """The dialect's INSERT of `table`, which has ON CONFLICT upserts (SQLite's and PostgreSQL's
    insert() make the same one; their classes share no base that has it)."""
    dialect = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    return dialect(table)


MIGRATION_LOCK = 0x6F69625F6D6967   # the PostgreSQL advisory lock migrations hold ("oib_mig")


def migrate(engine: Engine, revision: str = "head") -> None:
    """Brings the store's schema to `revision` (upgrading, or downgrading to an earlier one), in
    one transaction."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        driver = connection.connection.dbapi_connection
        if sqlite:
            # A migration that rebuilds a table drops the old one, and with foreign keys on SQLite
            # would delete what refers to it. Off for the migration (it only applies outside a
            # transaction), and checked before the migration commits.
            driver.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                if not sqlite:
                    # Processes that start together on a new database (`oib serve` and its
                    # workers) take turns: the first migrates, the next find the schema current.
                    # (On SQLite the transaction's BEGIN IMMEDIATE does the same.)
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                config.attributes["connection"] = connection
                current = MigrationContext.configure(connection).get_current_revision()
                if revision != "head" and current is not None and _is_later(config, current, revision):
                    command.downgrade(config, revision)
                else:
                    command.upgrade(config, revision)
                if sqlite:
                    violations = driver.execute("PRAGMA foreign_key_check").fetchall()  # type: ignore[union-attr]
                    if violations:
                        raise RuntimeError(f"the migrated store has dangling references: {violations[:5]}")
        finally:
            if sqlite:
                driver.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def _is_later(config: Config, current: str, revision: str) -> bool:
    """Whether `revision` comes before `current` in the migration history."""
    scripts = ScriptDirectory.from_config(config)
    return any(step.revision == revision for step in scripts.iterate_revisions(current, "base"))


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


class InlineTransactions:
    """The transactions of the one thread that serves requests on SQLite (the event loop's).

    Writes: the write requests of a moment join one transaction, each in a savepoint of its own
    (except the first, which has the transaction to itself), and it commits once for all of them
    (group commit). A commit writes every page the transaction changed to the WAL; requests of the
    same kind change the same few pages, so one commit for N requests costs little more than one
    for one. Each request stays atomic (its savepoint, or the whole transaction when it came first,
    is rolled back when it fails), and nobody is told of a success before the commit: `on_open` must
    arrange for `commit()` to be called soon, and the requests answer after it. The shared
    transaction holds the store's write lock from its first request to its commit.

    Reads: each in a transaction of its own, on a connection kept for them.

    Both kept connections are in one SQLAlchemy transaction for as long as they live (see
    `_connect`); the BEGINs, COMMITs and ROLLBACKs are issued on the driver's connection, which
    costs a fraction of SQLAlchemy's transaction bookkeeping on every request.
    """

    def __init__(self, engine: Engine, on_open: Callable[[], None]) -> None:
        self.engine = engine
        self.on_open = on_open
        lock = _write_lock(engine)
        assert lock is not None, "inline transactions are for SQLite"
        self._lock = lock
        self._connection: Connection | None = None  # while a write transaction is open
        self._writer: Connection | None = None  # kept between transactions: no pool round trip each time
        self._reader: Connection | None = None
        self._broken: BaseException | None = None
        self._after_commit: list[Callable[[], None]] = []
        self.requests = 0  # write requests that have joined, and commits made: their ratio is the batch size
        self.commits = 0

    def _connect(self, write: bool) -> Connection:
        connection = self.engine.connect().execution_options(oib_write=write, oib_driver_transactions=True)
        # SQLAlchemy's side only (the begin listener issues no BEGIN for such a connection): its
        # statements then run in whatever transaction the driver's connection is in.
        connection.begin()
        return connection

    @staticmethod
    def _driver(connection: Connection) -> sqlite3.Connection:
        return connection.connection.dbapi_connection  # type: ignore[return-value]

    def _run(self, connection: Connection, statement: str) -> None:
        try:
            self._driver(connection).execute(statement)
        except sqlite3.Error as error:
            raise driver_error(connection, error, statement) from error

    @contextmanager
    def read(self) -> Iterator[Connection]:
        connection = self._reader or self._connect(write=False)
        self._reader = None
        try:
            self._run(connection, "BEGIN")
            try:
                yield connection
            except BaseException:
                with suppress(Exception):  # the request's own failure is the one raised
                    self._driver(connection).rollback()
                raise
            self._run(connection, "COMMIT")
        except DBAPIError:
            connection.close()  # the next read starts on a fresh connection
            raise
        finally:
            if not connection.closed:
                self._reader = connection

    @property
    def is_open(self) -> bool:
        return self._connection is not None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One request's part of the shared write transaction: a savepoint, released on success
        and rolled back when the block raises; the request that opens the transaction needs none."""
        if self._broken is not None:
            raise self._broken
        first = self._connection is None
        connection = self._connection or self._open()
        self.requests += 1
        driver = self._driver(connection)
        if first:
            try:
                yield connection
            except BaseException:
                self._abandon()
                raise
            return
        cursor = driver.cursor()
        cursor.execute("SAVEPOINT oib_request")
        try:
            yield connection
        except BaseException as error:
            if not driver.in_transaction:
                # SQLite rolled the whole transaction back (I/O error, disk full): nothing the
                # other requests wrote is left, so the whole batch fails, with this error.
                self._broken = self._broken or error
                raise
            try:
                cursor.execute("ROLLBACK TO oib_request")
                cursor.execute("RELEASE oib_request")
            except Exception as rollback_error:  # noqa: BLE001 - the batch cannot be trusted any more
                self._broken = self._broken or rollback_error
            raise
        cursor.execute("RELEASE oib_request")

    def after_commit(self, callback: Callable[[], None]) -> None:
        if callback not in self._after_commit:
            self._after_commit.append(callback)

    def _open(self) -> Connection:
        self._lock.acquire()
        try:
            connection = self._writer or self._connect(write=True)
            self._writer = connection
            self._run(connection, "BEGIN IMMEDIATE")
        except BaseException:
            self._close_writer()
            self._lock.release()
            raise
        self._connection = connection
        self.on_open()
        return connection

    def _abandon(self) -> None:
        """The request that opened the transaction failed: roll all of it back (nothing else is in
        it yet), so the next write opens a new one."""
        connection, self._connection = self._connection, None
        self._after_commit = []
        try:
            self._driver(connection).rollback()  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - the request's own failure is the one raised
            self._close_writer()
        finally:
            self._lock.release()

    def commit(self) -> None:
        """Commits (or, when a request broke the transaction, rolls back and raises why)."""
        connection, self._connection = self._connection, None
        broken, self._broken = self._broken, None
        callbacks, self._after_commit = self._after_commit, []
        if connection is None:
            return
        driver = self._driver(connection)
        try:
            if broken is not None:
                raise broken
            try:
                driver.commit()
            except sqlite3.Error as error:
                raise driver_error(connection, error, "COMMIT") from error
            self.commits += 1
        except BaseException:
            with suppress(Exception):  # the failure that matters is the one being raised
                driver.rollback()
            self._close_writer()  # the next transaction starts on a fresh connection
            raise
        finally:
            self._lock.release()
        for callback in callbacks:
            callback()

    def close(self) -> None:
        """Returns the kept connections to the pool (at shutdown)."""
        self._close_writer()
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()

    def _close_writer(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            with suppress(Exception):
                writer.close()


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
        secret = connection.scalar(select(service_settings.c.value).where(service_settings.c.key == "secret"))
    assert secret is not None  # inserted above, by this process or another
    return bytes.fromhex(secret)
