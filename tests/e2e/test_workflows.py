"""Workflows through boto3 against a real `oib serve`."""
import concurrent.futures
import re

import pytest
from botocore.exceptions import ClientError

from tests.conftest import unique
from tests.e2e import helpers

MANAGED_BUILD_IMAGE = f"{helpers.MANAGED}:workflow/build/build-image/x.x.x"
VERSION_PATTERN = r"^[0-9]+\.[0-9]+\.[0-9]+$"

BUILD_DOCUMENT = """\
name: my-build
description: Builds an image
schemaVersion: 1.0
parameters:
  - name: waitForInput
    type: boolean
    default: false
    description: Pause before building
steps:
  - name: LaunchBuildInstance
    action: LaunchInstance
    onFailure: Abort
    inputs:
      waitFor: ssmAgent
  - name: ApplyBuildComponents
    action: ExecuteComponents
    inputs:
      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId
  - name: CreateOutputAMI
    action: CreateImage
    inputs:
      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId
  - name: TerminateBuildInstance
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId
outputs:
  - name: ImageId
    value: $.stepOutputs.CreateOutputAMI.imageId
"""

TEST_DOCUMENT = """\
schemaVersion: 1.0
steps:
  - name: LaunchTestInstance
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: RunTestComponents
    action: ExecuteComponents
    inputs:
      instanceId.$: $.stepOutputs.LaunchTestInstance.instanceId
  - name: TerminateTestInstance
    action: TerminateInstance
    inputs:
      instanceId.$: $.stepOutputs.LaunchTestInstance.instanceId
"""

DISTRIBUTION_DOCUMENT = """\
schemaVersion: 1.0
steps:
  - name: DistributeOutputImage
    action: DistributeImage
"""

DOCUMENTS = {"BUILD": BUILD_DOCUMENT, "TEST": TEST_DOCUMENT, "DISTRIBUTION": DISTRIBUTION_DOCUMENT}


def make(client, type_="BUILD", **overrides):
    params = {"name": unique("wf"), "semanticVersion": "1.0.0", "type": type_, "data": DOCUMENTS[type_],
              **overrides}
    return client.create_workflow(**params)["workflowBuildVersionArn"]


def error_of(info):
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def account_of(client):
    return client._request_signer._credentials.access_key


# -- create / get ---------------------------------------------------------------------------------
@pytest.mark.parametrize("type_", ["BUILD", "TEST", "DISTRIBUTION"])
def test_create_and_get_each_type(client, type_):
    name = unique("My_Flow")
    response = client.create_workflow(name=name, semanticVersion="2.1.0", type=type_, data=DOCUMENTS[type_],
                                      description="first", changeDescription="initial")
    arn = response["workflowBuildVersionArn"]
    account = account_of(client)
    version_arn = f"arn:aws:imagebuilder:us-east-1:{account}:workflow/{type_.lower()}/{name.lower().replace('_', '-')}/2.1.0"
    assert arn == f"{version_arn}/1"
    assert set(response["latestVersionReferences"]) == {
        "latestVersionArn", "latestMajorVersionArn", "latestMinorVersionArn", "latestPatchVersionArn"}

    got = client.get_workflow(workflowBuildVersionArn=arn)
    workflow = got["workflow"]
    assert {key: workflow[key] for key in ("arn", "name", "version", "type", "owner", "description",
                                           "changeDescription", "data", "tags", "state")} == {
        "arn": arn, "name": name, "version": "2.1.0", "type": type_, "owner": account, "description": "first",
        "changeDescription": "initial", "data": DOCUMENTS[type_], "tags": {}, "state": {"status": "ACTIVE"}}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", workflow["dateCreated"])
    assert "kmsKeyId" not in workflow
    assert got["latestVersionReferences"] == response["latestVersionReferences"]
    assert all(reference.startswith(f"{version_arn.rsplit('/', 1)[0]}/")
               for reference in got["latestVersionReferences"].values())


def test_parameters_come_from_the_document(client):
    document = BUILD_DOCUMENT.replace("parameters:\n", """parameters:
  - name: region
    type: string
    default: us-east-1
  - name: retries
    type: integer
    default: 3
  - name: regions
    type: stringList
    default: [a, b]
  - name: plain
    type: string
""", 1)
    arn = make(client, data=document, kmsKeyId="alias/mine", tags={"team": "x"})
    workflow = client.get_workflow(workflowBuildVersionArn=arn)["workflow"]
    assert workflow["parameters"] == [
        {"name": "region", "type": "string", "defaultValue": ["us-east-1"]},
        {"name": "retries", "type": "integer", "defaultValue": ["3"]},
        {"name": "regions", "type": "stringList", "defaultValue": ["a", "b"]},
        {"name": "plain", "type": "string"},
        {"name": "waitForInput", "type": "boolean", "defaultValue": ["false"], "description": "Pause before building"},
    ]
    assert workflow["kmsKeyId"] == "alias/mine" and workflow["tags"] == {"team": "x"}
    assert "parameters" not in client.get_workflow(workflowBuildVersionArn=make(client, "TEST"))["workflow"]


def test_build_numbers_and_already_exists(client):
    name = unique("wf")
    first = make(client, name=name)
    with pytest.raises(ClientError) as info:
        make(client, name=name)
    assert error_of(info) == ("ResourceAlreadyExistsException",
                              f"The following resource 'Workflow' already exists: '{first}'.")
    second = make(client, name=name, description="changed")
    assert second == first[:-1] + "2"
    # Only the latest build counts: content equal to build 1 makes build 3.
    assert make(client, name=name) == first[:-1] + "3"
    # Tags are not content, so they alone make no build.
    with pytest.raises(ClientError) as info:
        make(client, name=name, tags={"a": "b"})
    assert error_of(info)[0] == "ResourceAlreadyExistsException"
    # Names equal after normalization are the same workflow; the spelling is content.
    assert make(client, name=name.upper()) == first[:-1] + "4"
    assert make(client, name=name, semanticVersion="1.0.1").endswith("/1.0.1/1")


def test_same_name_in_another_type_is_another_workflow(client):
    name = unique("wf")
    build = make(client, name=name)
    test = make(client, "TEST", name=name)
    assert "/build/" in build and "/test/" in test and build.endswith("/1") and test.endswith("/1")


def test_wildcard_semantic_version_rejected(client):
    with pytest.raises(ClientError) as info:
        make(client, semanticVersion="1.0.x")
    assert error_of(info) == (
        "InvalidParameterValueException",
        (f"The value supplied for parameter 'semanticVersion' is not valid. semanticVersion must match pattern "
         f"{VERSION_PATTERN}"))


def test_leading_zeros_accepted_range_rejected(client):
    # AWS documents dates such as 2021.01.01 as versions; the text is kept as given.
    assert make(client, semanticVersion="2021.01.01").endswith("/2021.01.01/1")
    for version in ("1073741824.0.0", "01.0.1073741824"):
        with pytest.raises(ClientError) as info:
            make(client, semanticVersion=version)
        assert error_of(info)[0] == "InvalidVersionNumberException"


@pytest.mark.parametrize("data, detail", [
    ("schemaVersion: 2.0\nsteps: []", "Invalid schemaVersion '2.0'. The only supported schema version is 1.0."),
    ("schemaVersion: 1.0\nsteps:\n  - name: Go\n    action: LaunchInstance\n",
     ("Invalid step name 'Go'. Allowed characters are alphanumeric characters and underscores; the name must "
      "start with a letter and be 3 to 100 characters long.")),
    ("schemaVersion: 1.0\nsteps:\n  - name: Launch\n    action: Teleport\n",
     "Invalid action 'Teleport' in step 'Launch'. Allowed actions are "),
    ("steps:\n  - name: Launch\n    action: LaunchInstance\n",
     "The workflow document is missing required field 'schemaVersion'."),
    ("schemaVersion: 1.0\nsteps: [", "The workflow document is not valid YAML or JSON: "),
    ("schemaVersion: " + "9" * 5000, "The workflow document is not valid YAML or JSON: it has a number or date"),
    ("schemaVersion: 1.0\nsteps: " + "[" * 3000 + "]" * 3000,
     "The workflow document is not valid YAML or JSON: it is nested too deeply."),
    ("schemaVersion: 1.0\nsteps: &s [*s]", "The workflow document is not valid YAML or JSON: it holds more than"),
])
def test_invalid_documents(client, data, detail):
    with pytest.raises(ClientError) as info:
        make(client, data=data)
    code, message = error_of(info)
    assert code == "InvalidParameterValueException"
    assert message.startswith(f"The value supplied for parameter 'data' is not valid. {detail}")


def test_action_must_suit_the_workflow_type(client):
    with pytest.raises(ClientError) as info:
        make(client, "BUILD", data=DISTRIBUTION_DOCUMENT)
    assert error_of(info) == (
        "InvalidParameterValueException",
        ("The value supplied for parameter 'data' is not valid. Action 'DistributeImage' in step "
         "'DistributeOutputImage' is not supported in BUILD workflows. It is supported in DISTRIBUTION workflows."))
    assert make(client, "DISTRIBUTION").split(":")[5].startswith("workflow/distribution/")


def test_exactly_one_of_data_or_uri_and_uri_refused(client):
    base = {"name": unique("wf"), "semanticVersion": "1.0.0", "type": "BUILD"}
    with pytest.raises(ClientError) as info:
        client.create_workflow(**base, uri="s3://bucket/workflow.yaml")
    code, message = error_of(info)
    assert code == "InvalidParameterValueException"
    assert message.startswith("The value supplied for parameter 'uri' is not valid.") and "data" in message
    with pytest.raises(ClientError) as info:
        client.create_workflow(**base, uri="s3://bucket/workflow.yaml", data=BUILD_DOCUMENT)
    assert error_of(info)[0] == "InvalidParameterCombinationException"
    with pytest.raises(ClientError) as info:
        client.create_workflow(**base)
    assert error_of(info)[0] == "InvalidRequestException"


# -- get by reference -------------------------------------------------------------------------------
def test_get_by_version_wildcard_and_build_arn(client):
    name = unique("wf")
    for version, description in (("1.0.0", "a"), ("1.0.0", "b"), ("1.2.0", "c"), ("2.0.0", "d")):
        make(client, name=name, semanticVersion=version, description=description)
    base = make(client, name=name, semanticVersion="1.0.0", description="e").rsplit("/", 2)[0]

    def got(reference):
        return client.get_workflow(workflowBuildVersionArn=reference)["workflow"]["arn"]

    assert got(f"{base}/1.0.0") == f"{base}/1.0.0/3"
    assert got(f"{base}/1.0.0/2") == f"{base}/1.0.0/2"
    assert got(f"{base}/1.x.x") == f"{base}/1.2.0/1"
    assert got(f"{base}/x.x.x") == f"{base}/2.0.0/1"
    # Each reference, used as written, reaches the newest build at its level.
    references = client.get_workflow(workflowBuildVersionArn=f"{base}/1.0.0/1")["latestVersionReferences"]
    assert {key: got(reference) for key, reference in references.items()} == {
        "latestVersionArn": f"{base}/2.0.0/1", "latestMajorVersionArn": f"{base}/1.2.0/1",
        "latestMinorVersionArn": f"{base}/1.0.0/3", "latestPatchVersionArn": f"{base}/1.0.0/3"}
    for missing in (f"{base}/3.x.x", f"{base}/1.0.0/9", base.replace("/build/", "/test/") + "/1.0.0"):
        with pytest.raises(ClientError) as info:
            client.get_workflow(workflowBuildVersionArn=missing)
        assert error_of(info) == ("ResourceNotFoundException", f"The resource ARN '{missing}' does not exist.")
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_another_accounts_workflow_is_not_found(server, client):
    arn = make(client)
    with pytest.raises(ClientError) as info:
        server.client().get_workflow(workflowBuildVersionArn=arn)
    assert error_of(info)[0] == "ResourceNotFoundException"


def test_get_aws_managed_build_image(client):
    got = client.get_workflow(workflowBuildVersionArn=MANAGED_BUILD_IMAGE)
    workflow = got["workflow"]
    assert workflow["arn"] == f"{helpers.MANAGED}:workflow/build/build-image/1.0.2/1"
    assert (workflow["name"], workflow["type"], workflow["owner"]) == ("build-image", "BUILD", "Amazon")
    assert workflow["state"] == {"status": "ACTIVE"}
    assert "LaunchBuildInstance" in workflow["data"]
    latest = got["latestVersionReferences"]["latestVersionArn"]
    assert client.get_workflow(workflowBuildVersionArn=latest)["workflow"]["arn"] == workflow["arn"]
    pinned = client.get_workflow(workflowBuildVersionArn=f"{helpers.MANAGED}:workflow/build/build-image/1.0.0/1")
    assert pinned["workflow"]["version"] == "1.0.0"


# -- list -------------------------------------------------------------------------------------------
def test_list_self_gives_one_entry_per_version(client):
    name = unique("wf")
    make(client, name=name)
    make(client, name=name, description="second build")
    make(client, name=name, semanticVersion="1.1.0")
    make(client, "TEST", name=name)
    listed = client.list_workflows()["workflowVersionList"]
    account = account_of(client)
    base = f"arn:aws:imagebuilder:us-east-1:{account}:workflow"
    assert [(entry["arn"], entry["version"], entry["type"]) for entry in listed] == [
        (f"{base}/build/{name}/1.0.0", "1.0.0", "BUILD"),
        (f"{base}/build/{name}/1.1.0", "1.1.0", "BUILD"),
        (f"{base}/test/{name}/1.0.0", "1.0.0", "TEST"),
    ]
    assert listed[0]["description"] == "second build"  # the version's newest build
    assert set(listed[0]) == {"arn", "name", "version", "description", "type", "owner", "dateCreated"}
    assert listed[0]["owner"] == account


def test_list_amazon_and_owner_values(client):
    make(client)
    managed = client.list_workflows(owner="Amazon")["workflowVersionList"]
    assert {(entry["name"], entry["version"]) for entry in managed} >= {("build-image", "1.0.2"),
                                                                       ("test-image", "1.0.1")}
    assert all(entry["owner"] == "Amazon" and entry["arn"].startswith(helpers.MANAGED) for entry in managed)
    by_name = client.list_workflows(owner="Amazon", byName=True)["workflowVersionList"]
    assert [entry["version"] for entry in by_name if entry["name"] == "build-image"] == ["1.0.2"]
    assert client.list_workflows(owner="AWSMarketplace")["workflowVersionList"] == []
    for owner in ("Shared", "ThirdParty"):
        with pytest.raises(ClientError) as info:
            client.list_workflows(owner=owner)
        code, message = error_of(info)
        assert code == "InvalidParameterValueException" and message.startswith(
            "The value supplied for parameter 'owner' is not valid.")


def test_list_filters(client):
    web, other = unique("web"), unique("other")
    make(client, name=web, description="alpha")
    make(client, name=web, semanticVersion="2.0.0", description="beta")
    make(client, "TEST", name=other, description="alpha")

    def names(*filters, **extra):
        listed = client.list_workflows(filters=list(filters), **extra)["workflowVersionList"]
        return [(entry["name"], entry["version"]) for entry in listed]

    assert names({"name": "name", "values": [web]}) == [(web, "1.0.0"), (web, "2.0.0")]
    assert names({"name": "name", "values": ["web*"]}) == [(web, "1.0.0"), (web, "2.0.0")]
    assert names({"name": "name", "values": [f"*{other[2:8]}*"]}) == [(other, "1.0.0")]
    assert names({"name": "type", "values": ["TEST"]}) == [(other, "1.0.0")]
    assert names({"name": "version", "values": ["2.0.0"]}) == [(web, "2.0.0")]
    assert names({"name": "description", "values": ["alpha"]}) == [(other, "1.0.0"), (web, "1.0.0")]
    assert names({"name": "description", "values": ["alpha"]}, {"name": "type", "values": ["BUILD"]}) == [
        (web, "1.0.0")]
    with pytest.raises(ClientError) as info:
        names({"name": "platform", "values": ["Linux"]})
    assert error_of(info) == (
        "InvalidParameterValueException",
        ("The value supplied for parameter 'filters[0].name' is not valid. The filter name 'platform' is not "
         "supported. Supported filters: [description, name, type, version]."))


def test_list_by_name(client):
    name = unique("wf")
    make(client, name=name)
    make(client, name=name, semanticVersion="1.5.0", description="newest")
    make(client, "TEST", name=name)
    listed = client.list_workflows(byName=True)["workflowVersionList"]
    assert [(entry["type"], entry["version"], entry.get("description")) for entry in listed] == [
        ("BUILD", "1.5.0", "newest"), ("TEST", "1.0.0", None)]
    assert listed[0]["arn"].endswith(f"/build/{name}/1.5.0")
    with pytest.raises(ClientError) as info:
        client.list_workflows(byName=True, filters=[{"name": "version", "values": ["1.0.0"]}])
    assert error_of(info)[0] == "InvalidParameterCombinationException"


def test_list_pagination(client):
    names = sorted(unique("page") for _ in range(4))
    for name in names:
        make(client, name=name)
        make(client, name=name, description="second build")  # builds never add entries
    pages = list(client.get_paginator("list_workflows").paginate(PaginationConfig={"PageSize": 3}))
    assert [len(page["workflowVersionList"]) for page in pages] == [3, 1]
    assert [entry["name"] for page in pages for entry in page["workflowVersionList"]] == names
    with pytest.raises(ClientError) as info:
        client.list_workflows(nextToken="forged")
    assert error_of(info)[0] == "InvalidPaginationTokenException"


def test_list_build_versions(client):
    name = unique("wf")
    first = make(client, name=name, tags={"k": "v"})
    make(client, name=name, description="b")
    make(client, name=name, semanticVersion="1.1.0")
    make(client, "TEST", name=name)
    base = first.rsplit("/", 2)[0]

    def arns(**params):
        pages = client.get_paginator("list_workflow_build_versions").paginate(
            PaginationConfig={"PageSize": 2}, **params)
        return [summary["arn"] for page in pages for summary in page["workflowSummaryList"]]

    assert arns(workflowVersionArn=f"{base}/1.0.0") == [f"{base}/1.0.0/1", f"{base}/1.0.0/2"]
    assert arns(workflowVersionArn=f"{base}/x.x.x") == [f"{base}/1.0.0/1", f"{base}/1.0.0/2", f"{base}/1.1.0/1"]
    assert len(arns()) == 4  # no ARN: every build the account owns
    assert arns(workflowVersionArn=f"{base}/9.x.x") == []
    summary = client.list_workflow_build_versions(workflowVersionArn=f"{base}/1.0.0")["workflowSummaryList"][0]
    assert set(summary) == {"arn", "name", "version", "type", "owner", "state", "dateCreated", "tags"}
    assert summary["tags"] == {"k": "v"} and summary["state"] == {"status": "ACTIVE"}
    managed = arns(workflowVersionArn=MANAGED_BUILD_IMAGE)
    assert managed == [f"{helpers.MANAGED}:workflow/build/build-image/1.0.0/1",
                       f"{helpers.MANAGED}:workflow/build/build-image/1.0.2/1"]


# -- delete -----------------------------------------------------------------------------------------
def test_delete_one_build(client):
    name = unique("wf")
    first = make(client, name=name)
    second = make(client, name=name, description="b")
    assert client.delete_workflow(workflowBuildVersionArn=first)["workflowBuildVersionArn"] == first
    with pytest.raises(ClientError) as info:
        client.get_workflow(workflowBuildVersionArn=first)
    assert error_of(info)[0] == "ResourceNotFoundException"
    assert client.get_workflow(workflowBuildVersionArn=second.rsplit("/", 1)[0])["workflow"]["arn"] == second
    with pytest.raises(ClientError) as info:
        client.delete_workflow(workflowBuildVersionArn=first)
    assert error_of(info) == ("ResourceNotFoundException", f"The resource ARN '{first}' does not exist.")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_aws_managed_cannot_be_deleted(client):
    with pytest.raises(ClientError) as info:
        client.delete_workflow(workflowBuildVersionArn=f"{helpers.MANAGED}:workflow/build/build-image/1.0.2/1")
    assert error_of(info)[0] == "ForbiddenException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_delete_refused_while_a_pipeline_needs_it(client):
    name = unique("wf")
    only = make(client, name=name)
    pipeline = helpers.pipeline(client, workflows=[{"workflowArn": only.rsplit("/", 2)[0] + "/1.x.x"}],
                                executionRole="arn:aws:iam::123456789012:role/builder")
    with pytest.raises(ClientError) as info:
        client.delete_workflow(workflowBuildVersionArn=only)
    assert error_of(info) == (
        "ResourceDependencyException",
        f"Resource dependency error: The resource ARN '{only}' has other resources depended on it.")
    # Another build the reference resolves to frees this one.
    newer = make(client, name=name, description="b")
    client.delete_workflow(workflowBuildVersionArn=only)
    client.delete_image_pipeline(imagePipelineArn=pipeline)
    client.delete_workflow(workflowBuildVersionArn=newer)


def test_concurrent_creates_number_builds_without_gaps(server):
    account = account_of(server.client())
    name = unique("wf")

    def create(description):
        try:
            return make(server.client(account_id=account), name=name, description=description).rsplit("/", 1)[1]
        except ClientError as error:
            return error.response["Error"]["Code"]

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        distinct = sorted(pool.map(create, [f"d{i}" for i in range(6)]))
    assert distinct == ["1", "2", "3", "4", "5", "6"]
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        same = sorted(pool.map(create, ["same"] * 6))
    assert same == ["7"] + ["ResourceAlreadyExistsException"] * 5


# -- generic behaviour ------------------------------------------------------------------------------
def test_idempotent_retry_and_mismatch(client):
    params = {"name": unique("wf"), "semanticVersion": "1.0.0", "type": "BUILD", "data": BUILD_DOCUMENT,
              "clientToken": unique("token")}
    first = client.create_workflow(**params)
    again = client.create_workflow(**params)
    assert again["workflowBuildVersionArn"] == first["workflowBuildVersionArn"]
    assert again["clientToken"] == params["clientToken"]
    with pytest.raises(ClientError) as info:
        client.create_workflow(**{**params, "description": "different"})
    assert error_of(info)[0] == "IdempotentParameterMismatchException"


def test_dry_run_writes_nothing(client):
    name = unique("wf")
    with pytest.raises(ClientError) as info:
        make(client, name=name, dryRun=True)
    assert error_of(info)[0] == "DryRunOperationException"
    assert client.list_workflows(filters=[{"name": "name", "values": [name]}])["workflowVersionList"] == []
    with pytest.raises(ClientError) as info:
        make(client, name=name, dryRun=True, data="schemaVersion: 1.0\nsteps: []")
    assert error_of(info)[0] == "InvalidParameterValueException"  # validation still runs
