"""ImportComponent, ImportVmImage and ImportDiskImage through boto3 against a real `oib serve`."""
from __future__ import annotations

import uuid

import pytest
import yaml

from tests.conftest import unique
from tests.e2e.helpers import FAST, UPDATE_LINUX, create_image, error_of, infrastructure, wait_done


def token() -> str:
    return str(uuid.uuid4())


# -- ImportComponent ------------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "platform", "phase", "action"), [
    ("BUILD", "Linux", "build", "ExecuteBash"), ("TEST", "Linux", "test", "ExecuteBash"),
    ("BUILD", "Windows", "build", "ExecutePowerShell")])
def test_a_shell_script_becomes_a_component_with_one_step(client, kind, platform, phase, action):
    script = "#!/bin/bash\nset -e\necho 'imported: {x}'\n"
    name = unique("imported")
    response = client.import_component(name=name, semanticVersion="1.0.0", type=kind, format="SHELL",
                                       platform=platform, data=script, clientToken=(t := token()),
                                       description="from a script", tags={"k": "v"})
    arn = response["componentBuildVersionArn"]
    assert response["clientToken"] == t and arn.endswith(f"component/{name}/1.0.0/1")
    component = client.get_component(componentBuildVersionArn=arn)["component"]
    assert component["type"] == kind and component["platform"] == platform
    assert component["description"] == "from a script" and component["tags"] == {"k": "v"}
    document = yaml.safe_load(component["data"])
    assert document["phases"] == [{"name": phase, "steps": [
        {"name": "RunScript", "action": action, "inputs": {"commands": [script]}}]}]


def test_an_imported_component_builds(client):
    arn = client.import_component(name=unique("imported"), semanticVersion="1.0.0", type="BUILD", format="SHELL",
                                  platform="Linux", data="echo hello", clientToken=token())[
        "componentBuildVersionArn"]
    recipe = client.create_image_recipe(
        name=unique("recipe"), semanticVersion="1.0.0",
        parentImage="arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2-x86/x.x.x",
        components=[{"componentArn": arn}])["imageRecipeArn"]
    assert wait_done(client, create_image(client, recipe=recipe))["state"]["status"] == "AVAILABLE"


def test_import_component_errors(client):
    base = {"name": unique("imported"), "semanticVersion": "1.0.0", "type": "BUILD", "format": "SHELL",
            "platform": "Linux"}
    assert error_of(client.import_component, **base, uri="s3://bucket/script.sh", clientToken=token()) == (
        "InvalidParameterValueException",
        "The value supplied for parameter 'uri' is not valid. openimagebuilder has no S3-compatible endpoint to "
        "read Amazon S3 objects from: start it with --s3-endpoint-url (OIB_S3_ENDPOINT_URL), or pass the content "
        "in 'data'.")
    assert error_of(client.import_component, **base, clientToken=token()) == (
        "InvalidRequestException", "You must specify exactly one of 'data' or 'uri'.")
    assert error_of(client.import_component, **base, data="echo", uri="s3://b/k", clientToken=token())[0] == \
        "InvalidParameterCombinationException"
    client.import_component(**base, data="echo same", clientToken=token())
    assert error_of(client.import_component, **base, data="echo same", clientToken=token())[0] == \
        "ResourceAlreadyExistsException"


# -- ImportVmImage / ImportDiskImage ---------------------------------------------------------------
@pytest.fixture
def disk(tmp_path):
    path = tmp_path / "windows 11.iso"
    path.write_bytes(b"\x00" * 4096 + uuid.uuid4().bytes)
    return path


def test_a_disk_image_imports_as_an_image_usable_as_a_parent(client, disk):
    name = unique("imported-iso")
    response = client.import_disk_image(
        name=name, semanticVersion="1.0.0", platform="Windows", osVersion="Microsoft Windows 11",
        infrastructureConfigurationArn=infrastructure(client), uri=disk.as_uri(), clientToken=(t := token()),
        tags=FAST)
    arn = response["imageBuildVersionArn"]
    assert response["clientToken"] == t and arn.endswith(f"image/{name}/1.0.0/1")
    image = wait_done(client, arn)
    assert image["state"]["status"] == "AVAILABLE"
    assert image["buildType"] == "IMPORT_ISO" and image["imageSource"] == "IMPORTED"
    assert image["platform"] == "Windows" and image["osVersion"] == "Microsoft Windows 11"
    assert image["outputResources"]["amis"][0]["image"].startswith("ami-")
    windows_component = client.import_component(
        name=unique("win"), semanticVersion="1.0.0", type="BUILD", format="SHELL", platform="Windows",
        data="Write-Host hello", clientToken=token())["componentBuildVersionArn"]
    recipe = client.create_image_recipe(name=unique("recipe"), semanticVersion="1.0.0", parentImage=arn,
                                        components=[{"componentArn": windows_component}])
    assert client.get_image_recipe(imageRecipeArn=recipe["imageRecipeArn"])["imageRecipe"]["platform"] == "Windows"
    # The same name and version again: a new build version (documented).
    again = client.import_disk_image(
        name=name, semanticVersion="1.0.0", platform="Windows", osVersion="Microsoft Windows 11",
        infrastructureConfigurationArn=infrastructure(client), uri=disk.as_uri(), clientToken=token())
    assert again["imageBuildVersionArn"].endswith(f"image/{name}/1.0.0/2")


def test_a_vm_disk_imports_as_a_linux_parent(client, disk):
    response = client.import_vm_image(name=unique("vm"), semanticVersion="2.0.0", platform="Linux",
                                      osVersion="Amazon Linux 2", vmImportTaskId=disk.as_uri(),
                                      clientToken=token())
    image = wait_done(client, response["imageArn"])
    assert image["state"]["status"] == "AVAILABLE" and image["buildType"] == "IMPORT"
    recipe = client.create_image_recipe(name=unique("recipe"), semanticVersion="1.0.0",
                                        parentImage=response["imageArn"],
                                        components=[{"componentArn": UPDATE_LINUX}])["imageRecipeArn"]
    assert wait_done(client, create_image(client, recipe=recipe))["state"]["status"] == "AVAILABLE"


def test_import_image_errors(client, disk, tmp_path):
    infra = infrastructure(client)

    def disk_import(uri: str, infra_arn: str = infra):
        return error_of(client.import_disk_image, name=unique("iso"), semanticVersion="1.0.0", platform="Windows",
                        osVersion="Microsoft Windows 11", infrastructureConfigurationArn=infra_arn, uri=uri,
                        clientToken=token())

    prefix = "The value supplied for parameter 'uri' is not valid. "
    assert disk_import("s3://bucket/windows.iso") == (
        "InvalidParameterValueException",
        f"{prefix}openimagebuilder has no S3-compatible endpoint to read Amazon S3 objects from: start it with "
        "--s3-endpoint-url (OIB_S3_ENDPOINT_URL), or give a file:// URI of a file the service can read.")
    missing = tmp_path / "missing.iso"
    assert disk_import(missing.as_uri()) == (
        "InvalidParameterValueException",
        f"{prefix}The file '{missing}' does not exist or cannot be read by the service.")
    other = tmp_path / "disk.img"
    other.write_bytes(b"x")
    assert disk_import(other.as_uri())[1] == f"{prefix}The file '{other}' must end with .iso, .ISO, .Iso."
    assert disk_import("https://example.com/w.iso")[0] == "InvalidParameterValueException"
    assert disk_import(disk.as_uri(), infra + "-nope")[0] == "InvalidParameterValueException"
    assert error_of(client.import_vm_image, name=unique("vm"), semanticVersion="1.0.0", platform="Linux",
                    vmImportTaskId="import-ami-0123456789abcdef0", clientToken=token()) == (
        "InvalidParameterValueException",
        "The value supplied for parameter 'vmImportTaskId' is not valid. The VM import task "
        "'import-ami-0123456789abcdef0' does not exist: there is no Amazon EC2 VM import here. Give a file:// URI "
        "of the disk image instead.")
    assert error_of(client.import_vm_image, name="bad.name!", semanticVersion="1.0.0", platform="Linux",
                    vmImportTaskId=disk.as_uri(), clientToken=token())[0] == "InvalidParameterValueException"
