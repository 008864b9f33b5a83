"""The AWS-managed catalog must look exactly like what Image Builder's Get* operations return."""
from __future__ import annotations

import json
import re

import botocore.session
import pytest
import yaml
from botocore.model import Shape

from openimagebuilder.catalog import ManagedResource, managed_resources
from openimagebuilder.domain.component_document import parse_component_document
from openimagebuilder.domain.workflow_document import parse_workflow_document

MODEL = botocore.session.get_session().get_service_model("imagebuilder")
OUTPUT_SHAPES = {
    "workflow": MODEL.operation_model("GetWorkflow").output_shape.members["workflow"],
    "component": MODEL.operation_model("GetComponent").output_shape.members["component"],
    "image": MODEL.operation_model("GetImage").output_shape.members["image"],
}
DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
REGION = "eu-central-1"
RESOURCES = managed_resources(REGION)


def ids(resources: tuple[ManagedResource, ...]) -> list[str]:
    return [resource.document["arn"].split(":", 5)[5] for resource in resources]


def conform(value: object, shape: Shape, path: str) -> None:
    """Assert `value` is something botocore could have parsed from a response of `shape`."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), path
        unknown = set(value) - set(shape.members)
        assert not unknown, f"{path}: {sorted(unknown)} are not members of {shape.name}"
        for key, item in value.items():
            conform(item, shape.members[key], f"{path}.{key}")
    elif kind == "list":
        assert isinstance(value, list), path
        for index, item in enumerate(value):
            conform(item, shape.member, f"{path}[{index}]")
    elif kind == "map":
        assert isinstance(value, dict), path
        for key, item in value.items():
            conform(key, shape.key, f"{path} key")
            conform(item, shape.value, f"{path}.{key}")
    elif kind == "string":
        assert isinstance(value, str), path
        if shape.enum:
            assert value in shape.enum, f"{path}: {value!r} not in {shape.enum}"
        if "pattern" in shape.metadata:
            assert re.search(shape.metadata["pattern"], value), f"{path}: {value!r} vs {shape.name}"
        assert shape.metadata.get("min", 0) <= len(value) <= shape.metadata.get("max", 10**9), path
    elif kind == "boolean":
        assert isinstance(value, bool), path
    elif kind == "integer":
        assert isinstance(value, int) and not isinstance(value, bool), path
    else:
        pytest.fail(f"{path}: catalog documents do not use {kind} members")


@pytest.mark.parametrize("resource", RESOURCES, ids=ids(RESOURCES))
def test_document_matches_the_output_shape(resource: ManagedResource) -> None:
    conform(resource.document, OUTPUT_SHAPES[resource.kind], resource.kind)


@pytest.mark.parametrize("resource", RESOURCES, ids=ids(RESOURCES))
def test_document_agrees_with_its_arn(resource: ManagedResource) -> None:
    document = resource.document
    type_segment = f"{resource.workflow_type.lower()}/" if resource.workflow_type else ""
    assert document["arn"] == (f"arn:aws:imagebuilder:{REGION}:aws:{resource.kind}/{type_segment}"
                               f"{resource.name_id}/{resource.version}/{resource.build}")
    assert document["version"] == resource.version
    # Image Builder derives the ARN's id from the name: lower case, spaces and underscores become hyphens.
    assert resource.name_id == document["name"].lower().replace(" ", "-").replace("_", "-")
    assert DATE.fullmatch(document["dateCreated"])
    assert resource.build == 1
    assert (resource.workflow_type is None) == (resource.kind != "workflow")
    if resource.kind == "workflow":
        assert document["type"] == resource.workflow_type
    if resource.kind in ("workflow", "component"):
        assert document["owner"] == "Amazon"
    if resource.kind == "image":
        assert document["state"] == {"status": "AVAILABLE"}
        assert document["imageSource"] == "AMAZON_MANAGED"
        assert set(document["outputResources"]) == {"amis" if document["type"] == "AMI" else "containers"}
        for ami in document["outputResources"].get("amis", []):
            assert ami["region"] == REGION and re.fullmatch(r"ami-[0-9a-f]{17}", ami["image"])
        for container in document["outputResources"].get("containers", []):
            assert container["region"] == REGION and container["imageUris"]


@pytest.mark.parametrize("resource", [r for r in RESOURCES if r.kind == "workflow"],
                         ids=ids(tuple(r for r in RESOURCES if r.kind == "workflow")))
def test_workflow_documents_are_valid(resource: ManagedResource) -> None:
    document = parse_workflow_document(resource.document["data"], resource.workflow_type)
    assert document.name == resource.name_id
    assert document.description == resource.document["description"]


@pytest.mark.parametrize("resource", [r for r in RESOURCES if r.kind == "component"],
                         ids=ids(tuple(r for r in RESOURCES if r.kind == "component")))
def test_component_documents_are_awstoe_documents(resource: ManagedResource) -> None:
    document = yaml.safe_load(resource.document["data"])
    assert document["name"] == resource.name_id
    assert str(document["schemaVersion"]) == "1.0"
    phases = {phase["name"] for phase in document["phases"]}
    expected = {"test"} if resource.document["type"] == "TEST" else {"build"}
    assert expected <= phases <= {"build", "validate", "test"}
    parsed = parse_component_document(resource.document["data"], platform=resource.document["platform"])
    assert parsed.component_type == resource.document["type"]


def test_required_contents() -> None:
    present = {(r.kind, r.name_id, r.workflow_type) for r in RESOURCES}
    assert {
        ("workflow", "build-image", "BUILD"), ("workflow", "test-image", "TEST"),
        ("workflow", "distribute-image", "DISTRIBUTION"), ("workflow", "build-container", "BUILD"),
        ("workflow", "test-container", "TEST"), ("workflow", "distribute-container", "DISTRIBUTION"),
        ("component", "update-linux", None), ("component", "update-windows", None),
        ("component", "aws-cli-version-2-linux", None),
        ("component", "amazon-cloudwatch-agent-linux", None), ("component", "reboot-linux", None),
        ("component", "simple-boot-test-linux", None), ("component", "reboot-test-linux", None),
        ("image", "amazon-linux-2-x86", None), ("image", "amazon-linux-2023-x86", None),
        ("image", "ubuntu-server-22-lts-x86", None), ("image", "ubuntu-server-20-lts-x86", None),
        ("image", "windows-server-2022-english-full-base-x86", None),
    } <= present
    types = {r.name_id: r.document["type"] for r in RESOURCES if r.kind == "component"}
    assert types["reboot-test-linux"] == types["simple-boot-test-linux"] == "TEST"
    assert types["update-linux"] == "BUILD"


def test_commonly_used_names_resolve() -> None:
    """The names users' recipes refer to most (issue reports, CDK's and Terraform's examples)."""
    present = {(r.kind, r.name_id) for r in RESOURCES}
    for name in ("docker-ce-linux", "docker-ce-ubuntu", "python-3-linux", "python-3-windows", "inspector-test-linux",
                 "aws-cli-version-2-windows", "amazon-cloudwatch-agent-windows", "chocolatey", "powershell-windows",
                 "stig-build-linux-high", "stig-build-windows-high", "reboot-windows", "hello-world-linux",
                 "chrony-time-configuration-test", "amazon-corretto-17-jdk", "putty", "php-8-2-linux"):
        assert ("component", name) in present, name
    for name in ("amazon-linux-x86-2", "amazon-linux-x86-latest", "amazon-linux-2-arm64", "amazon-linux-2023-arm64",
                 "ubuntu-server-22-lts-arm64", "ubuntu-server-24-lts-x86", "ubuntu-server-24-lts-arm64",
                 "red-hat-enterprise-linux-10-x86", "suse-linux-enterprise-server-15-arm64",
                 "windows-server-2016-english-core-base-x86", "windows-server-2019-english-full-base-x86",
                 "windows-server-2022-english-core-base-x86", "windows-server-2025-english-full-base-x86",
                 "windows-server-2019-x86-core-ltsc2019-amd64", "macos-sequoia-arm64"):
        assert ("image", name) in present, name
    by_name = {r.name_id: r.document for r in RESOURCES if r.kind == "component"}
    assert by_name["inspector-test-linux"]["type"] == "TEST" and by_name["docker-ce-linux"]["type"] == "BUILD"
    assert by_name["docker-ce-linux"]["supportedOsVersions"] == ["Amazon Linux 2"]
    assert by_name["python-3-windows"]["platform"] == "Windows" and by_name["putty"]["name"] == "PuTTY"


def test_every_component_suits_some_managed_image() -> None:
    """A recipe checks components against its parent by platform and osVersion prefix: each managed
    component must be usable on at least one managed image, but for those made for CentOS and RHEL 7,
    for which AWS no longer publishes images (their recipes name an AMI id as the parent)."""
    images = [r.document for r in RESOURCES if r.kind == "image"]
    for component in (r.document for r in RESOURCES if r.kind == "component"
                      if r.name_id not in ("docker-ce-centos", "update-linux-kernel-ml")):
        assert any(image["platform"] == component["platform"] and any(
            image["osVersion"].startswith(prefix) for prefix in component["supportedOsVersions"])
            for image in images), component["name"]


def test_build_image_steps() -> None:
    build_image = next(r for r in RESOURCES if r.name_id == "build-image")
    document = parse_workflow_document(build_image.document["data"], "BUILD")
    assert [(s.name, s.action) for s in document.steps] == [
        ("LaunchBuildInstance", "LaunchInstance"),
        ("ApplyBuildComponents", "ExecuteComponents"),
        ("InventoryCollection", "CollectImageMetadata"),
        ("RunSanitizeScript", "SanitizeInstance"),
        ("RunSysPrepScript", "RunSysPrep"),
        ("CreateOutputAMI", "CreateImage"),
        ("TerminateBuildInstance", "TerminateInstance"),
    ]
    sysprep = document.steps[4].if_condition
    assert {"stringEquals": "Windows", "value": "$.imagebuilder.platform"} in sysprep["and"]


def test_several_versions_exist_for_wildcard_resolution() -> None:
    for kind, name_id in (("workflow", "build-image"), ("component", "update-linux"),
                          ("image", "amazon-linux-2-x86")):
        versions = [r.version for r in RESOURCES if r.kind == kind and r.name_id == name_id]
        assert len(versions) >= 2 and len(set(versions)) == len(versions)


def test_arns_are_unique() -> None:
    arns = [r.document["arn"] for r in RESOURCES]
    assert len(arns) == len(set(arns))


def test_placeholders_are_substituted_per_region_and_partition() -> None:
    china = managed_resources("cn-north-1", "aws-cn")
    text = json.dumps([r.document for r in china])
    assert "{region}" not in text and "{partition}" not in text
    assert all(r.document["arn"].startswith("arn:aws-cn:imagebuilder:cn-north-1:aws:") for r in china)
    agent = next(r for r in china if r.name_id == "amazon-cloudwatch-agent-linux")
    assert "value: \"cn-north-1\"" in agent.document["data"]
    assert ids(china) == ids(RESOURCES)


def test_results_are_cached_per_region() -> None:
    assert managed_resources(REGION) is RESOURCES
    assert managed_resources("us-east-1") is not RESOURCES
