"""The AWS-managed catalog through boto3 against a real `oib serve`, on both stores: the components
and images users' recipes name most resolve by Get and List (owner Amazon), and recipes made of
them create and build on the simulated backend."""
from __future__ import annotations

import pytest

from tests.conftest import unique
from tests.e2e.helpers import MANAGED, create_image, infrastructure, wait_done

COMPONENTS = ("docker-ce-linux", "python-3-linux", "inspector-test-linux")


def test_get_component_and_image_by_wildcard(client):
    for name in COMPONENTS:
        component = client.get_component(componentBuildVersionArn=f"{MANAGED}:component/{name}/x.x.x")["component"]
        assert component["name"] == name and component["owner"] == "Amazon"
        assert component["platform"] == "Linux" and component["data"].startswith(f"name: {name}\n")
    assert client.get_component(
        componentBuildVersionArn=f"{MANAGED}:component/inspector-test-linux/x.x.x")["component"]["type"] == "TEST"
    python = client.get_component(componentBuildVersionArn=f"{MANAGED}:component/python-3-linux/1.x.x")["component"]
    assert python["arn"] == f"{MANAGED}:component/python-3-linux/1.0.2/1"
    for name, image_type in (("amazon-linux-x86-2", "DOCKER"), ("amazon-linux-x86-latest", "DOCKER"),
                             ("amazon-linux-2023-arm64", "AMI"), ("ubuntu-server-24-lts-x86", "AMI"),
                             ("windows-server-2025-english-full-base-x86", "AMI")):
        image = client.get_image(imageBuildVersionArn=f"{MANAGED}:image/{name}/x.x.x")["image"]
        assert image["type"] == image_type and image["state"] == {"status": "AVAILABLE"}
        assert image["imageSource"] == "AMAZON_MANAGED"


def test_lists_with_owner_amazon(client):
    def component_names(**params):
        pages = client.get_paginator("list_components").paginate(owner="Amazon", **params)
        return {entry["name"] for page in pages for entry in page["componentVersionList"]}

    linux = component_names(filters=[{"name": "platform", "values": ["Linux"]}])
    assert set(COMPONENTS) <= linux and "python-3-windows" not in linux
    assert {"python-3-windows", "chocolatey", "PuTTY"} <= component_names(
        filters=[{"name": "platform", "values": ["Windows"]}])
    tests = component_names(filters=[{"name": "type", "values": ["TEST"]}])
    assert "inspector-test-linux" in tests and "docker-ce-linux" not in tests

    pages = client.get_paginator("list_images").paginate(owner="Amazon", byName=True)
    images = {entry["name"]: entry for page in pages for entry in page["imageVersionList"]}
    assert {"Amazon Linux x86 2", "Amazon Linux x86 latest", "Amazon Linux 2 arm64", "Ubuntu Server 24 LTS arm64",
            "Windows Server 2022 English Core Base x86", "macOS Sequoia arm64"} <= set(images)
    assert images["Amazon Linux x86 2"]["type"] == "DOCKER" and images["Amazon Linux x86 2"]["owner"] == "Amazon"
    assert images["macOS Sequoia arm64"]["platform"] == "macOS"


@pytest.mark.parametrize("parent", ["amazon-linux-2-x86", "amazon-linux-2023-arm64"])
def test_recipe_of_managed_components_builds(client, parent):
    recipe = client.create_image_recipe(
        name=unique("managed"), semanticVersion="1.0.0", parentImage=f"{MANAGED}:image/{parent}/x.x.x",
        components=[{"componentArn": f"{MANAGED}:component/{name}/x.x.x"}
                    for name in ("python-3-linux", "aws-cli-version-2-linux", "inspector-test-linux")]
    )["imageRecipeArn"]
    image = wait_done(client, create_image(client, recipe, infrastructure(client)))
    assert image["state"]["status"] == "AVAILABLE", image["state"]
    used = [component["componentArn"] for component in image["imageRecipe"]["components"]]
    assert used[0] == f"{MANAGED}:component/python-3-linux/1.0.2/1"
    assert image["imageRecipe"]["parentImage"].startswith(f"{MANAGED}:image/{parent}/")


def test_docker_ce_linux_is_for_amazon_linux_2(client):
    infra = infrastructure(client)
    recipe = client.create_image_recipe(
        name=unique("docker"), semanticVersion="1.0.0", parentImage=f"{MANAGED}:image/amazon-linux-2-x86/x.x.x",
        components=[{"componentArn": f"{MANAGED}:component/docker-ce-linux/x.x.x"}])["imageRecipeArn"]
    assert wait_done(client, create_image(client, recipe, infra))["state"]["status"] == "AVAILABLE"
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="does not support the OS version"):
        client.create_image_recipe(
            name=unique("docker"), semanticVersion="1.0.0", parentImage=f"{MANAGED}:image/ubuntu-server-24-lts-x86/x.x.x",
            components=[{"componentArn": f"{MANAGED}:component/docker-ce-linux/x.x.x"}])


def test_windows_recipe_of_managed_components(client):
    recipe = client.create_image_recipe(
        name=unique("windows"), semanticVersion="1.0.0",
        parentImage=f"{MANAGED}:image/windows-server-2025-english-core-base-x86/x.x.x",
        components=[{"componentArn": f"{MANAGED}:component/{name}/x.x.x"}
                    for name in ("chocolatey", "python-3-windows", "reboot-test-windows")])["imageRecipeArn"]
    assert client.get_image_recipe(imageRecipeArn=recipe)["imageRecipe"]["platform"] == "Windows"
    image = wait_done(client, create_image(client, recipe, infrastructure(client)))
    assert image["state"]["status"] == "AVAILABLE", image["state"]
    assert image["platform"] == "Windows"


def test_container_recipe_on_managed_container_image(client):
    recipe = client.create_container_recipe(
        containerType="DOCKER", name=unique("container"), semanticVersion="1.0.0",
        parentImage=f"{MANAGED}:image/amazon-linux-x86-latest/x.x.x",
        components=[{"componentArn": f"{MANAGED}:component/python-3-linux/x.x.x"}],
        dockerfileTemplateData="FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:components }}}",
        targetRepository={"service": "ECR", "repositoryName": "repo"})["containerRecipeArn"]
    image = client.create_image(containerRecipeArn=recipe, infrastructureConfigurationArn=infrastructure(client),
                                tags={"oib:step-seconds": "0.02"})["imageBuildVersionArn"]
    assert wait_done(client, image)["state"]["status"] == "AVAILABLE"
