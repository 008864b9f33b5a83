"""Image pipelines: Create/Get/List/Update/Delete.

A pipeline refers to a recipe (image or container), an infrastructure configuration, optionally
a distribution configuration and workflows; each must resolve in the caller's account and region
(or be AWS-managed) and is recorded as a reference so those resources cannot be deleted under it.
Schedules are stored as given here (with AWS's defaults filled in); their evaluation lives with
the scheduler.
"""
from __future__ import annotations

from typing import Any

from ..domain.arn import Arn, name_to_id, parse_arn
from ..protocol import errors
from ..protocol.errors import invalid_parameter
from ..store.repository import Resource
from .common import already_exists, check_deletable, document_field, filter_predicate, get_owned, project, resolve
from .context import Context
from .pagination import paginate
from .registry import operation

KIND = "image-pipeline"
SHAPE = "ImagePipeline"
DEFAULT_TESTS = {"imageTestsEnabled": True, "timeoutMinutes": 720}
DEFAULT_START_CONDITION = "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"
DEFAULT_TIMEZONE = "UTC"
MAX_TEST_WORKFLOWS = 10
FILTERS = {name: document_field(name) for name in (
    "description", "distributionConfigurationArn", "imageRecipeArn", "infrastructureConfigurationArn",
    "name", "status")}
# Members that describe the pipeline's configuration; Update replaces exactly these.
CONFIGURATION_MEMBERS = (
    "description", "imageRecipeArn", "containerRecipeArn", "infrastructureConfigurationArn",
    "distributionConfigurationArn", "imageTestsConfiguration", "enhancedImageMetadataEnabled", "schedule",
    "status", "imageScanningConfiguration", "workflows", "executionRole", "loggingConfiguration", "imageTags")


def _invalid_request(message: str) -> errors.ServiceError:
    return errors.ERROR_CLASSES["InvalidRequestException"](message)


def _configuration(ctx: Context, params: dict[str, Any]) -> tuple[dict[str, Any], list[Arn]]:
    """The pipeline's configuration with AWS's defaults, and the ARNs it refers to.
    Raises AWS's errors for anything that would not work."""
    has_image, has_container = bool(params.get("imageRecipeArn")), bool(params.get("containerRecipeArn"))
    if has_image == has_container:
        raise _invalid_request("You must specify exactly one of imageRecipeArn or containerRecipeArn.")
    recipe_member = "imageRecipeArn" if has_image else "containerRecipeArn"
    recipe, recipe_arn = resolve(ctx, params[recipe_member], recipe_member)
    references = [recipe_arn]
    _, infrastructure_arn = resolve(ctx, params["infrastructureConfigurationArn"], "infrastructureConfigurationArn")
    references.append(infrastructure_arn)
    if params.get("distributionConfigurationArn"):
        _, distribution_arn = resolve(ctx, params["distributionConfigurationArn"], "distributionConfigurationArn")
        references.append(distribution_arn)

    configuration = {member: params[member] for member in CONFIGURATION_MEMBERS if params.get(member) is not None}
    configuration["platform"] = recipe.document.get("platform")
    configuration["enhancedImageMetadataEnabled"] = params.get("enhancedImageMetadataEnabled", True)
    configuration["imageTestsConfiguration"] = {**DEFAULT_TESTS, **(params.get("imageTestsConfiguration") or {})}
    configuration["status"] = params.get("status") or "ENABLED"
    if params.get("schedule"):
        configuration["schedule"] = _schedule(params["schedule"])
    _check_scanning(params.get("imageScanningConfiguration"), configuration["imageTestsConfiguration"], has_image)
    if params.get("workflows"):
        if not params.get("executionRole"):
            raise invalid_parameter("executionRole", "An execution role is required to provide workflows.")
        references.extend(_check_workflows(ctx, params["workflows"]))
    return configuration, references


def _schedule(schedule: dict[str, Any]) -> dict[str, Any]:
    completed = dict(schedule)
    if completed.get("scheduleExpression"):
        completed.setdefault("pipelineExecutionStartCondition", DEFAULT_START_CONDITION)
        completed.setdefault("timezone", DEFAULT_TIMEZONE)
    return completed


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
        raise invalid_parameter("workflows", "A pipeline can have at most one build workflow.")
    if counts["distribution"] > 1:
        raise invalid_parameter("workflows", "A pipeline can have at most one distribution workflow.")
    if counts["test"] > MAX_TEST_WORKFLOWS:
        raise invalid_parameter("workflows", f"A pipeline can have at most {MAX_TEST_WORKFLOWS} test workflows.")
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


@operation("CreateImagePipeline")
def create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    name_id = name_to_id(params["name"])
    arn = str(ctx.arn(KIND, name_id))
    if ctx.repo.get(arn) is not None:
        raise already_exists(KIND, arn)
    configuration, references = _configuration(ctx, params)
    now = ctx.now()
    document = {**configuration, "arn": arn, "name": params["name"], "dateCreated": now, "dateUpdated": now,
                "tags": params.get("tags") or {}}
    ctx.repo.insert(Resource(KIND, arn, name_id, document, now))
    ctx.repo.set_references(arn, references)
    return {"imagePipelineArn": arn}


@operation("GetImagePipeline")
def get(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"imagePipeline": get_owned(ctx, params["imagePipelineArn"]).document}


@operation("UpdateImagePipeline")
def update(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pipeline = get_owned(ctx, params["imagePipelineArn"])
    was_container = bool(pipeline.document.get("containerRecipeArn"))
    if was_container != bool(params.get("containerRecipeArn")) and (
            params.get("containerRecipeArn") or params.get("imageRecipeArn")):
        raise _invalid_request("An image pipeline cannot change between an image recipe and a container recipe.")
    configuration, references = _configuration(ctx, params)
    # Update replaces the whole configuration; identity, history and tags stay.
    kept = {key: pipeline.document[key] for key in ("arn", "name", "dateCreated", "tags", "dateLastRun",
                                                      "lastRunStatus") if key in pipeline.document}
    document = {**configuration, **kept, "dateUpdated": ctx.now()}
    ctx.repo.replace_document(pipeline.arn, document)
    ctx.repo.set_references(pipeline.arn, references)
    return {"imagePipelineArn": pipeline.arn}


@operation("DeleteImagePipeline")
def delete(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    pipeline = get_owned(ctx, params["imagePipelineArn"])
    check_deletable(ctx, pipeline)
    ctx.repo.delete(pipeline.arn)
    return {"imagePipelineArn": pipeline.arn}


@operation("ListImagePipelines")
def list_(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    page, token = paginate(ctx, params, lambda after: ctx.repo.scan(KIND, after), filter_predicate(params, FILTERS))
    return {"imagePipelineList": [project(resource.document, SHAPE) for resource in page], "nextToken": token}
