"""RetryImage: a failed or cancelled AMI build runs again in place (documented: "the same build
version returns to the test or distribution phase where it failed and continues from there. No new
image build version is created").

The image's workflow executions say how far the last attempt came. Stages whose workflows all
completed are kept (with what they produced: the output AMI, the workflows' outputs); from the
first stage that did not complete, every workflow that did not complete runs again as a new
workflow execution (the earlier ones stay listed, ended as they ended), and a new engine job carries
the image from there.
"""
from __future__ import annotations

from typing import Any

import orjson

from ..domain.workflow_document import parsed_workflow_document
from ..engine.expressions import lookup
from ..engine.plan import BuildPlan, ComponentRun, Stage
from ..protocol.generated import InvalidRequestException, ResourceInUseException
from ..store.executions import Execution
from ..store.repository import Resource
from .builds import (
    TEST_GROUP_LIMIT,
    PlannedWorkflow,
    _create_executions,
    _distribution_regions,
    _image_log_group,
    embed_recipe,
)
from .context import Context

RETRYABLE = frozenset({"FAILED", "CANCELLED"})
# Not an API member: the workflow executions of the image's latest attempt (a retried image keeps
# those of earlier attempts, listed by ListWorkflowExecutions).
ATTEMPT_KEY = "attemptWorkflowExecutions"
IMAGE_ACTIONS = ("CreateImage", "RegisterImage", "CreateImageFromIso")


def retry_image(ctx: Context, image: Resource) -> None:
    """Starts the image's build again where its last attempt stopped; `image` is locked FOR UPDATE."""
    status = (image.document.get("state") or {}).get("status")
    if ctx.executions.job(image.arn) is not None:
        raise ResourceInUseException(
            f"The image '{image.arn}' is still being built; only a FAILED or CANCELLED image can be retried.")
    if status not in RETRYABLE:
        raise InvalidRequestException(
            f"The image '{image.arn}' cannot be retried because its status is {status}. Only a FAILED or "
            "CANCELLED image can be retried.")
    if image.document.get("type") != "AMI":
        raise InvalidRequestException(
            f"The image '{image.arn}' cannot be retried: retry is only supported for AMI-based images.")
    every = ctx.executions.workflow_executions(image.arn)
    current = image.document.get(ATTEMPT_KEY)
    executions = [e for e in every if current is None or e.id in current]
    if not executions:
        raise InvalidRequestException(
            f"The image '{image.arn}' cannot be retried: it has no workflow executions.")
    groups = _stage_groups(executions)
    restart = next((index for index, group in enumerate(groups)
                    if any(e.document["status"] != "COMPLETED" for e in group[1])), len(groups))
    next_position = max(e.position for e in every) + 1
    stages: list[Stage] = []
    for index, (stage, members) in enumerate(groups):
        ids = []
        for execution in members:
            if index < restart or execution.document["status"] == "COMPLETED":
                ids.append(execution.id)
                continue
            new_stages = _create_executions(ctx, image.arn, [_planned(execution)], first_position=next_position)
            next_position += 1
            ids.extend(wid for new in new_stages for wid in new.workflows)
        stages.append(Stage(stage.status, ids, stage.limit))
    kept = [e for group in groups[:restart] for e in group[1]]
    _, components = embed_recipe(ctx, Resource("image-recipe", "", "", image.document.get("imageRecipe") or {}, ""))
    plan = BuildPlan(
        stages=stages, log_group=_image_log_group(image.document) or f"/aws/imagebuilder/{image.document['name']}",
        image_type="AMI", components=[ComponentRun(**component) for component in components],
        distribution_regions=_distribution_regions(ctx, image.document), stage=restart,
        workflow_outputs=_workflow_outputs(kept), image_id=_output_image(ctx, kept))
    image.document = {**image.document, "state": {"status": "PENDING"},
                      ATTEMPT_KEY: [wid for stage in stages for wid in stage.workflows]}
    ctx.repo.replace_document(image.arn, image.document)
    ctx.executions.add_job(image.arn, ctx.epoch(), plan.to_json())
    phase = stages[restart].status if restart < len(stages) else "INTEGRATING"
    ctx.executions.append_log(plan.log_group, image.arn, ctx.now(),
                              [f"Image build {image.arn} retried (RetryImage) from its {phase} phase."])


def _stage_groups(executions: list[Execution]) -> list[tuple[Stage, list[Execution]]]:
    """The stages the engine ran the executions in (as builds._create_executions forms them)."""
    build: tuple[Stage, list[Execution]] = (Stage("BUILDING", [], 1), [])
    distribution: tuple[Stage, list[Execution]] = (Stage("DISTRIBUTING", [], 1), [])
    tests: list[tuple[Stage, list[Execution]]] = []
    groups: dict[str, tuple[Stage, list[Execution]]] = {}
    for execution in executions:
        kind, group = execution.document.get("type"), execution.document.get("parallelGroup")
        if kind == "BUILD":
            build[1].append(execution)
        elif kind == "DISTRIBUTION":
            distribution[1].append(execution)
        elif group:
            if group not in groups:
                groups[group] = (Stage("TESTING", [], TEST_GROUP_LIMIT), [])
                tests.append(groups[group])
            groups[group][1].append(execution)
        else:
            tests.append((Stage("TESTING", [], 1), [execution]))
    return [build, *tests, distribution]


def _planned(execution: Execution) -> PlannedWorkflow:
    doc = execution.document
    workflow = Resource("workflow", doc["workflowBuildVersionArn"], "", {"data": doc["data"]}, "")
    return PlannedWorkflow(workflow, doc["type"], parsed_workflow_document(doc["data"]), doc.get("parameters") or {},
                           doc.get("parallelGroup"), doc.get("onFailure") or "ABORT")


def _workflow_outputs(completed: list[Execution]) -> dict[str, Any]:
    """What the completed workflows gave later ones (`$.workflowOutputs.<name>`)."""
    outputs: dict[str, Any] = {}
    for execution in completed:
        document = parsed_workflow_document(execution.document["data"])
        variables = {"parameters": execution.document.get("parameters") or {},
                     "stepOutputs": execution.document.get("stepOutputs") or {}, "workflowOutputs": outputs}
        for output in document.outputs:
            value = output["value"]
            outputs[output["name"]] = lookup(value, variables) if value.startswith("$.") else value
    return outputs


def _output_image(ctx: Context, completed: list[Execution]) -> str | None:
    """The AMI a completed build workflow's CreateImage step made."""
    image_id = None
    for execution in completed:
        for step in ctx.executions.step_executions(execution.id):
            doc = step.document
            if doc.get("action") in IMAGE_ACTIONS and doc.get("status") == "COMPLETED" and doc.get("outputs"):
                image_id = orjson.loads(doc["outputs"]).get("imageId") or image_id
    return image_id
