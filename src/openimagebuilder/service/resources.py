"""Finding the resources a request or a build refers to: by exact ARN, by version, by wildcard,
within what the caller may see. Shared by the API handlers, builds and the scheduler."""
from __future__ import annotations

from collections.abc import Iterator

from ..domain.arn import AWS_OWNER, Arn, parse_arn
from ..domain.filter_values import ScanNarrowing
from ..domain.semver import Version, parse_version, parse_version_filter
from ..protocol.errors import ServiceError, invalid_parameter
from ..protocol.generated import ResourceNotFoundException
from ..store.policies import shared_get, shared_scan, shared_versions
from ..store.repository import Resource
from .context import Context
from .sharing import caller_principals


def not_found(arn: str) -> ServiceError:
    return ResourceNotFoundException(f"The resource ARN '{arn}' does not exist.")


def visible(ctx: Context, arn: Arn) -> bool:
    """The caller's own resources and AWS-managed ones, in the caller's partition and region."""
    return (arn.partition, arn.region) == (ctx.partition, ctx.region) and arn.owner in (ctx.account_id, AWS_OWNER)


def shared_with_caller(ctx: Context, arn: Arn) -> bool:
    """An ARN of another account's resource in the caller's partition and region: visible only where
    that account's resource policy shares it with the caller (store/policies.py)."""
    return (arn.partition, arn.region) == (ctx.partition, ctx.region) and arn.owner not in (ctx.account_id, AWS_OWNER)


# The owner of a scan that lists what other accounts share with the caller (a List's `owner: Shared`).
SHARED = "shared"


def scan(ctx: Context, kind: str, after: tuple[str, int] | None, owner: str | None,
         narrowing: ScanNarrowing | None = None) -> Iterator[Resource]:
    """A List's scan: the caller's own resources (owner None), AWS-managed ones, or those shared with
    the caller (SHARED), in (sort key, id) order after a cursor; `narrowing` narrows the caller's
    own in the store. (What is shared is read through the grants to the caller, and not narrowed.)"""
    if owner == SHARED:
        return shared_scan(ctx.repo, kind, caller_principals(ctx), after)
    return ctx.repo.scan(kind, after, owner=owner, narrowing=narrowing)


def matching_builds(ctx: Context, arn: Arn, arn_text: str, parameter: str,
                    for_share: bool = False) -> list[Resource]:
    """Every build of the ARN's resource whose version its version (`1.2.3`, or a wildcard such as
    `1.x.x`) matches, in no particular order."""
    wanted = parse_version_filter(arn.version or "")
    if wanted is None:
        raise invalid_parameter(parameter, f"The version in '{arn_text}' is not valid. A wildcard (x) may only be "
                                           "followed by wildcards, for example 1.x.x.")
    if shared_with_caller(ctx, arn):
        candidates = shared_versions(ctx.repo, arn.owner, arn.resource_type, arn.resource_id,
                                     caller_principals(ctx), for_share=for_share)
    else:
        candidates = ctx.repo.versions(arn.resource_type, arn.resource_id, arn.workflow_type or "",
                                       owner=arn.owner, for_share=for_share)
    return [resource for resource in candidates
            if (version := parse_version(resource.version)) is not None and wanted.matches(version)]


# Versioned resources without build numbers: their version ARN is the resource's ARN.
UNBUILT_VERSIONED_TYPES = frozenset({"image-recipe", "container-recipe"})


def _lookup(ctx: Context, arn: Arn, arn_text: str, parameter: str, for_share: bool = False) -> Resource | None:
    """A build-version ARN exactly; a version ARN as its newest build; a wildcard version
    (`1.x.x`) as the newest match. `for_share`: see `resolve`. Another account's resource only
    where its resource policy shares it with the caller."""
    shared = shared_with_caller(ctx, arn)
    if not shared and not visible(ctx, arn):
        return None
    if arn.version is None or arn.build is not None or arn.resource_type in UNBUILT_VERSIONED_TYPES:
        # Exact: unversioned, a build version, or a recipe's version (recipes have no builds).
        if arn.version is None or "x" not in arn.version:
            if shared:
                return shared_get(ctx.repo, arn_text, caller_principals(ctx), for_share=for_share)
            return ctx.repo.get(arn_text, for_share=for_share)
    return max(matching_builds(ctx, arn, arn_text, parameter, for_share), key=_version_order, default=None)


def _version_order(resource: Resource) -> tuple[Version, int]:
    version = parse_version(resource.version)
    assert version is not None  # matching_builds keeps only builds with a valid version
    return version, resource.build


def find(ctx: Context, arn_text: str, parameter: str) -> Resource:
    """The resource a Get names (build, version or wildcard ARN); ResourceNotFoundException if none."""
    arn = parse_arn(arn_text)
    resource = _lookup(ctx, arn, arn_text, parameter) if arn is not None else None
    if resource is None:
        raise not_found(arn_text)
    return resource


def resolve(ctx: Context, arn_text: str, parameter: str) -> tuple[Resource, Arn]:
    """A reference inside a request (recipe → component, pipeline → recipe, ...): like `find`, but
    a reference that does not resolve makes the request's parameter invalid. What it resolves to is
    key-share locked until the request's transaction ends (PostgreSQL): a delete of it, which locks
    the row before it looks for references, waits and then sees the new reference."""
    arn = parse_arn(arn_text)
    if arn is None:
        raise invalid_parameter(parameter, f"The ARN '{arn_text}' is not valid.")
    if arn.region != ctx.region:
        raise invalid_parameter(
            parameter, f"The resource '{arn_text}' is not in this region.")
    resource = _lookup(ctx, arn, arn_text, parameter, for_share=True)
    if resource is None:
        raise invalid_parameter(parameter, f"The resource '{arn_text}' does not exist.")
    return resource, arn
