"""Workflows: CreateWorkflow, GetWorkflow, ListWorkflows, ListWorkflowBuildVersions, DeleteWorkflow.

A workflow is named, typed (BUILD, TEST or DISTRIBUTION) and semantically versioned, with builds
(`workflow/<type>/<id>/<X.Y.Z>/<n>`); what that means for creates, lists and deletes is in
`versioned`. This module has what is a workflow's own: its document, its shapes and its list filters.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ..domain.arn import AWS_OWNER
from ..domain.workflow_document import (
    WorkflowDocument,
    WorkflowDocumentError,
    WorkflowParameter,
    parse_workflow_document,
)
from ..protocol.errors import invalid_parameter
from ..protocol.generated import (
    CreateWorkflowRequest,
    CreateWorkflowResponse,
    DeleteWorkflowRequest,
    DeleteWorkflowResponse,
    GetWorkflowRequest,
    GetWorkflowResponse,
    ListWorkflowBuildVersionsRequest,
    ListWorkflowBuildVersionsResponse,
    ListWorkflowsRequest,
    ListWorkflowsResponse,
    Ownership,
    Workflow,
    WorkflowSummary,
    WorkflowVersion,
)
from ..service.context import Context
from ..store.repository import Resource
from .common import document_field, find, indexed_filters, latest_version_references, project, shaped
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

# The type is part of the ARN, so it is never a difference in content.
FAMILY = BuildFamily("workflow", "workflow", content_members=(
    "name", "description", "changeDescription", "data", "kmsKeyId"))
ACTIVE_STATE: Mapping[str, str] = MappingProxyType({"status": "ACTIVE"})  # not in WorkflowStatus (see _presented)
# ListWorkflows `owner` → the repository owner to scan. The model documents that Shared and
# ThirdParty are rejected for workflows and that AWSMarketplace returns nothing.
SCANNED_OWNERS: Mapping[str, str | None] = MappingProxyType({Ownership.SELF: None, Ownership.AMAZON: AWS_OWNER})
EMPTY_OWNERS = frozenset({Ownership.AWS_MARKETPLACE})
# ListWorkflows' `filters` documentation lists exactly these names.
FILTERS = MappingProxyType({"name": document_field("name"), **indexed_filters(FAMILY.kind, "description", "type"),
                           "version": build_version})


# -- CreateWorkflow -------------------------------------------------------------------------------
@operation("CreateWorkflow")
def create(ctx: Context, params: CreateWorkflowRequest) -> CreateWorkflowResponse:
    resource = create_build(ctx, FAMILY, params, _workflow_members, subtype=params["type"].lower())
    return {"workflowBuildVersionArn": resource.arn, "latestVersionReferences": latest_version_references(resource)}


_parse_document = RememberedParse[WorkflowDocument](
    parse_workflow_document, "workflow_type", WorkflowDocumentError)


prepares("CreateWorkflow")(_parse_document.preparer("type"))


def _workflow_members(params: Mapping[str, Any], data: str) -> dict[str, Any]:
    """A workflow's own members of the Workflow shape (the rest are in `create_build`)."""
    parsed = _parse_document(data, params["type"])
    return {
        "type": params["type"],
        "state": dict(ACTIVE_STATE),
        "parameters": [_parameter_detail(parameter) for parameter in parsed.parameters] or None,
    }


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


# -- GetWorkflow ----------------------------------------------------------------------------------
@operation("GetWorkflow")
def get(ctx: Context, params: GetWorkflowRequest) -> GetWorkflowResponse:
    resource = find(ctx, params["workflowBuildVersionArn"], "workflowBuildVersionArn")
    return {"workflow": _presented(resource), "latestVersionReferences": latest_version_references(resource)}


def _presented(resource: Resource) -> Workflow:
    # The shipped catalog documents carry no state (the model's WorkflowStatus enum lists only
    # DEPRECATED, and the catalog is checked against it); every stored workflow is active until deprecated.
    return shaped({"state": dict(ACTIVE_STATE), **resource.document}, Workflow)


# -- ListWorkflows --------------------------------------------------------------------------------
@operation("ListWorkflows")
def list_workflows(ctx: Context, params: ListWorkflowsRequest) -> ListWorkflowsResponse:
    owner = params.get("owner") or Ownership.SELF
    if owner in EMPTY_OWNERS:
        return {"workflowVersionList": []}
    if owner not in SCANNED_OWNERS:
        raise invalid_parameter(
            "owner", f"Workflows cannot be listed for owner '{owner}'. Use Self, Amazon or AWSMarketplace.")
    page, token = list_versions(ctx, FAMILY, params, SCANNED_OWNERS[owner], list_filter(FAMILY, params, FILTERS))
    return {"workflowVersionList": [version_entry(resource, WorkflowVersion) for resource in page],
            "nextToken": token}


# -- ListWorkflowBuildVersions --------------------------------------------------------------------
@operation("ListWorkflowBuildVersions")
def list_build_versions(ctx: Context, params: ListWorkflowBuildVersionsRequest) -> ListWorkflowBuildVersionsResponse:
    page, token = list_builds(ctx, FAMILY, params, "workflowVersionArn", include_managed=True)
    return {"workflowSummaryList": [project(_presented(build), WorkflowSummary) for build in page],
            "nextToken": token}


# -- DeleteWorkflow -------------------------------------------------------------------------------
@operation("DeleteWorkflow")
def delete(ctx: Context, params: DeleteWorkflowRequest) -> DeleteWorkflowResponse:
    return {"workflowBuildVersionArn": delete_build(ctx, FAMILY, params["workflowBuildVersionArn"])}
