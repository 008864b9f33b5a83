"""Components: CreateComponent, GetComponent, ListComponents, ListComponentBuildVersions,
DeleteComponent.

A component is named and semantically versioned, with builds (`component/<id>/<X.Y.Z>/<n>`); what
that means for creates, lists and deletes is in `versioned`. This module has what is a
component's own: its document, its shapes and its list filters.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from ..domain.arn import AWS_OWNER
from ..domain.component_document import (
    ComponentDocument,
    ComponentDocumentError,
    ComponentParameter,
    parse_component_document,
)
from ..domain.filter_values import component_status
from ..protocol.generated import (
    Component,
    ComponentStatus,
    ComponentSummary,
    ComponentVersion,
    CreateComponentRequest,
    CreateComponentResponse,
    DeleteComponentRequest,
    DeleteComponentResponse,
    GetComponentRequest,
    GetComponentResponse,
    ListComponentBuildVersionsRequest,
    ListComponentBuildVersionsResponse,
    ListComponentsRequest,
    ListComponentsResponse,
    Ownership,
)
from ..service.context import Context
from ..store.repository import Resource
from .common import SHARED, document_field, find, indexed_filters, latest_version_references, project, shaped
from .document_memo import RememberedParse
from .registry import operation, prepares
from .versioned import (
    BuildFamily,
    build_version,
    create_build,
    delete_build,
    list_builds,
    list_filter,
    list_versions,
    version_entry,
)

FAMILY = BuildFamily("component", "component", content_members=(
    "name", "description", "changeDescription", "platform", "supportedOsVersions", "data", "kmsKeyId"))
# ListComponents `owner` → the owner to scan (Shared: what other accounts' policies share with the
# caller). Nothing is sold to an account here, so ThirdParty and AWSMarketplace list nothing.
SCANNED_OWNERS: Mapping[str, str | None] = MappingProxyType(
    {Ownership.SELF: None, Ownership.AMAZON: AWS_OWNER, Ownership.SHARED: SHARED})


def _status(resource: Resource) -> str:
    return component_status(resource.document)


# ListComponents' `filters` documentation lists exactly these names.
FILTERS = MappingProxyType({
    "name": document_field("name"),
    **indexed_filters(FAMILY.kind, "description", "platform", "productCodes", "status", "supportedOsVersion", "type"),
    "version": build_version,
})


# -- CreateComponent ------------------------------------------------------------------------------
@operation("CreateComponent")
def create(ctx: Context, params: CreateComponentRequest) -> CreateComponentResponse:
    resource = create_build(ctx, FAMILY, params, _component_members)
    return {"componentBuildVersionArn": resource.arn, "latestVersionReferences": latest_version_references(resource)}


_parse_document = RememberedParse[ComponentDocument](
    parse_component_document, "platform", ComponentDocumentError)


prepares("CreateComponent")(_parse_document.preparer("platform"))


def _component_members(params: Mapping[str, Any], data: str) -> dict[str, Any]:
    """A component's own members of the Component shape (the rest are in `create_build`)."""
    parsed = _parse_document(data, params["platform"])
    return {
        "type": parsed.component_type,
        "platform": params["platform"],
        "supportedOsVersions": params.get("supportedOsVersions"),
        "state": {"status": ComponentStatus.ACTIVE},
        "parameters": [_parameter_detail(parameter) for parameter in parsed.parameters] or None,
        "encrypted": True,  # the model: "Image Builder encrypts all component data at rest"
        "obfuscate": False,  # only Marketplace components hide their source
    }


def _parameter_detail(parameter: ComponentParameter) -> dict[str, Any]:
    detail = {"name": parameter.name, "type": parameter.type, "defaultValue": parameter.default,
              "description": parameter.description}
    return {key: value for key, value in detail.items() if value is not None}


# -- GetComponent ---------------------------------------------------------------------------------
@operation("GetComponent")
def get(ctx: Context, params: GetComponentRequest) -> GetComponentResponse:
    resource = find(ctx, params["componentBuildVersionArn"], "componentBuildVersionArn")
    return {"component": shaped(resource.document, Component), "latestVersionReferences": latest_version_references(resource)}


# -- ListComponents -------------------------------------------------------------------------------
@operation("ListComponents")
def list_components(ctx: Context, params: ListComponentsRequest) -> ListComponentsResponse:
    owner = params.get("owner") or Ownership.SELF
    if owner not in SCANNED_OWNERS:
        return {"componentVersionList": []}
    keep = list_filter(FAMILY, params, FILTERS)
    if not any(item.get("name") == "status" for item in params.get("filters") or []):
        keep = _active_and(keep)
    page, token = list_versions(ctx, FAMILY, params, SCANNED_OWNERS[owner], keep)
    return {"componentVersionList": [{**version_entry(resource, ComponentVersion), "status": _status(resource)}
                                     for resource in page], "nextToken": token}


def _active_and(keep: Callable[[Resource], bool]) -> Callable[[Resource], bool]:
    # Documented: without a `status` filter, deprecated components are left out.
    return lambda resource: _status(resource) != ComponentStatus.DEPRECATED and keep(resource)


# -- ListComponentBuildVersions -------------------------------------------------------------------
@operation("ListComponentBuildVersions")
def list_build_versions(ctx: Context, params: ListComponentBuildVersionsRequest) -> ListComponentBuildVersionsResponse:
    # Documented: only the account's own components.
    page, token = list_builds(ctx, FAMILY, params, "componentVersionArn", include_managed=False,
                              keep=lambda build: _status(build) != ComponentStatus.DEPRECATED)
    return {"componentSummaryList": [project(build.document, ComponentSummary) for build in page],
            "nextToken": token}


# -- DeleteComponent ------------------------------------------------------------------------------
@operation("DeleteComponent")
def delete(ctx: Context, params: DeleteComponentRequest) -> DeleteComponentResponse:
    return {"componentBuildVersionArn": delete_build(ctx, FAMILY, params["componentBuildVersionArn"])}
