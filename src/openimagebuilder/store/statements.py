"""Prebuilt statements run directly on the DB-API cursor of a transaction.

SQLAlchemy builds and compiles the SQL (once per dialect); running it through
`Connection.execute` costs about 20 µs a statement in execution context and result wrapping,
against 2 µs for the sqlite3 cursor itself. A request runs eight or so statements, so the hot,
fixed statements of the store skip that layer: same SQL, same transaction, no per-call overhead.

Only statements whose binds and columns need no type processing (strings and integers) qualify;
that is checked when a statement is compiled.
"""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Integer, String
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable
from sqlalchemy.types import NullType

# Types that reach and leave the drivers (sqlite3, psycopg) as they are.
_PLAIN_TYPES = (String, Integer, NullType)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    bind_names: tuple[str, ...] | None  # positional order (qmark); None: the driver takes a mapping


class Statement:
    """One SQLAlchemy statement, compiled on first use for each dialect. `dialects` gives a
    dialect's own form of it (e.g. an INSERT with ON CONFLICT, which only the dialects' insert
    constructs express), with the same binds and columns."""

    __slots__ = ("clause", "insert_columns", "row_type", "dialects", "_compiled")

    def __init__(self, clause: Executable, insert_columns: Sequence[str] | None = None,
                 dialects: Mapping[str, Executable] | None = None) -> None:
        self.clause = clause
        self.dialects = dict(dialects or {})
        self.insert_columns = list(insert_columns) if insert_columns is not None else None
        selected = getattr(clause, "selected_columns", None)
        returning = getattr(clause, "_returning", ())
        keys = [column.key for column in (selected if selected is not None else returning)]
        self.row_type = namedtuple("Row", keys, rename=True) if keys else None
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = self._compile(dialect)
        return compiled

    def _compile(self, dialect: Dialect) -> _Compiled:
        clause = self.dialects.get(dialect.name, self.clause)
        compiled = clause.compile(dialect=dialect, column_keys=self.insert_columns)  # type: ignore[attr-defined]
        # Type processing (dates, JSON, booleans on SQLite) would be skipped on the raw cursor.
        types = [bind.type for bind in compiled.binds.values()]
        types += [column.type for column in getattr(clause, "selected_columns", None) or ()]
        types += [column.type for column in getattr(clause, "_returning", ())]
        if not all(isinstance(kind, _PLAIN_TYPES) for kind in types):
            raise TypeError(f"statement needs type processing, run it through SQLAlchemy: {compiled}")
        if compiled.positional:
            return _Compiled(str(compiled), tuple(compiled.positiontup or ()))
        return _Compiled(str(compiled), None)


def driver_error(connection: Connection, error: Exception, sql: str, cursor: Any = None) -> DBAPIError:
    """A DB-API error of a statement run on `connection`'s driver connection, as SQLAlchemy's
    `Connection.execute` would raise it (IntegrityError, OperationalError, ...); a lost connection
    is invalidated so that the pool does not hand it out again."""
    dialect = connection.dialect
    # `error` is the driver's own exception: an instance of the DB-API's Error, as these expect.
    disconnected = dialect.is_disconnect(cast(Any, error), connection.connection.dbapi_connection, cursor)
    if disconnected:
        connection.invalidate(error)
    return cast(DBAPIError, DBAPIError.instance(sql, None, error, dialect.loaded_dbapi.Error, hide_parameters=True,
                                                connection_invalidated=disconnected, dialect=dialect))


class StatementRunner:
    """Runs Statements on one SQLAlchemy connection's DB-API connection, inside its transaction.
    Driver errors are raised as SQLAlchemy's (IntegrityError, OperationalError, ...), like
    `Connection.execute` raises them, so callers handle both paths alike."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self._driver_error: type[Exception] = self.dialect.loaded_dbapi.Error
        self._cursor: Any = None

    def _wrapped(self, error: Exception, sql: str) -> DBAPIError:
        return driver_error(self.connection, error, sql, self._cursor)

    def _cursor_now(self) -> Any:
        if self._cursor is None:
            self._cursor = self.connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        return self._cursor

    def _execute(self, statement: Statement, params: Mapping[str, Any]) -> Any:
        compiled = statement.compiled(self.dialect)
        cursor = self._cursor_now()
        try:
            if compiled.bind_names is None:
                cursor.execute(compiled.sql, params)
            else:
                cursor.execute(compiled.sql, [params[name] for name in compiled.bind_names])
        except self._driver_error as error:
            raise self._wrapped(error, compiled.sql) from error
        return cursor

    def execute(self, statement: Statement, params: Mapping[str, Any]) -> int:
        """Runs a write; returns the number of rows it changed."""
        return int(self._execute(statement, params).rowcount)

    def execute_many(self, statement: Statement, rows: Iterable[Mapping[str, Any]]) -> None:
        compiled = statement.compiled(self.dialect)
        names = compiled.bind_names
        try:
            self._cursor_now().executemany(compiled.sql, list(rows) if names is None else
                                           [[row[name] for name in names] for row in rows])
        except self._driver_error as error:
            raise self._wrapped(error, compiled.sql) from error

    def rows(self, statement: Statement, params: Mapping[str, Any]) -> list[Any]:
        """Every row of a query (or of a write's RETURNING), as named tuples."""
        make = statement.row_type._make  # type: ignore[union-attr]
        # Fetched to the end, so no statement stays open in the connection after this call.
        return [make(row) for row in self._execute(statement, params).fetchall()]

    def first(self, statement: Statement, params: Mapping[str, Any]) -> Any:
        rows = self.rows(statement, params)
        return rows[0] if rows else None
