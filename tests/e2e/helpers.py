"""Builders for the resources a pipeline needs, through boto3."""
from __future__ import annotations

from tests.conftest import unique

REGION = "us-east-1"
MANAGED = f"arn:aws:imagebuilder:{REGION}:aws"
PARENT_IMAGE = f"{MANAGED}:image/amazon-linux-2-x86/x.x.x"
UPDATE_LINUX = f"{MANAGED}:component/update-linux/x.x.x"
BUILD_IMAGE_WORKFLOW = f"{MANAGED}:workflow/build/build-image/x.x.x"
TEST_IMAGE_WORKFLOW = f"{MANAGED}:workflow/test/test-image/x.x.x"


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
