"""s3:// URIs the service reads through --s3-endpoint-url (a local moto server here): component and
workflow documents (CreateComponent, CreateWorkflow, ImportComponent `uri`) and Dockerfile
templates (CreateContainerRecipe `dockerfileTemplateUri`), read once at creation and kept, as AWS
documents; and the errors for objects that cannot be read."""
from __future__ import annotations

import contextlib
import time

import botocore.session
import pytest
from botocore.exceptions import ClientError

from tests.conftest import STORES, scratch_database, start_server, stop_process, unique
from tests.s3_fixtures import moto_server

BUCKET = "documents"
COMPONENT = """name: from-s3
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Hello
        action: ExecuteBash
        inputs:
          commands: [echo read from s3]
"""
WORKFLOW = """name: from-s3
schemaVersion: 1.0
steps:
  - name: Launch
    action: LaunchInstance
    onFailure: Abort
    inputs:
      waitFor: ssmAgent
"""
TEMPLATE = "FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:components }}}\nLABEL source=s3\n"


@pytest.fixture(scope="module")
def endpoint():
    with moto_server() as url:
        s3 = botocore.session.get_session().create_client(
            "s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
            aws_secret_access_key="testing")
        s3.create_bucket(Bucket=BUCKET)
        for key, body in [("component.yaml", COMPONENT), ("workflow.yaml", WORKFLOW), ("Dockerfile", TEMPLATE),
                          ("script.sh", "echo imported from s3\n")]:
            s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())
        s3.put_object(Bucket=BUCKET, Key="large.yaml", Body=b"#" * (64 * 1024 + 1))
        s3.put_object(Bucket=BUCKET, Key="binary.yaml", Body=b"\xff\xfe\x00")
        s3.put_object(Bucket=BUCKET, Key="windows.iso", Body=b"an installation disk")
        yield url


@pytest.fixture(scope="module", params=STORES)
def client(request, endpoint, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"s3-{request.param}")
    env = {"OIB_S3_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(scratch_database()) if request.param == "postgresql" else ""
        server = start_server(request.param, database_url, tmp, env)
        stack.callback(stop_process, server.process)
        yield server.client()


def _error(call, **params) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**params)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def test_documents_given_by_s3_uri_are_read_at_creation_and_kept(client):
    component = client.create_component(name=unique("c"), semanticVersion="1.0.0", platform="Linux",
                                        uri=f"s3://{BUCKET}/component.yaml")["componentBuildVersionArn"]
    assert client.get_component(componentBuildVersionArn=component)["component"]["data"] == COMPONENT
    workflow = client.create_workflow(name=unique("w"), semanticVersion="1.0.0", type="BUILD",
                                      uri=f"s3://{BUCKET}/workflow.yaml")["workflowBuildVersionArn"]
    assert client.get_workflow(workflowBuildVersionArn=workflow)["workflow"]["data"] == WORKFLOW
    imported = client.import_component(name=unique("i"), semanticVersion="1.0.0", type="BUILD", format="SHELL",
                                       platform="Linux", uri=f"s3://{BUCKET}/script.sh",
                                       clientToken=unique("t"))["componentBuildVersionArn"]
    assert "echo imported from s3" in client.get_component(componentBuildVersionArn=imported)["component"]["data"]
    recipe = client.create_container_recipe(
        containerType="DOCKER", name=unique("r"), semanticVersion="1.0.0", parentImage="busybox:latest",
        platformOverride="Linux", components=[{"componentArn": component}],
        dockerfileTemplateUri=f"s3://{BUCKET}/Dockerfile",
        targetRepository={"service": "ECR", "repositoryName": "app"})["containerRecipeArn"]
    got = client.get_container_recipe(containerRecipeArn=recipe)["containerRecipe"]
    assert got["dockerfileTemplateData"] == TEMPLATE


@pytest.mark.parametrize("key, words", [
    ("missing.yaml", "NoSuchKey"),
    ("large.yaml", "is larger than 65536 bytes"),
    ("binary.yaml", "is not UTF-8 text"),
])
def test_an_object_that_cannot_be_read_is_an_invalid_uri_and_nothing_is_made(client, key, words):
    name = unique("c")
    code, message = _error(client.create_component, name=name, semanticVersion="1.0.0", platform="Linux",
                           uri=f"s3://{BUCKET}/{key}")
    assert code == "InvalidParameterValueException"
    assert message.startswith("The value supplied for parameter 'uri' is not valid.") and words in message, message
    assert [c for c in client.list_components()["componentVersionList"] if c["name"] == name] == []
    component = client.create_component(name=unique("c"), semanticVersion="1.0.0", platform="Linux",
                                        data=COMPONENT)["componentBuildVersionArn"]
    code, message = _error(client.create_container_recipe, containerType="DOCKER", name=unique("r"),
                           semanticVersion="1.0.0", parentImage="busybox:latest", platformOverride="Linux",
                           components=[{"componentArn": component}], dockerfileTemplateUri=f"s3://{BUCKET}/{key}",
                           targetRepository={"service": "ECR", "repositoryName": "app"})
    assert code == "InvalidParameterValueException", (code, message)
    assert message.startswith("The value supplied for parameter 'dockerfileTemplateUri' is not valid.")
    assert words in message, message


def test_a_uri_that_is_not_an_s3_object_is_refused(client):
    code, message = _error(client.create_workflow, name=unique("w"), semanticVersion="1.0.0", type="BUILD",
                           uri="s3://bucket-only")
    assert code == "InvalidParameterValueException" and "s3://bucket/key" in message, message


def _wait(client, arn: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        image = client.get_image(imageBuildVersionArn=arn)["image"]
        if image["state"]["status"] in ("AVAILABLE", "FAILED") or time.monotonic() > deadline:
            return image
        time.sleep(0.1)


def test_a_disk_image_is_imported_from_an_s3_uri(client):
    infra = client.create_infrastructure_configuration(
        name=unique("infra"), instanceProfileName="profile")["infrastructureConfigurationArn"]

    def disk_import(uri: str) -> str:
        return client.import_disk_image(name=unique("iso"), semanticVersion="1.0.0", platform="Windows",
                                        osVersion="Microsoft Windows 11", infrastructureConfigurationArn=infra,
                                        uri=uri, clientToken=unique("t"))["imageBuildVersionArn"]

    image = _wait(client, disk_import(f"s3://{BUCKET}/windows.iso"))
    assert image["state"]["status"] == "AVAILABLE" and image["buildType"] == "IMPORT_ISO"
    code, message = _error(disk_import, uri=f"s3://{BUCKET}/missing.iso")
    assert code == "InvalidParameterValueException" and "could not be read" in message, message
