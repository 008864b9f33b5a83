"""Infrastructure configurations: Create/Get/List/Update/Delete."""
from __future__ import annotations

from typing import Any

from ..domain.arn import name_to_id
from ..protocol.generated import (
    CreateInfrastructureConfigurationRequest,
    CreateInfrastructureConfigurationResponse,
    DeleteInfrastructureConfigurationRequest,
    DeleteInfrastructureConfigurationResponse,
    GetInfrastructureConfigurationRequest,
    GetInfrastructureConfigurationResponse,
    InfrastructureConfiguration,
    InfrastructureConfigurationSummary,
    ListInfrastructureConfigurationsRequest,
    ListInfrastructureConfigurationsResponse,
    UpdateInfrastructureConfigurationRequest,
    UpdateInfrastructureConfigurationResponse,
)
from ..service.context import Context
from ..store.repository import Resource
from .common import (
    delete_owned,
    document_field,
    filter_predicate,
    get_owned,
    insert_new,
    own_scan,
    project,
    shaped,
)
from .pagination import paginate
from .registry import operation

KIND = "infrastructure-configuration"
DEFAULTS: dict[str, Any] = {"terminateInstanceOnFailure": True}  # seen on AWS when omitted
FILTERS = {"name": document_field("name")}


@operation("CreateInfrastructureConfiguration")
def create(ctx: Context, params: CreateInfrastructureConfigurationRequest) -> CreateInfrastructureConfigurationResponse:
    arn = str(ctx.arn(KIND, name_to_id(params["name"])))
    now = ctx.now()
    document = {**DEFAULTS, **project(params, InfrastructureConfiguration), "arn": arn, "dateCreated": now,
                "tags": params.get("tags") or {}}
    insert_new(ctx, Resource(KIND, arn, name_to_id(params["name"]), document, now))
    return {"infrastructureConfigurationArn": arn}


@operation("GetInfrastructureConfiguration")
def get(ctx: Context, params: GetInfrastructureConfigurationRequest) -> GetInfrastructureConfigurationResponse:
    resource = get_owned(ctx, params["infrastructureConfigurationArn"])
    return {"infrastructureConfiguration": shaped(resource.document, InfrastructureConfiguration)}


@operation("UpdateInfrastructureConfiguration")
def update(ctx: Context,
           params: UpdateInfrastructureConfigurationRequest) -> UpdateInfrastructureConfigurationResponse:
    resource = get_owned(ctx, params["infrastructureConfigurationArn"], for_update=True)
    kept: dict[str, Any] = {key: resource.document[key] for key in ("arn", "name", "dateCreated", "tags")
                            if key in resource.document}
    # Update replaces the configuration: what the request leaves out returns to its default.
    document = {**DEFAULTS, **project(params, InfrastructureConfiguration), **kept, "dateUpdated": ctx.now()}
    ctx.repo.replace_document(resource.arn, document)
    return {"infrastructureConfigurationArn": resource.arn}


@operation("DeleteInfrastructureConfiguration")
def delete(ctx: Context,
           params: DeleteInfrastructureConfigurationRequest) -> DeleteInfrastructureConfigurationResponse:
    return {"infrastructureConfigurationArn": delete_owned(ctx, params["infrastructureConfigurationArn"])}


@operation("ListInfrastructureConfigurations")
def list_(ctx: Context,
          params: ListInfrastructureConfigurationsRequest) -> ListInfrastructureConfigurationsResponse:
    page, token = paginate(ctx, params, own_scan(ctx, KIND, params),
                           filter_predicate(params, FILTERS))
    return {"infrastructureConfigurationSummaryList": [
        project(resource.document, InfrastructureConfigurationSummary) for resource in page],
        "nextToken": token}
