"""Imports: ImportComponent (a script made a component), ImportVmImage and ImportDiskImage (an
image resource from a disk image, usable as a parent image)."""
from __future__ import annotations

import yaml

from ..protocol.errors import invalid_parameter
from ..protocol.generated import (
    BuildType,
    ComponentType,
    ImportComponentRequest,
    ImportComponentResponse,
    ImportDiskImageRequest,
    ImportDiskImageResponse,
    ImportVmImageRequest,
    ImportVmImageResponse,
    Platform,
)
from ..service import imports
from ..service.context import Context
from .common import resolve
from .components import FAMILY, _component_members
from .registry import operation
from .versioned import create_build

# The step that runs an imported SHELL script, per platform (AWSTOE's action modules).
SCRIPT_ACTIONS: dict[str, str] = {Platform.WINDOWS: "ExecutePowerShell"}
# A SHELL component of each type runs its script in this phase.
SCRIPT_PHASES: dict[str, str] = {ComponentType.BUILD: "build", ComponentType.TEST: "test"}
ISO_EXTENSIONS = (".iso", ".ISO", ".Iso")


def shell_document(name: str, script: str, component_type: str, platform: str) -> str:
    """Documented for the SHELL format: the script wrapped "in a component document with a single
    step that runs the script"."""
    return yaml.safe_dump({
        "name": name, "schemaVersion": 1.0,
        "phases": [{"name": SCRIPT_PHASES[component_type], "steps": [{
            "name": "RunScript", "action": SCRIPT_ACTIONS.get(platform, "ExecuteBash"),
            "inputs": {"commands": [script]}}]}],
    }, sort_keys=False, default_style=None, allow_unicode=True, width=1 << 20)


@operation("ImportComponent")
def import_component(ctx: Context, params: ImportComponentRequest) -> ImportComponentResponse:
    request = dict(params)
    data, uri = params.get("data"), params.get("uri")
    if (data is None) != (uri is None):   # both or neither: create_build says so
        script = data if data is not None else ctx.inputs.text(str(uri), "uri", "data")
        request.pop("uri", None)
        request["data"] = shell_document(params["name"], script, params["type"], params["platform"])
    resource = create_build(ctx, FAMILY, request, _component_members)
    if resource.document.get("type") != params["type"]:
        raise invalid_parameter("type", f"The component's document is of type {resource.document.get('type')}.")
    return {"componentBuildVersionArn": resource.arn, "clientToken": params["clientToken"]}


@operation("ImportVmImage")
def import_vm_image(ctx: Context, params: ImportVmImageRequest) -> ImportVmImageResponse:
    task = params["vmImportTaskId"]
    if not task.startswith("file:"):
        # There is no EC2 here, so no VM import task: only a disk the service can read.
        raise invalid_parameter("vmImportTaskId", f"The VM import task '{task}' does not exist: there is no "
                                                  "Amazon EC2 VM import here. Give a file:// URI of the disk "
                                                  "image instead.")
    source = imports.fingerprint(imports.disk_file(task, "vmImportTaskId"))
    arn = imports.import_image(ctx, params, build_type=BuildType.IMPORT, source=source,
                               members={})
    return {"imageArn": arn, "clientToken": params["clientToken"]}


@operation("ImportDiskImage")
def import_disk_image(ctx: Context, params: ImportDiskImageRequest) -> ImportDiskImageResponse:
    infrastructure, _ = resolve(ctx, params["infrastructureConfigurationArn"], "infrastructureConfigurationArn")
    source = imports.disk_source(ctx, params["uri"], "uri", ISO_EXTENSIONS)
    arn = imports.import_image(ctx, params, build_type=BuildType.IMPORT_ISO, source=source, members={
        "infrastructureConfiguration": infrastructure.document, "executionRole": params.get("executionRole")})
    return {"imageBuildVersionArn": arn, "clientToken": params["clientToken"]}
