"""Workflows: CreateWorkflow, GetWorkflow, ListWorkflows, ListWorkflowBuildVersions, DeleteWorkflow.

A workflow is named, typed (BUILD, TEST or DISTRIBUTION) and semantically versioned; every create
of one version whose content differs from that version's latest build adds a build
(`workflow/<type>/<id>/<X.Y.Z>/<n>`, n assigned here). Build numbers come from the rows in the
same transaction, so two concurrent creates of one version collide on the ARN's unique constraint
and the loser is re-run by the dispatcher, seeing the winner's build (identical content → already
exists; different → the next number).
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

from ..domain.arn import AWS_OWNER, Arn, name_to_id, parse_arn
from ..domain.semver import (
    Version,
    VersionFilter,
    parse_version,
    parse_version_filter,
    sort_key,
)
from ..domain.workflow_document import (
    WorkflowDocument,
    WorkflowDocumentError,
    WorkflowParameter,
    parse_workflow_document,
)
from ..protocol import errors
from ..protocol.errors import invalid_parameter
from ..store.repository import Resource
from .common import (
    already_exists,
    check_deletable,
    document_field,
    filter_predicate,
    get_owned,
    latest_version_references,
    not_found,
    project,
    version_arn_of,
)
from .context import Context
from .pagination import paginate
from .registry import operation

KIND = "workflow"
ACTIVE_STATE: Mapping[str, str] = MappingProxyType({"status": "ACTIVE"})
# CreateWorkflow's documentation: a new build unless the content "is also identical to the latest
# build version". Content is everything the request defines except tags, which TagResource changes
# on the existing build anyway; the type is part of the ARN, so it never differs here.
CONTENT_MEMBERS = ("name", "description", "changeDescription", "data", "kmsKeyId")
# ListWorkflows `owner` → the repository owner to scan. The model documents that Shared and
# ThirdParty are rejected for workflows and that AWSMarketplace returns nothing.
SCANNED_OWNERS: Mapping[str, str | None] = MappingProxyType({"Self": None, "Amazon": AWS_OWNER})
EMPTY_OWNERS = frozenset({"AWSMarketplace"})
# ListWorkflows' `filters` documentation lists exactly these names; `name` takes `web*`/`*web*`.
FILTERS = MappingProxyType({name: document_field(name) for name in ("name", "version", "description", "type")})

Cursor = tuple[str, int] | None


# -- CreateWorkflow -------------------------------------------------------------------------------
@operation("CreateWorkflow")
def create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    data = _inline_data(params)
    version = _exact_version(params["semanticVersion"])
    workflow_type = params["type"]
    parsed = _parse_document(data, workflow_type)
    name_id, subtype = name_to_id(params["name"]), workflow_type.lower()
    document = _workflow_document(ctx, params, str(version), parsed)
    latest = max(_builds_of(ctx, name_id, subtype, str(version)), key=lambda build: build.build, default=None)
    if latest is not None and _content(latest.document) == _content(document):
        raise already_exists(KIND, latest.arn)
    build = latest.build + 1 if latest is not None else 1
    arn = str(ctx.arn(KIND, name_id, str(version), build, workflow_type=subtype))
    resource = ctx.repo.insert(Resource(
        KIND, arn, name_id, {"arn": arn, **document}, document["dateCreated"], subtype=subtype,
        version=str(version), build=build, sort_key=_sort_key(name_id, subtype, version, build)))
    return {"workflowBuildVersionArn": arn, "latestVersionReferences": latest_version_references(ctx, resource)}


def _inline_data(params: dict[str, Any]) -> str:
    """The document text. Exactly one of data/uri is allowed, and uri (an S3 object) cannot be
    read by a self-hosted service, so only data gets through."""
    has_data, has_uri = params.get("data") is not None, params.get("uri") is not None
    if has_data and has_uri:
        raise errors.ERROR_CLASSES["InvalidParameterCombinationException"](
            "You cannot specify both 'data' and 'uri'. Specify exactly one of them.")
    if has_uri:
        raise invalid_parameter(
            "uri", "openimagebuilder cannot read workflow documents from Amazon S3. "
                   "Pass the document inline in 'data' instead.")
    if not has_data:
        raise errors.ERROR_CLASSES["InvalidRequestException"](
            "You must specify exactly one of 'data' or 'uri'.")
    return str(params["data"])


def _exact_version(text: str) -> Version:
    # The model's pattern (checked before the handler runs) already refuses wildcards; what is left
    # is the numeric range AWS documents and leading zeros, which would make two ARNs for one version.
    version = parse_version(text)
    if version is None:
        raise errors.ERROR_CLASSES["InvalidVersionNumberException"](
            f"The semantic version '{text}' is not valid. Each of major, minor and patch must be an "
            "integer from 0 to 1073741823 without leading zeros.")
    return version


def _parse_document(data: str, workflow_type: str) -> WorkflowDocument:
    try:
        return parse_workflow_document(data, workflow_type=workflow_type)
    except WorkflowDocumentError as error:
        raise invalid_parameter("data", str(error)) from None


def _workflow_document(ctx: Context, params: dict[str, Any], version: str,
                       parsed: WorkflowDocument) -> dict[str, Any]:
    """The Workflow as GetWorkflow returns it, without its ARN."""
    document = {
        "name": params["name"],
        "version": version,
        "description": params.get("description"),
        "changeDescription": params.get("changeDescription"),
        "type": params["type"],
        "state": dict(ACTIVE_STATE),
        "owner": ctx.account_id,
        "data": params["data"],
        "kmsKeyId": params.get("kmsKeyId"),
        "dateCreated": ctx.now(),
        "tags": params.get("tags") or {},
        "parameters": [_parameter_detail(parameter) for parameter in parsed.parameters] or None,
    }
    return {key: value for key, value in document.items() if value is not None}


def _parameter_detail(parameter: WorkflowParameter) -> dict[str, Any]:
    detail = {"name": parameter.name, "type": parameter.type,
              "defaultValue": _default_values(parameter.default), "description": parameter.description}
    return {key: value for key, value in detail.items() if value is not None}


def _default_values(default: object) -> list[str] | None:
    """WorkflowParameterDetail.defaultValue is a list of strings whatever the parameter's type,
    the same form a pipeline passes values in."""
    if default is None:
        return None
    if isinstance(default, list):
        return [str(item) for item in default]
    if isinstance(default, bool):
        return [str(default).lower()]
    return [str(default)]


def _content(document: dict[str, Any]) -> dict[str, Any]:
    return {member: document.get(member) for member in CONTENT_MEMBERS}


def _builds_of(ctx: Context, name_id: str, subtype: str, version: str) -> list[Resource]:
    return [build for build in ctx.repo.versions(KIND, name_id, subtype) if build.version == version]


def _sort_key(name_id: str, subtype: str, version: Version, build: int) -> str:
    # The type goes between name and version so that the builds of one typed workflow are
    # contiguous in a scan even when a BUILD and a TEST workflow share a name.
    return sort_key(f"{name_id}/{subtype}", version, build)


# -- GetWorkflow ----------------------------------------------------------------------------------
@operation("GetWorkflow")
def get(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _find(ctx, params["workflowBuildVersionArn"])
    return {"workflow": _presented(resource), "latestVersionReferences": latest_version_references(ctx, resource)}


def _find(ctx: Context, text: str) -> Resource:
    """A build by its ARN, or the newest build a version or wildcard ARN selects; the caller's own
    or AWS-managed. Anything else is not found, as AWS answers for a Get."""
    arn = parse_arn(text)
    if arn is None or not _visible(ctx, arn) or arn.version is None:
        raise not_found(text)
    if arn.build is not None:
        resource = ctx.repo.get(text)
    else:
        matches = _builds_matching(ctx, arn, _version_filter(text, arn.version, "workflowBuildVersionArn"))
        resource = max(matches, key=lambda build: (parse_version(build.version), build.build), default=None)
    if resource is None:
        raise not_found(text)
    return resource


def _visible(ctx: Context, arn: Arn) -> bool:
    return (arn.resource_type == KIND and arn.partition == ctx.partition and arn.region == ctx.region
            and arn.owner in (ctx.account_id, AWS_OWNER))


def _version_filter(text: str, version: str, parameter: str) -> VersionFilter:
    wanted = parse_version_filter(version)
    if wanted is None:
        raise invalid_parameter(
            parameter, f"The version '{version}' in '{text}' is not valid. A wildcard (x) may only be "
                       "followed by wildcards, for example 1.x.x.")
    return wanted


def _builds_matching(ctx: Context, arn: Arn, wanted: VersionFilter) -> list[Resource]:
    """The builds of the ARN's typed workflow whose version the filter matches, in scan order."""
    owner = AWS_OWNER if arn.is_aws_managed else None
    builds = [build for build in ctx.repo.versions(KIND, arn.resource_id, arn.workflow_type or "", owner=owner)
              if (version := parse_version(build.version)) is not None and wanted.matches(version)]
    return sorted(builds, key=lambda build: (build.sort_key, build.id))


def _presented(resource: Resource) -> dict[str, Any]:
    # The shipped catalog documents carry no state; every stored workflow is active until deprecated.
    return {"state": dict(ACTIVE_STATE), **resource.document}


# -- ListWorkflows --------------------------------------------------------------------------------
@operation("ListWorkflows")
def list_workflows(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    owner = params.get("owner") or "Self"
    if owner in EMPTY_OWNERS:
        return {"workflowVersionList": []}
    if owner not in SCANNED_OWNERS:
        raise invalid_parameter(
            "owner", f"Workflows cannot be listed for owner '{owner}'. Use Self, Amazon or AWSMarketplace.")
    by_name = bool(params.get("byName"))
    if by_name and any(item.get("name") == "version" for item in params.get("filters") or []):
        raise errors.ERROR_CLASSES["InvalidParameterCombinationException"](
            "The value supplied for parameter 'filters' is not valid. You cannot list Workflows by name "
            "and filter by version in the same request.")
    keep = filter_predicate(params, FILTERS)
    group_key = _name_key if by_name else _version_key

    def scan(after: Cursor) -> Iterator[Resource]:
        # Filters judge builds; the entry for a version (or a name) is its newest build that matches.
        return _newest_of_each(filter(keep, ctx.repo.scan(KIND, after, owner=SCANNED_OWNERS[owner])), group_key)

    page, token = paginate(ctx, params, scan)
    return {"workflowVersionList": [_version_entry(resource) for resource in page], "nextToken": token}


def _version_key(resource: Resource) -> tuple[str, str, str]:
    return resource.name_id, resource.subtype, resource.version


def _name_key(resource: Resource) -> tuple[str, str]:
    return resource.name_id, resource.subtype


def _newest_of_each(builds: Iterable[Resource], key: Callable[[Resource], Any]) -> Iterator[Resource]:
    """The last of each run of builds sharing `key`. Scans run in (name, type, version, build)
    order, so runs are whole groups and the last build is the newest. Resuming after that build
    skips the rest of its group, so a page boundary never splits or repeats a group."""
    for _, group in itertools.groupby(builds, key=key):
        *_, newest = group
        yield newest


def _version_entry(resource: Resource) -> dict[str, Any]:
    entry = project(resource.document, "WorkflowVersion")
    entry["arn"] = version_arn_of(resource)  # list entries name versions, not builds
    return entry


# -- ListWorkflowBuildVersions --------------------------------------------------------------------
@operation("ListWorkflowBuildVersions")
def list_build_versions(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    text = params.get("workflowVersionArn")
    # Documented: without an ARN, the builds of every workflow the account owns.
    builds = _listed_builds(ctx, text) if text is not None else None

    def scan(after: Cursor) -> Iterable[Resource]:
        if builds is None:
            return ctx.repo.scan(KIND, after)
        return (build for build in builds if after is None or (build.sort_key, build.id) > after)

    page, token = paginate(ctx, params, scan)
    return {"workflowSummaryList": [project(_presented(build), "WorkflowSummary") for build in page],
            "nextToken": token}


def _listed_builds(ctx: Context, text: str) -> list[Resource]:
    """The builds a (wildcard) version ARN selects, own or AWS-managed. An ARN that names nothing
    the caller can see lists nothing, as other List operations answer for a missing parent."""
    arn = parse_arn(text)
    if arn is None or not _visible(ctx, arn) or arn.version is None:
        return []
    return _builds_matching(ctx, arn, _version_filter(text, arn.version, "workflowVersionArn"))


# -- DeleteWorkflow -------------------------------------------------------------------------------
@operation("DeleteWorkflow")
def delete(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    text = params["workflowBuildVersionArn"]
    arn = parse_arn(text)
    if arn is not None and arn.is_aws_managed:
        raise errors.ERROR_CLASSES["ForbiddenException"](
            f"The workflow '{text}' is managed by AWS and cannot be deleted.")
    resource = get_owned(ctx, text)
    check_deletable(ctx, resource)
    ctx.repo.delete(resource.arn)
    return {"workflowBuildVersionArn": resource.arn}
