"""Images after lifecycle actions, through boto3 against a real `oib serve`, on both stores: a
DISABLED or DELETED image is no parent for new recipes or builds (a wildcard parent skips it),
DELETED images leave the image lists but stay readable, DEPRECATED images still build; and the
image lists' `version` filter takes wildcards and the build node."""
from __future__ import annotations

import pytest

from tests.conftest import unique
from tests.e2e.helpers import ROLE, create_image, error_of, image_recipe, infrastructure, wait_done

NO_TESTS = {"imageTestsEnabled": False}


def built(client, recipe: str, infra: str) -> str:
    arn = create_image(client, recipe, infra, imageTestsConfiguration=NO_TESTS)
    assert wait_done(client, arn)["state"]["status"] == "AVAILABLE"
    return arn


def set_state(client, arn: str, status: str) -> None:
    if status == "DELETED":  # DELETED takes the underlying resources with it
        client.start_resource_state_update(resourceArn=arn, state={"status": status}, executionRole=ROLE,
                                           includeResources={"amis": True})
    else:
        client.start_resource_state_update(resourceArn=arn, state={"status": status})
    assert client.get_image(imageBuildVersionArn=arn)["image"]["state"]["status"] == status


def child_recipe(client, parent: str, **params) -> str:
    return client.create_image_recipe(name=unique("child"), semanticVersion="1.0.0", parentImage=parent,
                                      **params)["imageRecipeArn"]


@pytest.mark.parametrize("state", ["DISABLED", "DELETED"])
def test_disabled_or_deleted_image_is_no_parent(client, state):
    infra = infrastructure(client)
    base_recipe = image_recipe(client)
    older, newer = built(client, base_recipe, infra), built(client, base_recipe, infra)
    by_wildcard = child_recipe(client, base_recipe.replace(":image-recipe/", ":image/").rsplit("/", 1)[0] + "/x.x.x")
    by_build = child_recipe(client, newer)

    set_state(client, newer, state)
    # New recipes: the exact build is refused with its state; a wildcard takes the newest usable build.
    code, message = error_of(child_recipe, client, newer)
    assert code == "InvalidParameterValueException" and f"is {state} and cannot be used as a parent" in message
    assert client.get_image_recipe(imageRecipeArn=child_recipe(
        client, newer.rsplit("/", 2)[0] + "/1.x.x"))["imageRecipe"]["name"]
    # New builds of recipes made before: the exact reference fails to start, the wildcard builds on the other.
    code, message = error_of(client.create_image, imageRecipeArn=by_build, infrastructureConfigurationArn=infra)
    assert code == "InvalidParameterValueException" and f"is {state}" in message
    image = wait_done(client, create_image(client, by_wildcard, infra, imageTestsConfiguration=NO_TESTS))
    assert image["state"]["status"] == "AVAILABLE" and image["imageRecipe"]["parentImage"] == older

    # Every usable build gone: the wildcard has nothing to build on.
    set_state(client, older, "DISABLED")
    code, message = error_of(client.create_image, imageRecipeArn=by_wildcard, infrastructureConfigurationArn=infra)
    assert code == "InvalidParameterValueException" and "only AVAILABLE and DEPRECATED images can" in message


def test_deprecated_image_still_builds(client):
    infra = infrastructure(client)
    parent = built(client, image_recipe(client), infra)
    recipe = child_recipe(client, parent)
    set_state(client, parent, "DEPRECATED")
    image = wait_done(client, create_image(client, recipe, infra, imageTestsConfiguration=NO_TESTS))
    assert image["state"]["status"] == "AVAILABLE"


def test_deleted_images_leave_the_lists(client):
    infra = infrastructure(client)
    recipe = image_recipe(client)
    kept, deleted, disabled = (built(client, recipe, infra) for _ in range(3))
    set_state(client, deleted, "DELETED")
    set_state(client, disabled, "DISABLED")
    version_arn = kept.rsplit("/", 1)[0]
    builds = {item["arn"]: item["state"]["status"]
              for item in client.list_image_build_versions(imageVersionArn=version_arn)["imageSummaryList"]}
    assert builds == {kept: "AVAILABLE", disabled: "DISABLED"}
    name = client.get_image(imageBuildVersionArn=kept)["image"]["name"]
    listed = client.list_images(filters=[{"name": "name", "values": [name]}])["imageVersionList"]
    assert [entry["arn"] for entry in listed] == [version_arn]
    # The record stays readable, as lifecycle executions refer to it.
    assert client.get_image(imageBuildVersionArn=deleted)["image"]["state"]["status"] == "DELETED"
    set_state(client, kept, "DELETED")
    set_state(client, disabled, "DELETED")
    assert client.list_images(filters=[{"name": "name", "values": [name]}])["imageVersionList"] == []


def test_image_version_filters_take_wildcards_and_builds(client):
    infra = infrastructure(client)
    name = unique("versions")
    one, two = (image_recipe(client, name=name, version=version) for version in ("1.2.3", "2.0.0"))
    first, second, other = built(client, one, infra), built(client, one, infra), built(client, two, infra)

    def listed(operation, version):
        reply = getattr(client, operation)(filters=[{"name": "version", "values": [version]}])
        return sorted(entry["arn"] for entry in reply.get("imageSummaryList", reply.get("imageVersionList")))

    assert listed("list_image_build_versions", "1.x.x") == [first, second]
    assert listed("list_image_build_versions", "1.2.3/2") == [second]
    assert listed("list_image_build_versions", "x.x.x") == [first, second, other]
    assert listed("list_images", "1.2.x") == [first.rsplit("/", 1)[0]]
    assert listed("list_images", "2.x.x") == [other.rsplit("/", 1)[0]]
    for bad in ("1.x.3", "1.x.x/2", "1.2.3/0", "1.2"):
        code, message = error_of(client.list_images, filters=[{"name": "version", "values": [bad]}])
        assert code == "InvalidParameterValueException" and "filters[0].values[0]" in message, (bad, message)


def test_component_and_workflow_version_filters_take_the_build(client):
    data = "name: v\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Hello\n" \
           "        action: ExecuteBash\n        inputs:\n          commands: [echo {}]\n"
    name = unique("component")
    arns = [client.create_component(name=name, semanticVersion="1.0.0", platform="Linux",
                                    data=data.format(n))["componentBuildVersionArn"] for n in (1, 2)]

    def listed(version):
        return [entry["arn"] for entry in client.list_components(
            filters=[{"name": "name", "values": [name]}, {"name": "version", "values": [version]}])[
            "componentVersionList"]]
    version_arn = arns[0].rsplit("/", 1)[0]
    assert listed("1.0.0/1") == listed("1.x.x") == [version_arn]
    assert listed("1.0.0/3") == []
    assert [entry["arn"] for entry in client.list_workflows(
        owner="Amazon", filters=[{"name": "name", "values": ["build-image"]},
                                 {"name": "version", "values": ["1.0.2/1"]}])["workflowVersionList"]] == [
        "arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.2"]
