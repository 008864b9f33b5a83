"""Resource policies and the grants they make: who a component, image or recipe is shared with.

A policy is kept as given (Get*Policy returns it); its grants, one row per (resource, grantee:
an account, an organization or an OU), let another account's lookups find what is shared with it
through one index (ix_resource_grants_grantee), without reading any policy. A lookup names every
grantee that reaches the caller (service/sharing.py): its account, and its organization and OUs. Deleting a resource deletes both (foreign
keys, ON DELETE CASCADE).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, or_, select

from .repository import Repository, Resource, chunk_sizes
from .statements import Statement
from .tables import resource_grants, resource_policies, resources

_POLICY_SCOPE = and_(resource_policies.c.account_id == bindparam("p_account_id"),
                     resource_policies.c.region == bindparam("p_region"),
                     resource_policies.c.arn == bindparam("p_arn"))
_GET_POLICY = Statement(select(resource_policies.c.policy).where(_POLICY_SCOPE))
_DELETE_POLICY = Statement(delete(resource_policies).where(_POLICY_SCOPE))
_INSERT_POLICY = Statement(insert(resource_policies), insert_columns=("arn", "account_id", "region", "policy"))
_DELETE_GRANTS = Statement(delete(resource_grants).where(
    resource_grants.c.account_id == bindparam("p_account_id"), resource_grants.c.region == bindparam("p_region"),
    resource_grants.c.arn == bindparam("p_arn")))
_INSERT_GRANT = Statement(insert(resource_grants), insert_columns=(
    "arn", "grantee", "account_id", "region", "kind", "name_id"))

# What is shared with the caller (the grantee). Read for a reference inside a write, the resource
# row is key-share locked as `Repository.get(for_share=True)` locks the caller's own (PostgreSQL).
_SHARED = select(resources).join(resource_grants, resource_grants.c.arn == resources.c.arn)
_SHARED_GET = select(resources).join(resource_grants, resource_grants.c.arn == resources.c.arn).where(
    resource_grants.c.grantee == bindparam("p_grantee"), resource_grants.c.arn == bindparam("p_arn"),
    resources.c.region == bindparam("p_region"))
_SHARED_VERSIONS = _SHARED.where(
    resource_grants.c.grantee == bindparam("p_grantee"), resource_grants.c.region == bindparam("p_region"),
    resource_grants.c.account_id == bindparam("p_owner"), resource_grants.c.kind == bindparam("p_kind"),
    resource_grants.c.name_id == bindparam("p_name_id"))
_GET_SHARED = Statement(_SHARED_GET)
_GET_SHARED_LOCKED = Statement(_SHARED_GET.with_for_update(read=True, key_share=True, of=resources))
_VERSIONS_SHARED = Statement(_SHARED_VERSIONS)
_VERSIONS_SHARED_LOCKED = Statement(_SHARED_VERSIONS.with_for_update(read=True, key_share=True, of=resources))


def get_policy(repo: Repository, arn: str) -> str | None:
    """The policy of one of the caller's own resources, if it has one."""
    row = repo.sql.first(_GET_POLICY, {"p_account_id": repo.account_id, "p_region": repo.region, "p_arn": arn})
    return row.policy if row else None


def put_policy(repo: Repository, resource: Resource, policy: str, grantees: Iterable[str]) -> None:
    """Replaces the policy of one of the caller's own resources, and what it shares."""
    where = {"p_account_id": repo.account_id, "p_region": repo.region, "p_arn": resource.arn}
    repo.sql.execute(_DELETE_POLICY, where)
    repo.sql.execute(_DELETE_GRANTS, where)
    repo.sql.execute(_INSERT_POLICY, {"arn": resource.arn, "account_id": repo.account_id, "region": repo.region,
                                      "policy": policy})
    rows = [{"arn": resource.arn, "grantee": grantee, "account_id": repo.account_id, "region": repo.region,
             "kind": resource.kind, "name_id": resource.name_id}
            for grantee in sorted(set(grantees)) if grantee != repo.account_id]
    if rows:
        repo.sql.execute_many(_INSERT_GRANT, rows)


def _granted(grantees: Sequence[str], *conditions: Any) -> Any:
    """The resources granted to any of several grantees, each once (a resource may be granted to
    the account and to its organization): the grants in a subquery, so that rows can still be
    locked, which DISTINCT would forbid."""
    return select(resources).where(resources.c.arn.in_(
        select(resource_grants.c.arn).where(resource_grants.c.grantee.in_(grantees), *conditions)))


def shared_get(repo: Repository, arn: str, grantees: Sequence[str], for_share: bool = False) -> Resource | None:
    """Another account's resource by exact ARN, if it is shared with one of `grantees`."""
    if len(grantees) == 1:  # an account outside any organization: the prebuilt statement
        row = repo.sql.first(_GET_SHARED_LOCKED if for_share else _GET_SHARED,
                             {"p_grantee": grantees[0], "p_arn": arn, "p_region": repo.region})
    else:
        query = _granted(grantees, resource_grants.c.arn == arn).where(resources.c.region == repo.region)
        row = repo.connection.execute(_locked(query) if for_share else query).first()
    return Repository._from_row(row) if row else None


def shared_versions(repo: Repository, owner: str, kind: str, name_id: str, grantees: Sequence[str],
                    for_share: bool = False) -> list[Resource]:
    """The versions (and builds) of another account's named resource shared with one of `grantees`."""
    rows: Sequence[Any]
    if len(grantees) == 1:
        rows = repo.sql.rows(_VERSIONS_SHARED_LOCKED if for_share else _VERSIONS_SHARED, {
            "p_grantee": grantees[0], "p_region": repo.region, "p_owner": owner, "p_kind": kind,
            "p_name_id": name_id})
    else:
        query = _granted(grantees, resource_grants.c.region == repo.region, resource_grants.c.account_id == owner,
                         resource_grants.c.kind == kind, resource_grants.c.name_id == name_id)
        rows = repo.connection.execute(_locked(query) if for_share else query).all()
    return [Repository._from_row(row) for row in rows]


def _locked(query: Any) -> Any:
    return query.with_for_update(read=True, key_share=True, of=resources)


def shared_scan(repo: Repository, kind: str, grantees: Sequence[str],
                after: tuple[str, int] | None = None) -> Iterator[Resource]:
    """Other accounts' resources of one kind shared with one of `grantees`, in `Repository.scan`'s
    order (sort key, id), starting after a cursor."""
    position = after
    for chunk in chunk_sizes():
        query = _granted(grantees, resource_grants.c.region == repo.region, resource_grants.c.kind == kind)
        if position is not None:
            key, row_id = position
            query = query.where(or_(resources.c.sort_key > key,
                                    and_(resources.c.sort_key == key, resources.c.id > row_id)))
        rows = repo.connection.execute(query.order_by(resources.c.sort_key, resources.c.id).limit(chunk)).all()
        for row in rows:
            yield Repository._from_row(row)
        if len(rows) < chunk:
            return
        position = (rows[-1].sort_key, rows[-1].id)
