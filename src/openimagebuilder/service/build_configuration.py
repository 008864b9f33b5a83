"""What an image build is made of — a recipe (image or container), an infrastructure configuration,
an optional distribution configuration, tests, scanning, workflows, execution role and logging —
as CreateImage and image pipelines both take it: AWS's defaults filled in, every reference
resolved (own or AWS-managed), and AWS's errors for anything that would not work."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..domain.arn import Arn, parse_arn
from ..protocol.errors import ServiceError, invalid_parameter
from ..protocol.generated import InvalidRequestException
from ..store.repository import Resource
from .context import Context
from .resources import resolve

DEFAULT_TESTS = {"imageTestsEnabled": True, "timeoutMinutes": 720}
MAX_TEST_WORKFLOWS = 10
# The request members that make up a build's configuration (CreateImage's, and part of a pipeline's).
BUILD_MEMBERS = (
    "imageRecipeArn", "containerRecipeArn", "infrastructureConfigurationArn", "distributionConfigurationArn",
    "imageTestsConfiguration", "enhancedImageMetadataEnabled", "imageScanningConfiguration", "workflows",
    "executionRole", "loggingConfiguration")


@dataclass
class BuildConfiguration:
    members: dict[str, Any]     # the configuration as stored and returned, defaults filled in
    recipe: Resource
    references: list[Arn]       # what the configuration refers to, for dependency checks

    @property
    def recipe_member(self) -> str:
        return "containerRecipeArn" if "containerRecipeArn" in self.members else "imageRecipeArn"


def invalid_request(message: str) -> ServiceError:
    return InvalidRequestException(message)


def build_configuration(ctx: Context, params: Mapping[str, Any]) -> BuildConfiguration:
    has_image, has_container = bool(params.get("imageRecipeArn")), bool(params.get("containerRecipeArn"))
    if has_image == has_container:
        raise invalid_request("You must specify exactly one of imageRecipeArn or containerRecipeArn.")
    recipe_member = "imageRecipeArn" if has_image else "containerRecipeArn"
    recipe, recipe_arn = resolve(ctx, params[recipe_member], recipe_member)
    references = [recipe_arn]
    _, infrastructure_arn = resolve(ctx, params["infrastructureConfigurationArn"], "infrastructureConfigurationArn")
    references.append(infrastructure_arn)
    if params.get("distributionConfigurationArn"):
        _, distribution_arn = resolve(ctx, params["distributionConfigurationArn"], "distributionConfigurationArn")
        references.append(distribution_arn)

    members = {member: params[member] for member in BUILD_MEMBERS if params.get(member) is not None}
    members["platform"] = recipe.document.get("platform")
    members["enhancedImageMetadataEnabled"] = params.get("enhancedImageMetadataEnabled", True)
    members["imageTestsConfiguration"] = {**DEFAULT_TESTS, **(params.get("imageTestsConfiguration") or {})}
    _check_scanning(params.get("imageScanningConfiguration"), members["imageTestsConfiguration"], has_image)
    if params.get("workflows"):
        if not params.get("executionRole"):
            raise invalid_parameter("executionRole", "An execution role is required to provide workflows.")
        references.extend(_check_workflows(ctx, params["workflows"]))
    return BuildConfiguration(members, recipe, references)


def _check_scanning(scanning: dict[str, Any] | None, tests: dict[str, Any], image_output: bool) -> None:
    if not scanning:
        return
    scan_types = scanning.get("imageScanningTypes") or []
    if scanning.get("imageScanningEnabled") and not tests.get("imageTestsEnabled"):
        raise invalid_parameter("imageScanningConfiguration.imageScanningEnabled",
                                "Image scanning requires image tests to be enabled.")
    if "ON_DEMAND_AMI_CVE" in scan_types and not image_output:
        raise invalid_parameter("imageScanningConfiguration.imageScanningTypes",
                                "ON_DEMAND_AMI_CVE scans require an image recipe.")
    if scanning.get("scanResultCondition") and "ON_DEMAND_AMI_CVE" not in scan_types:
        raise invalid_parameter("imageScanningConfiguration.scanResultCondition",
                                "scanResultCondition can only be set when imageScanningTypes is ON_DEMAND_AMI_CVE.")


def _check_workflows(ctx: Context, workflows: list[dict[str, Any]]) -> list[Arn]:
    references: list[Arn] = []
    counts = {"build": 0, "test": 0, "distribution": 0}
    for index, item in enumerate(workflows):
        path = f"workflows[{index}]"
        arn_text = item["workflowArn"]
        parsed = parse_arn(arn_text)
        if parsed is not None and parsed.is_aws_managed and parsed.version != "x.x.x":
            raise invalid_parameter(
                "workflows", f"AWS managed workflows must have latest version 'x.x.x' for '{arn_text}'")
        workflow, workflow_arn = resolve(ctx, arn_text, f"{path}.workflowArn")
        workflow_type = workflow_arn.workflow_type or ""
        counts[workflow_type] = counts.get(workflow_type, 0) + 1
        if workflow_type != "test" and (item.get("parallelGroup") or item.get("onFailure")):
            raise invalid_parameter(path, "parallelGroup and onFailure apply to test workflows only.")
        _check_workflow_parameters(workflow, item.get("parameters") or [], path)
        references.append(workflow_arn)
    if counts["build"] > 1:
        raise invalid_parameter("workflows", "At most one build workflow can run in an image build.")
    if counts["distribution"] > 1:
        raise invalid_parameter("workflows", "At most one distribution workflow can run in an image build.")
    if counts["test"] > MAX_TEST_WORKFLOWS:
        raise invalid_parameter("workflows", f"At most {MAX_TEST_WORKFLOWS} test workflows can run in an image build.")
    return references


def _check_workflow_parameters(workflow: Resource, given: list[dict[str, Any]], path: str) -> None:
    declared = {p["name"]: p for p in workflow.document.get("parameters") or []}
    seen: set[str] = set()
    for index, parameter in enumerate(given):
        name, values = parameter["name"], parameter["value"]
        where = f"{path}.parameters[{index}]"
        if name not in declared:
            raise invalid_parameter(f"{where}.name",
                                    f"The parameter '{name}' is not declared by workflow '{workflow.arn}'.")
        if name in seen:
            raise invalid_parameter(f"{where}.name", f"The parameter '{name}' is given more than once.")
        seen.add(name)
        kind = declared[name].get("type", "string")
        if kind != "stringList" and len(values) != 1:
            raise invalid_parameter(f"{where}.value", f"The parameter '{name}' of type {kind} takes one value.")
        if kind == "integer" and not all(_is_integer(v) for v in values):
            raise invalid_parameter(f"{where}.value", f"The parameter '{name}' must be an integer.")
        if kind == "boolean" and not all(v.lower() in ("true", "false") for v in values):
            raise invalid_parameter(f"{where}.value", f"The parameter '{name}' must be true or false.")


def _is_integer(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


