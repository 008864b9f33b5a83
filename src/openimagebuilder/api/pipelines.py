"""Image pipelines: Create/Get/List/Update/Delete.

A pipeline refers to a recipe (image or container), an infrastructure configuration, optionally
a distribution configuration and workflows; each must resolve in the caller's account and region
(or be AWS-managed) and is recorded as a reference so those resources cannot be deleted under it.
Schedules are stored as given here (with AWS's defaults filled in); their evaluation lives with
the scheduler.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain.arn import Arn, name_to_id
from ..protocol.generated import (
    CreateImagePipelineRequest,
    CreateImagePipelineResponse,
    DeleteImagePipelineRequest,
    DeleteImagePipelineResponse,
    GetImagePipelineRequest,
    GetImagePipelineResponse,
    ImagePipeline,
    ListImagePipelinesRequest,
    ListImagePipelinesResponse,
    PipelineStatus,
    UpdateImagePipelineRequest,
    UpdateImagePipelineResponse,
)
from ..service.build_configuration import build_configuration, invalid_request
from ..service.context import Context
from ..service.schedules import complete_schedule, reschedule
from ..store.repository import Resource
from .common import (
    delete_owned,
    document_field,
    filter_predicate,
    get_owned,
    indexed_filters,
    insert_new,
    own_scan,
    project,
    shaped,
)
from .pagination import paginate
from .registry import operation

KIND = "image-pipeline"
FILTERS = {"name": document_field("name"), **indexed_filters(
    KIND, "description", "distributionConfigurationArn", "imageRecipeArn", "infrastructureConfigurationArn",
    "status")}
# Members a pipeline has beyond its build configuration; Update replaces both.
PIPELINE_MEMBERS = ("description", "schedule", "status", "imageTags")


def _configuration(ctx: Context, params: Mapping[str, Any]) -> tuple[dict[str, Any], list[Arn]]:
    """The pipeline's configuration with AWS's defaults, and the ARNs it refers to."""
    build = build_configuration(ctx, params)
    configuration = {**build.members, **{member: params[member] for member in PIPELINE_MEMBERS
                                         if params.get(member) is not None}}
    configuration["status"] = params.get("status") or PipelineStatus.ENABLED
    if params.get("schedule"):
        configuration["schedule"] = complete_schedule(params["schedule"])
    return configuration, build.references


@operation("CreateImagePipeline")
def create(ctx: Context, params: CreateImagePipelineRequest) -> CreateImagePipelineResponse:
    name_id = name_to_id(params["name"])
    arn = str(ctx.arn(KIND, name_id))
    configuration, references = _configuration(ctx, params)
    now = ctx.now()
    document = {**configuration, "arn": arn, "name": params["name"], "dateCreated": now, "dateUpdated": now,
                "tags": params.get("tags") or {}}
    pipeline = insert_new(ctx, Resource(KIND, arn, name_id, document, now))
    ctx.repo.set_references(arn, references, replace=False)
    reschedule(ctx, pipeline, restart=True, new=True)
    return {"imagePipelineArn": arn}


@operation("GetImagePipeline")
def get(ctx: Context, params: GetImagePipelineRequest) -> GetImagePipelineResponse:
    return {"imagePipeline": shaped(get_owned(ctx, params["imagePipelineArn"]).document, ImagePipeline)}


@operation("UpdateImagePipeline")
def update(ctx: Context, params: UpdateImagePipelineRequest) -> UpdateImagePipelineResponse:
    pipeline = get_owned(ctx, params["imagePipelineArn"], for_update=True)
    was_container = bool(pipeline.document.get("containerRecipeArn"))
    if was_container != bool(params.get("containerRecipeArn")) and (
            params.get("containerRecipeArn") or params.get("imageRecipeArn")):
        raise invalid_request("An image pipeline cannot change between an image recipe and a container recipe.")
    configuration, references = _configuration(ctx, params)
    # Update replaces the whole configuration; identity, history and tags stay.
    # consecutiveFailures is not kept: an update resets it (documented).
    kept: dict[str, Any] = {key: pipeline.document[key] for key in (
        "arn", "name", "dateCreated", "tags", "dateLastRun", "lastRunStatus", "lastImageArn") if key in pipeline.document}
    schedule_changed = configuration.get("schedule") != pipeline.document.get("schedule")
    pipeline.document = {**configuration, **kept, "dateUpdated": ctx.now()}
    ctx.repo.set_references(pipeline.arn, references)
    reschedule(ctx, pipeline, restart=schedule_changed)
    return {"imagePipelineArn": pipeline.arn}


@operation("DeleteImagePipeline")
def delete(ctx: Context, params: DeleteImagePipelineRequest) -> DeleteImagePipelineResponse:
    arn = delete_owned(ctx, params["imagePipelineArn"])
    ctx.schedules.remove(arn)
    return {"imagePipelineArn": arn}


@operation("ListImagePipelines")
def list_(ctx: Context, params: ListImagePipelinesRequest) -> ListImagePipelinesResponse:
    page, token = paginate(ctx, params, own_scan(ctx, KIND, params),
                           filter_predicate(params, FILTERS))
    return {"imagePipelineList": [project(resource.document, ImagePipeline) for resource in page], "nextToken": token}
