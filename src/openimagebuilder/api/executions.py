"""Workflow and step executions of image builds: list and get them, find the steps waiting at a
WaitForAction, and answer them (SendWorkflowStepAction)."""
from __future__ import annotations

from ..protocol.errors import ServiceError, invalid_parameter
from ..protocol.generated import (
    GetWorkflowExecutionRequest,
    GetWorkflowExecutionResponse,
    GetWorkflowStepExecutionRequest,
    GetWorkflowStepExecutionResponse,
    ListWaitingWorkflowStepsRequest,
    ListWaitingWorkflowStepsResponse,
    ListWorkflowExecutionsRequest,
    ListWorkflowExecutionsResponse,
    ListWorkflowStepExecutionsRequest,
    ListWorkflowStepExecutionsResponse,
    ResourceInUseException,
    ResourceNotFoundException,
    SendWorkflowStepActionRequest,
    SendWorkflowStepActionResponse,
    WorkflowExecutionMetadata,
    WorkflowStepExecution,
    WorkflowStepMetadata,
)
from ..service.context import Context
from .common import get_owned, project
from .pagination import paginate_list
from .registry import operation


def _not_found(kind: str, identifier: str) -> ServiceError:
    return ResourceNotFoundException(f"The {kind} '{identifier}' does not exist.")


@operation("ListWorkflowExecutions")
def list_workflow_executions(ctx: Context, params: ListWorkflowExecutionsRequest) -> ListWorkflowExecutionsResponse:
    image = get_owned(ctx, params["imageBuildVersionArn"])
    executions = [project(execution.document, WorkflowExecutionMetadata)
                  for execution in ctx.executions.workflow_executions(image.arn)]
    page, token = paginate_list(ctx, params, executions)
    return {"workflowExecutions": page, "imageBuildVersionArn": image.arn, "nextToken": token}


@operation("GetWorkflowExecution")
def get_workflow_execution(ctx: Context, params: GetWorkflowExecutionRequest) -> GetWorkflowExecutionResponse:
    execution = ctx.executions.workflow_execution(params["workflowExecutionId"])
    if execution is None:
        raise _not_found("workflow execution", params["workflowExecutionId"])
    return project(execution.document, GetWorkflowExecutionResponse)


@operation("ListWorkflowStepExecutions")
def list_workflow_step_executions(ctx: Context,
                                  params: ListWorkflowStepExecutionsRequest) -> ListWorkflowStepExecutionsResponse:
    execution = ctx.executions.workflow_execution(params["workflowExecutionId"])
    if execution is None:
        raise _not_found("workflow execution", params["workflowExecutionId"])
    steps: list[WorkflowStepMetadata] = [
        {**project(step.document, WorkflowStepMetadata), "stepExecutionId": step.id}
        for step in ctx.executions.step_executions(execution.id)]
    page, token = paginate_list(ctx, params, steps)
    return {"steps": page, "workflowBuildVersionArn": execution.document["workflowBuildVersionArn"],
            "workflowExecutionId": execution.id, "imageBuildVersionArn": execution.image_arn, "nextToken": token}


@operation("GetWorkflowStepExecution")
def get_workflow_step_execution(ctx: Context,
                                params: GetWorkflowStepExecutionRequest) -> GetWorkflowStepExecutionResponse:
    step = ctx.executions.step_execution(params["stepExecutionId"])
    if step is None:
        raise _not_found("workflow step execution", params["stepExecutionId"])
    return {**project(step.document, GetWorkflowStepExecutionResponse), "stepExecutionId": step.id}


@operation("ListWaitingWorkflowSteps")
def list_waiting_workflow_steps(ctx: Context,
                                params: ListWaitingWorkflowStepsRequest) -> ListWaitingWorkflowStepsResponse:
    # A step already answered (SendWorkflowStepAction) is no longer waiting, even before the
    # engine has acted on the answer.
    steps: list[WorkflowStepExecution] = [
        {**project(step.document, WorkflowStepExecution), "stepExecutionId": step.id}
        for step in ctx.executions.waiting_steps() if not step.document.get("decision")]
    page, token = paginate_list(ctx, params, steps)
    return {"steps": page, "nextToken": token}


@operation("SendWorkflowStepAction")
def send_workflow_step_action(ctx: Context, params: SendWorkflowStepActionRequest) -> SendWorkflowStepActionResponse:
    step = ctx.executions.step_execution(params["stepExecutionId"])
    if step is None:
        raise _not_found("workflow step execution", params["stepExecutionId"])
    if step.image_arn != params["imageBuildVersionArn"]:
        raise invalid_parameter("imageBuildVersionArn",
                                f"The step '{step.id}' does not belong to the image '{params['imageBuildVersionArn']}'.")
    if not step.waiting or step.document.get("decision"):
        raise ResourceInUseException(
            f"The step '{step.id}' is not waiting for an action (status {step.document['status']}).")
    step.document["decision"] = params["action"]
    step.document["decisionReason"] = params.get("reason") or ""
    ctx.executions.save_step_execution(step)
    workflow = ctx.executions.workflow_execution(step.workflow_execution_id)
    if workflow is not None:  # due now, so the engine's next step acts on the answer
        workflow.document["dueAt"] = ctx.epoch()
        ctx.executions.save_workflow_execution(workflow)
    ctx.executions.wake_job(step.image_arn, ctx.epoch())
    return {"stepExecutionId": step.id, "imageBuildVersionArn": step.image_arn}
