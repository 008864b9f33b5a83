"""CreateImagePipeline and the rest of the pipeline family, through boto3 against `oib serve`."""
from __future__ import annotations

import concurrent.futures
import uuid

import pytest
from botocore.exceptions import ClientError

from tests.conftest import unique
from tests.e2e.helpers import (
    BUILD_IMAGE_WORKFLOW,
    MANAGED,
    TEST_IMAGE_WORKFLOW,
    container_recipe,
    create_image,
    distribution,
    error_of,
    image_recipe,
    infrastructure,
    pipeline,
    workflow,
)


def get(client, arn):
    return client.get_image_pipeline(imagePipelineArn=arn)["imagePipeline"]


def test_create_response_and_arn_from_name(client):
    recipe, infra = image_recipe(client), infrastructure(client)
    response = client.create_image_pipeline(name="Ubuntu-2004-with-latest-SSM-Agent-Pipeline",
                                            imageRecipeArn=recipe, infrastructureConfigurationArn=infra)
    assert set(response) - {"ResponseMetadata"} == {"requestId", "clientToken", "imagePipelineArn"}
    assert response["imagePipelineArn"].endswith(":image-pipeline/ubuntu-2004-with-latest-ssm-agent-pipeline")
    assert response["requestId"] == response["ResponseMetadata"]["RequestId"]


def test_get_shows_aws_defaults_and_nothing_unset(client):
    arn = pipeline(client, name="Defaults Pipe")
    got = get(client, arn)
    assert got["name"] == "Defaults Pipe"
    assert got["platform"] == "Linux"
    assert got["status"] == "ENABLED"
    assert got["enhancedImageMetadataEnabled"] is True
    assert got["imageTestsConfiguration"] == {"imageTestsEnabled": True, "timeoutMinutes": 720}
    assert got["dateCreated"] == got["dateUpdated"]
    assert got["tags"] == {}
    for absent in ("schedule", "description", "distributionConfigurationArn", "dateLastRun", "dateNextRun",
                   "imageScanningConfiguration", "workflows", "executionRole", "loggingConfiguration",
                   "containerRecipeArn"):
        assert absent not in got
    listed = client.list_image_pipelines()["imagePipelineList"]
    assert [p["arn"] for p in listed] == [arn]
    assert listed[0]["imageTestsConfiguration"] == got["imageTestsConfiguration"]


def test_schedule_defaults_and_all_members_round_trip(client):
    arn = pipeline(client, description="d", distributionConfigurationArn=distribution(client),
                   schedule={"scheduleExpression": "cron(0 0 * * ? *)"}, tags={"team": "a"},
                   imageTags={"built-by": "oib"}, status="DISABLED", enhancedImageMetadataEnabled=False,
                   imageTestsConfiguration={"timeoutMinutes": 60},
                   loggingConfiguration={"imageLogGroupName": "/x/img", "pipelineLogGroupName": "/x/pipe"})
    got = get(client, arn)
    assert got["schedule"] == {"scheduleExpression": "cron(0 0 * * ? *)", "timezone": "UTC",
                               "pipelineExecutionStartCondition": "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"}
    assert got["imageTestsConfiguration"] == {"imageTestsEnabled": True, "timeoutMinutes": 60}
    assert (got["status"], got["enhancedImageMetadataEnabled"], got["description"]) == ("DISABLED", False, "d")
    assert got["tags"] == {"team": "a"} and got["imageTags"] == {"built-by": "oib"}
    assert got["loggingConfiguration"]["pipelineLogGroupName"] == "/x/pipe"


def test_exactly_one_recipe(client):
    infra = infrastructure(client)
    code, _ = error_of(client.create_image_pipeline, name=unique(), infrastructureConfigurationArn=infra)
    assert code == "InvalidRequestException"
    code, _ = error_of(client.create_image_pipeline, name=unique(), infrastructureConfigurationArn=infra,
                       imageRecipeArn=image_recipe(client), containerRecipeArn=container_recipe(client))
    assert code == "InvalidRequestException"


def test_container_pipeline_platform_from_recipe(client):
    arn = client.create_image_pipeline(name=unique(), containerRecipeArn=container_recipe(client),
                                       infrastructureConfigurationArn=infrastructure(client))["imagePipelineArn"]
    assert get(client, arn)["platform"] == "Linux"


def test_references_must_exist_in_this_account(server, client):
    recipe, infra = image_recipe(client), infrastructure(client)
    missing = infra.rsplit("/", 1)[0] + "/missing"
    code, message = error_of(client.create_image_pipeline, name=unique(), imageRecipeArn=recipe,
                             infrastructureConfigurationArn=missing)
    assert code == "InvalidParameterValueException" and "infrastructureConfigurationArn" in message
    other = server.client()
    code, _ = error_of(other.create_image_pipeline, name=unique(), imageRecipeArn=recipe,
                       infrastructureConfigurationArn=infrastructure(other))
    assert code == "InvalidParameterValueException"


def test_names_collide_after_normalization(client):
    pipeline(client, name="My Pipeline")
    code, message = error_of(pipeline, client, name="my_pipeline")
    assert code == "ResourceAlreadyExistsException"
    assert message.startswith("The following resource 'ImagePipeline' already exists: 'arn:aws:imagebuilder:")


def test_workflows_need_execution_role_and_managed_latest(client):
    code, message = error_of(pipeline, client, workflows=[{"workflowArn": BUILD_IMAGE_WORKFLOW}])
    assert (code, message) == ("InvalidParameterValueException",
                               "The value supplied for parameter 'executionRole' is not valid. "
                               "An execution role is required to provide workflows.")
    pinned = f"{MANAGED}:workflow/build/build-image/1.0.2/1"
    code, message = error_of(pipeline, client, executionRole="role", workflows=[{"workflowArn": pinned}])
    assert message == ("The value supplied for parameter 'workflows' is not valid. AWS managed workflows must "
                       f"have latest version 'x.x.x' for '{pinned}'")
    arn = pipeline(client, executionRole="role", workflows=[
        {"workflowArn": BUILD_IMAGE_WORKFLOW}, {"workflowArn": TEST_IMAGE_WORKFLOW, "parallelGroup": "g1",
                                                "onFailure": "CONTINUE"}])
    assert [w["workflowArn"] for w in get(client, arn)["workflows"]] == [BUILD_IMAGE_WORKFLOW, TEST_IMAGE_WORKFLOW]


def test_undeclared_workflow_parameter_rejected(client):
    code, message = error_of(pipeline, client, executionRole="role", workflows=[
        {"workflowArn": BUILD_IMAGE_WORKFLOW, "parameters": [{"name": "nope", "value": ["1"]}]}])
    assert code == "InvalidParameterValueException"
    assert "workflows[0].parameters[0].name" in message and "'nope'" in message


TYPED_PARAMETERS_TEST = """\
schemaVersion: 1.0
parameters:
  - name: region
    type: string
  - name: retries
    type: integer
  - name: verbose
    type: boolean
steps:
  - name: AwaitTesters
    action: WaitForAction
"""


def invalid(parameter: str, reason: str) -> tuple[str, str]:
    return ("InvalidParameterValueException", f"The value supplied for parameter '{parameter}' is not valid. {reason}")


@pytest.mark.parametrize("entries,expected", [
    pytest.param(lambda own: [{"workflowArn": own, "parameters": [{"name": "region", "value": ["a"]},
                                                                 {"name": "region", "value": ["b"]}]}],
                 invalid("workflows[0].parameters[1].name", "The parameter 'region' is given more than once."),
                 id="parameter-twice"),
    pytest.param(lambda own: [{"workflowArn": own, "parameters": [{"name": "region", "value": ["a", "b"]}]}],
                 invalid("workflows[0].parameters[0].value", "The parameter 'region' of type string takes one value."),
                 id="string-with-two-values"),
    pytest.param(lambda own: [{"workflowArn": own, "parameters": [{"name": "retries", "value": ["three"]}]}],
                 invalid("workflows[0].parameters[0].value", "The parameter 'retries' must be an integer."),
                 id="integer-not-a-number"),
    pytest.param(lambda own: [{"workflowArn": own, "parameters": [{"name": "verbose", "value": ["yes"]}]}],
                 invalid("workflows[0].parameters[0].value", "The parameter 'verbose' must be true or false."),
                 id="boolean-not-true-or-false"),
    pytest.param(lambda own: [{"workflowArn": BUILD_IMAGE_WORKFLOW, "parallelGroup": "g"}],
                 invalid("workflows[0]", "parallelGroup and onFailure apply to test workflows only."),
                 id="parallel-group-on-build"),
    pytest.param(lambda own: [{"workflowArn": BUILD_IMAGE_WORKFLOW, "onFailure": "CONTINUE"}],
                 invalid("workflows[0]", "parallelGroup and onFailure apply to test workflows only."),
                 id="on-failure-on-build"),
    pytest.param(lambda own: [{"workflowArn": BUILD_IMAGE_WORKFLOW}, {"workflowArn": BUILD_IMAGE_WORKFLOW}],
                 invalid("workflows", "At most one build workflow can run in an image build."),
                 id="two-build-workflows"),
    pytest.param(lambda own: [{"workflowArn": own}] * 11,
                 invalid("workflows", "At most 10 test workflows can run in an image build."),
                 id="eleven-test-workflows"),
])
def test_bad_workflow_entries_are_refused_by_create_image_pipeline_and_create_image(client, entries, expected):
    # Both operations share the workflow-list checks; each case must fail in both, with AWS's shape.
    own = workflow(client, "TEST", TYPED_PARAMETERS_TEST)
    assert error_of(pipeline, client, executionRole="role", workflows=entries(own)) == expected
    assert error_of(create_image, client, executionRole="role", workflows=entries(own)) == expected


def test_ten_test_workflows_and_well_typed_parameters_are_accepted(client):
    # The boundary of the checks above: exactly 10 test workflows, each parameter of its type.
    own = workflow(client, "TEST", TYPED_PARAMETERS_TEST)
    given = {"workflowArn": own, "parameters": [{"name": "region", "value": ["eu-west-1"]},
                                                {"name": "retries", "value": ["3"]},
                                                {"name": "verbose", "value": ["TRUE"]}]}
    arn = pipeline(client, executionRole="role", workflows=[{"workflowArn": BUILD_IMAGE_WORKFLOW}, *[given] * 10])
    assert len(get(client, arn)["workflows"]) == 11


def test_a_workflow_that_does_not_exist_is_refused(client):
    own = workflow(client, "TEST", TYPED_PARAMETERS_TEST)
    missing = own.replace("/1.0.0/1", "/9.9.9/1")
    # Like every other reference in a request: an invalid parameter naming the entry, not a 404.
    assert error_of(pipeline, client, executionRole="role", workflows=[{"workflowArn": missing}]) == invalid(
        "workflows[0].workflowArn", f"The resource '{missing}' does not exist.")


def test_idempotent_retry_and_mismatch(client):
    recipe, infra, token = image_recipe(client), infrastructure(client), str(uuid.uuid4())
    params = dict(name=unique(), imageRecipeArn=recipe, infrastructureConfigurationArn=infra, clientToken=token)
    first = client.create_image_pipeline(**params)
    again = client.create_image_pipeline(**params)
    assert again["imagePipelineArn"] == first["imagePipelineArn"] and again["clientToken"] == token
    assert len(client.list_image_pipelines()["imagePipelineList"]) == 1
    code, _ = error_of(client.create_image_pipeline, **dict(params, description="changed"))
    assert code == "IdempotentParameterMismatchException"


def test_concurrent_duplicates_make_exactly_one(server):
    client = server.client()
    recipe, infra, token = image_recipe(client), infrastructure(client), str(uuid.uuid4())
    params = dict(name=unique(), imageRecipeArn=recipe, infrastructureConfigurationArn=infra, clientToken=token)
    account = client._request_signer._credentials.access_key

    def create(_):
        return server.client(account_id=account).create_image_pipeline(**params)["imagePipelineArn"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        arns = list(pool.map(create, range(8)))
    assert len(set(arns)) == 1
    assert len(client.list_image_pipelines()["imagePipelineList"]) == 1

    def create_new_token(_):
        try:
            server.client(account_id=account).create_image_pipeline(**dict(params, name="racer", clientToken=str(uuid.uuid4())))
            return "created"
        except ClientError as error:
            return error.response["Error"]["Code"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        outcomes = sorted(pool.map(create_new_token, range(8)))
    assert outcomes == ["ResourceAlreadyExistsException"] * 7 + ["created"]


def test_dry_run_writes_nothing(client):
    recipe, infra = image_recipe(client), infrastructure(client)
    name = unique()
    with pytest.raises(ClientError) as info:
        client.create_image_pipeline(name=name, imageRecipeArn=recipe, infrastructureConfigurationArn=infra, dryRun=True)
    assert info.value.response["Error"]["Code"] == "DryRunOperationException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert client.list_image_pipelines()["imagePipelineList"] == []
    code, _ = error_of(client.create_image_pipeline, name=name, imageRecipeArn=recipe,
                       infrastructureConfigurationArn=infra.rsplit("/", 1)[0] + "/nope", dryRun=True)
    assert code == "InvalidParameterValueException"


def test_update_replaces_whole_configuration(client):
    arn = pipeline(client, description="d", status="DISABLED", schedule={"scheduleExpression": "rate(1 day)"},
                   tags={"k": "v"})
    before = get(client, arn)
    new_recipe = image_recipe(client)
    client.update_image_pipeline(imagePipelineArn=arn, imageRecipeArn=new_recipe,
                                 infrastructureConfigurationArn=before["infrastructureConfigurationArn"])
    after = get(client, arn)
    assert after["imageRecipeArn"] == new_recipe
    assert after["status"] == "ENABLED"
    assert "schedule" not in after and "description" not in after
    assert after["tags"] == {"k": "v"} and after["dateCreated"] == before["dateCreated"]
    assert after["dateUpdated"] >= before["dateUpdated"]
    code, _ = error_of(client.update_image_pipeline, imagePipelineArn=arn, containerRecipeArn=container_recipe(client),
                       infrastructureConfigurationArn=before["infrastructureConfigurationArn"])
    assert code == "InvalidRequestException"


def test_dependencies_block_deletes_until_pipeline_is_gone(client):
    recipe, infra, dist = image_recipe(client), infrastructure(client), distribution(client)
    arn = pipeline(client, imageRecipeArn=recipe, infrastructureConfigurationArn=infra,
                   distributionConfigurationArn=dist)
    for call, kwargs in ((client.delete_image_recipe, {"imageRecipeArn": recipe}),
                         (client.delete_infrastructure_configuration, {"infrastructureConfigurationArn": infra}),
                         (client.delete_distribution_configuration, {"distributionConfigurationArn": dist})):
        code, message = error_of(call, **kwargs)
        assert code == "ResourceDependencyException"
        assert message.startswith("Resource dependency error: The resource ARN '")
    client.delete_image_pipeline(imagePipelineArn=arn)
    client.delete_image_recipe(imageRecipeArn=recipe)
    client.delete_infrastructure_configuration(infrastructureConfigurationArn=infra)
    client.delete_distribution_configuration(distributionConfigurationArn=dist)


def test_missing_pipeline_is_404(client):
    arn = "arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/none"
    for call in (client.get_image_pipeline, client.delete_image_pipeline):
        with pytest.raises(ClientError) as info:
            call(imagePipelineArn=arn)
        assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_list_filters_and_pagination(client):
    recipe, infra = image_recipe(client), infrastructure(client)
    names = sorted(unique("p") for _ in range(5))
    for index, name in enumerate(names):
        pipeline(client, name=name, imageRecipeArn=recipe, infrastructureConfigurationArn=infra,
                 status="DISABLED" if index % 2 else "ENABLED")
    pages = list(client.get_paginator("list_image_pipelines").paginate(PaginationConfig={"PageSize": 2}))
    assert [p["name"] for page in pages for p in page["imagePipelineList"]] == names
    disabled = client.list_image_pipelines(filters=[{"name": "status", "values": ["DISABLED"]}])["imagePipelineList"]
    assert [p["name"] for p in disabled] == names[1::2]
    code, _ = error_of(client.list_image_pipelines, maxResults=101)
    assert code == "InvalidParameterValueException"
    code, _ = error_of(client.list_image_pipelines, nextToken=pages[0]["nextToken"] + "x")
    assert code == "InvalidPaginationTokenException"


def test_tags_on_pipeline(client):
    arn = pipeline(client, tags={"a": "1"})
    client.tag_resource(resourceArn=arn, tags={"b": "2"})
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == {"a": "1", "b": "2"}
    client.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == {"b": "2"}
    assert get(client, arn)["tags"] == {"b": "2"}
    code, _ = error_of(client.list_tags_for_resource, resourceArn=arn + "x")
    assert code == "ResourceNotFoundException"
