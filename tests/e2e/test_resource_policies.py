"""Resource policies and sharing through boto3 against a real `oib serve`: Put/Get for components,
images, image recipes and container recipes; what a policy shares is usable from the accounts it
names, and nothing else is."""
from __future__ import annotations

import json

import pytest

from tests.conftest import new_account_id, unique
from tests.e2e.helpers import (
    FAST,
    PARENT_IMAGE,
    container_recipe,
    create_image,
    error_of,
    image_recipe,
    infrastructure,
    wait_done,
)

COMPONENT_DATA = """\
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Hello
        action: ExecuteBash
        inputs:
          commands: [echo hello]
"""
ACTIONS = {
    "component": ["imagebuilder:GetComponent", "imagebuilder:ListComponents"],
    "image": ["imagebuilder:GetImage", "imagebuilder:ListImages"],
    "image-recipe": ["imagebuilder:GetImageRecipe", "imagebuilder:ListImageRecipes"],
    "container-recipe": ["imagebuilder:GetContainerRecipe", "imagebuilder:ListContainerRecipes"],
}


def policy(kind: str, arn: str, *accounts: str) -> str:
    # The form AWS's sharing guide shows.
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": list(accounts)}, "Action": ACTIONS[kind], "Resource": [arn]}]})


def component(client, name: str | None = None, version: str = "1.0.0") -> str:
    return client.create_component(name=name or unique("comp"), semanticVersion=version, platform="Linux",
                                   data=COMPONENT_DATA)["componentBuildVersionArn"]


def recipe_using(client, component_arn: str, parent: str = PARENT_IMAGE) -> str:
    return client.create_image_recipe(name=unique("recipe"), semanticVersion="1.0.0", parentImage=parent,
                                      components=[{"componentArn": component_arn}])["imageRecipeArn"]


@pytest.fixture
def accounts(server):
    owner, other = new_account_id(), new_account_id()
    return server.client(account_id=owner), owner, server.client(account_id=other), other


def test_put_and_get_each_kind_of_policy(client):
    comp = component(client)
    recipe = image_recipe(client)
    container = container_recipe(client)
    image = wait_done(client, create_image(client, tags=FAST))["arn"]
    other = new_account_id()
    for kind, member, put, get, arn in (
            ("component", "componentArn", client.put_component_policy, client.get_component_policy, comp),
            ("image-recipe", "imageRecipeArn", client.put_image_recipe_policy, client.get_image_recipe_policy,
             recipe),
            ("container-recipe", "containerRecipeArn", client.put_container_recipe_policy,
             client.get_container_recipe_policy, container),
            ("image", "imageArn", client.put_image_policy, client.get_image_policy, image)):
        assert error_of(get, **{member: arn}) == (
            "ResourceNotFoundException", f"The resource ARN '{arn}' does not have a policy.")
        text = policy(kind, arn, other)
        response = put(**{member: arn, "policy": text})
        assert response[member] == arn and response["requestId"]
        assert get(**{member: arn})["policy"] == text
        replaced = policy(kind, arn, new_account_id())
        put(**{member: arn, "policy": replaced})
        assert get(**{member: arn})["policy"] == replaced


def test_policies_of_resources_that_are_not_the_callers(accounts):
    owner_client, _, other_client, other = accounts
    comp = component(owner_client)
    text = policy("component", comp, other)
    assert error_of(other_client.put_component_policy, componentArn=comp, policy=text) == (
        "ResourceNotFoundException", f"The resource ARN '{comp}' does not exist.")
    missing = comp.replace("/1.0.0/1", "/1.0.0/2")
    assert error_of(owner_client.put_component_policy, componentArn=missing, policy=text)[0] == \
        "ResourceNotFoundException"
    managed = "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/1.0.2/1"
    assert error_of(owner_client.put_component_policy, componentArn=managed, policy=text)[0] == \
        "ResourceNotFoundException"
    owner_client.put_component_policy(componentArn=comp, policy=text)
    # Only the owner reads the policy.
    assert error_of(other_client.get_component_policy, componentArn=comp)[0] == "ResourceNotFoundException"


@pytest.mark.parametrize(("document", "detail"), [
    ("not json", "The policy is not valid JSON."),
    ("[]", "The policy must be a JSON object."),
    ('{"Version": "2012-10-17"}', "The policy must contain at least one Statement."),
    ('{"Version": "2001-01-01", "Statement": []}', "The policy Version must be one of [2008-10-17, 2012-10-17]."),
    ('{"Statement": [{"Effect": "Deny", "Principal": {"AWS": "111122223333"}, '
     '"Action": "imagebuilder:GetComponent"}]}',
     "Statement[0]: Effect must be Allow; a policy that shares a resource only allows."),
    ('{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, '
     '"Action": "imagebuilder:DeleteComponent"}]}',
     "Statement[0]: the action 'imagebuilder:DeleteComponent' cannot be shared. Allowed actions: "
     "[imagebuilder:GetComponent, imagebuilder:ListComponents]."),
    ('{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "imagebuilder:GetComponent"}]}',
     "Statement[0]: the Principal '*' would make the resource public, which Image Builder does not allow. "
     "Name AWS accounts, organizations or organizational units."),
    ('{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "imagebuilder:GetComponent"}]}',
     "Statement[0]: the principal 'bob' is not valid. Use a 12-digit AWS account id, "
     "arn:aws:iam::<account-id>:root, arn:aws:organizations::<account-id>:organization/<organization-id> or "
     "arn:aws:organizations::<account-id>:ou/<organization-id>/<ou-id>."),
    ('{"Statement": [{"Effect": "Allow", "Action": "imagebuilder:GetComponent"}]}',
     "Statement[0]: Principal is required."),
])
def test_invalid_policies_are_refused_naming_the_problem(client, document, detail):
    comp = component(client)
    assert error_of(client.put_component_policy, componentArn=comp, policy=document) == (
        "InvalidParameterValueException", f"The value supplied for parameter 'policy' is not valid. {detail}")
    assert error_of(client.get_component_policy, componentArn=comp)[0] == "ResourceNotFoundException"


def test_a_resource_of_another_kind_or_arn_in_the_policy_is_refused(client):
    comp = component(client)
    other = component(client)
    assert error_of(client.put_component_policy, componentArn=comp, policy=policy("component", other,
                                                                                   "111122223333"))[1].endswith(
        f"Statement[0]: the Resource '{other}' is not the resource this policy is applied to ('{comp}').")
    assert "cannot be shared" in error_of(client.put_component_policy, componentArn=comp,
                                          policy=policy("image", comp, "111122223333"))[1]


def test_a_shared_component_resolves_in_another_accounts_recipe_and_build(accounts):
    owner_client, owner, other_client, other = accounts
    name = unique("shared")
    comp = component(owner_client, name=name)
    unshared = component(owner_client)
    # Before the policy, the other account cannot see or use it.
    assert error_of(other_client.get_component, componentBuildVersionArn=comp)[0] == "ResourceNotFoundException"
    code, message = error_of(recipe_using, other_client, comp)
    assert (code, message) == ("InvalidParameterValueException",
                               "The value supplied for parameter 'components[0].componentArn' is not valid. "
                               f"The resource '{comp}' does not exist.")
    owner_client.put_component_policy(componentArn=comp, policy=policy("component", comp, other))

    assert other_client.get_component(componentBuildVersionArn=comp)["component"]["owner"] == owner
    recipe = recipe_using(other_client, comp)
    assert other_client.get_image_recipe(imageRecipeArn=recipe)["imageRecipe"]["components"][0][
        "componentArn"] == comp
    # By wildcard too: the newest shared build of the name.
    wildcard = comp.rsplit("/", 2)[0] + "/x.x.x"
    recipe_using(other_client, wildcard)
    # A component of the owner that is not shared stays invisible.
    assert error_of(recipe_using, other_client, unshared)[0] == "InvalidParameterValueException"
    # The other account's build runs with the shared component.
    image = create_image(other_client, recipe=recipe, tags=FAST)
    assert wait_done(other_client, image)["state"]["status"] == "AVAILABLE"


def test_sharing_reaches_only_the_named_accounts_and_ends_with_a_new_policy(server, accounts):
    owner_client, _, other_client, other = accounts
    third_client = server.client()
    comp = component(owner_client)
    owner_client.put_component_policy(componentArn=comp, policy=policy("component", comp, other))
    assert error_of(third_client.get_component, componentBuildVersionArn=comp)[0] == "ResourceNotFoundException"
    assert error_of(recipe_using, third_client, comp)[0] == "InvalidParameterValueException"
    # arn:aws:iam::<account>:root names the account as well; the new policy replaces the old one.
    owner_client.put_component_policy(componentArn=comp, policy=policy(
        "component", comp, "arn:aws:iam::999999999999:root"))
    assert error_of(other_client.get_component, componentBuildVersionArn=comp)[0] == "ResourceNotFoundException"


def test_a_shared_image_is_a_parent_and_a_shared_recipe_builds_in_another_account(accounts):
    owner_client, owner, other_client, other = accounts
    image = wait_done(owner_client, create_image(owner_client, tags=FAST))["arn"]
    assert error_of(recipe_using, other_client, "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x",
                    parent=image)[0] == "InvalidParameterValueException"
    owner_client.put_image_policy(imageArn=image, policy=policy("image", image, other))
    assert other_client.get_image(imageBuildVersionArn=image)["image"]["arn"] == image
    recipe_using(other_client, "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x", parent=image)

    recipe = image_recipe(owner_client)
    assert error_of(other_client.get_image_recipe, imageRecipeArn=recipe)[0] == "ResourceNotFoundException"
    owner_client.put_image_recipe_policy(imageRecipeArn=recipe, policy=policy("image-recipe", recipe, other))
    assert other_client.get_image_recipe(imageRecipeArn=recipe)["imageRecipe"]["arn"] == recipe
    built = create_image(other_client, recipe=recipe, infra=infrastructure(other_client), tags=FAST)
    assert wait_done(other_client, built)["state"]["status"] == "AVAILABLE"

    container = container_recipe(owner_client)
    owner_client.put_container_recipe_policy(containerRecipeArn=container,
                                             policy=policy("container-recipe", container, other))
    assert other_client.get_container_recipe(containerRecipeArn=container)["containerRecipe"]["arn"] == container


def test_deleting_a_shared_resource_ends_the_share(accounts):
    owner_client, _, other_client, other = accounts
    comp = component(owner_client)
    owner_client.put_component_policy(componentArn=comp, policy=policy("component", comp, other))
    owner_client.delete_component(componentBuildVersionArn=comp)
    assert error_of(other_client.get_component, componentBuildVersionArn=comp)[0] == "ResourceNotFoundException"
    assert error_of(owner_client.get_component_policy, componentArn=comp)[0] == "ResourceNotFoundException"


def test_lists_with_owner_shared_list_what_is_shared_with_the_caller(server, accounts):
    owner_client, owner, other_client, other = accounts
    comp = component(owner_client)
    component(owner_client)  # not shared
    recipe = image_recipe(owner_client)
    container = container_recipe(owner_client)
    image = wait_done(owner_client, create_image(owner_client, tags=FAST))["arn"]
    for lister, key in ((other_client.list_components, "componentVersionList"),
                        (other_client.list_image_recipes, "imageRecipeSummaryList"),
                        (other_client.list_container_recipes, "containerRecipeSummaryList"),
                        (other_client.list_images, "imageVersionList")):
        assert lister(owner="Shared")[key] == []
    owner_client.put_component_policy(componentArn=comp, policy=policy("component", comp, other))
    owner_client.put_image_recipe_policy(imageRecipeArn=recipe, policy=policy("image-recipe", recipe, other))
    owner_client.put_container_recipe_policy(containerRecipeArn=container,
                                             policy=policy("container-recipe", container, other))
    owner_client.put_image_policy(imageArn=image, policy=policy("image", image, other))

    components = other_client.list_components(owner="Shared")["componentVersionList"]
    assert [(c["arn"], c["owner"]) for c in components] == [(comp.rsplit("/", 1)[0], owner)]
    assert [r["arn"] for r in other_client.list_image_recipes(owner="Shared")["imageRecipeSummaryList"]] == [recipe]
    assert [r["arn"] for r in other_client.list_container_recipes(owner="Shared")[
        "containerRecipeSummaryList"]] == [container]
    images = other_client.list_images(owner="Shared")["imageVersionList"]
    assert [(i["arn"], i["owner"]) for i in images] == [(image.rsplit("/", 1)[0], owner)]
    # The caller's own lists, and a third account's shared lists, are unchanged.
    assert other_client.list_components()["componentVersionList"] == []
    assert server.client().list_components(owner="Shared")["componentVersionList"] == []
    # Pages of one entry walk the shared list.
    second = component(owner_client)
    owner_client.put_component_policy(componentArn=second, policy=policy("component", second, other))
    first_page = other_client.list_components(owner="Shared", maxResults=1)
    rest = other_client.list_components(owner="Shared", maxResults=1, nextToken=first_page["nextToken"])
    assert len(first_page["componentVersionList"]) == len(rest["componentVersionList"]) == 1
    assert first_page["componentVersionList"][0]["arn"] != rest["componentVersionList"][0]["arn"]
