"""Scoped data access for one request's transaction. Handlers see Resources, never SQL.

Every query is filtered on the caller's account and region. AWS-managed resources (owner `aws`)
come from the shipped catalog, read-only and visible to everyone.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from .. import catalog
from ..domain.arn import AWS_OWNER, Arn, parse_arn
from ..domain.filter_values import FILTERED_FIELDS, ScanNarrowing, ValueCondition, filter_values
from ..domain.name_filter import LIKE_ESCAPE, NameIdPatterns
from ..domain.semver import parse_version, sort_key
from .statements import Statement, StatementRunner
from .tables import client_tokens, resource_filter_values, resource_references, resources


class UniqueViolation(Exception):
    """A uniqueness constraint refused the write; the request is retried from the start."""


class ResourceExists(UniqueViolation):
    """A resource with the ARN exists already. A create answers ResourceAlreadyExistsException;
    anywhere else it is a lost race, and the request is retried like any UniqueViolation."""


@dataclass
class Resource:
    kind: str
    arn: str
    name_id: str
    document: dict[str, Any]
    date_created: str
    subtype: str = ""
    version: str = ""
    build: int = 0
    owner: str = ""
    id: int = 0
    sort_key: str = field(default="")


@dataclass(frozen=True)
class Reference:
    source_arn: str
    target: Arn


# How many entries of each filter's values a scan with several counts before it reads ids from the
# one with the fewest (a filter that matches much needs no exact count).
PROBED_ENTRIES = 1000


def chunk_sizes() -> Iterator[int]:
    """How many rows each read of a scan fetches: a list page is 25 by default, plus one row to
    know whether another page follows, so the first read fetches just that (a list reads what it
    returns); when a filter rejects rows the reads grow, up to 1,000."""
    size = 26
    while True:
        yield size
        size = min(size * 4, 1000)

# Statements built once and run on the DB-API cursor (statements.py): building SQLAlchemy
# expressions per call, or executing them through SQLAlchemy, costs more than running them.
_SCOPE = and_(resources.c.account_id == bindparam("p_account_id"), resources.c.region == bindparam("p_region"))
_SELECT_GET = select(resources).where(_SCOPE, resources.c.arn == bindparam("p_arn"))
_GET = Statement(_SELECT_GET)
# Read-modify-write of a document (tags, updates, the engine's progress) locks the row, so two
# writers on PostgreSQL cannot overwrite each other's change. (SQLite writes are serial anyway.)
_GET_FOR_UPDATE = Statement(_SELECT_GET.with_for_update())
# What a write refers to is key-share locked until it commits: a concurrent delete, which locks its
# row FOR UPDATE before looking for references, waits and then sees the new reference. Only
# references: locking every row a write reads would order it against the build engine, which locks
# an image after its job, and deadlock. (PostgreSQL; SQLite's writes are serial, without row locks.)
_GET_SHARED = Statement(_SELECT_GET.with_for_update(read=True, key_share=True))
_SELECT_VERSIONS = select(resources).where(
    _SCOPE, resources.c.kind == bindparam("p_kind"), resources.c.name_id == bindparam("p_name_id"),
    resources.c.subtype == bindparam("p_subtype"))
_VERSIONS = Statement(_SELECT_VERSIONS)
_VERSIONS_SHARED = Statement(_SELECT_VERSIONS.with_for_update(read=True, key_share=True))
# An existing ARN is not an error inside the INSERT (on PostgreSQL that would abort the
# transaction): no row comes back, and the caller learns that the resource exists. A concurrent
# insert of the same ARN waits for the other transaction, then finds it.
_INSERT = Statement(insert(resources).returning(resources.c.id), insert_columns=(
    "account_id", "region", "kind", "subtype", "name_id", "version", "build", "sort_key", "arn", "date_created",
    "document"), dialects={
        "sqlite": sqlite_insert(resources).on_conflict_do_nothing(index_elements=["arn"]).returning(resources.c.id),
        "postgresql": postgresql_insert(resources).on_conflict_do_nothing(
            index_elements=["arn"]).returning(resources.c.id)})
_REPLACE_DOCUMENT = Statement(update(resources).where(_SCOPE, resources.c.arn == bindparam("p_arn")).values(
    document=bindparam("document")).returning(resources.c.id, resources.c.kind, resources.c.sort_key))
_INSERT_FILTER_VALUE = Statement(insert(resource_filter_values), insert_columns=(
    "account_id", "region", "kind", "field", "value", "sort_key", "resource_id"))
_DELETE_FILTER_VALUES = Statement(delete(resource_filter_values).where(
    resource_filter_values.c.resource_id == bindparam("p_resource_id")))
_DELETE = Statement(delete(resources).where(_SCOPE, resources.c.arn == bindparam("p_arn")))
_REFERENCE_SCOPE = and_(resource_references.c.account_id == bindparam("p_account_id"),
                        resource_references.c.region == bindparam("p_region"))
_DELETE_REFERENCES = Statement(delete(resource_references).where(
    _REFERENCE_SCOPE, resource_references.c.source_arn == bindparam("p_source_arn")))
_INSERT_REFERENCE = Statement(insert(resource_references), insert_columns=(
    "account_id", "region", "source_arn", "position", "target_kind", "target_subtype", "target_owner", "target_name_id",
    "target_version", "target_build"))
_REFERENCES_TO = Statement(select(resource_references).where(
    _REFERENCE_SCOPE, resource_references.c.target_kind == bindparam("p_target_kind"),
    resource_references.c.target_name_id == bindparam("p_target_name_id"),
    resource_references.c.target_subtype == bindparam("p_target_subtype"),
    resource_references.c.target_owner == bindparam("p_target_owner")))
_TOKEN_SCOPE = and_(client_tokens.c.account_id == bindparam("p_account_id"),
                    client_tokens.c.region == bindparam("p_region"),
                    client_tokens.c.operation == bindparam("p_operation"), client_tokens.c.token == bindparam("p_token"))
_GET_TOKEN = Statement(select(client_tokens.c.fingerprint, client_tokens.c.response).where(_TOKEN_SCOPE))
_INSERT_TOKEN = Statement(insert(client_tokens), insert_columns=(
    "account_id", "region", "operation", "token", "fingerprint", "date_created", "response"))
_COMPLETE_TOKEN = Statement(update(client_tokens).where(_TOKEN_SCOPE).values(response=bindparam("response")))
_ADVISORY_LOCK = Statement(select(func.pg_advisory_xact_lock(bindparam("p_key", type_=BigInteger))))


@lru_cache(maxsize=64)
def _managed_resources(region: str, partition: str) -> tuple[Resource, ...]:
    return tuple(
        Resource(kind=item.kind, arn=item.document["arn"], name_id=item.name_id, document=item.document,
                 date_created=item.document.get("dateCreated", ""),
                 subtype=(item.workflow_type or "").lower(), version=item.version, build=item.build,
                 owner=AWS_OWNER, sort_key=sort_key(item.name_id, parse_version(item.version), item.build))
        for item in catalog.managed_resources(region, partition))



class Repository:
    def __init__(self, connection: Connection, account_id: str, region: str, partition: str = "aws") -> None:
        self.connection = connection
        self.sql = StatementRunner(connection)
        self.account_id = account_id
        self.region = region
        self.partition = partition
        # The filter values stored for resources this transaction has read for update or written,
        # by ARN: a rewrite that leaves them as they are (an image's progress, tags) writes none.
        self._stored_filter_values: dict[str, frozenset[tuple[str, str]]] = {}

    # -- reading ---------------------------------------------------------------------------------
    def _scope(self) -> ColumnElement[bool]:
        return and_(resources.c.account_id == self.account_id, resources.c.region == self.region)

    @staticmethod
    def _from_row(row: Any) -> Resource:
        return Resource(kind=row.kind, arn=row.arn, name_id=row.name_id, document=orjson.loads(row.document),
                        date_created=row.date_created, subtype=row.subtype, version=row.version,
                        build=row.build, owner=row.account_id, id=row.id, sort_key=row.sort_key)

    def _managed(self) -> tuple[Resource, ...]:
        return _managed_resources(self.region, self.partition)

    def _where(self, **values: Any) -> dict[str, Any]:
        """Parameters of a prebuilt statement's WHERE clause: its scope, and `p_<name>` binds."""
        return {"p_account_id": self.account_id, "p_region": self.region,
                **{f"p_{key}": value for key, value in values.items()}}

    def _row(self, **values: Any) -> dict[str, Any]:
        """Column values of a new row in the caller's scope."""
        return {"account_id": self.account_id, "region": self.region, **values}

    def get(self, arn: str, for_update: bool = False, for_share: bool = False) -> Resource | None:
        """`for_update`: the caller rewrites or deletes the row; `for_share`: the caller's write
        refers to it (see _GET_SHARED)."""
        parsed = parse_arn(arn)
        if parsed is not None and parsed.is_aws_managed:
            return next((r for r in self._managed() if r.arn == arn), None)
        statement = _GET_FOR_UPDATE if for_update else _GET_SHARED if for_share else _GET
        row = self.sql.first(statement, self._where(arn=arn))
        if row is None:
            return None
        resource = self._from_row(row)
        if for_update and resource.kind in FILTERED_FIELDS:  # locked: what is stored stays so until we write
            self._stored_filter_values[arn] = filter_values(resource.kind, resource.document)
        return resource

    def versions(self, kind: str, name_id: str, subtype: str = "", owner: str | None = None,
                 for_share: bool = False) -> list[Resource]:
        """Every version (and build) of one named resource."""
        if owner == AWS_OWNER:
            return [r for r in self._managed()
                    if r.kind == kind and r.name_id == name_id and r.subtype == subtype]
        rows = self.sql.rows(_VERSIONS_SHARED if for_share else _VERSIONS,
                             self._where(kind=kind, name_id=name_id, subtype=subtype))
        return [self._from_row(row) for row in rows]

    def scan(self, kind: str, after: tuple[str, int] | None = None, owner: str | None = None,
             narrowing: ScanNarrowing | None = None) -> Iterator[Resource]:
        """Resources of one kind in a stable order (sort key, id), starting after a cursor; with
        `narrowing`, only those whose resource id matches one of its name patterns and that have a
        value each of its conditions accepts (AWS-managed resources are few and not narrowed)."""
        if owner == AWS_OWNER:
            managed = sorted((r for r in self._managed() if r.kind == kind), key=lambda r: (r.sort_key, r.arn))
            for resource in managed:
                if after is None or (resource.sort_key, 0) > after:
                    yield resource
            return
        if narrowing is not None and narrowing.values:
            yield from self._scan_by_values(kind, after, narrowing)
            return
        position = after
        for chunk in chunk_sizes():
            query = select(resources).where(self._scope(), resources.c.kind == kind)
            if narrowing is not None and narrowing.names is not None:
                query = query.where(self._named(narrowing.names))
            if position is not None:
                key, row_id = position
                query = query.where(or_(resources.c.sort_key > key,
                                        and_(resources.c.sort_key == key, resources.c.id > row_id)))
            rows = self.connection.execute(
                query.order_by(resources.c.sort_key, resources.c.id).limit(chunk)).all()
            for row in rows:
                yield self._from_row(row)
            if len(rows) < chunk:
                return
            position = (rows[-1].sort_key, rows[-1].id)

    @staticmethod
    def _named(names: NameIdPatterns) -> ColumnElement[bool]:
        return or_(*(resources.c.name_id.like(pattern, escape=LIKE_ESCAPE) for pattern in names.like))

    def _scan_by_values(self, kind: str, after: tuple[str, int] | None,
                        narrowing: ScanNarrowing) -> Iterator[Resource]:
        """`scan` narrowed by filter values. The ids come from the filter values' key in scan order,
        from the ranges of the condition with the fewest entries, each checked against the other
        conditions by id; then only those resources are read (and their names checked). Which ids
        and which rows are read is decided here, not by a query planner that may know nothing of
        the tables' sizes (a fresh PostgreSQL table has no statistics)."""
        ordered = self._fewest_entries_first(kind, narrowing.values)
        if ordered is None:
            return  # a condition that no resource meets
        driver, *others = ordered
        values, other = resource_filter_values.c, resource_filter_values.alias("other").c
        checks = [exists().where(other.resource_id == values.resource_id, other.field == condition.field,
                                 other.value.in_(condition.values)) for condition in others]
        position = after
        for chunk in chunk_sizes():
            query = select(values.sort_key, values.resource_id).where(self._meeting(kind, driver), *checks)
            if position is not None:
                key, row_id = position
                query = query.where(or_(values.sort_key > key, and_(values.sort_key == key, values.resource_id > row_id)))
            keys = self.connection.execute(query.order_by(values.sort_key, values.resource_id).limit(chunk)).all()
            if keys:
                wanted = select(resources).where(self._scope(), resources.c.id.in_([key.resource_id for key in keys]))
                if narrowing.names is not None:
                    wanted = wanted.where(self._named(narrowing.names))
                for row in self.connection.execute(wanted.order_by(resources.c.sort_key, resources.c.id)):
                    yield self._from_row(row)
            if len(keys) < chunk:
                return
            position = (keys[-1].sort_key, keys[-1].resource_id)

    def _meeting(self, kind: str, condition: ValueCondition) -> ColumnElement[bool]:
        values = resource_filter_values.c
        return and_(values.account_id == self.account_id, values.region == self.region, values.kind == kind,
                    values.field == condition.field, values.value.in_(condition.values))

    def _fewest_entries_first(self, kind: str,
                              conditions: tuple[ValueCondition, ...]) -> list[ValueCondition] | None:
        """The conditions, the one with the fewest entries first (each counted up to PROBED_ENTRIES,
        reading the key only); None when one has none."""
        if len(conditions) == 1:
            return list(conditions)
        values = resource_filter_values.c
        counts = [self.connection.execute(select(func.count()).select_from(
            select(values.resource_id).where(self._meeting(kind, condition)).limit(PROBED_ENTRIES).subquery())).scalar_one()
            for condition in conditions]
        if 0 in counts:
            return None
        return [condition for _, _, condition in sorted(zip(counts, range(len(counts)), conditions, strict=True))]

    # -- writing ---------------------------------------------------------------------------------
    def insert(self, resource: Resource) -> Resource:
        """Stores a new resource; ResourceExists if its ARN is taken."""
        # No savepoint: a violation aborts the whole transaction, and the dispatcher re-runs the request.
        try:
            row = self.sql.first(_INSERT, self._row(
                kind=resource.kind, subtype=resource.subtype, name_id=resource.name_id, version=resource.version,
                build=resource.build, sort_key=resource.sort_key or resource.name_id,
                arn=resource.arn,
                date_created=resource.date_created, document=orjson.dumps(resource.document).decode()))
        except IntegrityError as exc:
            raise UniqueViolation(str(exc.orig)) from None
        if row is None:
            raise ResourceExists(resource.arn)
        resource.id = int(row.id)
        resource.owner = self.account_id
        if resource.kind in FILTERED_FIELDS:
            self._store_filter_values(resource.arn, resource.id, resource.kind, resource.sort_key or resource.name_id,
                                      filter_values(resource.kind, resource.document))
        return resource

    def replace_document(self, arn: str, document: dict[str, Any]) -> None:
        """Rewrites a resource's document, and the filter values it stores when they change."""
        row = self.sql.first(_REPLACE_DOCUMENT, {**self._where(arn=arn), "document": orjson.dumps(document).decode()})
        if row is None or row.kind not in FILTERED_FIELDS:
            return
        values = filter_values(row.kind, document)
        if self._stored_filter_values.get(arn) != values:
            self.sql.execute(_DELETE_FILTER_VALUES, {"p_resource_id": row.id})
            self._store_filter_values(arn, row.id, row.kind, row.sort_key, values)

    def _store_filter_values(self, arn: str, resource_id: int, kind: str, key: str,
                             values: frozenset[tuple[str, str]]) -> None:
        if values:
            self.sql.execute_many(_INSERT_FILTER_VALUE, [
                {"account_id": self.account_id, "region": self.region, "kind": kind, "field": field, "value": value,
                 "sort_key": key, "resource_id": resource_id} for field, value in sorted(values)])
        self._stored_filter_values[arn] = values

    def delete(self, arn: str) -> None:
        # The resource's filter values go with it (ON DELETE CASCADE).
        self.sql.execute(_DELETE_REFERENCES, self._where(source_arn=arn))
        self.sql.execute(_DELETE, self._where(arn=arn))
        self._stored_filter_values.pop(arn, None)

    def serialize(self, *name: str) -> None:
        """Makes the transactions that call this with the same name (in the caller's scope) run one
        after the other from here on, until each commits: for a read-then-write such as "the next
        build number", which a unique constraint alone would make concurrent callers retry once per
        winner. PostgreSQL: a transaction-scoped advisory lock; SQLite's writes are serial already."""
        if self.sql.dialect.name != "postgresql":
            return
        digest = hashlib.blake2b("/".join((self.account_id, self.region, *name)).encode(), digest_size=8).digest()
        self.sql.rows(_ADVISORY_LOCK, {"p_key": int.from_bytes(digest, "big", signed=True)})

    # -- references ------------------------------------------------------------------------------
    def set_references(self, source_arn: str, targets: list[Arn], replace: bool = True) -> None:
        """Records what a resource refers to; `replace=False` for a new resource, which has none yet."""
        if replace:
            self.sql.execute(_DELETE_REFERENCES, self._where(source_arn=source_arn))
        if targets:
            self.sql.execute_many(_INSERT_REFERENCE, [
                dict(account_id=self.account_id, region=self.region, source_arn=source_arn, position=position,
                     target_kind=t.resource_type, target_subtype=t.workflow_type or "", target_owner=t.owner,
                     target_name_id=t.resource_id, target_version=t.version or "", target_build=t.build)
                for position, t in enumerate(targets)])

    def references_to(self, kind: str, name_id: str, subtype: str = "") -> list[Reference]:
        rows = self.sql.rows(_REFERENCES_TO, self._where(
            target_kind=kind, target_name_id=name_id, target_subtype=subtype, target_owner=self.account_id))
        return [Reference(row.source_arn, Arn(self.partition, self.region, row.target_owner, row.target_kind,
                                               row.target_name_id, row.target_version or None,
                                               row.target_build, row.target_subtype or None))
                for row in rows]

    # -- idempotency -----------------------------------------------------------------------------
    def find_client_token(self, operation: str, token: str) -> tuple[str, dict[str, Any] | None] | None:
        """The (fingerprint, response) of the request that holds the token, if one does (the
        response is None while that request has not finished)."""
        row = self.sql.first(_GET_TOKEN, self._where(operation=operation, token=token))
        if row is None:
            return None
        return row.fingerprint, (orjson.loads(row.response) if row.response else None)

    def insert_client_token(self, operation: str, token: str, fingerprint: str, date: str,
                            response: dict[str, Any] | None = None) -> None:
        """Records the token for this request; UniqueViolation if another request recorded it first."""
        try:
            self.sql.execute(_INSERT_TOKEN, self._row(
                operation=operation, token=token, fingerprint=fingerprint, date_created=date,
                response=orjson.dumps(response).decode() if response is not None else None))
        except IntegrityError as exc:
            raise UniqueViolation(str(exc.orig)) from None

    def complete_client_token(self, operation: str, token: str, response: dict[str, Any]) -> None:
        self.sql.execute(_COMPLETE_TOKEN, {
            **self._where(operation=operation, token=token), "response": orjson.dumps(response).decode()})
