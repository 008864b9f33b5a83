"""The store's fast paths on a real SQLite file: statements on the DB-API cursor, the shared write
transaction (group commit) and the WAL checkpointer."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import Column, DateTime, MetaData, Table, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError

from openimagebuilder.store.checkpoint import WalCheckpointer
from openimagebuilder.store.database import InlineTransactions, create_store_engine, migrate, transaction
from openimagebuilder.store.repository import Repository, Resource, ResourceExists, UniqueViolation
from openimagebuilder.store.statements import Statement, StatementRunner
from openimagebuilder.store.tables import resources

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture
def engine(tmp_path):  # type: ignore[no-untyped-def]
    engine = create_store_engine(f"sqlite:///{tmp_path / 'oib.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


def _resource(name: str) -> Resource:
    arn = f"arn:aws:imagebuilder:{REGION}:{ACCOUNT}:image-pipeline/{name}"
    return Resource("image-pipeline", arn, name, {"name": name}, "2026-01-01T00:00:00.000Z")


def _names(engine) -> set[str]:  # type: ignore[no-untyped-def]
    with transaction(engine, write=False) as connection:
        return {row.name_id for row in connection.execute(select(resources.c.name_id))}


def test_statement_rows_and_errors_match_sqlalchemy(engine):
    with transaction(engine, write=True) as connection:
        repo = Repository(connection, ACCOUNT, REGION)
        stored = repo.insert(_resource("one"))
        assert stored.id > 0
        got = repo.get(stored.arn)
        assert got is not None and got.document == {"name": "one"} and got.id == stored.id
        # The driver's error comes out as SQLAlchemy's, as from Connection.execute.
        with pytest.raises(UniqueViolation):
            repo.insert(_resource("one"))
        with pytest.raises(IntegrityError):
            StatementRunner(connection).execute(Statement(insert(resources), insert_columns=("arn",)), {"arn": "x"})


def test_statements_compile_per_dialect():
    statement = Statement(select(resources.c.arn).where(resources.c.arn == bindparam("p_arn")))
    compiled = statement.compiled(sqlite.dialect())
    assert compiled.bind_names == ("p_arn",) and "?" in compiled.sql
    compiled = statement.compiled(postgresql.psycopg.dialect())
    assert compiled.bind_names is None and "%(p_arn)s" in compiled.sql


def test_a_statement_takes_a_dialect_s_own_form():
    from openimagebuilder.store.repository import _INSERT

    assert "ON CONFLICT (arn) DO NOTHING RETURNING" in _INSERT.compiled(sqlite.dialect()).sql
    assert "ON CONFLICT (arn) DO NOTHING RETURNING" in _INSERT.compiled(postgresql.psycopg.dialect()).sql
    assert _INSERT.row_type is not None and _INSERT.row_type._fields == ("id",)


def test_statements_that_need_type_processing_are_refused():
    table = Table("dated", MetaData(), Column("at", DateTime))
    with pytest.raises(TypeError, match="type processing"):
        Statement(select(table.c.at)).compiled(sqlite.dialect())


def test_shared_transaction_keeps_successes_and_rolls_back_failures(engine):
    opened: list[int] = []
    shared = InlineTransactions(engine, on_open=lambda: opened.append(1))
    woken: list[set[str]] = []
    with shared.write() as connection:
        Repository(connection, ACCOUNT, REGION).insert(_resource("kept-1"))
    with pytest.raises(RuntimeError), shared.write() as connection:
        Repository(connection, ACCOUNT, REGION).insert(_resource("rolled-back"))
        raise RuntimeError("the request failed after writing")
    with pytest.raises(UniqueViolation), shared.write() as connection:
        Repository(connection, ACCOUNT, REGION).insert(_resource("kept-1"))
    with shared.write() as connection:
        Repository(connection, ACCOUNT, REGION).insert(_resource("kept-2"))
    shared.after_commit(lambda: woken.append(_names(engine)))
    assert opened == [1] and shared.is_open
    assert _names(engine) == set()  # nothing is visible before the commit
    shared.commit()
    assert not shared.is_open
    assert _names(engine) == {"kept-1", "kept-2"}
    assert woken == [{"kept-1", "kept-2"}]  # callbacks run after the commit, and see it
    assert (shared.requests, shared.commits) == (4, 1)
    # The write lock is free again: another writer gets in at once.
    done = threading.Event()
    threading.Thread(target=lambda: (transaction(engine, write=True).__enter__(), done.set()), daemon=True).start()
    assert done.wait(5)


def test_the_request_that_opens_a_batch_fails_alone(engine):
    """The first request of a batch runs without a savepoint: when it fails, the whole transaction
    (which holds nothing else) is rolled back and the write lock freed; the next request opens a
    new one."""
    opened: list[int] = []
    shared = InlineTransactions(engine, on_open=lambda: opened.append(1))
    with pytest.raises(RuntimeError), shared.write() as connection:
        Repository(connection, ACCOUNT, REGION).insert(_resource("rolled-back"))
        raise RuntimeError("the request failed after writing")
    assert not shared.is_open
    with transaction(engine, write=True) as connection:  # the lock is free: another writer gets in
        Repository(connection, ACCOUNT, REGION).insert(_resource("other-writer"))
    shared.commit()  # the commit the first opening asked for finds nothing to do
    with shared.write() as connection:
        Repository(connection, ACCOUNT, REGION).insert(_resource("next"))
    with pytest.raises(ResourceExists), shared.write() as connection:  # not first: its savepoint only
        Repository(connection, ACCOUNT, REGION).insert(_resource("next"))
    shared.commit()
    assert opened == [1, 1]
    assert _names(engine) == {"other-writer", "next"}
    assert (shared.requests, shared.commits) == (3, 1)
    shared.close()


def test_an_insert_of_an_existing_arn_reports_it_and_leaves_the_transaction_usable(engine):
    with transaction(engine, write=True) as connection:
        repo = Repository(connection, ACCOUNT, REGION)
        repo.insert(_resource("taken"))
        with pytest.raises(ResourceExists):
            repo.insert(_resource("taken"))
        repo.insert(_resource("free"))
    assert _names(engine) == {"taken", "free"}


def test_checkpointer_moves_the_wal_into_the_database(engine, tmp_path):
    with transaction(engine, write=True) as connection:
        repo = Repository(connection, ACCOUNT, REGION)
        for index in range(50):
            repo.insert(_resource(f"pipeline-{index}"))
    path = str(tmp_path / "oib.db")
    assert _rows_in_database_file(path) == 0  # committed to the WAL only
    checkpointer = WalCheckpointer(path, interval=0.01)
    checkpointer.start()
    try:
        deadline = time.monotonic() + 5
        while _rows_in_database_file(path) < 50 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        checkpointer.stop()
    assert _rows_in_database_file(path) == 50


def _rows_in_database_file(path: str) -> int:
    """Resources in the database file itself: `immutable` makes SQLite ignore the WAL (where,
    before a checkpoint, even the tables may be)."""
    connection = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return int(connection.execute("SELECT count(*) FROM resources").fetchone()[0])
    except sqlite3.OperationalError:  # no such table (yet)
        return 0
    finally:
        connection.close()


def test_reads_keep_their_connection_unless_the_database_fails(engine):
    inline = InlineTransactions(engine, on_open=lambda: None)
    with inline.read() as first:
        pass
    with pytest.raises(KeyError), inline.read() as connection:  # a request's own error: kept
        assert connection is first
        raise KeyError("not found")
    with inline.read() as connection:
        assert connection is first
    with pytest.raises(DBAPIError), inline.read() as connection:
        connection.exec_driver_sql("SELECT * FROM no_such_table")
    with inline.read() as connection:
        assert connection is not first and not connection.closed
    assert first.closed
    inline.close()


def test_a_transaction_that_sqlite_rolled_back_fails_the_whole_batch(engine):
    shared = InlineTransactions(engine, on_open=lambda: None)
    with shared.write() as connection:
        Repository(connection, ACCOUNT, REGION).insert(_resource("lost"))
    with pytest.raises(RuntimeError), shared.write() as connection:
        # As SQLite does on an I/O error or a full disk: the whole transaction is gone.
        connection.connection.dbapi_connection.execute("ROLLBACK")
        raise RuntimeError("disk I/O error")
    with pytest.raises(RuntimeError):  # a later request of the same batch is refused, not run outside it
        with shared.write():
            pass
    with pytest.raises(RuntimeError):
        shared.commit()
    assert _names(engine) == set()
    # The next batch starts afresh, and the write lock is free.
    with shared.write() as connection:
        Repository(connection, ACCOUNT, REGION).insert(_resource("next"))
    shared.commit()
    assert _names(engine) == {"next"}
    with transaction(engine, write=True):
        pass
    shared.close()
