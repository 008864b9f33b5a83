"""Starting an image build (CreateImage, StartImagePipelineExecution, scheduled runs): the image
resource with its configuration embedded as it is at start (wildcard references resolved), its
workflow and step executions, and the engine job that will carry it through its lifecycle."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ..domain.arn import AWS_OWNER, parse_arn
from ..domain.semver import parse_version, sort_key
from ..domain.workflow_document import WorkflowDocument, parsed_workflow_document
from ..engine.plan import BuildPlan, ComponentRun, Stage
from ..store.executions import Execution
from ..store.repository import Resource
from .build_configuration import BuildConfiguration
from .context import Context
from .parent_images import resolve_parent_image
from .resources import resolve

KIND = "image"
TEST_GROUP_LIMIT = 5     # test workflows of one parallel group that run at once (documented)
DEFAULT_WORKFLOWS = {
    "AMI": ("build/build-image", "test/test-image", "distribution/distribute-image"),
    "DOCKER": ("build/build-container", "test/test-container", "distribution/distribute-container"),
}


@dataclass(frozen=True)
class PlannedWorkflow:
    workflow: Resource
    workflow_type: str          # BUILD | TEST | DISTRIBUTION
    document: WorkflowDocument
    parameters: dict[str, Any]
    parallel_group: str | None
    on_failure: str             # ABORT | CONTINUE


def start_build(ctx: Context, build: BuildConfiguration, *, build_type: str, tags: dict[str, str],
                pipeline: Resource | None = None) -> str:
    recipe = build.recipe
    image_type = "DOCKER" if build.recipe_member == "containerRecipeArn" else "AMI"
    number = ctx.executions.next_number(f"image/{recipe.name_id}/{recipe.version}")
    image_arn = str(ctx.arn(KIND, recipe.name_id, recipe.version, number))
    embedded_recipe, components = embed_recipe(ctx, recipe)
    now = ctx.now()
    document = {
        **{key: value for key, value in build.members.items() if key != build.recipe_member},
        "arn": image_arn, "name": recipe.document["name"], "version": recipe.version, "type": image_type,
        "platform": recipe.document.get("platform"), "state": {"status": "PENDING"},
        ("containerRecipe" if image_type == "DOCKER" else "imageRecipe"): embedded_recipe,
        "infrastructureConfiguration": _embedded(ctx, build.members["infrastructureConfigurationArn"],
                                                 "infrastructureConfigurationArn"),
        "dateCreated": now, "tags": tags, "buildType": build_type, "imageSource": "CUSTOM",
    }
    del document["infrastructureConfigurationArn"]
    if build.members.get("distributionConfigurationArn"):
        document["distributionConfiguration"] = _embedded(
            ctx, document.pop("distributionConfigurationArn"), "distributionConfigurationArn")
    if pipeline is not None:
        document["sourcePipelineArn"] = pipeline.arn
        document["sourcePipelineName"] = pipeline.document["name"]

    # An image's logging is ImageLoggingConfiguration {logGroupName}: CreateImage gives it as is; a
    # pipeline's PipelineLoggingConfiguration gives its imageLogGroupName.
    logging = document.pop("loggingConfiguration", None) or {}
    if logging.get("logGroupName") or logging.get("imageLogGroupName"):
        document["loggingConfiguration"] = {"logGroupName": logging.get("logGroupName") or logging["imageLogGroupName"]}
    planned = _planned_workflows(ctx, build, image_type)
    ctx.repo.insert(Resource(KIND, image_arn, recipe.name_id, document, now, version=recipe.version, build=number,
                             sort_key=sort_key(recipe.name_id, parse_version(recipe.version), number)))
    stages = _create_executions(ctx, image_arn, planned)
    log_group = _image_log_group(document) or f"/aws/imagebuilder/{recipe.document['name']}"
    plan = BuildPlan(stages=stages, log_group=log_group, image_type=image_type,
                     components=[ComponentRun(**component) for component in components],
                     distribution_regions=_distribution_regions(ctx, document))
    ctx.executions.add_job(image_arn, ctx.epoch(), plan.to_json())
    ctx.executions.append_log(log_group, image_arn, now, [f"Image build {image_arn} created ({build_type})."])
    if pipeline is not None:
        # lastImageArn is kept for the schedule's start condition (not an API member).
        pipeline.document = {**pipeline.document, "dateLastRun": now, "lastRunStatus": "PENDING",
                             "lastImageArn": image_arn}
        ctx.repo.replace_document(pipeline.arn, pipeline.document)
    return image_arn


def _image_log_group(image: dict[str, Any]) -> str | None:
    return (image.get("loggingConfiguration") or {}).get("logGroupName")


def _embedded(ctx: Context, arn: str, parameter: str) -> dict[str, Any]:
    resource, _ = resolve(ctx, arn, parameter)
    return resource.document


def embed_recipe(ctx: Context, recipe: Resource) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The recipe as the image records it — component and parent references resolved to the build
    versions used — and the components to run, with their parameters filled in."""
    embedded = dict(recipe.document)
    runs: list[dict[str, Any]] = []
    items = []
    for index, item in enumerate(recipe.document.get("components") or []):
        component, _ = resolve(ctx, item["componentArn"], f"components[{index}].componentArn")
        items.append({**item, "componentArn": component.arn})
        given = {p["name"]: p["value"] for p in item.get("parameters") or []}
        declared = {p["name"]: p.get("defaultValue") or [] for p in component.document.get("parameters") or []}
        runs.append({"arn": component.arn, "name": component.document["name"], "data": component.document.get("data", ""),
                     "type": component.document.get("type", "BUILD"), "parameters": {**declared, **given}})
    if items:
        embedded["components"] = items
    parent = recipe.document.get("parentImage", "")
    if parse_arn(parent) is not None:
        # The parent may have been disabled or deleted since the recipe was made (parent_images).
        image, _ = resolve_parent_image(ctx, parent, "parentImage")
        embedded["parentImage"] = image.arn
    return embedded, runs


def _planned_workflows(ctx: Context, build: BuildConfiguration, image_type: str) -> list[PlannedWorkflow]:
    tests_enabled = build.members["imageTestsConfiguration"].get("imageTestsEnabled", True)
    items = build.members.get("workflows") or [
        {"workflowArn": f"arn:{ctx.partition}:imagebuilder:{ctx.region}:{AWS_OWNER}:workflow/{path}/x.x.x"}
        for path in DEFAULT_WORKFLOWS[image_type]]
    planned = []
    for index, item in enumerate(items):
        workflow, arn = resolve(ctx, item["workflowArn"], f"workflows[{index}].workflowArn")
        workflow_type = (arn.workflow_type or "build").upper()
        if workflow_type == "TEST" and not tests_enabled:
            continue
        document = parsed_workflow_document(workflow.document["data"])
        planned.append(PlannedWorkflow(workflow, workflow_type, document, _parameters(document, item),
                                       item.get("parallelGroup"), item.get("onFailure") or "ABORT"))
    order = {"BUILD": 0, "TEST": 1, "DISTRIBUTION": 2}
    return sorted(planned, key=lambda p: order[p.workflow_type])  # stable: test order as given


def _parameters(document: WorkflowDocument, item: dict[str, Any]) -> dict[str, Any]:
    given = {p["name"]: p["value"] for p in item.get("parameters") or []}
    values: dict[str, Any] = {}
    for parameter in document.parameters:
        if parameter.name not in given:
            values[parameter.name] = parameter.default
            continue
        raw = given[parameter.name]
        if parameter.type == "stringList":
            values[parameter.name] = list(raw)
        elif parameter.type == "integer":
            values[parameter.name] = int(raw[0])
        elif parameter.type == "boolean":
            values[parameter.name] = raw[0].lower() == "true"
        else:
            values[parameter.name] = raw[0]
    return values


def _create_executions(ctx: Context, image_arn: str, planned: list[PlannedWorkflow],
                       first_position: int = 0) -> list[Stage]:
    """Workflow and step executions (all PENDING) and the stages the engine runs them in: the build
    workflow, then test workflows (those sharing a parallel group together, at most five at once),
    then distribution. `first_position`: after the executions the image has already (a retry)."""
    build = Stage("BUILDING", [], 1)
    groups: dict[str, Stage] = {}
    test_stages: list[Stage] = []
    distribution = Stage("DISTRIBUTING", [], 1)
    for position, item in enumerate(planned, start=first_position):
        execution_id = f"wf-{uuid.uuid4()}"
        ctx.executions.add_workflow_execution(Execution(execution_id, image_arn, position, {
            "workflowBuildVersionArn": item.workflow.arn, "workflowExecutionId": execution_id,
            "imageBuildVersionArn": image_arn, "type": item.workflow_type, "status": "PENDING",
            "totalStepCount": len(item.document.steps), "totalStepsSucceeded": 0, "totalStepsFailed": 0,
            "totalStepsSkipped": 0, "parallelGroup": item.parallel_group, "onFailure": item.on_failure,
            "parameters": item.parameters, "data": item.workflow.document["data"], "pointer": 0,
            "stepOutputs": {}, "dueAt": 0.0}))
        ctx.executions.add_step_executions([
            Execution(f"step-{uuid.uuid4()}", image_arn, index, {
                "name": step.name, "description": step.description, "action": step.action,
                "status": "PENDING", "onFailure": step.on_failure, "timeoutSeconds": step.timeout_seconds,
                "workflowBuildVersionArn": item.workflow.arn, "workflowExecutionId": execution_id,
                "imageBuildVersionArn": image_arn, "attemptNumber": 1, "maxAttempts": 1,
                "if": step.if_condition, "rawInputs": step.inputs, "rollbackEnabled": step.rollback_enabled},
                workflow_execution_id=execution_id)
            for index, step in enumerate(item.document.steps)])
        if item.workflow_type == "BUILD":
            build.workflows.append(execution_id)
        elif item.workflow_type == "DISTRIBUTION":
            distribution.workflows.append(execution_id)
        elif item.parallel_group:
            if item.parallel_group not in groups:
                groups[item.parallel_group] = Stage("TESTING", [], TEST_GROUP_LIMIT)
                test_stages.append(groups[item.parallel_group])
            groups[item.parallel_group].workflows.append(execution_id)
        else:
            test_stages.append(Stage("TESTING", [execution_id], 1))
    return [build, *test_stages, distribution]


def _distribution_regions(ctx: Context, image: dict[str, Any]) -> list[str]:
    distributions = (image.get("distributionConfiguration") or {}).get("distributions") or []
    return [item["region"] for item in distributions] or [ctx.region]

