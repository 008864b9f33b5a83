"""Infrastructure configurations: Create/Get/List/Update/Delete."""
from __future__ import annotations

from typing import Any

from ..domain.arn import name_to_id
from ..service.context import Context
from ..store.repository import Resource
from .common import delete_owned, document_field, filter_predicate, get_owned, insert_new, project
from .pagination import paginate
from .registry import operation

KIND = "infrastructure-configuration"
SHAPE = "InfrastructureConfiguration"
DEFAULTS = {"terminateInstanceOnFailure": True}  # seen on AWS when omitted
FILTERS = {"name": document_field("name")}


@operation("CreateInfrastructureConfiguration")
def create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    arn = str(ctx.arn(KIND, name_to_id(params["name"])))
    now = ctx.now()
    document = {**DEFAULTS, **project(params, SHAPE), "arn": arn, "dateCreated": now,
                "tags": params.get("tags") or {}}
    insert_new(ctx, Resource(KIND, arn, name_to_id(params["name"]), document, now))
    return {"infrastructureConfigurationArn": arn}


@operation("GetInfrastructureConfiguration")
def get(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"infrastructureConfiguration": get_owned(ctx, params["infrastructureConfigurationArn"]).document}


@operation("UpdateInfrastructureConfiguration")
def update(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = get_owned(ctx, params["infrastructureConfigurationArn"], for_update=True)
    kept = {key: resource.document[key] for key in ("arn", "name", "dateCreated", "tags")
            if key in resource.document}
    # Update replaces the configuration: what the request leaves out returns to its default.
    document = {**DEFAULTS, **project(params, SHAPE), **kept, "dateUpdated": ctx.now()}
    ctx.repo.replace_document(resource.arn, document)
    return {"infrastructureConfigurationArn": resource.arn}


@operation("DeleteInfrastructureConfiguration")
def delete(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"infrastructureConfigurationArn": delete_owned(ctx, params["infrastructureConfigurationArn"])}


@operation("ListInfrastructureConfigurations")
def list_(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    page, token = paginate(ctx, params, lambda after: ctx.repo.scan(KIND, after),
                           filter_predicate(params, FILTERS))
    return {"infrastructureConfigurationSummaryList": [
        project(resource.document, "InfrastructureConfigurationSummary") for resource in page],
        "nextToken": token}
