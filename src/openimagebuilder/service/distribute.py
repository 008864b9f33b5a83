"""DistributeImage: an AMI that exists already is distributed again per a distribution
configuration, "without running the full image build process" (documented): a new image resource
tracks it, and only AWS's distribute-image workflow runs, on the source AMI.

The new image is the next build version of the source image's name and version (its build number
from the same counter as builds), so GetImage, ListImageBuildVersions and the waiter follow it.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..domain.arn import AWS_OWNER, parse_arn
from ..domain.semver import parse_version, sort_key
from ..domain.workflow_document import parsed_workflow_document
from ..engine.plan import BuildPlan
from ..protocol.errors import invalid_parameter
from ..store.repository import Resource
from .builds import KIND, PlannedWorkflow, _create_executions, _distribution_regions
from .context import Context
from .resources import matching_builds, resolve

_AMI_ID = re.compile(r"^ami-[0-9a-f]{8,17}$")
DISTRIBUTION_WORKFLOW = "workflow/distribution/distribute-image/x.x.x"
# Image members the tracking image takes from its source.
COPIED_MEMBERS = ("name", "version", "type", "platform", "osVersion", "imageRecipe", "infrastructureConfiguration",
                  "enhancedImageMetadataEnabled")


def distribute_image(ctx: Context, params: Mapping[str, Any]) -> str:
    source, ami = _source(ctx, params["sourceImage"])
    distribution, _ = resolve(ctx, params["distributionConfigurationArn"], "distributionConfigurationArn")
    name_id, version = source.name_id, source.version
    number = ctx.executions.next_number(f"image/{name_id}/{version}")
    image_arn = str(ctx.arn(KIND, name_id, version, number))
    now = ctx.now()
    document: dict[str, Any] = {
        **{key: source.document[key] for key in COPIED_MEMBERS if source.document.get(key) is not None},
        "arn": image_arn, "state": {"status": "PENDING"}, "distributionConfiguration": distribution.document,
        "executionRole": params["executionRole"], "dateCreated": now, "tags": params.get("tags") or {},
        "buildType": "USER_INITIATED", "imageSource": "CUSTOM",
        "imageTestsConfiguration": {"imageTestsEnabled": False},
    }
    log_group = (params.get("loggingConfiguration") or {}).get("logGroupName")
    if log_group:
        document["loggingConfiguration"] = {"logGroupName": log_group}
    ctx.repo.insert(Resource(KIND, image_arn, name_id, document, now, version=version, build=number,
                             sort_key=sort_key(name_id, parse_version(version), number)))
    workflow_arn = f"arn:{ctx.partition}:imagebuilder:{ctx.region}:{AWS_OWNER}:{DISTRIBUTION_WORKFLOW}"
    workflow, _ = resolve(ctx, workflow_arn, "workflows")
    planned = PlannedWorkflow(workflow, "DISTRIBUTION", parsed_workflow_document(workflow.document["data"]), {},
                              None, "ABORT")
    stages = [stage for stage in _create_executions(ctx, image_arn, [planned]) if stage.workflows]
    plan = BuildPlan(stages=stages, log_group=log_group or f"/aws/imagebuilder/{document['name']}",
                     image_type="AMI", components=[], distribution_regions=_distribution_regions(ctx, document),
                     image_id=ami)
    ctx.executions.add_job(image_arn, ctx.epoch(), plan.to_json())
    ctx.executions.append_log(plan.log_group, image_arn, now,
                              [f"Image {image_arn} created (DistributeImage) to distribute {ami} from {source.arn}."])
    return image_arn


def _source(ctx: Context, text: str) -> tuple[Resource, str]:
    """The image whose AMI in this region is distributed, and that AMI: an Image Builder image ARN
    (a version ARN: its newest build) or the id of an AMI one of the caller's images made here."""
    if text.startswith("ssm:"):
        raise invalid_parameter("sourceImage", "Systems Manager parameter references cannot be resolved here; "
                                               "give an image ARN or an AMI id.")
    if _AMI_ID.match(text):
        for image in ctx.repo.scan(KIND):
            if _ami_here(ctx, image) == text:
                return image, text
        raise invalid_parameter("sourceImage", f"The AMI '{text}' was not made by an image of this account in "
                                               f"{ctx.region}.")
    arn = parse_arn(text)
    if arn is None or arn.resource_type != KIND:
        raise invalid_parameter("sourceImage", f"'{text}' is not an AMI id or an image ARN.")
    if arn.build is None and not arn.is_aws_managed:
        # Documented: an image version ARN resolves to the latest available build version.
        available = [image for image in matching_builds(ctx, arn, text, "sourceImage") if _ami_here(ctx, image)]
        if available:
            newest = max(available, key=lambda image: (parse_version(image.version), image.build))
            return newest, str(_ami_here(ctx, newest))
    image, _ = resolve(ctx, text, "sourceImage")
    ami = _ami_here(ctx, image)
    if ami is None:
        status = (image.document.get("state") or {}).get("status")
        raise invalid_parameter("sourceImage", f"The image '{image.arn}' has no AMI in {ctx.region} to distribute "
                                               f"(its status is {status}).")
    return image, ami


def _ami_here(ctx: Context, image: Resource) -> str | None:
    if image.document.get("type") != "AMI" or (image.document.get("state") or {}).get("status") != "AVAILABLE":
        return None
    for ami in (image.document.get("outputResources") or {}).get("amis") or []:
        if ami.get("region") == ctx.region and ami.get("image"):
            return str(ami["image"])
    return None
