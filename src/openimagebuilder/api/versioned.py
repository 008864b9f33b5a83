"""What components and workflows share: named, semantically versioned resources where every create
of one version whose content differs from that version's latest build adds a build
(`.../<X.Y.Z>/<n>`, n assigned here).

Build numbers come from the rows in the same transaction, so two concurrent creates of one version
collide on the ARN's unique constraint and the loser is re-run by the dispatcher, seeing the
winner's build (identical content → already exists; different → the next number).
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from ..domain.arn import name_to_id, parse_arn
from ..domain.semver import Version, parse_build_version, parse_build_version_filter, sort_key
from ..protocol.errors import invalid_parameter
from ..protocol.generated import (
    ForbiddenException,
    InvalidParameterCombinationException,
    InvalidRequestException,
)
from ..service.context import Context
from ..store.repository import Resource
from .common import (
    Cursor,
    FilterFields,
    Shape,
    already_exists,
    delete_owned,
    filter_predicate,
    matching_builds,
    narrowing,
    new_semantic_version,
    project,
    version_arn_of,
    visible,
)
from .common import scan as scan_resources
from .pagination import paginate

Page = tuple[list[Resource], str | None]


@dataclass(frozen=True)
class BuildFamily:
    kind: str   # ARN resource type
    label: str  # the resource in messages: "component", "workflow"
    # The create's documentation: a new build unless the content "is also identical to the latest
    # build version". Content is everything the request defines except tags, which TagResource
    # changes on the existing build anyway.
    content_members: tuple[str, ...]


# -- Create<Family> -----------------------------------------------------------------------------
# (params, document text) → the family's own members of the resource as Get returns it.
Describe = Callable[[Mapping[str, Any], str], dict[str, Any]]


def create_build(ctx: Context, family: BuildFamily, params: Mapping[str, Any], describe: Describe,
                 subtype: str = "") -> Resource:
    """Create<Family>: checks in the order that decides which error a bad request gets (data/uri,
    version, then the document, which `describe` parses), then stores the next build."""
    data = _document_text(ctx, params)
    version = new_semantic_version(params["semanticVersion"])
    document = {
        "name": params["name"],
        "version": str(version),
        "description": params.get("description"),
        "changeDescription": params.get("changeDescription"),
        **describe(params, data),
        "owner": ctx.account_id,
        "data": data,
        "kmsKeyId": params.get("kmsKeyId"),
        "dateCreated": ctx.now(),
        "tags": params.get("tags") or {},
    }
    return _add_build(ctx, family, name_to_id(params["name"]), version,
                     {key: value for key, value in document.items() if value is not None}, subtype)


def _document_text(ctx: Context, params: Mapping[str, Any]) -> str:
    """The document text: `data`, or the S3 object `uri` names, read before the transaction
    (service/s3_inputs.py). Exactly one of them."""
    has_data, has_uri = params.get("data") is not None, params.get("uri") is not None
    if has_data and has_uri:
        raise InvalidParameterCombinationException(
            "You cannot specify both 'data' and 'uri'. Specify exactly one of them.")
    if has_uri:
        return ctx.inputs.text(params["uri"], "uri", "data")
    if not has_data:
        raise InvalidRequestException(
            "You must specify exactly one of 'data' or 'uri'.")
    return str(params["data"])


def _add_build(ctx: Context, family: BuildFamily, name_id: str, version: Version, document: dict[str, Any],
              subtype: str = "") -> Resource:
    """Stores `document` (without its ARN) as the next build of its version."""
    build = _next_build_number(ctx, family, name_id, subtype, str(version), document)
    arn = str(ctx.arn(family.kind, name_id, str(version), build, workflow_type=subtype or None))
    # A subtype (a workflow's type) goes between name and version so that the builds of one typed
    # resource are contiguous in a scan even when a BUILD and a TEST workflow share a name.
    key = sort_key(f"{name_id}/{subtype}" if subtype else name_id, version, build)
    return ctx.repo.insert(Resource(family.kind, arn, name_id, {"arn": arn, **document}, document["dateCreated"],
                                    subtype=subtype, version=str(version), build=build, sort_key=key))


def _next_build_number(ctx: Context, family: BuildFamily, name_id: str, subtype: str, version: str,
                      document: dict[str, Any]) -> int:
    """The latest build's number + 1; ResourceAlreadyExistsException if `document` has the latest
    build's content. Concurrent creates of one version take their turns, each seeing the builds of
    those before it."""
    ctx.repo.serialize(family.kind, subtype, name_id, version)
    builds = [build for build in ctx.repo.versions(family.kind, name_id, subtype) if build.version == version]
    latest = max(builds, key=lambda build: build.build, default=None)
    if latest is None:
        return 1
    if all(latest.document.get(member) == document.get(member) for member in family.content_members):
        raise already_exists(family.kind, latest.arn)
    return latest.build + 1


# -- List<Family>s ------------------------------------------------------------------------------
def list_filter(family: BuildFamily, params: Mapping[str, Any], fields: FilterFields) -> Callable[[Resource], bool]:
    """The List operation's `filters`, where `version` takes wildcards (`1.x.x`). By name the list
    has one entry per name, so a version filter contradicts it."""
    if params.get("byName") and any(item.get("name") == "version" for item in params.get("filters") or []):
        raise InvalidParameterCombinationException(
            f"The value supplied for parameter 'filters' is not valid. You cannot list {family.label.capitalize()}s "
            "by name and filter by version in the same request.")
    return filter_predicate(params, fields, {"version": version_matcher})


def build_version(resource: Resource) -> str:
    """The field a `version` filter reads: `X.Y.Z/N` for a build, so that the filter can name the
    build node too (version_matcher)."""
    version = resource.document.get("version") or resource.version
    return f"{version}/{resource.build}" if resource.build else version


def version_matcher(value: str, path: str) -> Callable[[str], bool]:
    """A `version` filter value: `X.Y.Z` with wildcards from the right (`1.x.x`), compared by
    number, or an exact build version `X.Y.Z/N`."""
    wanted = parse_build_version_filter(value)
    if wanted is None:
        raise invalid_parameter(path, f"The version '{value}' is not valid. Use major.minor.patch, where a "
                                      "wildcard (x) may only be followed by wildcards, for example 1.x.x, "
                                      "optionally followed by a build number, for example 1.2.3/4.")
    return lambda text: (found := parse_build_version(text)) is not None and wanted.matches(*found)


def list_versions(ctx: Context, family: BuildFamily, params: Mapping[str, Any], owner: str | None,
                  keep: Callable[[Resource], bool]) -> Page:
    """One entry per version (per name with `byName`): its newest build that `keep` accepts."""
    group = _name_of if params.get("byName") else _version_of
    narrowed = narrowing(family.kind, params)

    def scan(after: Cursor) -> Iterator[Resource]:
        return _newest_of_each(filter(keep, scan_resources(ctx, family.kind, after, owner, narrowed)), group)
    return paginate(ctx, params, scan)


def _version_of(resource: Resource) -> tuple[str, str, str]:
    return resource.name_id, resource.subtype, resource.version


def _name_of(resource: Resource) -> tuple[str, str]:
    return resource.name_id, resource.subtype


def _newest_of_each(builds: Iterable[Resource], key: Callable[[Resource], Any]) -> Iterator[Resource]:
    """The last of each run of builds sharing `key`. Scans run in (name, subtype, version, build)
    order, so runs are whole groups and the last build is the newest. Resuming after that build
    skips the rest of its group, so a page boundary never splits or repeats a group."""
    for _, group in itertools.groupby(builds, key=key):
        *_, newest = group
        yield newest


def version_entry(resource: Resource, shape: type[Shape]) -> Shape:
    # List entries name versions, not builds (seen on AWS).
    return cast(Shape, {**project(resource.document, shape), "arn": version_arn_of(resource)})


# -- List<Family>BuildVersions ------------------------------------------------------------------
def list_builds(ctx: Context, family: BuildFamily, params: Mapping[str, Any], parameter: str, *,
                include_managed: bool, keep: Callable[[Resource], bool] = lambda build: True) -> Page:
    """The builds `params[parameter]`, a (wildcard) version ARN, selects; documented: without an
    ARN, the builds of every resource of the family the account owns."""
    text = params.get(parameter)
    builds = _builds_of_version(ctx, text, parameter, include_managed) if text is not None else None

    def scan(after: Cursor) -> Iterable[Resource]:
        if builds is None:
            return ctx.repo.scan(family.kind, after)
        return (build for build in builds if after is None or (build.sort_key, build.id) > after)
    return paginate(ctx, params, scan, keep)


def _builds_of_version(ctx: Context, text: str, parameter: str, include_managed: bool) -> list[Resource]:
    """In scan order. An ARN that names nothing the caller may list lists nothing (no error), as
    AWS documents for ListComponentBuildVersions."""
    arn = parse_arn(text)
    if arn is None or arn.version is None or not visible(ctx, arn) or (arn.is_aws_managed and not include_managed):
        return []
    return sorted(matching_builds(ctx, arn, text, parameter), key=lambda build: (build.sort_key, build.id))


# -- Delete<Family> -----------------------------------------------------------------------------
def delete_build(ctx: Context, family: BuildFamily, arn_text: str) -> str:
    arn = parse_arn(arn_text)
    if arn is not None and arn.is_aws_managed:
        raise ForbiddenException(
            f"The {family.label} '{arn_text}' is managed by AWS and cannot be deleted.")
    return delete_owned(ctx, arn_text)
