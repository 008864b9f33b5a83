"""Components through boto3 against a real `oib serve`."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from tests.conftest import new_account_id, unique

DOCUMENT = """\
name: hello
description: Says hello.
schemaVersion: 1.0
parameters:
  - Greeting:
      type: string
      default: hello
      description: What to say.
phases:
  - name: build
    steps:
      - name: SayHello
        action: ExecuteBash
        inputs:
          commands:
            - echo {{ Greeting }}
"""
TEST_DOCUMENT = """\
schemaVersion: 1.0
phases:
  - name: test
    steps:
      - name: CheckHello
        action: ExecuteBash
        inputs:
          commands: [test -n "$HOME"]
"""
BAD_STEP_DOCUMENT = """\
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Install PowerShell
        action: ExecuteBash
        inputs:
          commands: [echo hi]
"""
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
MANAGED = "arn:aws:imagebuilder:us-east-1:aws:component/update-linux"


def document(marker: str) -> str:
    """A valid document whose content differs by `marker`."""
    return DOCUMENT.replace("echo {{ Greeting }}", f"echo {{{{ Greeting }}}} {marker}")


def make(client, **overrides) -> str:
    """Creates a component; an override of None leaves that member out."""
    params = {"name": unique("comp"), "semanticVersion": "1.0.0", "platform": "Linux", "data": document("a"),
              **overrides}
    return client.create_component(**{k: v for k, v in params.items() if v is not None})[
        "componentBuildVersionArn"]


def error_of(info: pytest.ExceptionInfo) -> tuple[str, str]:
    error = info.value.response["Error"]
    return error["Code"], error["Message"]


def version_arn(build_arn: str) -> str:
    return build_arn.rsplit("/", 1)[0]


# -- create / get ---------------------------------------------------------------------------------
def test_create_and_get_every_field(client):
    created = client.create_component(
        name="My Hello_Component", semanticVersion="1.2.3", platform="Linux", data=DOCUMENT,
        description="first", changeDescription="initial", supportedOsVersions=["Amazon Linux 2"],
        kmsKeyId="arn:aws:kms:us-east-1:111122223333:key/abc", tags={"team": "a"})
    arn = created["componentBuildVersionArn"]
    account = arn.split(":")[4]
    assert arn == f"arn:aws:imagebuilder:us-east-1:{account}:component/my-hello-component/1.2.3/1"
    base = version_arn(arn).rsplit("/", 1)[0]
    assert created["latestVersionReferences"] == {
        "latestVersionArn": f"{base}/x.x.x", "latestMajorVersionArn": f"{base}/1.x.x",
        "latestMinorVersionArn": f"{base}/1.2.x", "latestPatchVersionArn": f"{base}/1.2.3"}

    got = client.get_component(componentBuildVersionArn=arn)
    component = got["component"]
    assert component == {
        "arn": arn, "name": "My Hello_Component", "version": "1.2.3", "description": "first",
        "changeDescription": "initial", "type": "BUILD", "platform": "Linux",
        "supportedOsVersions": ["Amazon Linux 2"], "state": {"status": "ACTIVE"},
        "parameters": [{"name": "Greeting", "type": "string", "defaultValue": ["hello"],
                        "description": "What to say."}],
        "owner": account, "data": DOCUMENT, "kmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/abc",
        "encrypted": True, "obfuscate": False, "dateCreated": component["dateCreated"], "tags": {"team": "a"},
    }
    assert DATE.match(component["dateCreated"])
    assert got["latestVersionReferences"] == created["latestVersionReferences"]


def test_minimal_create_leaves_unset_members_out(client):
    arn = make(client, data=TEST_DOCUMENT)
    component = client.get_component(componentBuildVersionArn=arn)["component"]
    assert component["type"] == "TEST"  # a single phase named test
    assert component["tags"] == {}
    for absent in ("description", "changeDescription", "supportedOsVersions", "parameters", "kmsKeyId", "publisher"):
        assert absent not in component


def test_identical_content_already_exists_and_changed_content_is_a_new_build(client):
    name = unique("builds")
    first = make(client, name=name)
    assert first.endswith("/1.0.0/1")
    with pytest.raises(ClientError) as info:
        make(client, name=name)
    assert error_of(info) == ("ResourceAlreadyExistsException",
                              f"The following resource 'Component' already exists: '{first}'.")
    second = make(client, name=name, data=document("b"))
    assert second.endswith("/1.0.0/2")
    third = make(client, name=name, description="same document, new description")
    assert third.endswith("/1.0.0/3")
    # Only the latest build counts: content equal to an older build is a change from the latest.
    fourth = make(client, name=name)
    assert fourth.endswith("/1.0.0/4")
    other_version = make(client, name=name, semanticVersion="1.0.1")
    assert other_version.endswith("/1.0.1/1")
    builds = client.list_component_build_versions(componentVersionArn=version_arn(first))["componentSummaryList"]
    assert [b["arn"] for b in builds] == [first, second, third, fourth]


def test_concurrent_creates_are_settled_by_the_database(server):
    account, name = new_account_id(), unique("race")

    def attempt(marker: str) -> str:
        try:
            return make(server.client(account), name=name, data=document(marker))
        except ClientError as error:
            return error.response["Error"]["Code"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        identical = list(pool.map(attempt, ["same"] * 4))
    created = [result for result in identical if result.startswith("arn:")]
    assert len(created) == 1 and created[0].endswith("/1")
    assert sorted(r for r in identical if not r.startswith("arn:")) == ["ResourceAlreadyExistsException"] * 3

    with ThreadPoolExecutor(max_workers=3) as pool:
        different = list(pool.map(attempt, ["x", "y", "z"]))
    assert sorted(arn.rsplit("/", 1)[1] for arn in different) == ["2", "3", "4"]


def test_get_by_version_wildcard_and_build(client):
    name = unique("get")
    first = make(client, name=name)
    second = make(client, name=name, data=document("b"))
    minor = make(client, name=name, semanticVersion="1.2.0")
    major = make(client, name=name, semanticVersion="2.0.0")
    base = version_arn(version_arn(first))  # .../component/<id>

    def fetch(arn: str) -> str:
        return client.get_component(componentBuildVersionArn=arn)["component"]["arn"]

    assert fetch(first) == first
    assert fetch(f"{base}/1.0.0") == second
    assert fetch(f"{base}/1.0.x") == second
    assert fetch(f"{base}/1.x.x") == minor
    assert fetch(f"{base}/x.x.x") == major
    references = client.get_component(componentBuildVersionArn=first)["latestVersionReferences"]
    # AWS's documented examples: wildcard ARNs derived from the resource's own version.
    assert references == {"latestVersionArn": f"{base}/x.x.x", "latestMajorVersionArn": f"{base}/1.x.x",
                          "latestMinorVersionArn": f"{base}/1.0.x", "latestPatchVersionArn": f"{base}/1.0.0"}

    with pytest.raises(ClientError) as info:
        fetch(f"{base}/x.1.x")
    assert error_of(info)[0] == "InvalidParameterValueException"
    for missing in (f"{base}/3.x.x", f"{base}/1.0.0/9", f"{base}-nothing/1.0.0"):
        with pytest.raises(ClientError) as info:
            fetch(missing)
        assert error_of(info) == ("ResourceNotFoundException", f"The resource ARN '{missing}' does not exist.")
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_aws_managed_components_are_gettable(client):
    got = client.get_component(componentBuildVersionArn=f"{MANAGED}/x.x.x")
    assert got["component"]["arn"] == f"{MANAGED}/1.0.2/1"
    assert got["component"]["owner"] == "Amazon"
    assert got["latestVersionReferences"]["latestVersionArn"] == f"{MANAGED}/x.x.x"
    assert client.get_component(componentBuildVersionArn=f"{MANAGED}/1.0.0/1")["component"]["version"] == "1.0.0"


# -- create: refusals ----------------------------------------------------------------------------
def test_semantic_version_wildcard_is_refused(client):
    with pytest.raises(ClientError) as info:
        make(client, semanticVersion="1.0.x")
    code, message = error_of(info)
    assert code == "InvalidParameterValueException"
    assert message.startswith("The value supplied for parameter 'semanticVersion' is not valid.")


def test_semantic_version_wildcard_message_is_aws_wording(client):
    with pytest.raises(ClientError) as info:
        make(client, semanticVersion="1.0.x")
    assert error_of(info)[1] == (r"The value supplied for parameter 'semanticVersion' is not valid. "
                                 r"semanticVersion must match pattern ^[0-9]+\.[0-9]+\.[0-9]+$")


def test_semantic_version_out_of_range_is_refused(client):
    with pytest.raises(ClientError) as info:
        make(client, semanticVersion="1.1073741824.0")
    assert error_of(info)[0] == "InvalidVersionNumberException"


def test_date_versions_with_leading_zeros_as_in_aws_examples(client):
    # AWS's create-component example: semanticVersion "2019.12.03" comes back as given in the ARN
    # and in GetComponent; wildcards and ordering use the numbers.
    name = unique("dated")
    first = make(client, name=name, semanticVersion="2019.12.03")
    assert first.endswith(f"/{name.lower()}/2019.12.03/1")
    assert client.get_component(componentBuildVersionArn=first)["component"]["version"] == "2019.12.03"
    newer = make(client, name=name, semanticVersion="2019.12.010", data=document("b"))
    account_arn = version_arn(version_arn(first))
    for wildcard, wanted in (("2019.12.x", newer), ("2019.x.x", newer), ("x.x.x", newer)):
        got = client.get_component(componentBuildVersionArn=f"{account_arn}/{wildcard}")["component"]["arn"]
        assert got == wanted, wildcard
    listed = client.list_components(filters=[{"name": "name", "values": [name]},
                                             {"name": "version", "values": ["2019.12.3"]}])["componentVersionList"]
    assert [entry["version"] for entry in listed] == ["2019.12.03"]
    ordered = client.list_components(filters=[{"name": "name", "values": [name]}])["componentVersionList"]
    assert [entry["version"] for entry in ordered] == ["2019.12.03", "2019.12.010"]


def test_invalid_documents_are_refused_with_aws_messages(client):
    with pytest.raises(ClientError) as info:
        make(client, data=BAD_STEP_DOCUMENT)
    assert error_of(info) == (
        "InvalidParameterValueException",
        ("The value supplied for parameter 'data' is not valid. Invalid step name 'Install PowerShell' in phase "
         "'build'. Allowed characters are combinations of numbers [0-9], english letters [a-z,A-Z] and special "
         "characters [-_]."))
    with pytest.raises(ClientError) as info:
        make(client, data="phases: []\n")
    assert error_of(info) == ("InvalidParameterValueException",
                              ("The value supplied for parameter 'data' is not valid. "
                               "Invalid schema version. Supported versions include: 1.0."))
    with pytest.raises(ClientError) as info:
        make(client, data=DOCUMENT.replace("ExecuteBash", "RunThing"), platform="Windows")
    assert error_of(info)[1].endswith("Error: Unsupported action RunThing for os platform windows.")


@pytest.mark.parametrize("data", [
    "schemaVersion: 1.0\nphases: " + "[" * 3000 + "]" * 3000,  # deeper than the parsers recurse
    '{"schemaVersion": ' + "9" * 5000 + "}",                    # a number longer than Python converts
    "x: &a [y,y,y,y,y,y,y,y,y,y]\n" + "".join(                 # "billion laughs"
        f"{n}: &{n} [{','.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcde", "bcdef", strict=True)) + DOCUMENT,
], ids=["deep", "long-number", "laughs"])
def test_documents_no_parser_can_take_are_refused(client, data):
    with pytest.raises(ClientError) as info:
        make(client, data=data)
    assert error_of(info)[0] == "InvalidParameterValueException"
    assert error_of(info)[1].startswith(
        "The value supplied for parameter 'data' is not valid. The document is not valid YAML or JSON")


def test_uri_and_data_must_be_exactly_one(client):
    with pytest.raises(ClientError) as info:
        make(client, data=None, uri="s3://bucket/component.yaml")
    code, message = error_of(info)
    assert code == "InvalidParameterValueException"
    assert message.startswith("The value supplied for parameter 'uri' is not valid.")
    assert "Amazon S3" in message
    with pytest.raises(ClientError) as info:
        make(client, uri="s3://bucket/component.yaml")
    assert error_of(info)[0] == "InvalidParameterCombinationException"
    with pytest.raises(ClientError) as info:
        make(client, data=None)
    assert error_of(info)[0] == "InvalidRequestException"
    assert client.list_components()["componentVersionList"] == []


# -- idempotency and dry run ----------------------------------------------------------------------
def test_client_token_replays_and_refuses_other_parameters(client):
    name = unique("token")
    first = client.create_component(name=name, semanticVersion="1.0.0", platform="Linux", data=DOCUMENT,
                                    clientToken="token-1")
    again = client.create_component(name=name, semanticVersion="1.0.0", platform="Linux", data=DOCUMENT,
                                    clientToken="token-1")
    assert again["componentBuildVersionArn"] == first["componentBuildVersionArn"]
    assert again["clientToken"] == "token-1"
    builds = client.list_component_build_versions(componentVersionArn=version_arn(first["componentBuildVersionArn"]))
    assert len(builds["componentSummaryList"]) == 1
    with pytest.raises(ClientError) as info:
        client.create_component(name=name, semanticVersion="1.0.0", platform="Linux", data=document("b"),
                                clientToken="token-1")
    assert error_of(info)[0] == "IdempotentParameterMismatchException"


def test_dry_run_creates_nothing(client):
    name = unique("dry")
    with pytest.raises(ClientError) as info:
        make(client, name=name, dryRun=True)
    assert error_of(info)[0] == "DryRunOperationException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert client.list_components()["componentVersionList"] == []
    assert make(client, name=name).endswith("/1.0.0/1")  # the dry run used no build number


# -- lists ----------------------------------------------------------------------------------------
def test_list_has_one_entry_per_version_with_its_newest_build(client):
    name = unique("list")
    make(client, name=name, description="old")
    newest = make(client, name=name, description="new", supportedOsVersions=["Ubuntu 22"])
    make(client, name=name, semanticVersion="1.1.0", data=TEST_DOCUMENT)
    entries = client.list_components()["componentVersionList"]
    assert [(e["version"], e.get("description")) for e in entries] == [("1.0.0", "new"), ("1.1.0", None)]
    account = newest.split(":")[4]
    assert entries[0] == {"arn": version_arn(newest), "name": name, "version": "1.0.0", "description": "new",
                          "platform": "Linux", "supportedOsVersions": ["Ubuntu 22"], "type": "BUILD",
                          "owner": account, "dateCreated": entries[0]["dateCreated"], "status": "ACTIVE"}


def test_list_filters(client):
    web, webapp, other = "web", "webapp Server", "my-web-tool"
    make(client, name=web, supportedOsVersions=["Ubuntu 22"])
    make(client, name=webapp, semanticVersion="2.0.0", data=TEST_DOCUMENT)
    make(client, name=other, platform="Windows", description="tool")

    def names(*filters, **params) -> list[str]:
        listed = client.list_components(filters=[{"name": n, "values": v} for n, v in filters], **params)
        return [entry["name"] for entry in listed["componentVersionList"]]

    assert names(("name", ["web"])) == [web]
    assert names(("name", ["web*"])) == [web, webapp]
    assert names(("name", ["*web*"])) == [other, web, webapp]
    assert names(("platform", ["Windows"])) == [other]
    assert names(("type", ["TEST"])) == [webapp]
    assert names(("supportedOsVersion", ["Ubuntu 22", "Amazon Linux 2"])) == [web]
    assert names(("description", ["tool"])) == [other]
    assert names(("version", ["2.x.x"])) == [webapp]
    assert names(("version", ["1.0.0"]), ("platform", ["Linux"])) == [web]
    assert names(("status", ["ACTIVE"])) == [other, web, webapp]
    assert names(("status", ["DEPRECATED"])) == []
    with pytest.raises(ClientError) as info:
        names(("colour", ["blue"]))
    assert error_of(info)[0] == "InvalidParameterValueException"
    assert "filters[0].name" in error_of(info)[1]
    with pytest.raises(ClientError) as info:
        names(("version", ["1.0.0"]), byName=True)
    assert error_of(info)[0] == "InvalidParameterCombinationException"


def test_list_product_codes_filter_matches_no_component_without_product_codes(client):
    # Product codes come with AWS Marketplace components, which this service has none of; a created
    # component has none (CreateComponent takes none), and neither has any AWS-managed one.
    make(client)

    def listed(owner: str, *values: str) -> list[dict]:
        filters = {"filters": [{"name": "productCodes", "values": list(values)}]} if values else {}
        return client.list_components(owner=owner, **filters)["componentVersionList"]

    assert len(listed("Self")) == 1 and listed("Amazon")
    assert listed("Self", "prod-abc123") == []
    assert listed("Amazon", "prod-abc123") == []


def test_list_by_name_gives_each_name_once_at_its_newest_version(client):
    name = unique("byname")
    make(client, name=name)
    newest = make(client, name=name, semanticVersion="1.10.0")
    make(client, name=name, semanticVersion="1.9.0")
    other = make(client, name=unique("zz"))
    entries = client.list_components(byName=True)["componentVersionList"]
    assert [entry["arn"] for entry in entries] == [version_arn(newest), version_arn(other)]


def test_list_paginates_without_splitting_versions(client):
    names = sorted(unique("page") for _ in range(5))
    for name in names:
        make(client, name=name)
    make(client, name=names[2], data=document("b"))  # a second build: still one entry
    make(client, name=names[2], semanticVersion="1.0.1")
    pages = list(client.get_paginator("list_components").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(page["componentVersionList"]) for page in pages] == [2, 2, 2]
    listed = [(e["name"], e["version"]) for page in pages for e in page["componentVersionList"]]
    assert listed == [(names[0], "1.0.0"), (names[1], "1.0.0"), (names[2], "1.0.0"), (names[2], "1.0.1"),
                      (names[3], "1.0.0"), (names[4], "1.0.0")]
    with pytest.raises(ClientError) as info:
        client.list_components(nextToken="forged")
    assert error_of(info)[0] == "InvalidPaginationTokenException"


def test_list_owners(client):
    make(client)
    amazon = client.list_components(owner="Amazon", filters=[{"name": "name", "values": ["update-linux"]}])
    assert [(e["arn"], e["owner"]) for e in amazon["componentVersionList"]] == [
        (f"{MANAGED}/1.0.0", "Amazon"), (f"{MANAGED}/1.0.2", "Amazon")]
    by_name = client.list_components(owner="Amazon", byName=True, filters=[{"name": "name", "values": ["update-*"]}])
    assert f"{MANAGED}/1.0.2" in [e["arn"] for e in by_name["componentVersionList"]]
    assert f"{MANAGED}/1.0.0" not in [e["arn"] for e in by_name["componentVersionList"]]
    pages = list(client.get_paginator("list_components").paginate(owner="Amazon", PaginationConfig={"PageSize": 2}))
    assert all(len(page["componentVersionList"]) <= 2 for page in pages) and len(pages) > 1
    for owner in ("Shared", "ThirdParty", "AWSMarketplace"):
        assert client.list_components(owner=owner)["componentVersionList"] == []


def test_list_build_versions(client):
    name = unique("lbv")
    builds = [make(client, name=name, data=document(marker)) for marker in "abcd"]
    make(client, name=name, semanticVersion="2.0.0")
    pages = list(client.get_paginator("list_component_build_versions").paginate(
        componentVersionArn=version_arn(builds[0]), PaginationConfig={"PageSize": 3}))
    summaries = [s for page in pages for s in page["componentSummaryList"]]
    assert [s["arn"] for s in summaries] == builds
    assert [len(page["componentSummaryList"]) for page in pages] == [3, 1]
    assert summaries[0]["state"] == {"status": "ACTIVE"} and summaries[0]["type"] == "BUILD"
    everything = client.list_component_build_versions()["componentSummaryList"]
    assert len(everything) == 5
    base = version_arn(version_arn(builds[0]))
    for nothing in (f"{base}/9.9.9", f"{MANAGED}/1.0.2"):
        assert client.list_component_build_versions(componentVersionArn=nothing)["componentSummaryList"] == []


def test_accounts_are_isolated(server):
    first, second = server.client(), server.client()
    arn = make(first)
    with pytest.raises(ClientError) as info:
        second.get_component(componentBuildVersionArn=arn)
    assert error_of(info)[0] == "ResourceNotFoundException"
    assert second.list_components()["componentVersionList"] == []
    assert second.list_component_build_versions(componentVersionArn=version_arn(arn))["componentSummaryList"] == []


# -- delete ---------------------------------------------------------------------------------------
def test_delete_then_not_found(client):
    arn = make(client)
    assert client.delete_component(componentBuildVersionArn=arn)["componentBuildVersionArn"] == arn
    for call in (client.get_component, client.delete_component):
        with pytest.raises(ClientError) as info:
            call(componentBuildVersionArn=arn)
        assert error_of(info) == ("ResourceNotFoundException", f"The resource ARN '{arn}' does not exist.")
    with pytest.raises(ClientError) as info:
        client.delete_component(componentBuildVersionArn=f"{MANAGED}/1.0.2/1")
    assert error_of(info)[0] == "ForbiddenException"


def test_delete_refused_while_a_recipe_needs_the_build(client):
    name = unique("dep")
    first = make(client, name=name)
    client.create_image_recipe(
        name=unique("recipe"), semanticVersion="1.0.0",
        parentImage="arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x",
        components=[{"componentArn": version_arn(first)}])
    with pytest.raises(ClientError) as info:
        client.delete_component(componentBuildVersionArn=first)
    assert error_of(info) == (
        "ResourceDependencyException",
        f"Resource dependency error: The resource ARN '{first}' has other resources depended on it.")
    second = make(client, name=name, data=document("b"))
    client.delete_component(componentBuildVersionArn=first)  # the version still resolves, to build 2
    with pytest.raises(ClientError) as info:
        client.delete_component(componentBuildVersionArn=second)
    assert error_of(info)[0] == "ResourceDependencyException"
