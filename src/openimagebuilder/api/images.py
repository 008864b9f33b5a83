"""Images: CreateImage, StartImagePipelineExecution, GetImage, the image lists, DeleteImage,
CancelImageCreation and ListImagePackages. Builds themselves are carried out by the engine."""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

from ..domain.arn import AWS_OWNER, parse_arn
from ..domain.filter_values import VERSION, ScanNarrowing
from ..domain.name_filter import name_id_patterns
from ..protocol.generated import (
    BuildType,
    CancelImageCreationRequest,
    CancelImageCreationResponse,
    CreateImageRequest,
    CreateImageResponse,
    DeleteImageRequest,
    DeleteImageResponse,
    DistributeImageRequest,
    DistributeImageResponse,
    GetImageRequest,
    GetImageResponse,
    Image,
    ImageStatus,
    ImageSummary,
    ImageVersion,
    InvalidRequestException,
    ListImageBuildVersionsRequest,
    ListImageBuildVersionsResponse,
    ListImagePackagesRequest,
    ListImagePackagesResponse,
    ListImagePipelineImagesRequest,
    ListImagePipelineImagesResponse,
    ListImagesRequest,
    ListImagesResponse,
    Ownership,
    ResourceInUseException,
    RetryImageRequest,
    RetryImageResponse,
    StartImagePipelineExecutionRequest,
    StartImagePipelineExecutionResponse,
)
from ..service import distribute, retry
from ..service.build_configuration import build_configuration
from ..service.builds import KIND, start_build
from ..service.context import Context
from ..store.repository import Resource
from .common import (
    SHARED,
    Shape,
    check_deletable,
    document_field,
    filter_predicate,
    find,
    get_owned,
    indexed_filters,
    latest_version_references,
    narrowing,
    project,
    shaped,
    version_arn_of,
)
from .common import scan as scan_resources
from .pagination import paginate, paginate_list
from .registry import operation
from .versioned import build_version, version_matcher

TERMINAL_STATES = frozenset({ImageStatus.AVAILABLE, ImageStatus.FAILED, ImageStatus.CANCELLED, ImageStatus.DEPRECATED,
                             ImageStatus.DISABLED, ImageStatus.DELETED})
IMAGE_FILTERS = {"name": document_field("name"), **indexed_filters(KIND, "osVersion", "platform", "type"),
                 "version": build_version}
PIPELINE_IMAGE_FILTERS = {"name": document_field("name"), "version": build_version}
VERSION_MATCHER = {"version": version_matcher}  # wildcards and the build node, as for components
OWNER_SCANS: dict[str, str | None] = {Ownership.SELF: None, Ownership.AMAZON: AWS_OWNER, Ownership.SHARED: SHARED}


@operation("CreateImage")
def create_image(ctx: Context, params: CreateImageRequest) -> CreateImageResponse:
    image_arn = start_build(ctx, build_configuration(ctx, params), build_type=BuildType.USER_INITIATED,
                            tags=params.get("tags") or {})
    image = ctx.repo.get(image_arn)
    return {"imageBuildVersionArn": image_arn,
            "latestVersionReferences": latest_version_references(image) if image else None}


@operation("StartImagePipelineExecution")
def start_pipeline_execution(ctx: Context,
                             params: StartImagePipelineExecutionRequest) -> StartImagePipelineExecutionResponse:
    # Documented: works whether the pipeline is ENABLED or DISABLED.
    pipeline = get_owned(ctx, params["imagePipelineArn"], for_update=True)
    build = build_configuration(ctx, pipeline.document)
    image_arn = start_build(ctx, build, build_type=BuildType.USER_INITIATED, tags=params.get("tags") or {},
                            pipeline=pipeline)
    return {"imageBuildVersionArn": image_arn}


@operation("GetImage")
def get_image(ctx: Context, params: GetImageRequest) -> GetImageResponse:
    image = find(ctx, params["imageBuildVersionArn"], "imageBuildVersionArn")
    return {"image": _with_build_version(image, shaped(image.document, Image)),
            "latestVersionReferences": latest_version_references(image)}


@operation("CancelImageCreation")
def cancel_image_creation(ctx: Context, params: CancelImageCreationRequest) -> CancelImageCreationResponse:
    image = get_owned(ctx, params["imageBuildVersionArn"])
    status = image.document["state"]["status"]
    # The job may have finished since the image was read (another process's engine): then the
    # update finds no job and the build is refused like any finished one.
    if status in TERMINAL_STATES or not ctx.executions.wake_job(image.arn, ctx.epoch(), cancel=True):
        raise ResourceInUseException(
            f"The image '{image.arn}' cannot be cancelled because its status is {status}.")
    return {"imageBuildVersionArn": image.arn}


@operation("DeleteImage")
def delete_image(ctx: Context, params: DeleteImageRequest) -> DeleteImageResponse:
    image = get_owned(ctx, params["imageBuildVersionArn"], for_update=True)  # as delete_owned: lock, then check
    if ctx.executions.job(image.arn) is not None:
        raise InvalidRequestException(
            f"The image '{image.arn}' is still being built. Cancel the build (CancelImageCreation) before deleting it.")
    check_deletable(ctx, image)
    ctx.repo.delete(image.arn)
    ctx.executions.delete_executions(image.arn)
    ctx.deleted_images.append(image.document)
    return {"imageBuildVersionArn": image.arn}


@operation("ListImagePackages")
def list_image_packages(ctx: Context, params: ListImagePackagesRequest) -> ListImagePackagesResponse:
    image = get_owned(ctx, params["imageBuildVersionArn"])
    page, token = paginate_list(ctx, params, image.document.get("packages") or [])
    return {"imagePackageList": page, "nextToken": token}


# -- lists ------------------------------------------------------------------------------------
def _status(image: Resource) -> str:
    return str((image.document.get("state") or {}).get("status", ""))


def _listed(image: Resource) -> bool:
    """DELETED images keep their record for GetImage and lifecycle executions, but leave the lists:
    AWS documents that a deleted image resource is removed."""
    return _status(image) != ImageStatus.DELETED


def _summary(image: Resource) -> ImageSummary:
    summary = project(image.document, ImageSummary)
    summary["owner"] = _owner(image)
    return _with_build_version(image, summary)


def _owner(image: Resource) -> str:
    return image.owner if image.owner != AWS_OWNER else Ownership.AMAZON


def _with_build_version(image: Resource, output: Shape) -> Shape:
    """`output` with its `version` as `X.Y.Z/build`: the members whose shape is
    VersionNumberWithBuild (GetImage's image, ImageSummary in ListImageBuildVersions and
    ListImagePipelineImages) carry the build, as AWS's get-image example shows. The stored
    document keeps `X.Y.Z`, which ListImages' ImageVersion (shape VersionNumber), the `version`
    filters and copies of the image use."""
    if output.get("version") and image.build:
        return cast(Shape, {**output, "version": f"{output['version']}/{image.build}"})
    return output


def _newest_per(images: Iterable[Resource], key: Callable[[Resource], Any]) -> Iterator[Resource]:
    # Scans run in (name, version, build) order, so each group is contiguous and ends with its newest.
    for _, group in itertools.groupby(images, key=key):
        *_, newest = group
        yield newest


@operation("ListImages")
def list_images(ctx: Context, params: ListImagesRequest) -> ListImagesResponse:
    owner = params.get("owner") or Ownership.SELF
    if owner not in OWNER_SCANS:
        return {"imageVersionList": []}
    keep = filter_predicate(params, IMAGE_FILTERS, VERSION_MATCHER)
    include_deprecated = bool(params.get("includeDeprecated"))

    def wanted(image: Resource) -> bool:
        return _listed(image) and keep(image) and (include_deprecated or _status(image) != ImageStatus.DEPRECATED)

    key = ((lambda image: (image.owner, image.name_id)) if params.get("byName")
           else (lambda image: (image.owner, image.name_id, image.version)))

    narrowed = narrowing(KIND, params)

    def scan(after: tuple[str, int] | None) -> Iterator[Resource]:
        return _newest_per(filter(wanted, scan_resources(ctx, KIND, after, OWNER_SCANS[owner], narrowed)), key)

    page, token = paginate(ctx, params, scan)
    versions = []
    for image in page:
        entry = project(image.document, ImageVersion)
        entry["arn"], entry["owner"] = version_arn_of(image), _owner(image)
        versions.append(entry)
    return {"imageVersionList": versions, "nextToken": token}


@operation("ListImageBuildVersions")
def list_image_build_versions(ctx: Context, params: ListImageBuildVersionsRequest) -> ListImageBuildVersionsResponse:
    keep = filter_predicate(params, IMAGE_FILTERS, VERSION_MATCHER)
    version_arn = params.get("imageVersionArn")
    arn = parse_arn(version_arn) if version_arn else None
    if version_arn and (arn is None or arn.version is None):
        return {"imageSummaryList": []}
    owner = AWS_OWNER if arn is not None and arn.is_aws_managed else None

    def belongs(image: Resource) -> bool:
        return arn is None or (image.name_id == arn.resource_id and image.version == arn.version)

    narrowed = narrowing(KIND, params)
    if arn is not None and arn.version is not None:  # the version's builds: its name and version in the store
        narrowed = ScanNarrowing(name_id_patterns([arn.resource_id]), narrowed.values).wanting(VERSION, [arn.version])
    page, token = paginate(ctx, params, lambda after: ctx.repo.scan(KIND, after, owner=owner, narrowing=narrowed),
                           lambda image: _listed(image) and belongs(image) and keep(image))
    return {"imageSummaryList": [_summary(image) for image in page], "nextToken": token}


@operation("ListImagePipelineImages")
def list_image_pipeline_images(ctx: Context, params: ListImagePipelineImagesRequest) -> ListImagePipelineImagesResponse:
    # Documented: an unknown pipeline lists nothing (no error).
    pipeline_arn = params["imagePipelineArn"]
    keep = filter_predicate(params, PIPELINE_IMAGE_FILTERS, VERSION_MATCHER)
    narrowed = narrowing(KIND, params).wanting("sourcePipelineArn", [pipeline_arn])
    page, token = paginate(ctx, params, lambda after: ctx.repo.scan(KIND, after, narrowing=narrowed),
                           lambda image: _listed(image) and image.document.get("sourcePipelineArn") == pipeline_arn
                           and keep(image))
    return {"imageSummaryList": [_summary(image) for image in page], "nextToken": token}


@operation("RetryImage")
def retry_image(ctx: Context, params: RetryImageRequest) -> RetryImageResponse:
    image = get_owned(ctx, params["imageBuildVersionArn"], for_update=True)
    retry.retry_image(ctx, image)
    return {"imageBuildVersionArn": image.arn, "clientToken": params["clientToken"]}


@operation("DistributeImage")
def distribute_image(ctx: Context, params: DistributeImageRequest) -> DistributeImageResponse:
    return {"imageBuildVersionArn": distribute.distribute_image(ctx, params), "clientToken": params["clientToken"]}
