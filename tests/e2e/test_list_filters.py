"""List filters other than `name`, which the store narrows by the values it keeps per resource
(domain/filter_values.py), through boto3 against `oib serve` on both stores: images (platform,
type, osVersion, version, and the images of a pipeline or of a version), recipes, and filters on
values that updates change (pipeline and lifecycle policy status)."""
from __future__ import annotations

from tests.conftest import unique
from tests.e2e.helpers import (
    ROLE,
    container_recipe,
    create_image,
    image_recipe,
    infrastructure,
    pipeline,
    wait_done,
)


def _filters(**values: list[str]) -> list[dict]:
    return [{"name": name, "values": wanted} for name, wanted in values.items()]


def test_image_filters(client):
    infra = infrastructure(client)
    name = unique("web")
    first = image_recipe(client, name, "1.0.0")
    second = image_recipe(client, name, "1.2.0")
    docker = container_recipe(client, unique("box"), "2.0.0")
    builds = [create_image(client, first, infra), create_image(client, first, infra),
              create_image(client, second, infra)]
    container = client.create_image(containerRecipeArn=docker, infrastructureConfigurationArn=infra,
                                    tags={"oib:step-seconds": "0.02"})["imageBuildVersionArn"]
    for arn in (*builds, container):
        wait_done(client, arn)
    os_version = client.get_image(imageBuildVersionArn=builds[0])["image"]["osVersion"]

    def versions(**values: list[str]) -> list[str]:
        return [entry["arn"] for entry in client.list_images(filters=_filters(**values))["imageVersionList"]]

    version_arns = [builds[0].rsplit("/", 1)[0], builds[2].rsplit("/", 1)[0]]
    assert versions(platform=["Linux"], type=["AMI"]) == version_arns
    assert versions(platform=["Windows"]) == []
    assert versions(type=["DOCKER"]) == [container.rsplit("/", 1)[0]]
    assert versions(osVersion=[os_version], version=["1.2.x"]) == version_arns[1:]
    assert versions(version=["1.x.x"]) == version_arns
    assert versions(version=["3.x.x"]) == [] and versions(type=["AMI"], version=["2.0.0"]) == []

    def build_versions(**params) -> list[str]:
        return [entry["arn"] for entry in client.list_image_build_versions(**params)["imageSummaryList"]]

    assert build_versions(imageVersionArn=version_arns[0]) == builds[:2]
    assert build_versions(imageVersionArn=version_arns[0], filters=_filters(version=["1.0.0/2"])) == builds[1:2]
    assert build_versions(imageVersionArn=version_arns[0].rsplit("/", 1)[0] + "/9.9.9") == []
    assert build_versions(filters=_filters(type=["DOCKER"])) == [container]
    assert build_versions(filters=_filters(platform=["Linux"], version=["1.2.0"])) == builds[2:]


def test_images_of_a_pipeline(client):
    made = pipeline(client)
    other = pipeline(client)
    image = client.start_image_pipeline_execution(imagePipelineArn=made)["imageBuildVersionArn"]
    wait_done(client, image, timeout=60)

    def images(arn: str, **values: list[str]) -> list[str]:
        filters = {"filters": _filters(**values)} if values else {}
        return [entry["arn"] for entry in client.list_image_pipeline_images(
            imagePipelineArn=arn, **filters)["imageSummaryList"]]

    assert images(made) == [image]
    assert images(made, version=["1.0.0"]) == [image] and images(made, version=["2.x.x"]) == []
    assert images(other) == []


def test_recipe_filters(client):
    linux = image_recipe(client)
    box = container_recipe(client)

    def recipes(**values: list[str]) -> list[str]:
        return [entry["arn"] for entry in client.list_image_recipes(filters=_filters(**values))["imageRecipeSummaryList"]]

    def containers(**values: list[str]) -> list[str]:
        return [entry["arn"] for entry in
                client.list_container_recipes(filters=_filters(**values))["containerRecipeSummaryList"]]

    parent = client.get_image_recipe(imageRecipeArn=linux)["imageRecipe"]["parentImage"]
    assert recipes(platform=["Linux"]) == [linux] and recipes(platform=["Windows"]) == []
    assert recipes(parentImage=[parent]) == [linux] and recipes(parentImage=["ami-0"]) == []
    assert containers(containerType=["DOCKER"], platform=["Linux"]) == [box]
    assert containers(parentImage=["amazonlinux:latest"]) == [box] and containers(platform=["Windows"]) == []


def test_status_filters_follow_updates(client):
    arn = pipeline(client)
    configuration = client.get_image_pipeline(imagePipelineArn=arn)["imagePipeline"]

    def pipelines(status: str) -> list[str]:
        return [entry["arn"] for entry in
                client.list_image_pipelines(filters=_filters(status=[status]))["imagePipelineList"]]

    assert pipelines("ENABLED") == [arn] and pipelines("DISABLED") == []
    client.update_image_pipeline(imagePipelineArn=arn, status="DISABLED",
                                 imageRecipeArn=configuration["imageRecipeArn"],
                                 infrastructureConfigurationArn=configuration["infrastructureConfigurationArn"])
    assert pipelines("ENABLED") == [] and pipelines("DISABLED") == [arn]
    client.delete_image_pipeline(imagePipelineArn=arn)
    assert pipelines("DISABLED") == []

    params = {"executionRole": ROLE, "resourceType": "AMI_IMAGE",
              "policyDetails": [{"action": {"type": "DELETE"}, "filter": {"type": "COUNT", "value": 2}}],
              "resourceSelection": {"recipes": [{"name": "web", "semanticVersion": "1.x.x"}]}}
    policy = client.create_lifecycle_policy(name=unique("policy"), **params)["lifecyclePolicyArn"]

    def policies(**values: list[str]) -> list[str]:
        return [entry["arn"] for entry in
                client.list_lifecycle_policies(filters=_filters(**values))["lifecyclePolicySummaryList"]]

    assert policies(status=["ENABLED"], resourceType=["AMI_IMAGE"]) == [policy]
    client.update_lifecycle_policy(lifecyclePolicyArn=policy, **params, status="DISABLED")
    assert policies(status=["ENABLED"]) == [] and policies(status=["DISABLED"]) == [policy]
    assert policies(resourceType=["CONTAINER_IMAGE"]) == []
