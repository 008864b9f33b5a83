"""Builders for the resources a pipeline needs, through boto3."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import unique

T = TypeVar("T")

REGION = "us-east-1"
MANAGED = f"arn:aws:imagebuilder:{REGION}:aws"
PARENT_IMAGE = f"{MANAGED}:image/amazon-linux-2-x86/x.x.x"
UPDATE_LINUX = f"{MANAGED}:component/update-linux/x.x.x"
BUILD_IMAGE_WORKFLOW = f"{MANAGED}:workflow/build/build-image/x.x.x"
TEST_IMAGE_WORKFLOW = f"{MANAGED}:workflow/test/test-image/x.x.x"
FAST = {"oib:step-seconds": "0.02"}  # image tag: a quick simulated build
ROLE = "arn:aws:iam::123456789012:role/ImageBuilderExecutionRole"
TERMINAL = ("AVAILABLE", "FAILED", "CANCELLED")


def image_recipe(client, name: str | None = None, version: str = "1.0.0") -> str:
    return client.create_image_recipe(
        name=name or unique("recipe"), semanticVersion=version, parentImage=PARENT_IMAGE,
        components=[{"componentArn": UPDATE_LINUX}])["imageRecipeArn"]


def container_recipe(client, name: str | None = None, version: str = "1.0.0") -> str:
    return client.create_container_recipe(
        containerType="DOCKER", name=name or unique("container"), semanticVersion=version,
        parentImage="amazonlinux:latest", platformOverride="Linux",
        components=[{"componentArn": UPDATE_LINUX}],
        dockerfileTemplateData="FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:environments }}}\n{{{ imagebuilder:components }}}",
        targetRepository={"service": "ECR", "repositoryName": "repo"})["containerRecipeArn"]


def infrastructure(client, name: str | None = None) -> str:
    return client.create_infrastructure_configuration(
        name=name or unique("infra"), instanceProfileName="profile")["infrastructureConfigurationArn"]


def distribution(client, name: str | None = None) -> str:
    return client.create_distribution_configuration(
        name=name or unique("dist"),
        distributions=[{"region": REGION, "amiDistributionConfiguration": {"name": "ami-{{ imagebuilder:buildDate }}"}}],
    )["distributionConfigurationArn"]


def pipeline(client, **overrides) -> str:
    params = {"name": unique("pipeline"), "imageRecipeArn": image_recipe(client),
              "infrastructureConfigurationArn": infrastructure(client), **overrides}
    return client.create_image_pipeline(**params)["imagePipelineArn"]


def error_of(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[str, str]:
    """The (code, message) of the AWS error a boto3 call raises."""
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def wait_until(probe: Callable[[], T], timeout: float = 20, interval: float = 0.02, what: str = "condition") -> T:
    """Polls until `probe` returns something truthy, and returns it."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}; last value {value!r}")
        time.sleep(interval)


def holds_for(probe: Callable[[], T], seconds: float, interval: float = 0.02, what: str = "condition") -> int:
    """Polls `probe` for `seconds` and fails at the first falsy answer; returns how many answers held.

    For "nothing changes" assertions: one look after a fixed sleep sees only that instant, this sees
    every change the window's polls can catch, and it fails at once instead of after the sleep.
    """
    deadline = time.monotonic() + seconds
    looks = 0
    while True:
        value = probe()
        looks += 1
        if not value:
            raise AssertionError(f"{what} stopped holding after {looks} looks; last value {value!r}")
        if time.monotonic() > deadline:
            return looks
        time.sleep(interval)


# -- images and their executions --------------------------------------------------------------
def get_image(client, arn: str) -> dict[str, Any]:
    return client.get_image(imageBuildVersionArn=arn)["image"]


def wait_status(client, arn: str, *statuses: str, timeout: float = 20) -> dict[str, Any]:
    def probe():
        image = get_image(client, arn)
        return image if image["state"]["status"] in statuses else None
    return wait_until(probe, timeout, what=f"{arn} to reach {statuses}")


def wait_done(client, arn: str, timeout: float = 20) -> dict[str, Any]:
    return wait_status(client, arn, *TERMINAL, timeout=timeout)


def workflow_executions(client, arn: str) -> list[dict[str, Any]]:
    return client.list_workflow_executions(imageBuildVersionArn=arn)["workflowExecutions"]


def step_executions(client, workflow_execution_id: str) -> list[dict[str, Any]]:
    return client.list_workflow_step_executions(workflowExecutionId=workflow_execution_id)["steps"]


def steps_by_name(client, workflow_execution_id: str) -> dict[str, dict[str, Any]]:
    return {step["name"]: step for step in step_executions(client, workflow_execution_id)}


def create_image(client, recipe: str | None = None, infra: str | None = None, tags: dict | None = None,
                 **params: Any) -> str:
    tags = FAST if tags is None else tags
    if tags:
        params["tags"] = tags
    return client.create_image(imageRecipeArn=recipe or image_recipe(client),
                               infrastructureConfigurationArn=infra or infrastructure(client),
                               **params)["imageBuildVersionArn"]


def workflow(client, type_: str, data: str, name: str | None = None) -> str:
    return client.create_workflow(name=name or unique("wf"), semanticVersion="1.0.0", type=type_,
                                  data=data)["workflowBuildVersionArn"]


def build_log(url: str, arn: str) -> list[str]:
    """The messages of an image's build log (GET /_oib/logs of the server at `url`)."""
    reply = httpx.get(f"{url}/_oib/logs", params={"imageBuildVersionArn": arn}, timeout=10)
    reply.raise_for_status()
    return [event["message"] for event in reply.json()["events"]]
