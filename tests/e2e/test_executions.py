"""Image builds end to end through boto3 against a real `oib serve`: CreateImage and pipeline runs,
the image lifecycle, workflow and step executions, failure injection, WaitForAction, cancel, and
builds surviving a kill -9 of the server.

Builds use the simulated backend. The tag `oib:step-seconds` sets how long each workflow step
takes (kept small, except where a test needs to watch a build in flight); `oib:fail-step`, a
component step with `oib:fail` in its inputs, and the server's OIB_FAIL_STEPS inject failures.
"""
from __future__ import annotations

import concurrent.futures
import json
import re
import uuid
from typing import Any, TypeVar

import httpx
import pytest
import yaml
from botocore.exceptions import WaiterError

from tests.conftest import isolated_server, new_account_id, unique
from tests.e2e.helpers import (
    FAST,
    MANAGED,
    PARENT_IMAGE,
    ROLE,
    TERMINAL,
    UPDATE_LINUX,
    container_recipe,
    create_image,
    distribution,
    error_of,
    get_image,
    holds_for,
    image_recipe,
    infrastructure,
    pipeline,
    step_executions,
    steps_by_name,
    wait_done,
    wait_status,
    wait_until,
    workflow,
    workflow_executions,
)

T = TypeVar("T")

LIFECYCLE = ("PENDING", "CREATING", "BUILDING", "TESTING", "DISTRIBUTING", "INTEGRATING", "AVAILABLE")
WF_ID = re.compile(r"^wf-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
STEP_ID = re.compile(r"^step-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
BUILD_IMAGE_STEPS = ["LaunchBuildInstance", "ApplyBuildComponents", "InventoryCollection", "RunSanitizeScript",
                     "RunSysPrepScript", "CreateOutputAMI", "TerminateBuildInstance"]
SERVER_FAIL_STEP = "ServerInjectedFailure"  # the own server's OIB_FAIL_STEPS

# -- workflow documents -----------------------------------------------------------------------
SMALL_BUILD = """\
schemaVersion: 1.0
steps:
  - name: LaunchBuildInstance
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: CreateOutputAMI
    action: CreateImage
    inputs:
      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId
  - name: TerminateBuildInstance
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId
"""

PARAMETER_BUILD = """\
schemaVersion: 1.0
parameters:
  - name: greeting
    type: string
    default: hello
  - name: count
    type: integer
    default: 1
  - name: pause
    type: boolean
    default: false
  - name: regions
    type: stringList
    default: [us-east-1]
steps:
  - name: LaunchBuildInstance
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: SayHello
    action: RunCommand
    inputs:
      documentName: AWS-RunShellScript
      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId
      parameters:
        commands:
          - "echo {{ $.parameters.greeting }} x{{ $.parameters.count }}"
      regions.$: $.parameters.regions
  - name: ApproveBuild
    action: WaitForAction
    if:
      booleanEquals: true
      value: $.parameters.pause
  - name: CreateOutputAMI
    action: CreateImage
    inputs:
      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId
  - name: TerminateBuildInstance
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId
"""


SMALL_TEST_WITH_WAIT = """\
schemaVersion: 1.0
steps:
  - name: LaunchTestInstance
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: HoldForReview
    action: WaitForAction
"""


def make_test_workflow(step: str = "LaunchTestInstance") -> str:
    return f"""\
schemaVersion: 1.0
steps:
  - name: {step}
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: TerminateTestInstance
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: $.stepOutputs.{step}.instanceId
"""


# -- helpers ----------------------------------------------------------------------------------
def account_of(client) -> str:
    return client._request_signer._credentials.access_key


def component(client, phases: dict[str, str], name: str | None = None, version: str = "1.0.0",
              parameters: dict[str, str] | None = None) -> str:
    """A component whose phases each run one ExecuteBash step with the given command."""
    document: dict[str, Any] = {"schemaVersion": 1.0, "phases": [
        {"name": phase, "steps": [{"name": f"Run{phase.title()}", "action": "ExecuteBash",
                                   "inputs": {"commands": [command]}}]}
        for phase, command in phases.items()]}
    if parameters:
        document["parameters"] = [{key: {"type": "string", "default": value}} for key, value in parameters.items()]
    return client.create_component(name=name or unique("comp"), semanticVersion=version, platform="Linux",
                                   data=yaml.safe_dump(document, sort_keys=False))["componentBuildVersionArn"]


def recipe_with(client, *components: str | dict[str, Any], version: str = "1.0.0") -> str:
    items = [item if isinstance(item, dict) else {"componentArn": item} for item in components]
    return client.create_image_recipe(name=unique("recipe"), semanticVersion=version, parentImage=PARENT_IMAGE,
                                      components=items)["imageRecipeArn"]




def parsed(text: str | None) -> Any:
    return json.loads(text) if text else None


def waiting_steps(client) -> list[dict[str, Any]]:
    return client.list_waiting_workflow_steps()["steps"]


def start_paused_build(client, **params: Any) -> tuple[str, dict[str, Any]]:
    """A build whose build workflow waits at ApproveBuild (WaitForAction); returns it and the waiting step."""
    build = workflow(client, "BUILD", PARAMETER_BUILD)
    arn = create_image(client, workflows=[{"workflowArn": build, "parameters": [{"name": "pause", "value": ["true"]}]}],
                       executionRole=ROLE, **params)
    waiting = wait_until(lambda: [s for s in waiting_steps(client) if s["imageBuildVersionArn"] == arn],
                         what="the WaitForAction step")
    return arn, waiting[0]


# -- the image lifecycle ----------------------------------------------------------------------
def test_create_image_goes_through_every_state_to_available(client):
    recipe, infra = image_recipe(client), infrastructure(client)
    response = client.create_image(imageRecipeArn=recipe, infrastructureConfigurationArn=infra,
                                   distributionConfigurationArn=distribution(client),
                                   tags={"oib:step-seconds": "0.06"})
    arn = response["imageBuildVersionArn"]
    recipe_id = recipe.split("/")[-2]
    assert re.fullmatch(rf"arn:aws:imagebuilder:us-east-1:{account_of(client)}:image/{recipe_id}/1\.0\.0/1", arn)
    assert set(response) - {"ResponseMetadata"} == {"requestId", "clientToken", "imageBuildVersionArn",
                                                    "latestVersionReferences"}
    assert response["latestVersionReferences"]["latestVersionArn"] == arn.rsplit("/", 2)[0] + "/x.x.x"
    seen: list[str] = []

    def advanced():
        status = get_image(client, arn)["state"]["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        return status in TERMINAL
    wait_until(advanced, interval=0.005, what="the build to finish")
    assert seen[-1] == "AVAILABLE"
    assert seen == sorted(seen, key=LIFECYCLE.index), seen  # never back, never out of order
    assert {"BUILDING", "TESTING", "DISTRIBUTING", "INTEGRATING"} <= set(seen), seen
    assert seen[0] in ("PENDING", "CREATING")


def test_available_image_records_its_build(client):
    own = component(client, {"build": "echo one"}, name="own-comp")
    recipe = recipe_with(client, UPDATE_LINUX, f"{own.rsplit('/', 2)[0]}/x.x.x")
    infra = client.create_infrastructure_configuration(name=unique("infra"), instanceProfileName="profile",
                                                       description="before")["infrastructureConfigurationArn"]
    dist = distribution(client)
    arn = create_image(client, recipe, infra, distributionConfigurationArn=dist, executionRole=ROLE,
                       tags={**FAST, "team": "images"}, imageTestsConfiguration={"timeoutMinutes": 60},
                       loggingConfiguration={"logGroupName": "/my/images"})
    image = wait_done(client, arn)
    assert image["state"] == {"status": "AVAILABLE"}
    # version is VersionNumberWithBuild in GetImage: X.Y.Z/build, as AWS's get-image example shows.
    assert (image["type"], image["platform"], image["version"], image["buildType"]) == (
        "AMI", "Linux", f"1.0.0/{arn.rsplit('/', 1)[1]}", "USER_INITIATED")
    summaries = client.list_image_build_versions(imageVersionArn=arn.rsplit("/", 1)[0])["imageSummaryList"]
    assert [entry["version"] for entry in summaries] == [image["version"]]
    listed = client.list_images(filters=[{"name": "name", "values": [image["name"]]}])["imageVersionList"]
    assert [entry["version"] for entry in listed] == ["1.0.0"]  # ImageVersion's shape is VersionNumber
    assert image["name"] == client.get_image_recipe(imageRecipeArn=recipe)["imageRecipe"]["name"]
    assert image["tags"] == {**FAST, "team": "images"}
    assert image["executionRole"] == ROLE
    assert image["loggingConfiguration"] == {"logGroupName": "/my/images"}
    assert image["imageTestsConfiguration"] == {"imageTestsEnabled": True, "timeoutMinutes": 60}
    assert image["enhancedImageMetadataEnabled"] is True and image["osVersion"]
    assert DATE.match(image["dateCreated"])
    assert "sourcePipelineArn" not in image and "workflows" not in image
    # Recipe, infrastructure and distribution embedded; wildcard references resolved to build versions.
    embedded = image["imageRecipe"]
    assert embedded["arn"] == recipe
    assert [c["componentArn"] for c in embedded["components"]] == [
        f"{MANAGED}:component/update-linux/1.0.2/1", own]
    assert re.fullmatch(rf"{MANAGED}:image/amazon-linux-2-x86/\d+\.\d+\.\d+/\d+", embedded["parentImage"])
    assert image["infrastructureConfiguration"]["arn"] == infra
    assert image["infrastructureConfiguration"]["description"] == "before"
    assert image["distributionConfiguration"]["arn"] == dist
    amis = image["outputResources"]["amis"]
    assert [ami["region"] for ami in amis] == ["us-east-1"] and amis[0]["image"].startswith("ami-")
    packages = client.list_image_packages(imageBuildVersionArn=arn)["imagePackageList"]
    assert packages and all(set(p) == {"packageName", "packageVersion"} for p in packages)
    # "As at start": later changes to what the build used do not show in the image.
    client.update_infrastructure_configuration(infrastructureConfigurationArn=infra, instanceProfileName="profile",
                                               description="after")
    component(client, {"build": "echo two"}, name="own-comp", version="1.0.1")
    image = get_image(client, arn)
    assert image["infrastructureConfiguration"]["description"] == "before"
    assert image["imageRecipe"]["components"][1]["componentArn"] == own
    # ...while a new build picks them up.
    image = wait_done(client, create_image(client, recipe, infra))
    assert image["imageRecipe"]["components"][1]["componentArn"] == own.replace("/1.0.0/1", "/1.0.1/1")
    assert image["infrastructureConfiguration"]["description"] == "after"


def test_output_ami_names_come_from_the_distribution(client):
    # amiDistributionConfiguration.name with the documented dynamic tags, written with and without
    # spaces; a Region whose distribution names no AMI gets the default `<image name> <build date>`.
    dist = client.create_distribution_configuration(name=unique("dist"), distributions=[
        {"region": "us-east-1", "amiDistributionConfiguration": {
            "name": "golden-{{ imagebuilder:buildVersion }}-{{imagebuilder:buildDate}}"}},
        {"region": "eu-west-1", "launchTemplateConfigurations": [{"launchTemplateId": "lt-0123456789abcdef0"}]},
    ])["distributionConfigurationArn"]
    recipe = image_recipe(client, version="2019.12.03")
    first = wait_done(client, create_image(client, recipe, distributionConfigurationArn=dist))
    second = wait_done(client, create_image(client, recipe, distributionConfigurationArn=dist))
    for image, build in ((first, "1"), (second, "2")):
        assert image["state"]["status"] == "AVAILABLE", image["state"]
        assert image["version"] == f"2019.12.03/{build}"
        date = image["dateCreated"].replace(":", "-")  # 2026-12-03T06-20-01.123Z, as AWS names AMIs
        assert {ami["region"]: ami["name"] for ami in image["outputResources"]["amis"]} == {
            "us-east-1": f"golden-{build}-{date}", "eu-west-1": f"{image['name']} {date}"}


def test_build_numbers_count_per_recipe_version_across_create_image_and_pipeline_runs(client):
    recipe, infra = image_recipe(client, name="numbers"), infrastructure(client)
    pipe = client.create_image_pipeline(name=unique("pipe"), imageRecipeArn=recipe,
                                        infrastructureConfigurationArn=infra)["imagePipelineArn"]
    first = create_image(client, recipe, infra)
    failed = create_image(client, recipe, infra, tags={**FAST, "oib:fail-step": "LaunchBuildInstance"})
    from_pipeline = client.start_image_pipeline_execution(imagePipelineArn=pipe, tags=FAST)["imageBuildVersionArn"]
    last = create_image(client, recipe, infra)
    other_version = create_image(client, image_recipe(client, name="numbers", version="2.0.0"), infra)
    assert [arn.split("image/")[1] for arn in (first, failed, from_pipeline, last, other_version)] == [
        "numbers/1.0.0/1", "numbers/1.0.0/2", "numbers/1.0.0/3", "numbers/1.0.0/4", "numbers/2.0.0/1"]
    assert wait_done(client, failed)["state"]["status"] == "FAILED"
    for arn in (first, from_pipeline, last, other_version):
        assert wait_done(client, arn)["state"]["status"] == "AVAILABLE"
    # A deleted build's number is not given out again.
    client.delete_image(imageBuildVersionArn=last)
    assert create_image(client, recipe, infra).endswith("numbers/1.0.0/5")


def test_concurrent_builds_get_distinct_numbers(server):
    account = new_account_id()
    client = server.client(account)
    recipe, infra = image_recipe(client), infrastructure(client)

    def start(_: int) -> str:
        return create_image(server.client(account), recipe, infra)
    with concurrent.futures.ThreadPoolExecutor(5) as pool:
        arns = list(pool.map(start, range(5)))
    assert sorted(int(arn.rsplit("/", 1)[1]) for arn in arns) == [1, 2, 3, 4, 5]
    for arn in arns:
        assert wait_done(client, arn)["state"]["status"] == "AVAILABLE"


def test_client_token_makes_create_image_and_start_execution_idempotent(client):
    recipe, infra = image_recipe(client), infrastructure(client)
    params = {"imageRecipeArn": recipe, "infrastructureConfigurationArn": infra, "tags": FAST}
    first = client.create_image(clientToken="token-1", **params)
    again = client.create_image(clientToken="token-1", **params)
    assert again["imageBuildVersionArn"] == first["imageBuildVersionArn"]
    assert again["clientToken"] == "token-1"
    code, _ = error_of(client.create_image, clientToken="token-1", **{**params, "tags": {"other": "tags"}})
    assert code == "IdempotentParameterMismatchException"
    assert create_image(client, recipe, infra).endswith("/2")  # the replay built nothing
    pipe = client.create_image_pipeline(name=unique("pipe"), imageRecipeArn=recipe,
                                        infrastructureConfigurationArn=infra)["imagePipelineArn"]
    run = client.start_image_pipeline_execution(imagePipelineArn=pipe, clientToken="token-2", tags=FAST)
    rerun = client.start_image_pipeline_execution(imagePipelineArn=pipe, clientToken="token-2", tags=FAST)
    assert run["imageBuildVersionArn"] == rerun["imageBuildVersionArn"] and run["imageBuildVersionArn"].endswith("/3")
    assert [i["arn"] for i in client.list_image_pipeline_images(imagePipelineArn=pipe)["imageSummaryList"]] == [
        run["imageBuildVersionArn"]]
    for arn in (first["imageBuildVersionArn"], run["imageBuildVersionArn"]):
        wait_done(client, arn)


def test_image_available_waiter(client):
    recipe, infra = image_recipe(client), infrastructure(client)
    waiter = client.get_waiter("image_available")
    good = create_image(client, recipe, infra)
    waiter.wait(imageBuildVersionArn=good, WaiterConfig={"Delay": 0.1, "MaxAttempts": 200})
    assert get_image(client, good)["state"]["status"] == "AVAILABLE"
    bad = create_image(client, recipe, infra, tags={**FAST, "oib:fail-step": "CreateOutputAMI"})
    with pytest.raises(WaiterError) as info:
        waiter.wait(imageBuildVersionArn=bad, WaiterConfig={"Delay": 0.1, "MaxAttempts": 200})
    assert "FAILED" in str(info.value)


def test_image_lists(client):
    infra = infrastructure(client)
    one, two = image_recipe(client, name="listed"), image_recipe(client, name="listed", version="2.0.0")
    arns = [create_image(client, one, infra), create_image(client, one, infra), create_image(client, two, infra)]
    for arn in arns:
        wait_done(client, arn)
    versions = client.list_images()["imageVersionList"]
    assert [v["arn"] for v in versions] == [arns[0].rsplit("/", 1)[0], arns[2].rsplit("/", 1)[0]]
    assert {(v["version"], v["type"], v["owner"], v["buildType"]) for v in versions} == {
        ("1.0.0", "AMI", account_of(client), "USER_INITIATED"), ("2.0.0", "AMI", account_of(client), "USER_INITIATED")}
    builds = client.list_image_build_versions(imageVersionArn=arns[0].rsplit("/", 1)[0])["imageSummaryList"]
    assert [b["arn"] for b in builds] == arns[:2]
    assert all(b["state"]["status"] == "AVAILABLE" and b["outputResources"]["amis"] for b in builds)
    filtered = client.list_image_build_versions(filters=[{"name": "version", "values": ["2.0.0"]}])
    assert [b["arn"] for b in filtered["imageSummaryList"]] == [arns[2]]


def test_delete_image(client):
    arn = create_image(client, tags={"oib:step-seconds": "0.05"})
    wait_status(client, arn, "BUILDING")
    code, _ = error_of(client.delete_image, imageBuildVersionArn=arn)  # still being built
    assert code == "InvalidRequestException"
    wait_done(client, arn)
    executions = workflow_executions(client, arn)
    assert client.delete_image(imageBuildVersionArn=arn)["imageBuildVersionArn"] == arn
    assert error_of(client.get_image, imageBuildVersionArn=arn)[0] == "ResourceNotFoundException"
    assert error_of(client.list_workflow_executions, imageBuildVersionArn=arn)[0] == "ResourceNotFoundException"
    code, _ = error_of(client.get_workflow_execution, workflowExecutionId=executions[0]["workflowExecutionId"])
    assert code == "ResourceNotFoundException"
    assert error_of(client.delete_image, imageBuildVersionArn=arn)[0] == "ResourceNotFoundException"


# -- pipelines --------------------------------------------------------------------------------
def test_pipeline_run_carries_the_pipeline_configuration(client):
    dist = distribution(client)
    pipe = pipeline(client, status="DISABLED", executionRole=ROLE, distributionConfigurationArn=dist,
                    enhancedImageMetadataEnabled=False, imageTestsConfiguration={"timeoutMinutes": 90},
                    imageTags={"from": "schedule-only"},
                    loggingConfiguration={"imageLogGroupName": "/my/images", "pipelineLogGroupName": "/my/pipe"})
    before = client.get_image_pipeline(imagePipelineArn=pipe)["imagePipeline"]
    assert "dateLastRun" not in before and "lastRunStatus" not in before
    response = client.start_image_pipeline_execution(imagePipelineArn=pipe, tags={**FAST, "run": "manual"})
    assert set(response) - {"ResponseMetadata"} == {"requestId", "clientToken", "imageBuildVersionArn"}
    arn = response["imageBuildVersionArn"]
    statuses: set[str] = set()

    def finished():
        status = client.get_image_pipeline(imagePipelineArn=pipe)["imagePipeline"]["lastRunStatus"]
        statuses.add(status)
        return status in TERMINAL
    wait_until(finished, what="the pipeline's lastRunStatus")
    image = get_image(client, arn)
    assert image["state"]["status"] == "AVAILABLE"
    assert statuses <= set(LIFECYCLE) and "AVAILABLE" in statuses
    assert (image["sourcePipelineArn"], image["sourcePipelineName"]) == (pipe, before["name"])
    assert image["buildType"] == "USER_INITIATED"
    assert image["tags"] == {**FAST, "run": "manual"}  # manual runs: the request's tags, not imageTags
    assert image["executionRole"] == ROLE
    assert image["loggingConfiguration"] == {"logGroupName": "/my/images"}
    assert image["enhancedImageMetadataEnabled"] is False
    assert image["imageTestsConfiguration"] == {"imageTestsEnabled": True, "timeoutMinutes": 90}
    assert image["distributionConfiguration"]["arn"] == dist
    assert image["imageRecipe"]["arn"] == before["imageRecipeArn"]
    build = next(w for w in workflow_executions(client, arn) if w["type"] == "BUILD")
    assert steps_by_name(client, build["workflowExecutionId"])["InventoryCollection"]["status"] == "SKIPPED"
    after = client.get_image_pipeline(imagePipelineArn=pipe)["imagePipeline"]
    assert after["dateLastRun"] == image["dateCreated"]
    assert after["lastRunStatus"] == "AVAILABLE" and after["consecutiveFailures"] == 0
    assert after["status"] == "DISABLED"
    listed = client.list_image_pipeline_images(imagePipelineArn=pipe)["imageSummaryList"]
    assert [(i["arn"], i["state"]["status"]) for i in listed] == [(arn, "AVAILABLE")]
    assert listed[0]["loggingConfiguration"] == {"logGroupName": "/my/images"}


def test_failed_manual_run_leaves_consecutive_failures_alone(client):
    pipe = pipeline(client)
    ok = client.start_image_pipeline_execution(imagePipelineArn=pipe, tags=FAST)["imageBuildVersionArn"]
    wait_done(client, ok)
    bad = client.start_image_pipeline_execution(
        imagePipelineArn=pipe, tags={**FAST, "oib:fail-step": "ApplyBuildComponents"})["imageBuildVersionArn"]
    assert wait_done(client, bad)["state"]["status"] == "FAILED"
    got = client.get_image_pipeline(imagePipelineArn=pipe)["imagePipeline"]
    assert got["lastRunStatus"] == "FAILED" and got["consecutiveFailures"] == 0 and got["status"] == "ENABLED"
    assert got["dateLastRun"] == get_image(client, bad)["dateCreated"]


def test_deleting_a_pipeline_keeps_its_images_and_running_build(client):
    pipe = pipeline(client)
    done = client.start_image_pipeline_execution(imagePipelineArn=pipe, tags=FAST)["imageBuildVersionArn"]
    wait_done(client, done)
    running = client.start_image_pipeline_execution(
        imagePipelineArn=pipe, tags={"oib:step-seconds": "0.05"})["imageBuildVersionArn"]
    wait_status(client, running, "BUILDING")
    client.delete_image_pipeline(imagePipelineArn=pipe)
    assert wait_done(client, running)["state"]["status"] == "AVAILABLE"
    for arn in (done, running):
        assert get_image(client, arn)["sourcePipelineArn"] == pipe
    listed = client.list_image_pipeline_images(imagePipelineArn=pipe)["imageSummaryList"]
    assert sorted(i["arn"] for i in listed) == sorted([done, running])
    unknown = pipe.rsplit("/", 1)[0] + "/never-existed"
    assert client.list_image_pipeline_images(imagePipelineArn=unknown)["imageSummaryList"] == []
    code, _ = error_of(client.start_image_pipeline_execution, imagePipelineArn=unknown)
    assert code == "ResourceNotFoundException"


# -- workflows and steps ----------------------------------------------------------------------
def test_default_workflows_and_their_step_executions(client):
    arn = create_image(client)
    wait_done(client, arn)
    executions = workflow_executions(client, arn)
    assert [(w["type"], w["workflowBuildVersionArn"].split(":workflow/")[1].rsplit("/", 2)[0]) for w in executions] == [
        ("BUILD", "build/build-image"), ("TEST", "test/test-image"), ("DISTRIBUTION", "distribution/distribute-image")]
    for execution in executions:
        assert WF_ID.match(execution["workflowExecutionId"])
        assert execution["status"] == "COMPLETED"
        assert DATE.match(execution["startTime"]) and DATE.match(execution["endTime"])
        assert execution["startTime"] <= execution["endTime"]
        total = execution["totalStepsSucceeded"] + execution["totalStepsFailed"] + execution["totalStepsSkipped"]
        assert total == execution["totalStepCount"]
    assert executions[0]["endTime"] <= executions[1]["startTime"] and executions[1]["endTime"] <= executions[2]["startTime"]
    build = executions[0]
    listed = client.list_workflow_step_executions(workflowExecutionId=build["workflowExecutionId"])
    assert (listed["workflowExecutionId"], listed["imageBuildVersionArn"], listed["workflowBuildVersionArn"]) == (
        build["workflowExecutionId"], arn, build["workflowBuildVersionArn"])
    steps = listed["steps"]
    assert [s["name"] for s in steps] == BUILD_IMAGE_STEPS
    assert all(STEP_ID.match(s["stepExecutionId"]) for s in steps)
    status = {s["name"]: s["status"] for s in steps}
    assert status.pop("RunSysPrepScript") == "SKIPPED"  # Windows only
    assert set(status.values()) == {"COMPLETED"}
    assert (build["totalStepsSucceeded"], build["totalStepsSkipped"], build["totalStepsFailed"]) == (6, 1, 0)
    by_name = {s["name"]: s for s in steps}
    instance = parsed(by_name["LaunchBuildInstance"]["outputs"])["instanceId"]
    assert instance.startswith("i-")
    assert parsed(by_name["ApplyBuildComponents"]["inputs"]) == {"instanceId": instance}
    assert parsed(by_name["TerminateBuildInstance"]["inputs"]) == {"instanceId": instance}
    ami = parsed(by_name["CreateOutputAMI"]["outputs"])["imageId"]
    distributed = step_executions(client, executions[2]["workflowExecutionId"])[0]
    assert distributed["name"] == "DistributeImages"
    assert parsed(distributed["outputs"])["distributedImages"][0]["region"] == "us-east-1"
    assert get_image(client, arn)["outputResources"]["amis"][0]["image"].startswith("ami-") and ami.startswith("ami-")
    # Get agrees with List.
    got = client.get_workflow_execution(workflowExecutionId=build["workflowExecutionId"])
    assert got["imageBuildVersionArn"] == arn
    assert {k: got[k] for k in build} == build
    step = client.get_workflow_step_execution(stepExecutionId=by_name["ApplyBuildComponents"]["stepExecutionId"])
    assert (step["workflowExecutionId"], step["imageBuildVersionArn"], step["onFailure"]) == (
        build["workflowExecutionId"], arn, "Abort")
    assert {k: step[k] for k in by_name["ApplyBuildComponents"]} == by_name["ApplyBuildComponents"]
    # Pagination.
    page = client.list_workflow_executions(imageBuildVersionArn=arn, maxResults=2)
    rest = client.list_workflow_executions(imageBuildVersionArn=arn, nextToken=page["nextToken"])
    assert page["workflowExecutions"] + rest["workflowExecutions"] == executions
    page = client.list_workflow_step_executions(workflowExecutionId=build["workflowExecutionId"], maxResults=3)
    assert [s["name"] for s in page["steps"]] == BUILD_IMAGE_STEPS[:3] and page["nextToken"]
    # A page holding exactly the rest carries no nextToken (decided, docs/behaviour.md).
    full = client.list_workflow_executions(imageBuildVersionArn=arn, maxResults=len(executions))
    assert full["workflowExecutions"] == executions and "nextToken" not in full
    full = client.list_workflow_step_executions(workflowExecutionId=build["workflowExecutionId"],
                                                maxResults=len(BUILD_IMAGE_STEPS))
    assert [s["name"] for s in full["steps"]] == BUILD_IMAGE_STEPS and "nextToken" not in full
    rest = client.list_workflow_step_executions(workflowExecutionId=build["workflowExecutionId"], maxResults=3,
                                                nextToken=page["nextToken"])
    assert [s["name"] for s in rest["steps"]] == BUILD_IMAGE_STEPS[3:6]
    assert ("nextToken" in rest) == (len(BUILD_IMAGE_STEPS) > 6)
    code, _ = error_of(client.get_workflow_execution, workflowExecutionId=f"wf-{uuid.uuid4()}")
    assert code == "ResourceNotFoundException"
    code, _ = error_of(client.get_workflow_step_execution, stepExecutionId=f"step-{uuid.uuid4()}")
    assert code == "ResourceNotFoundException"


def test_executions_are_private_to_the_account(server, client):
    arn = create_image(client)
    wait_done(client, arn)
    execution = workflow_executions(client, arn)[0]["workflowExecutionId"]
    stranger = server.client()
    assert error_of(stranger.get_workflow_execution, workflowExecutionId=execution)[0] == "ResourceNotFoundException"
    assert error_of(stranger.list_workflow_executions, imageBuildVersionArn=arn)[0] == "ResourceNotFoundException"


def test_container_build_runs_the_container_workflows(client):
    arn = client.create_image(containerRecipeArn=container_recipe(client),
                              infrastructureConfigurationArn=infrastructure(client), tags=FAST)["imageBuildVersionArn"]
    image = wait_done(client, arn)
    assert image["state"]["status"] == "AVAILABLE" and image["type"] == "DOCKER"
    assert "containerRecipe" in image and "imageRecipe" not in image
    uris = image["outputResources"]["containers"][0]["imageUris"]
    assert uris and ".dkr.ecr.us-east-1.amazonaws.com/repo:" in uris[0]
    executions = workflow_executions(client, arn)
    assert [w["workflowBuildVersionArn"].split(":workflow/")[1].rsplit("/", 2)[0] for w in executions] == [
        "build/build-container", "test/test-container", "distribution/distribute-container"]
    assert {w["status"] for w in executions} == {"COMPLETED"}
    build = steps_by_name(client, executions[0]["workflowExecutionId"])
    instance = parsed(build["LaunchBuildInstance"]["outputs"])["instanceId"]
    distribute = steps_by_name(client, executions[2]["workflowExecutionId"])
    # distribute-container terminates the build instance it gets from build-container's outputs.
    assert parsed(distribute["TerminateBuildInstance"]["inputs"]) == {"instanceId": instance}
    assert parsed(distribute["DistributeContainer"]["outputs"])["succeededRegions"] == ["us-east-1"]


def test_tests_disabled_runs_no_test_workflow(client):
    arn = create_image(client, imageTestsConfiguration={"imageTestsEnabled": False})
    image = wait_done(client, arn)
    assert image["state"]["status"] == "AVAILABLE"
    assert image["imageTestsConfiguration"]["imageTestsEnabled"] is False
    assert [w["type"] for w in workflow_executions(client, arn)] == ["BUILD", "DISTRIBUTION"]


def test_workflows_replace_the_defaults_and_take_parameters(client):
    build = workflow(client, "BUILD", PARAMETER_BUILD)
    test = workflow(client, "TEST", make_test_workflow())
    workflows = [{"workflowArn": build, "parameters": [{"name": "greeting", "value": ["hi"]},
                                                       {"name": "count", "value": ["3"]},
                                                       {"name": "regions", "value": ["eu-west-1", "eu-west-2"]}]},
                 {"workflowArn": test}]
    code, message = error_of(client.create_image, imageRecipeArn=image_recipe(client),
                             infrastructureConfigurationArn=infrastructure(client), workflows=workflows)
    assert code == "InvalidParameterValueException" and "execution role" in message
    arn = create_image(client, workflows=workflows, executionRole=ROLE)
    image = wait_done(client, arn)
    assert image["state"]["status"] == "AVAILABLE"
    assert image["workflows"] == workflows
    executions = workflow_executions(client, arn)
    assert [(w["type"], w["workflowBuildVersionArn"]) for w in executions] == [("BUILD", build), ("TEST", test)]
    steps = steps_by_name(client, executions[0]["workflowExecutionId"])
    inputs = parsed(steps["SayHello"]["inputs"])
    assert inputs["parameters"]["commands"] == ["echo hi x3"]
    assert inputs["regions"] == ["eu-west-1", "eu-west-2"]
    assert inputs["instanceId"] == parsed(steps["LaunchBuildInstance"]["outputs"])["instanceId"]
    assert steps["ApproveBuild"]["status"] == "SKIPPED"  # pause defaults to false
    # Defaults apply to parameters not given.
    arn = create_image(client, workflows=[{"workflowArn": build}], executionRole=ROLE)
    wait_done(client, arn)
    steps = steps_by_name(client, workflow_executions(client, arn)[0]["workflowExecutionId"])
    assert parsed(steps["SayHello"]["inputs"])["parameters"]["commands"] == ["echo hello x1"]
    assert parsed(steps["SayHello"]["inputs"])["regions"] == ["us-east-1"]


def test_parallel_group_runs_at_most_five_test_workflows_at_once(client):
    build = workflow(client, "BUILD", SMALL_BUILD)
    grouped = [workflow(client, "TEST", make_test_workflow()) for _ in range(7)]
    alone = [workflow(client, "TEST", make_test_workflow()) for _ in range(2)]
    workflows = ([{"workflowArn": build}] + [{"workflowArn": w, "parallelGroup": "group-a"} for w in grouped]
                 + [{"workflowArn": w} for w in alone])
    arn = create_image(client, workflows=workflows, executionRole=ROLE, tags={"oib:step-seconds": "0.12"})
    most_grouped, most_alone, overlapping = 0, 0, False

    def watch():
        nonlocal most_grouped, most_alone, overlapping
        executions = workflow_executions(client, arn)
        running = [w for w in executions if w["type"] == "TEST" and w["status"] == "RUNNING"]
        in_group = [w for w in running if w.get("parallelGroup") == "group-a"]
        most_grouped = max(most_grouped, len(in_group))
        most_alone = max(most_alone, len(running) - len(in_group))
        overlapping |= bool(in_group) and len(running) > len(in_group)
        return get_image(client, arn)["state"]["status"] in TERMINAL
    wait_until(watch, timeout=30, interval=0.01, what="the build with nine test workflows")
    assert get_image(client, arn)["state"]["status"] == "AVAILABLE"
    assert most_grouped == 5, most_grouped
    assert most_alone == 1 and not overlapping
    executions = workflow_executions(client, arn)
    tests = [w for w in executions if w["type"] == "TEST"]
    assert len(tests) == 9 and {w["status"] for w in tests} == {"COMPLETED"}
    assert [w.get("parallelGroup") for w in tests] == ["group-a"] * 7 + [None, None]
    group = tests[:7]
    # The sixth starts only when one of the first five has finished.
    first_end = min(w["endTime"] for w in group[:5])
    assert all(w["startTime"] < first_end for w in group[:5])
    assert all(w["startTime"] >= first_end for w in group[5:])


def test_test_workflow_on_failure_continue_and_abort(client):
    build = workflow(client, "BUILD", SMALL_BUILD)
    flaky = workflow(client, "TEST", make_test_workflow("FlakyTestStep"))
    steady = workflow(client, "TEST", make_test_workflow())
    tags = {**FAST, "oib:fail-step": "FlakyTestStep"}
    continued = create_image(client, workflows=[
        {"workflowArn": build}, {"workflowArn": flaky, "onFailure": "CONTINUE"}, {"workflowArn": steady}],
        executionRole=ROLE, tags=tags)
    aborted = create_image(client, workflows=[
        {"workflowArn": build}, {"workflowArn": flaky, "onFailure": "ABORT"}, {"workflowArn": steady}],
        executionRole=ROLE, tags=tags)
    assert wait_done(client, continued)["state"]["status"] == "AVAILABLE"
    assert [w["status"] for w in workflow_executions(client, continued)] == ["COMPLETED", "FAILED", "COMPLETED"]
    image = wait_done(client, aborted)
    assert image["state"]["status"] == "FAILED"
    executions = workflow_executions(client, aborted)
    assert [w["status"] for w in executions] == ["COMPLETED", "FAILED", "SKIPPED"]
    failed = executions[1]
    assert "FlakyTestStep" in failed["message"] and failed["totalStepsFailed"] == 1
    assert failed["workflowExecutionId"] in image["state"]["reason"]
    context = image["state"]["failureContext"]
    assert context["imageStatus"] == "TESTING" and context["failedStep"] == "FlakyTestStep"
    assert (context["workflowExecutionId"], context["workflowArn"]) == (failed["workflowExecutionId"], flaky)
    steps = step_executions(client, failed["workflowExecutionId"])
    assert context["stepExecutionId"] == steps[0]["stepExecutionId"]
    assert [s["status"] for s in steps] == ["FAILED", "SKIPPED"]
    assert "Failure injected" in steps[0]["message"]
    assert {s["status"] for s in step_executions(client, executions[2]["workflowExecutionId"])} == {"SKIPPED"}


def test_failing_abort_workflow_stops_its_parallel_group(client):
    build = workflow(client, "BUILD", SMALL_BUILD)
    failing = workflow(client, "TEST", make_test_workflow("FailsAtOnce"))
    slow = [workflow(client, "TEST", SMALL_TEST_WITH_WAIT) for _ in range(5)]
    arn = create_image(client, executionRole=ROLE, tags={**FAST, "oib:fail-step": "FailsAtOnce"}, workflows=[
        {"workflowArn": build}, {"workflowArn": failing, "parallelGroup": "g"},
        *({"workflowArn": w, "parallelGroup": "g"} for w in slow)])
    assert wait_done(client, arn)["state"]["status"] == "FAILED"
    statuses = [w["status"] for w in workflow_executions(client, arn)]
    # Four waiting peers were running and are cancelled; the sixth never started.
    assert statuses == ["COMPLETED", "FAILED", "CANCELLED", "CANCELLED", "CANCELLED", "CANCELLED", "SKIPPED"]
    assert [s for s in waiting_steps(client) if s["imageBuildVersionArn"] == arn] == []


# -- WaitForAction ----------------------------------------------------------------------------
def test_wait_for_action_resume(client):
    arn, waiting = start_paused_build(client)
    assert set(waiting) == {"stepExecutionId", "imageBuildVersionArn", "workflowExecutionId",
                            "workflowBuildVersionArn", "name", "action", "startTime"}
    assert (waiting["name"], waiting["action"]) == ("ApproveBuild", "WaitForAction")
    assert STEP_ID.match(waiting["stepExecutionId"]) and DATE.match(waiting["startTime"])

    def still_waiting() -> bool:
        step = client.get_workflow_step_execution(stepExecutionId=waiting["stepExecutionId"])
        return (get_image(client, arn)["state"]["status"] == "BUILDING"
                and (step["status"], step["action"]) == ("RUNNING", "WaitForAction"))
    # It really waits: nothing but an action ends the step, so every look over the window agrees.
    assert holds_for(still_waiting, 0.3, what="the build waiting for an action") > 1
    code, _ = error_of(client.send_workflow_step_action, stepExecutionId=waiting["stepExecutionId"],
                       imageBuildVersionArn=arn.rsplit("/", 1)[0] + "/99", action="RESUME")
    assert code == "InvalidParameterValueException"
    response = client.send_workflow_step_action(stepExecutionId=waiting["stepExecutionId"],
                                                imageBuildVersionArn=arn, action="RESUME", reason="looks good")
    assert (response["stepExecutionId"], response["imageBuildVersionArn"]) == (waiting["stepExecutionId"], arn)
    assert [s for s in waiting_steps(client) if s["imageBuildVersionArn"] == arn] == []
    assert wait_done(client, arn)["state"]["status"] == "AVAILABLE"
    step = client.get_workflow_step_execution(stepExecutionId=waiting["stepExecutionId"])
    assert step["status"] == "COMPLETED"
    assert parsed(step["outputs"]) == {"action": "RESUME", "reason": "looks good"}
    code, _ = error_of(client.send_workflow_step_action, stepExecutionId=waiting["stepExecutionId"],
                       imageBuildVersionArn=arn, action="RESUME")
    assert code == "ResourceInUseException"
    code, _ = error_of(client.send_workflow_step_action, stepExecutionId=f"step-{uuid.uuid4()}",
                       imageBuildVersionArn=arn, action="RESUME")
    assert code == "ResourceNotFoundException"


def test_wait_for_action_stop_fails_the_image(client):
    arn, waiting = start_paused_build(client)
    client.send_workflow_step_action(stepExecutionId=waiting["stepExecutionId"], imageBuildVersionArn=arn,
                                     action="STOP", reason="not today")
    image = wait_done(client, arn)
    assert image["state"]["status"] == "FAILED"
    assert image["state"]["failureContext"]["failedStep"] == "ApproveBuild"
    assert image["state"]["failureContext"]["imageStatus"] == "BUILDING"
    step = client.get_workflow_step_execution(stepExecutionId=waiting["stepExecutionId"])
    assert step["status"] == "FAILED" and "not today" in step["message"]
    steps = steps_by_name(client, waiting["workflowExecutionId"])
    assert steps["CreateOutputAMI"]["status"] == "SKIPPED"
    assert steps["LaunchBuildInstance"]["rollbackStatus"] == "COMPLETED"
    assert [w["status"] for w in workflow_executions(client, arn)] == ["FAILED"]


# -- failures ---------------------------------------------------------------------------------
def test_component_failure_in_build_phase(client):
    good = component(client, {"build": "echo fine"})
    bad = component(client, {"build": "echo oib:fail"})
    bad_name = client.get_component(componentBuildVersionArn=bad)["component"]["name"]
    arn = create_image(client, recipe_with(client, good, bad))
    image = wait_done(client, arn)
    assert image["state"]["status"] == "FAILED"
    assert "ApplyBuildComponents" in image["state"]["reason"]
    context = image["state"]["failureContext"]
    assert (context["imageStatus"], context["failedStep"]) == ("BUILDING", "ApplyBuildComponents")
    assert context["componentFailure"]["componentArn"] == bad
    assert context["componentFailure"]["phaseName"] == "build"
    assert context["componentFailure"]["stepName"] == "RunBuild"
    assert context["componentFailure"]["action"] == "ExecuteBash"
    executions = workflow_executions(client, arn)
    assert [w["status"] for w in executions] == ["FAILED", "SKIPPED", "SKIPPED"]
    steps = steps_by_name(client, executions[0]["workflowExecutionId"])
    assert steps["ApplyBuildComponents"]["status"] == "FAILED"
    assert bad in steps["ApplyBuildComponents"]["message"]
    assert context["stepExecutionId"] == steps["ApplyBuildComponents"]["stepExecutionId"]
    good_name = client.get_component(componentBuildVersionArn=good)["component"]["name"]
    assert parsed(steps["ApplyBuildComponents"]["outputs"])["output"] == f"Ran {good_name} (build); {bad_name} (build: failed)."
    assert [steps[name]["status"] for name in BUILD_IMAGE_STEPS[2:]] == ["SKIPPED"] * 5
    assert steps["LaunchBuildInstance"]["rollbackStatus"] == "COMPLETED"
    assert executions[0]["totalStepsFailed"] == 1


def test_a_json_component_with_tab_indentation_builds(client):
    """JSON that YAML 1.1 refuses (tabs) is a valid document: the build reads it as CreateComponent did."""
    data = '{\n\t"schemaVersion": 1.0,\n\t"phases": [{"name": "build", "steps": [{"name": "Say",' \
           ' "action": "ExecuteBash", "inputs": {"commands": ["echo \\/tabbed"]}}]}]\n}'
    tabbed = client.create_component(name="tabbed", semanticVersion="1.0.0", platform="Linux",
                                     data=data)["componentBuildVersionArn"]
    arn = create_image(client, recipe_with(client, tabbed))
    assert wait_done(client, arn)["state"]["status"] == "AVAILABLE"
    build = workflow_executions(client, arn)[0]
    step = steps_by_name(client, build["workflowExecutionId"])["ApplyBuildComponents"]
    assert parsed(step["outputs"])["output"] == "Ran tabbed (build)."


def test_components_run_per_phase_in_recipe_order_with_parameters(client):
    first = component(client, {"build": "echo first", "validate": "echo ok", "test": "echo tested"}, name="first")
    second = component(client, {"build": "echo {{ Marker }}"}, name="second", parameters={"Marker": "fine"})
    third = component(client, {"test": "echo third"}, name="third")
    arn = create_image(client, recipe_with(client, second, first, third))
    assert wait_done(client, arn)["state"]["status"] == "AVAILABLE"
    build, test, _ = workflow_executions(client, arn)
    build_step = steps_by_name(client, build["workflowExecutionId"])["ApplyBuildComponents"]
    assert parsed(build_step["outputs"])["output"] == "Ran second (build); first (build, validate)."
    test_step = steps_by_name(client, test["workflowExecutionId"])["ApplyTestComponents"]
    assert parsed(test_step["outputs"])["output"] == "Ran first (test); third (test)."
    # The recipe's parameter value reaches the component step: here, a failure marker.
    failing = recipe_with(client, first, {"componentArn": second, "parameters": [{"name": "Marker", "value": ["oib:fail"]}]},
                          third)
    image = wait_done(client, create_image(client, failing))
    assert image["state"]["status"] == "FAILED"
    assert image["state"]["failureContext"]["componentFailure"]["componentArn"] == second
    executions = workflow_executions(client, image["arn"])
    build_step = steps_by_name(client, executions[0]["workflowExecutionId"])["ApplyBuildComponents"]
    assert parsed(build_step["outputs"])["output"] == "Ran first (build, validate); second (build: failed)."


def test_component_failure_in_validate_and_test_phases(client):
    keep = client.create_infrastructure_configuration(name=unique("infra"), instanceProfileName="profile",
                                                      terminateInstanceOnFailure=False)
    validate = wait_done(client, create_image(client, recipe_with(client, component(
        client, {"build": "echo ok", "validate": "echo oib:fail"})), keep["infrastructureConfigurationArn"]))
    assert validate["state"]["status"] == "FAILED"
    assert validate["state"]["failureContext"]["imageStatus"] == "BUILDING"
    assert validate["state"]["failureContext"]["componentFailure"]["phaseName"] == "validate"
    # terminateInstanceOnFailure false: the failed build's instance is kept (not rolled back).
    launch = steps_by_name(client, validate["state"]["failureContext"]["workflowExecutionId"])["LaunchBuildInstance"]
    assert launch["rollbackStatus"] == "SKIPPED"
    tested = wait_done(client, create_image(client, recipe_with(client, component(
        client, {"build": "echo ok", "test": "echo oib:fail"}))))
    assert tested["state"]["status"] == "FAILED"
    context = tested["state"]["failureContext"]
    assert (context["imageStatus"], context["failedStep"], context["componentFailure"]["phaseName"]) == (
        "TESTING", "ApplyTestComponents", "test")
    assert [w["status"] for w in workflow_executions(client, tested["arn"])] == ["COMPLETED", "FAILED", "SKIPPED"]


def test_fail_step_tag(client):
    recipe, infra = image_recipe(client), infrastructure(client)
    distributing = create_image(client, recipe, infra, tags={**FAST, "oib:fail-step": "NoSuchStep, DistributeImages"})
    # A step whose onFailure is Continue fails without failing its workflow.
    tolerated = create_image(client, recipe, infra, tags={**FAST, "oib:fail-step": "TerminateTestInstance"})
    image = wait_done(client, distributing)
    assert image["state"]["status"] == "FAILED"
    assert image["state"]["failureContext"]["imageStatus"] == "DISTRIBUTING"
    assert image["state"]["failureContext"]["failedStep"] == "DistributeImages"
    assert "outputResources" not in image
    assert wait_done(client, tolerated)["state"]["status"] == "AVAILABLE"
    test = workflow_executions(client, tolerated)[1]
    assert (test["status"], test["totalStepsFailed"]) == ("COMPLETED", 1)
    assert steps_by_name(client, test["workflowExecutionId"])["TerminateTestInstance"]["status"] == "FAILED"


def test_step_seconds_tag_sets_step_duration(client):
    arn = create_image(client, tags={"oib:step-seconds": "0.06"}, imageTestsConfiguration={"imageTestsEnabled": False})
    wait_done(client, arn)
    steps = step_executions(client, workflow_executions(client, arn)[0]["workflowExecutionId"])

    def seconds(text: str) -> float:
        from datetime import datetime
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    durations = [seconds(s["endTime"]) - seconds(s["startTime"]) for s in steps if s["status"] == "COMPLETED"]
    assert durations and min(durations) >= 0.059


# -- cancel -----------------------------------------------------------------------------------
def test_cancel_a_running_build(client):
    pipe = pipeline(client)
    arn = client.start_image_pipeline_execution(imagePipelineArn=pipe,
                                                tags={"oib:step-seconds": "0.1"})["imageBuildVersionArn"]
    wait_until(lambda: [s for s in step_executions(client, workflow_executions(client, arn)[0]["workflowExecutionId"])
                        if s["status"] == "COMPLETED"], what="a completed build step")
    response = client.cancel_image_creation(imageBuildVersionArn=arn)
    assert response["imageBuildVersionArn"] == arn and response["clientToken"]
    image = wait_done(client, arn)
    assert image["state"]["status"] == "CANCELLED" and image["state"]["reason"]
    executions = workflow_executions(client, arn)
    assert [w["status"] for w in executions] == ["CANCELLED", "CANCELLED", "CANCELLED"]
    steps = step_executions(client, executions[0]["workflowExecutionId"])
    assert steps[0]["status"] == "COMPLETED" and {s["status"] for s in steps[1:]} <= {"CANCELLED", "COMPLETED", "SKIPPED"}
    assert "CANCELLED" in {s["status"] for s in steps}
    assert client.get_image_pipeline(imagePipelineArn=pipe)["imagePipeline"]["lastRunStatus"] == "CANCELLED"
    code, _ = error_of(client.cancel_image_creation, imageBuildVersionArn=arn)
    assert code == "ResourceInUseException"
    client.delete_image(imageBuildVersionArn=arn)  # a cancelled build can be deleted


def test_cancel_a_waiting_build_and_refuse_finished_ones(client):
    arn, waiting = start_paused_build(client)
    client.cancel_image_creation(imageBuildVersionArn=arn)
    assert wait_done(client, arn)["state"]["status"] == "CANCELLED"
    assert [s for s in waiting_steps(client) if s["imageBuildVersionArn"] == arn] == []
    assert client.get_workflow_step_execution(stepExecutionId=waiting["stepExecutionId"])["status"] == "CANCELLED"
    code, _ = error_of(client.send_workflow_step_action, stepExecutionId=waiting["stepExecutionId"],
                       imageBuildVersionArn=arn, action="RESUME")
    assert code == "ResourceInUseException"
    finished = create_image(client)
    wait_done(client, finished)
    code, message = error_of(client.cancel_image_creation, imageBuildVersionArn=finished)
    assert code == "ResourceInUseException" and "AVAILABLE" in message
    unknown = finished.rsplit("/", 1)[0] + "/99"
    assert error_of(client.cancel_image_creation, imageBuildVersionArn=unknown)[0] == "ResourceNotFoundException"


# -- the server: settings, kill -9 ------------------------------------------------------------
@pytest.fixture(scope="module")
def own_server(server, tmp_path_factory):
    """A server of this module's own, on a store of its own (so no other engine advances its
    builds), failing the step SERVER_FAIL_STEP and with a short default step duration."""
    with isolated_server(server, tmp_path_factory.mktemp("own-exec"),
                         {"OIB_FAIL_STEPS": SERVER_FAIL_STEP, "OIB_STEP_SECONDS": "0.03"}) as started:
        yield started


def test_server_fail_steps_and_default_step_seconds(own_server):
    client = own_server.client()
    plain = create_image(client, tags={})  # the server's default step duration (0.03 s)
    build = workflow(client, "BUILD", SMALL_BUILD)
    test = workflow(client, "TEST", make_test_workflow(SERVER_FAIL_STEP))
    failing = create_image(client, workflows=[{"workflowArn": build}, {"workflowArn": test}], executionRole=ROLE,
                           tags={})
    assert wait_done(client, plain)["state"]["status"] == "AVAILABLE"
    image = wait_done(client, failing)
    assert image["state"]["status"] == "FAILED"
    assert image["state"]["failureContext"]["failedStep"] == SERVER_FAIL_STEP


def test_builds_survive_kill_9(own_server):
    client = own_server.client()
    account = account_of(client)
    running = create_image(client, tags={"oib:step-seconds": "0.1"})
    paused, waiting = start_paused_build(client)

    def build_steps_done():
        executions = workflow_executions(client, running)
        steps = step_executions(client, executions[0]["workflowExecutionId"])
        return [s for s in steps if s["status"] == "COMPLETED"][1:]  # at least two steps done
    wait_until(build_steps_done, what="two completed build steps")
    before = {w["workflowExecutionId"]: step_executions(client, w["workflowExecutionId"])
              for w in workflow_executions(client, running)}
    own_server.restart(sig="kill")
    client = own_server.client(account)
    # The waiting step is still waiting, and can be answered.
    assert [s["stepExecutionId"] for s in waiting_steps(client)] == [waiting["stepExecutionId"]]
    client.send_workflow_step_action(stepExecutionId=waiting["stepExecutionId"], imageBuildVersionArn=paused,
                                     action="RESUME")
    assert wait_done(client, paused)["state"]["status"] == "AVAILABLE"
    # The running build carries on where it was, with the same executions.
    final = wait_done(client, running, timeout=30)
    assert final["state"]["status"] == "AVAILABLE", final["state"]["reason"]
    executions = workflow_executions(client, running)
    assert [w["workflowExecutionId"] for w in executions] == list(before)
    assert {w["status"] for w in executions} == {"COMPLETED"}
    for execution in executions:
        steps = step_executions(client, execution["workflowExecutionId"])
        assert [s["stepExecutionId"] for s in steps] == [s["stepExecutionId"] for s in before[execution["workflowExecutionId"]]]
        assert {s["status"] for s in steps} <= {"COMPLETED", "SKIPPED"}
        for old, new in zip(before[execution["workflowExecutionId"]], steps, strict=True):
            if old["status"] == "COMPLETED":  # finished before the kill: not run again
                assert (new["startTime"], new["endTime"]) == (old["startTime"], old["endTime"])


TIMED_WAIT_BUILD = """\
schemaVersion: 1.0
steps:
  - name: LaunchBuildInstance
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: ApproveBuild
    action: WaitForAction
    timeoutSeconds: 1
  - name: TerminateBuildInstance
    action: TerminateInstance
    inputs:
      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId
"""


def test_wait_for_action_times_out_unanswered(client):
    build = workflow(client, "BUILD", TIMED_WAIT_BUILD)
    arn = create_image(client, workflows=[{"workflowArn": build}], executionRole=ROLE)
    image = wait_done(client, arn)
    assert image["state"]["status"] == "FAILED"
    execution = client.list_workflow_executions(imageBuildVersionArn=arn)["workflowExecutions"][0]
    steps = {s["name"]: s for s in client.list_workflow_step_executions(
        workflowExecutionId=execution["workflowExecutionId"])["steps"]}
    assert steps["ApproveBuild"]["status"] == "FAILED"
    assert "timed out" in steps["ApproveBuild"]["message"]
    assert [s for s in waiting_steps(client) if s["imageBuildVersionArn"] == arn] == []


WAITING_TEST = """\
schemaVersion: 1.0
steps:
  - name: AwaitTesters
    action: WaitForAction
"""


def test_tests_fail_the_image_after_timeout_minutes(server, tmp_path):
    """On a manual clock: a test workflow that waits past imageTestsConfiguration.timeoutMinutes."""
    with isolated_server(server, tmp_path, {"OIB_CLOCK": "manual"}) as manual:
        client = manual.client()
        build = "arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/x.x.x"
        test = workflow(client, "TEST", WAITING_TEST)
        arn = create_image(client, workflows=[{"workflowArn": build}, {"workflowArn": test}], executionRole=ROLE,
                           imageTestsConfiguration={"imageTestsEnabled": True, "timeoutMinutes": 60})
        wait_until(lambda: [s for s in waiting_steps(client) if s["imageBuildVersionArn"] == arn],
                   what="the test waiting")
        httpx.post(f"{manual.url}/_oib/clock", json={"advance": 59 * 60}).raise_for_status()
        # One minute before the deadline the build must not fail: it stays TESTING at every look.
        holds_for(lambda: get_image(client, arn)["state"]["status"] == "TESTING", 0.5,
                  what="the image testing before its deadline")
        httpx.post(f"{manual.url}/_oib/clock", json={"advance": 2 * 60}).raise_for_status()
        image = wait_done(client, arn)
        assert image["state"]["status"] == "FAILED"
        assert "did not finish within 60 minutes" in image["state"]["reason"]
