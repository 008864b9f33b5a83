"""Components: CreateComponent, GetComponent, ListComponents, ListComponentBuildVersions,
DeleteComponent.

A component is named and semantically versioned; every create of one version whose content differs
from that version's latest build adds a build (`component/<id>/<X.Y.Z>/<n>`, n assigned here).
Build numbers come from the rows in the same transaction, so two concurrent creates of one version
collide on the ARN's unique constraint and the loser is re-run by the dispatcher, seeing the
winner's build (identical content → already exists; different → the next number).
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from ..domain.arn import AWS_OWNER, Arn, name_to_id, parse_arn
from ..domain.component_document import (
    ComponentDocument,
    ComponentDocumentError,
    ComponentParameter,
    parse_component_document,
)
from ..domain.semver import VersionFilter, parse_version, parse_version_filter, sort_key
from ..protocol import errors
from ..protocol.errors import invalid_parameter
from ..store.repository import Resource
from .common import (
    already_exists,
    check_deletable,
    find,
    get_owned,
    latest_version_references,
    new_semantic_version,
    project,
    version_arn_of,
)
from .context import Context
from .pagination import paginate
from .registry import operation

KIND = "component"
ACTIVE = "ACTIVE"
DEPRECATED = "DEPRECATED"
# CreateComponent's `name` documentation: a new build unless "the content is also identical to the
# latest build version". Content is everything the request defines except tags, which TagResource
# changes on the existing build anyway.
CONTENT_MEMBERS = ("name", "description", "changeDescription", "platform", "supportedOsVersions", "data",
                   "kmsKeyId")
# ListComponents `owner` → the repository owner to scan. Nothing is shared with or sold to an
# account here, so Shared, ThirdParty and AWSMarketplace list nothing.
SCANNED_OWNERS: Mapping[str, str | None] = MappingProxyType({"Self": None, "Amazon": AWS_OWNER})

Cursor = tuple[str, int] | None
Matcher = Callable[[dict[str, Any], Sequence[Any]], bool]


# -- CreateComponent ------------------------------------------------------------------------------
@operation("CreateComponent")
def create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    data = _inline_data(params)
    version = new_semantic_version(params["semanticVersion"])
    parsed = _parse_document(data, params["platform"])
    name_id = name_to_id(params["name"])
    document = _component_document(ctx, params, str(version), parsed)
    latest = max(_builds_of(ctx, name_id, str(version)), key=lambda build: build.build, default=None)
    if latest is not None and _content(latest.document) == _content(document):
        raise already_exists(KIND, latest.arn)
    build = latest.build + 1 if latest is not None else 1
    arn = str(ctx.arn(KIND, name_id, str(version), build))
    resource = ctx.repo.insert(Resource(
        KIND, arn, name_id, {"arn": arn, **document}, document["dateCreated"], version=str(version),
        build=build, sort_key=sort_key(name_id, version, build)))
    return {"componentBuildVersionArn": arn, "latestVersionReferences": latest_version_references(ctx, resource)}


def _inline_data(params: dict[str, Any]) -> str:
    """The document text. Exactly one of data/uri is allowed, and uri (an S3 object) cannot be
    read by a self-hosted service, so only data gets through."""
    has_data, has_uri = params.get("data") is not None, params.get("uri") is not None
    if has_data and has_uri:
        raise errors.ERROR_CLASSES["InvalidParameterCombinationException"](
            "You cannot specify both 'data' and 'uri'. Specify exactly one of them.")
    if has_uri:
        raise invalid_parameter(
            "uri", "openimagebuilder cannot read component documents from Amazon S3. "
                   "Pass the document inline in 'data' instead.")
    if not has_data:
        raise errors.ERROR_CLASSES["InvalidRequestException"](
            "You must specify exactly one of 'data' or 'uri'.")
    return str(params["data"])


def _parse_document(data: str, platform: str) -> ComponentDocument:
    try:
        return parse_component_document(data, platform=platform)
    except ComponentDocumentError as error:
        raise invalid_parameter("data", error.message) from None


def _component_document(ctx: Context, params: dict[str, Any], version: str,
                        parsed: ComponentDocument) -> dict[str, Any]:
    """The Component as GetComponent returns it, without its ARN."""
    document = {
        "name": params["name"],
        "version": version,
        "description": params.get("description"),
        "changeDescription": params.get("changeDescription"),
        "type": parsed.component_type,
        "platform": params["platform"],
        "supportedOsVersions": params.get("supportedOsVersions"),
        "state": {"status": ACTIVE},
        "parameters": [_parameter_detail(parameter) for parameter in parsed.parameters] or None,
        "owner": ctx.account_id,
        "data": params["data"],
        "kmsKeyId": params.get("kmsKeyId"),
        "encrypted": True,  # the model: "Image Builder encrypts all component data at rest"
        "obfuscate": False,  # only Marketplace components hide their source
        "dateCreated": ctx.now(),
        "tags": params.get("tags") or {},
    }
    return {key: value for key, value in document.items() if value is not None}


def _parameter_detail(parameter: ComponentParameter) -> dict[str, Any]:
    detail = {"name": parameter.name, "type": parameter.type, "defaultValue": parameter.default,
              "description": parameter.description}
    return {key: value for key, value in detail.items() if value is not None}


def _content(document: dict[str, Any]) -> dict[str, Any]:
    return {member: document.get(member) for member in CONTENT_MEMBERS}


def _builds_of(ctx: Context, name_id: str, version: str, owner: str | None = None) -> list[Resource]:
    return [build for build in ctx.repo.versions(KIND, name_id, owner=owner) if build.version == version]


# -- GetComponent ---------------------------------------------------------------------------------
@operation("GetComponent")
def get(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = find(ctx, params["componentBuildVersionArn"], "componentBuildVersionArn")
    return {"component": resource.document, "latestVersionReferences": latest_version_references(ctx, resource)}


def _visible(ctx: Context, arn: Arn) -> bool:
    return (arn.resource_type == KIND and arn.partition == ctx.partition and arn.region == ctx.region
            and arn.owner in (ctx.account_id, AWS_OWNER))


# -- ListComponents -------------------------------------------------------------------------------
@operation("ListComponents")
def list_components(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    owner = params.get("owner") or "Self"
    if owner not in SCANNED_OWNERS:
        return {"componentVersionList": []}
    by_name = bool(params.get("byName"))
    keep = _component_filter(params, by_name)
    group_key = _name_key if by_name else _version_key

    def scan(after: Cursor) -> Iterator[Resource]:
        # Filters judge builds; the entry for a version (or a name) is its newest build that matches.
        return _newest_of_each(filter(keep, ctx.repo.scan(KIND, after, owner=SCANNED_OWNERS[owner])), group_key)

    page, token = paginate(ctx, params, scan)
    return {"componentVersionList": [_version_entry(resource) for resource in page], "nextToken": token}


def _version_key(resource: Resource) -> tuple[str, str]:
    return resource.name_id, resource.version


def _name_key(resource: Resource) -> str:
    return resource.name_id


def _newest_of_each(builds: Iterable[Resource], key: Callable[[Resource], Any]) -> Iterator[Resource]:
    """The last of each run of builds sharing `key`. Scans run in (name, version, build) order, so
    runs are whole groups and the last build is the newest. Resuming after that build skips the
    rest of its group, so a page boundary never splits or repeats a group."""
    for _, group in itertools.groupby(builds, key=key):
        *_, newest = group
        yield newest


def _version_entry(resource: Resource) -> dict[str, Any]:
    entry = project(resource.document, "ComponentVersion")
    entry["arn"] = version_arn_of(resource)  # list entries name versions, not builds (seen)
    entry["status"] = _status(resource.document)
    return entry


def _status(document: dict[str, Any]) -> str:
    return str((document.get("state") or {}).get("status") or ACTIVE)


def _name_matches(name: str, patterns: Sequence[str]) -> bool:
    """The `name` filter: exact, `web*` (prefix) or `*web*` (contains), as the Filter shape documents."""
    for pattern in patterns:
        if len(pattern) >= 2 and pattern.startswith("*") and pattern.endswith("*"):
            if pattern[1:-1] in name:
                return True
        elif pattern.endswith("*"):
            if name.startswith(pattern[:-1]):
                return True
        elif name == pattern:
            return True
    return False


def _document_equals(member: str) -> Matcher:
    return lambda document, values: document.get(member) in values


def _any_shared(values_of: Callable[[dict[str, Any]], Iterable[str]]) -> Matcher:
    return lambda document, values: not set(values_of(document)).isdisjoint(values)


def _version_matches(document: dict[str, Any], filters: Sequence[VersionFilter]) -> bool:
    version = parse_version(str(document.get("version", "")))
    return version is not None and any(wanted.matches(version) for wanted in filters)


# ListComponents' `filters` documentation lists exactly these names.
MATCHERS: Mapping[str, Matcher] = MappingProxyType({
    "description": _document_equals("description"),
    "name": lambda document, values: _name_matches(str(document.get("name", "")), values),
    "platform": _document_equals("platform"),
    "productCodes": _any_shared(lambda document: (code.get("productCodeId") for code in
                                                  document.get("productCodes") or [])),
    "status": lambda document, values: _status(document) in values,
    "supportedOsVersion": _any_shared(lambda document: document.get("supportedOsVersions") or []),
    "type": _document_equals("type"),
    "version": _version_matches,
})


def _component_filter(params: dict[str, Any], by_name: bool) -> Callable[[Resource], bool]:
    """Every filter must match (AND), each by any of its values (OR). Without a `status` filter,
    deprecated builds are left out, as ListComponents documents."""
    clauses: list[tuple[Matcher, Sequence[Any]]] = []
    filters_status = False
    for index, item in enumerate(params.get("filters") or []):
        name, values = item.get("name"), list(item.get("values") or [])
        matcher = MATCHERS.get(name or "")
        if matcher is None:
            raise invalid_parameter(f"filters[{index}].name",
                                    f"The filter name '{name}' is not supported. "
                                    f"Supported filters: [{', '.join(sorted(MATCHERS))}].")
        if name == "version":
            if by_name:
                raise errors.ERROR_CLASSES["InvalidParameterCombinationException"](
                    "The value supplied for parameter 'filters' is not valid. You cannot list Components "
                    "by name and filter by version in the same request.")
            values = _version_filters(values, index)
        filters_status = filters_status or name == "status"
        clauses.append((matcher, values))
    if not filters_status:
        clauses.append((lambda document, values: _status(document) != DEPRECATED, ()))

    def keep(resource: Resource) -> bool:
        return all(matcher(resource.document, values) for matcher, values in clauses)
    return keep


def _version_filters(values: Sequence[str], index: int) -> list[VersionFilter]:
    filters = []
    for value in values:
        wanted = parse_version_filter(str(value))
        if wanted is None:
            raise invalid_parameter(
                f"filters[{index}].values",
                f"The version '{value}' is not valid. Use major.minor.patch, where a wildcard (x) may "
                "only be followed by wildcards, for example 1.x.x.")
        filters.append(wanted)
    return filters


# -- ListComponentBuildVersions -------------------------------------------------------------------
@operation("ListComponentBuildVersions")
def list_build_versions(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    version_arn = params.get("componentVersionArn")
    # Documented: without an ARN, the builds of every component the account owns.
    builds = _own_builds(ctx, version_arn) if version_arn is not None else None

    def scan(after: Cursor) -> Iterable[Resource]:
        if builds is None:
            return ctx.repo.scan(KIND, after)
        return (build for build in builds if after is None or (build.sort_key, build.id) > after)

    page, token = paginate(ctx, params, scan, lambda build: _status(build.document) != DEPRECATED)
    return {"componentSummaryList": [project(build.document, "ComponentSummary") for build in page],
            "nextToken": token}


def _own_builds(ctx: Context, text: str) -> list[Resource]:
    """Builds of one of the caller's component versions, in scan order. Documented: only the
    account's own components, and an ARN that does not exist lists nothing (no error)."""
    arn = parse_arn(text)
    if arn is None or not _visible(ctx, arn) or arn.is_aws_managed or arn.version is None:
        return []
    return sorted(_builds_of(ctx, arn.resource_id, arn.version), key=lambda build: (build.sort_key, build.id))


# -- DeleteComponent ------------------------------------------------------------------------------
@operation("DeleteComponent")
def delete(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    text = params["componentBuildVersionArn"]
    arn = parse_arn(text)
    if arn is not None and arn.is_aws_managed:
        raise errors.ERROR_CLASSES["ForbiddenException"](
            f"The component '{text}' is managed by AWS and cannot be deleted.")
    resource = get_owned(ctx, text)
    check_deletable(ctx, resource)
    ctx.repo.delete(resource.arn)
    return {"componentBuildVersionArn": resource.arn}
