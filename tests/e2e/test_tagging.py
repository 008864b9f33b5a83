"""TagResource, UntagResource and ListTagsForResource on components, workflows, image and container
recipes and images, through boto3 against `oib serve`. (Pipelines, infrastructure and distribution
configurations are tested with their families.)"""
from __future__ import annotations

import pytest

from tests.conftest import unique
from tests.e2e.helpers import (
    UPDATE_LINUX,
    container_recipe,
    error_of,
    image_recipe,
    infrastructure,
    wait_until,
)

COMPONENT_DOCUMENT = ("schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Hello\n"
                      "        action: ExecuteBash\n        inputs:\n          commands: [echo hello]\n")
WORKFLOW_DOCUMENT = ("schemaVersion: 1.0\nsteps:\n  - name: DistributeOutputImage\n"
                     "    action: DistributeImage\n")
FAST = {"oib:step-seconds": "0.02"}
MANAGED_COMPONENT_BUILD = UPDATE_LINUX.replace("x.x.x", "1.0.2/1")


def component(client) -> str:
    return client.create_component(name=unique("comp"), semanticVersion="1.0.0", platform="Linux",
                                   data=COMPONENT_DOCUMENT)["componentBuildVersionArn"]


def workflow(client) -> str:
    return client.create_workflow(name=unique("wf"), semanticVersion="1.0.0", type="DISTRIBUTION",
                                  data=WORKFLOW_DOCUMENT)["workflowBuildVersionArn"]


def image(client, tags: dict[str, str] | None = None) -> str:
    return client.create_image(imageRecipeArn=image_recipe(client), infrastructureConfigurationArn=infrastructure(client),
                               tags=tags or FAST)["imageBuildVersionArn"]


def image_status(client, arn: str) -> str:
    return client.get_image(imageBuildVersionArn=arn)["image"]["state"]["status"]


# resource type → (create one, its Get response's resource)
RESOURCES = {
    "component": (component, lambda c, arn: c.get_component(componentBuildVersionArn=arn)["component"]),
    "workflow": (workflow, lambda c, arn: c.get_workflow(workflowBuildVersionArn=arn)["workflow"]),
    "image-recipe": (image_recipe, lambda c, arn: c.get_image_recipe(imageRecipeArn=arn)["imageRecipe"]),
    "container-recipe": (container_recipe,
                         lambda c, arn: c.get_container_recipe(containerRecipeArn=arn)["containerRecipe"]),
    "image": (image, lambda c, arn: c.get_image(imageBuildVersionArn=arn)["image"]),
}


def tags_of(client, arn: str) -> dict[str, str]:
    return client.list_tags_for_resource(resourceArn=arn)["tags"]


@pytest.mark.parametrize("kind", sorted(RESOURCES))
def test_tag_list_and_untag_show_in_get(client, kind):
    make, get = RESOURCES[kind]
    arn = make(client)
    created = tags_of(client, arn)  # {} except for the image, created with FAST
    assert get(client, arn)["tags"] == created
    client.tag_resource(resourceArn=arn, tags={"team": "a", "env": "dev"})
    client.tag_resource(resourceArn=arn, tags={"env": "prod"})  # overwrites one key, keeps the others
    assert tags_of(client, arn) == {**created, "team": "a", "env": "prod"}
    assert get(client, arn)["tags"] == {**created, "team": "a", "env": "prod"}
    client.untag_resource(resourceArn=arn, tagKeys=["team", "never-set"])
    assert tags_of(client, arn) == {**created, "env": "prod"}
    assert get(client, arn)["tags"] == {**created, "env": "prod"}


def test_tags_added_during_a_build_survive_it(client):
    arn = image(client, tags={"oib:step-seconds": "0.1"})
    client.tag_resource(resourceArn=arn, tags={"added": "while building"})
    wait_until(lambda: image_status(client, arn) == "AVAILABLE", what="the image to be AVAILABLE")
    assert tags_of(client, arn) == {"oib:step-seconds": "0.1", "added": "while building"}


@pytest.mark.parametrize("kind", ["component", "workflow", "image"])
def test_only_the_build_version_arn_is_taggable(client, kind):
    build_arn = RESOURCES[kind][0](client)
    version_arn = build_arn.rsplit("/", 1)[0]
    for arn in (version_arn, version_arn.rsplit("/", 1)[0] + "/x.x.x", version_arn.rsplit("/", 1)[0]):
        for call, params in ((client.tag_resource, {"tags": {"a": "1"}}), (client.untag_resource, {"tagKeys": ["a"]}),
                             (client.list_tags_for_resource, {})):
            assert error_of(call, resourceArn=arn, **params) == (
                "ResourceNotFoundException", f"The resource ARN '{arn}' does not exist.")
    assert "a" not in tags_of(client, build_arn)


def test_missing_or_foreign_resource_is_not_found(server, client):
    arn = component(client)
    missing = arn[:-1] + "9"
    for who, target in ((client, missing), (server.client(), arn)):
        for call, params in ((who.tag_resource, {"tags": {"a": "1"}}), (who.untag_resource, {"tagKeys": ["a"]}),
                             (who.list_tags_for_resource, {})):
            assert error_of(call, resourceArn=target, **params) == (
                "ResourceNotFoundException", f"The resource ARN '{target}' does not exist.")


def test_aws_managed_resources_list_no_tags_and_cannot_be_tagged(client):
    assert tags_of(client, MANAGED_COMPONENT_BUILD) == {}
    message = f"The resource '{MANAGED_COMPONENT_BUILD}' is managed by AWS and cannot be tagged."
    assert error_of(client.tag_resource, resourceArn=MANAGED_COMPONENT_BUILD, tags={"a": "1"}) == (
        "InvalidParameterException", message)
    assert error_of(client.untag_resource, resourceArn=MANAGED_COMPONENT_BUILD, tagKeys=["a"]) == (
        "InvalidParameterException", message)


def test_at_most_50_tags_per_resource(client):
    arn = component(client)
    client.tag_resource(resourceArn=arn, tags={f"k{i}": "v" for i in range(50)})
    assert error_of(client.tag_resource, resourceArn=arn, tags={"one-more": "v"}) == (
        "InvalidParameterException", "A resource can have at most 50 tags; this request would leave 51.")
    client.tag_resource(resourceArn=arn, tags={"k0": "changed"})  # overwriting adds none
    client.untag_resource(resourceArn=arn, tagKeys=["k1"])
    client.tag_resource(resourceArn=arn, tags={"one-more": "v"})
    assert len(tags_of(client, arn)) == 50


@pytest.mark.parametrize(("tags", "path", "rule"), [
    ({"aws:team": "a"}, "tags.aws:team", r"must match pattern ^(?!aws:)[a-zA-Z0-9\s_.:/=+\-@]*$"),
    ({"team!": "a"}, "tags.team!", r"must match pattern ^(?!aws:)[a-zA-Z0-9\s_.:/=+\-@]*$"),
    ({"k" * 129: "a"}, "tags." + "k" * 129, "must have length between 1 and 128 characters."),
    ({"team": "v" * 257}, "tags.team", "must have length at most 256 characters."),
    ({f"k{i}": "v" for i in range(51)}, "tags", "must contain between 1 and 50 entries."),
])
def test_tag_keys_and_values_follow_the_model(client, tags, path, rule):
    arn = component(client)
    assert error_of(client.tag_resource, resourceArn=arn, tags=tags) == (
        "InvalidParameterValueException", f"The value supplied for parameter '{path}' is not valid. '{path}' {rule}")
    assert tags_of(client, arn) == {}


def test_untag_keys_follow_the_model(client):
    arn = component(client)
    code, message = error_of(client.untag_resource, resourceArn=arn, tagKeys=["aws:team"])
    assert code == "InvalidParameterValueException" and "'tagKeys[0]' must match pattern" in message
    code, message = error_of(client.untag_resource, resourceArn=arn, tagKeys=[f"k{i}" for i in range(51)])
    assert (code, message) == ("InvalidParameterValueException", "The value supplied for parameter 'tagKeys' is "
                                                                  "not valid. 'tagKeys' must contain between 1 and 50 items.")
