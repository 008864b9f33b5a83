"""Image recipes and container recipes through boto3 against a real `oib serve`."""
import re

import pytest
from botocore.exceptions import ClientError

from tests.conftest import unique
from tests.e2e.helpers import error_of

REGION = "us-east-1"
MANAGED = f"arn:aws:imagebuilder:{REGION}:aws"
AL2_IMAGE = f"{MANAGED}:image/amazon-linux-2-x86/x.x.x"
UBUNTU_22_IMAGE = f"{MANAGED}:image/ubuntu-server-22-lts-x86/x.x.x"
WINDOWS_IMAGE = f"{MANAGED}:image/windows-server-2022-english-full-base-x86/x.x.x"
UPDATE_LINUX = f"{MANAGED}:component/update-linux/x.x.x"
UPDATE_WINDOWS = f"{MANAGED}:component/update-windows/x.x.x"
REBOOT_TEST_LINUX = f"{MANAGED}:component/reboot-test-linux/1.0.0/1"
CLOUDWATCH_AGENT = f"{MANAGED}:component/amazon-cloudwatch-agent-linux/x.x.x"  # not for Ubuntu
WINDOWS_CONTAINER = "mcr.microsoft.com/windows/servercore:ltsc2022"
DOCKERFILE = ("FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:environments }}}\n"
              "{{{ imagebuilder:components }}}\n")
HELLO = ("name: hello\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: HelloWorld\n"
         "        action: ExecuteBash\n        inputs:\n          commands:\n            - echo hello\n")
WITH_PARAMETERS = ("name: greet\nschemaVersion: 1.0\nparameters:\n  - Greeting:\n      type: string\n"
                   "  - Target:\n      type: string\n      default: world\nphases:\n  - name: build\n    steps:\n"
                   "      - name: Greet\n        action: ExecuteBash\n        inputs:\n          commands:\n"
                   "            - echo '{{ Greeting }} {{ Target }}'\n")


def given(params):
    """The parameters that are set: an override of None leaves a member out."""
    return {key: value for key, value in params.items() if value is not None}


def image_recipe(client, **overrides):
    params = {"name": unique("recipe"), "semanticVersion": "1.0.0", "parentImage": AL2_IMAGE,
              "components": [{"componentArn": UPDATE_LINUX}], **overrides}
    return client.create_image_recipe(**given(params))["imageRecipeArn"]


def container_recipe(client, **overrides):
    params = {"name": unique("container"), "semanticVersion": "1.0.0", "containerType": "DOCKER",
              "parentImage": "amazonlinux:latest", "dockerfileTemplateData": DOCKERFILE,
              "targetRepository": {"service": "ECR", "repositoryName": "team-a/app"},
              "components": [{"componentArn": UPDATE_LINUX}], **overrides}
    return client.create_container_recipe(**given(params))["containerRecipeArn"]




def own_component(client, data=HELLO, platform="Linux"):
    """A component of the caller's own."""
    return client.create_component(name=unique("component"), semanticVersion="1.0.0", platform=platform,
                                   data=data)["componentBuildVersionArn"]


# -- image recipes -------------------------------------------------------------------------------
def test_create_and_get_image_recipe_fields_and_defaults(client):
    components = [{"componentArn": UPDATE_LINUX}, {"componentArn": REBOOT_TEST_LINUX}]
    created = client.create_image_recipe(name="My Recipe_1", semanticVersion="1.0.0", parentImage=AL2_IMAGE,
                                         components=components, clientToken="token-1")
    arn = created["imageRecipeArn"]
    assert re.fullmatch(rf"arn:aws:imagebuilder:{REGION}:\d{{12}}:image-recipe/my-recipe-1/1\.0\.0", arn)
    assert created["clientToken"] == "token-1"
    assert created["latestVersionReferences"]["latestPatchVersionArn"].startswith(arn.rsplit("/", 1)[0])
    response = client.get_image_recipe(imageRecipeArn=arn)
    recipe = response["imageRecipe"]
    assert recipe["arn"] == arn
    assert recipe["name"] == "My Recipe_1"
    assert recipe["version"] == "1.0.0"
    assert recipe["platform"] == "Linux"
    assert recipe["owner"] == arn.split(":")[4]
    assert recipe["parentImage"] == AL2_IMAGE  # stored as given, wildcard and all
    assert recipe["components"] == components
    assert recipe["tags"] == {}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", recipe["dateCreated"])
    for absent in ("description", "workingDirectory", "blockDeviceMappings", "type", "amiTags"):
        assert absent not in recipe
    assert set(response["latestVersionReferences"]) == {
        "latestVersionArn", "latestMajorVersionArn", "latestMinorVersionArn", "latestPatchVersionArn"}


def test_optional_members_are_returned_as_given(client):
    options = {
        "description": "a recipe", "workingDirectory": "/opt/build", "tags": {"team": "a"},
        "amiTags": {"purpose": "test"}, "amiWatermarks": ["lineage-a"],
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 30, "volumeType": "gp3"}}],
        "additionalInstanceConfiguration": {"systemsManagerAgent": {"uninstallAfterBuild": True},
                                            "userDataOverride": "IyEvYmluL2Jhc2gK"},
    }
    arn = image_recipe(client, **options)
    recipe = client.get_image_recipe(imageRecipeArn=arn)["imageRecipe"]
    for member, value in options.items():
        assert recipe[member] == value


def test_recipe_without_components(client):
    arn = image_recipe(client, components=None)
    assert "components" not in client.get_image_recipe(imageRecipeArn=arn)["imageRecipe"]


def test_names_equal_after_normalization_collide_per_version(client):
    first = image_recipe(client, name="Same Name")
    code, message = error_of(image_recipe, client=client, name="same_name")
    assert code == "ResourceAlreadyExistsException"
    assert message == f"The following resource 'ImageRecipe' already exists: '{first}'."
    second = image_recipe(client, name="same_name", semanticVersion="1.0.1")
    assert second == first.replace("/1.0.0", "/1.0.1")


def test_semantic_version_must_be_exact(client):
    code, message = error_of(image_recipe, client=client, semanticVersion="1.0.x")
    assert code == "InvalidParameterValueException"
    assert message == ("The value supplied for parameter 'semanticVersion' is not valid. "
                       r"semanticVersion must match pattern ^[0-9]+\.[0-9]+\.[0-9]+$")
    code, _ = error_of(image_recipe, client=client, semanticVersion="1073741824.0.0")
    assert code == "InvalidVersionNumberException"


def test_references_must_resolve(client):
    missing = f"{MANAGED}:component/no-such-component/x.x.x"
    code, message = error_of(image_recipe, client=client, components=[{"componentArn": missing}])
    assert code == "InvalidParameterValueException"
    assert "'components[0].componentArn'" in message and missing in message
    code, message = error_of(image_recipe, client=client, parentImage=f"{MANAGED}:image/no-such-image/x.x.x")
    assert code == "InvalidParameterValueException" and "'parentImage'" in message
    code, message = error_of(image_recipe, client=client, parentImage=UPDATE_LINUX)
    assert code == "InvalidParameterValueException" and "not an Image Builder image ARN" in message
    code, message = error_of(image_recipe, client=client, parentImage="not-an-image")
    assert code == "InvalidParameterValueException" and "'parentImage'" in message
    elsewhere = UPDATE_LINUX.replace(REGION, "eu-west-1")
    code, _ = error_of(image_recipe, client=client, components=[{"componentArn": elsewhere}])
    assert code == "InvalidParameterValueException"


def test_undeclared_component_parameter_is_rejected(client):
    code, message = error_of(image_recipe, client=client, components=[
        {"componentArn": UPDATE_LINUX}, {"componentArn": REBOOT_TEST_LINUX,
                                         "parameters": [{"name": "S3BucketName", "value": ["b"]}]}])
    assert code == "InvalidParameterCombinationException"  # as seen on AWS
    assert message == ("The value supplied for parameter 'components[1].parameters' is not valid. "
                       "The following parameters are not defined in the provided component: S3BucketName")


def test_own_component_parameters(client):
    component = own_component(client, data=WITH_PARAMETERS)
    code, message = error_of(image_recipe, client=client, components=[{"componentArn": component}])
    assert code == "InvalidParameterCombinationException" and "Greeting" in message
    code, message = error_of(image_recipe, client=client, components=[
        {"componentArn": component, "parameters": [{"name": "Greeting", "value": ["a", "b"]}]}])
    assert code == "InvalidParameterValueException" and "components[0].parameters[0].value" in message
    given = [{"componentArn": component, "parameters": [{"name": "Greeting", "value": ["hi"]}]}]
    arn = image_recipe(client, components=given)
    assert client.get_image_recipe(imageRecipeArn=arn)["imageRecipe"]["components"] == given


def test_each_component_only_once(client):
    code, message = error_of(image_recipe, client=client, components=[
        {"componentArn": UPDATE_LINUX}, {"componentArn": UPDATE_LINUX.replace("x.x.x", "1.0.2/1")}])
    assert code == "InvalidParameterValueException" and "'components[1].componentArn'" in message


@pytest.mark.parametrize("make_recipe", [image_recipe, container_recipe])
def test_at_most_twenty_components_then_service_quota_exceeded(client, make_recipe):
    # AWS's quota of build and test components per recipe is 20 (the model sets no maximum); a
    # 21st is a ServiceQuotaExceededException (HTTP 402), checked before any reference resolves.
    components = [{"componentArn": own_component(client)} for _ in range(21)]
    assert make_recipe(client, components=components[:20])
    with pytest.raises(ClientError) as info:
        make_recipe(client, components=components)
    error = info.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 402
    assert (error["Error"]["Code"], error["Error"]["Message"]) == (
        "ServiceQuotaExceededException",
        "A recipe can contain at most 20 build and test components; 21 were given.")


def test_components_must_suit_the_parent_platform_and_os(client):
    code, message = error_of(image_recipe, client=client, components=[{"componentArn": UPDATE_WINDOWS}])
    assert code == "InvalidParameterValueException"
    assert "'components'" in message and UPDATE_WINDOWS in message
    code, message = error_of(image_recipe, client=client, parentImage=UBUNTU_22_IMAGE,
                             components=[{"componentArn": CLOUDWATCH_AGENT}])
    assert code == "InvalidParameterValueException" and "Ubuntu 22" in message
    windows = image_recipe(client, parentImage=WINDOWS_IMAGE, components=[{"componentArn": UPDATE_WINDOWS}])
    assert client.get_image_recipe(imageRecipeArn=windows)["imageRecipe"]["platform"] == "Windows"


def test_ami_and_ssm_parents_are_stored_as_given(client):
    arn = image_recipe(client, parentImage="ami-0123456789abcdef0")
    recipe = client.get_image_recipe(imageRecipeArn=arn)["imageRecipe"]
    assert recipe["parentImage"] == "ami-0123456789abcdef0"
    assert recipe["platform"] == "Linux"
    # A parent that cannot tell its platform takes its components' platform.
    arn = image_recipe(client, parentImage="ssm:/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base",
                       components=[{"componentArn": UPDATE_WINDOWS}])
    assert client.get_image_recipe(imageRecipeArn=arn)["imageRecipe"]["platform"] == "Windows"
    code, _ = error_of(image_recipe, client=client, parentImage="ami-0123456789abcdef0",
                       components=[{"componentArn": UPDATE_WINDOWS}, {"componentArn": UPDATE_LINUX}])
    assert code == "InvalidParameterValueException"


def test_windows_recipe_refuses_systems_manager_agent_settings(client):
    code, message = error_of(image_recipe, client=client, parentImage=WINDOWS_IMAGE,
                             components=[{"componentArn": UPDATE_WINDOWS}],
                             additionalInstanceConfiguration={"systemsManagerAgent": {"uninstallAfterBuild": True}})
    assert code == "InvalidParameterValueException"
    assert "additionalInstanceConfiguration.systemsManagerAgent" in message
    code, _ = error_of(image_recipe, client=client, amiWatermarks=["same-name", "same-name"])
    assert code == "InvalidParameterValueException"


def test_get_by_wildcard_version_and_latest_references(client):
    name = unique("versions")
    arns = {version: image_recipe(client, name=name, semanticVersion=version)
            for version in ("1.0.0", "1.2.0", "1.2.3", "2.0.0")}
    base = arns["1.0.0"].rsplit("/", 1)[0]
    assert client.get_image_recipe(imageRecipeArn=f"{base}/x.x.x")["imageRecipe"]["arn"] == arns["2.0.0"]
    assert client.get_image_recipe(imageRecipeArn=f"{base}/1.x.x")["imageRecipe"]["arn"] == arns["1.2.3"]
    references = client.get_image_recipe(imageRecipeArn=arns["1.0.0"])["latestVersionReferences"]
    assert references["latestVersionArn"].startswith(base)
    code, _ = error_of(client.get_image_recipe, imageRecipeArn=f"{base}/x.1.x")
    assert code == "InvalidParameterValueException"
    code, _ = error_of(client.get_image_recipe, imageRecipeArn=f"{base}/3.x.x")
    assert code == "ResourceNotFoundException"


def test_list_filters_owner_and_pagination(client):
    prefix = unique("list")
    names = sorted(f"{prefix}-{index}" for index in range(5))
    for name in names[:4]:
        image_recipe(client, name=name)
    image_recipe(client, name=names[4], parentImage=WINDOWS_IMAGE, components=[{"componentArn": UPDATE_WINDOWS}])
    pages = list(client.get_paginator("list_image_recipes").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(page["imageRecipeSummaryList"]) for page in pages] == [2, 2, 1]
    summaries = [summary for page in pages for summary in page["imageRecipeSummaryList"]]
    assert [summary["name"] for summary in summaries] == names
    assert set(summaries[0]) == {"arn", "name", "platform", "owner", "parentImage", "dateCreated", "tags"}

    def listed(**params):
        return [s["name"] for s in client.list_image_recipes(**params)["imageRecipeSummaryList"]]

    assert listed(filters=[{"name": "platform", "values": ["Windows"]}]) == [names[4]]
    assert listed(filters=[{"name": "parentImage", "values": [AL2_IMAGE]}]) == names[:4]
    assert listed(filters=[{"name": "name", "values": [names[1], names[2]]}]) == names[1:3]
    assert listed(filters=[{"name": "name", "values": [f"{prefix}*"]},
                           {"name": "platform", "values": ["Linux"]}]) == names[:4]
    assert listed(filters=[{"name": "name", "values": [f"*{names[3][-6:]}*"]}]) == [names[3]]
    assert listed(owner="Amazon") == []
    assert listed(owner="Shared") == []
    code, message = error_of(client.list_image_recipes, filters=[{"name": "version", "values": ["1.0.0"]}])
    assert code == "InvalidParameterValueException" and "filters[0].name" in message


def test_delete_image_recipe(client):
    arn = image_recipe(client)
    assert client.delete_image_recipe(imageRecipeArn=arn)["imageRecipeArn"] == arn
    code, _ = error_of(client.get_image_recipe, imageRecipeArn=arn)
    assert code == "ResourceNotFoundException"
    code, _ = error_of(client.delete_image_recipe, imageRecipeArn=arn)
    assert code == "ResourceNotFoundException"
    assert client.list_image_recipes()["imageRecipeSummaryList"] == []


def test_referenced_component_cannot_be_deleted_until_the_recipe_is(client):
    component = own_component(client)
    version_arn = component.rsplit("/", 1)[0]
    recipe = image_recipe(client, components=[{"componentArn": version_arn}])
    code, _ = error_of(client.delete_component, componentBuildVersionArn=component)
    assert code == "ResourceDependencyException"
    client.delete_image_recipe(imageRecipeArn=recipe)
    client.delete_component(componentBuildVersionArn=component)


def test_recipe_in_use_by_a_pipeline_cannot_be_deleted(client):
    recipe = image_recipe(client)
    infrastructure = client.create_infrastructure_configuration(
        name=unique("infra"), instanceProfileName="profile")["infrastructureConfigurationArn"]
    pipeline = client.create_image_pipeline(name=unique("pipeline"), imageRecipeArn=recipe,
                                            infrastructureConfigurationArn=infrastructure)["imagePipelineArn"]
    code, message = error_of(client.delete_image_recipe, imageRecipeArn=recipe)
    assert code == "ResourceDependencyException" and recipe in message
    client.delete_image_pipeline(imagePipelineArn=pipeline)
    client.delete_image_recipe(imageRecipeArn=recipe)


def test_create_is_idempotent_by_client_token(client):
    name = unique("idem")
    first = client.create_image_recipe(name=name, semanticVersion="1.0.0", parentImage=AL2_IMAGE, clientToken="t-1")
    again = client.create_image_recipe(name=name, semanticVersion="1.0.0", parentImage=AL2_IMAGE, clientToken="t-1")
    assert again["imageRecipeArn"] == first["imageRecipeArn"]
    assert len(client.list_image_recipes()["imageRecipeSummaryList"]) == 1
    code, _ = error_of(client.create_image_recipe, name=name, semanticVersion="2.0.0", parentImage=AL2_IMAGE,
                       clientToken="t-1")
    assert code == "IdempotentParameterMismatchException"


def test_dry_run_validates_without_creating(client):
    code, _ = error_of(image_recipe, client=client, dryRun=True)
    assert code == "DryRunOperationException"
    assert client.list_image_recipes()["imageRecipeSummaryList"] == []
    code, _ = error_of(image_recipe, client=client, dryRun=True, semanticVersion="x.x.x")
    assert code == "InvalidParameterValueException"


# -- container recipes ---------------------------------------------------------------------------
def test_create_and_get_container_recipe(client):
    arn = container_recipe(client, name="My Container", instanceConfiguration={"image": "ami-0123456789abcdef0"},
                           tags={"team": "a"}, workingDirectory="/build")
    assert re.fullmatch(rf"arn:aws:imagebuilder:{REGION}:\d{{12}}:container-recipe/my-container/1\.0\.0", arn)
    response = client.get_container_recipe(containerRecipeArn=arn)
    recipe = response["containerRecipe"]
    assert recipe["arn"] == arn and recipe["name"] == "My Container" and recipe["version"] == "1.0.0"
    assert recipe["containerType"] == "DOCKER"
    assert recipe["platform"] == "Linux"
    assert recipe["parentImage"] == "amazonlinux:latest"
    assert recipe["dockerfileTemplateData"] == DOCKERFILE
    assert recipe["targetRepository"] == {"service": "ECR", "repositoryName": "team-a/app"}
    assert recipe["instanceConfiguration"] == {"image": "ami-0123456789abcdef0"}
    assert recipe["encrypted"] is True
    assert recipe["owner"] == arn.split(":")[4]
    assert recipe["tags"] == {"team": "a"} and recipe["workingDirectory"] == "/build"
    assert recipe["components"] == [{"componentArn": UPDATE_LINUX}]
    assert "latestVersionReferences" in response
    summary = client.list_container_recipes()["containerRecipeSummaryList"][0]
    assert summary["arn"] == arn and summary["instanceImage"] == "ami-0123456789abcdef0"
    assert summary["containerType"] == "DOCKER" and summary["platform"] == "Linux"


def test_container_recipe_windows_registry_parent(client):
    arn = container_recipe(client, parentImage=WINDOWS_CONTAINER,
                           platformOverride="Windows", imageOsVersionOverride="Microsoft Windows Server 2022",
                           components=[{"componentArn": UPDATE_WINDOWS}])
    assert client.get_container_recipe(containerRecipeArn=arn)["containerRecipe"]["platform"] == "Windows"
    code, message = error_of(container_recipe, client=client, parentImage=WINDOWS_CONTAINER,
                             platformOverride="Windows", components=[{"componentArn": UPDATE_WINDOWS}])
    assert code == "InvalidParameterCombinationException" and "OsVersion override" in message


def test_container_recipe_validation(client):
    code, _ = error_of(container_recipe, client=client, dockerfileTemplateData=None)
    assert code == "InvalidRequestException"
    code, _ = error_of(container_recipe, client=client, dockerfileTemplateUri="s3://bucket/Dockerfile")
    assert code == "InvalidRequestException"
    code, message = error_of(container_recipe, client=client, dockerfileTemplateData=None,
                             dockerfileTemplateUri="s3://bucket/Dockerfile")
    assert code == "InvalidParameterValueException" and "'dockerfileTemplateUri'" in message
    code, message = error_of(container_recipe, client=client, targetRepository={
        "service": "ECR", "repositoryName": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app"})
    assert code == "InvalidParameterValueException" and "targetRepository.repositoryName" in message
    code, message = error_of(container_recipe, client=client, parentImage="public.ecr.aws/amazonlinux/amazonlinux:2023")
    assert code == "InvalidParameterCombinationException" and "platform override" in message
    code, _ = error_of(container_recipe, client=client, platformOverride="macOS")
    assert code == "InvalidParameterValueException"
    # An AMI image from Image Builder is no base for a container.
    code, message = error_of(container_recipe, client=client, parentImage=AL2_IMAGE)
    assert code == "InvalidParameterValueException" and "container image" in message
    code, _ = error_of(container_recipe, client=client, semanticVersion="1.x.x")
    assert code == "InvalidParameterValueException"
    code, _ = error_of(container_recipe, client=client, components=[{"componentArn": UPDATE_WINDOWS}])
    assert code == "InvalidParameterValueException"
    assert client.list_container_recipes()["containerRecipeSummaryList"] == []


def test_container_recipe_versions_list_and_delete(client):
    name = unique("container")
    first = container_recipe(client, name=name)
    code, message = error_of(container_recipe, client=client, name=name.upper())
    assert code == "ResourceAlreadyExistsException"
    assert message == f"The following resource 'ContainerRecipe' already exists: '{first}'."
    second = container_recipe(client, name=name, semanticVersion="1.1.0")
    other = container_recipe(client, parentImage="ubuntu:22.04")
    base = first.rsplit("/", 1)[0]
    assert client.get_container_recipe(containerRecipeArn=f"{base}/x.x.x")["containerRecipe"]["arn"] == second

    def listed(**params):
        return [s["arn"] for s in client.list_container_recipes(**params)["containerRecipeSummaryList"]]

    assert sorted(listed()) == sorted([first, second, other])
    assert listed(filters=[{"name": "parentImage", "values": ["ubuntu:22.04"]}]) == [other]
    assert sorted(listed(filters=[{"name": "containerType", "values": ["DOCKER"]},
                                  {"name": "name", "values": [name]}])) == sorted([first, second])
    pages = list(client.get_paginator("list_container_recipes").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(page["containerRecipeSummaryList"]) for page in pages] == [2, 1]
    assert listed(owner="Amazon") == []
    code, _ = error_of(client.list_container_recipes, owner="ThirdParty")
    assert code == "InvalidParameterValueException"
    assert client.delete_container_recipe(containerRecipeArn=first)["containerRecipeArn"] == first
    code, _ = error_of(client.get_container_recipe, containerRecipeArn=first)
    assert code == "ResourceNotFoundException"
    code, _ = error_of(client.delete_container_recipe, containerRecipeArn=first)
    assert code == "ResourceNotFoundException"


def test_container_recipe_idempotency_and_dry_run(client):
    params = {"name": unique("container"), "clientToken": "c-1"}
    assert container_recipe(client, **params) == container_recipe(client, **params)
    code, _ = error_of(container_recipe, client=client, dryRun=True)
    assert code == "DryRunOperationException"
    assert len(client.list_container_recipes()["containerRecipeSummaryList"]) == 1
