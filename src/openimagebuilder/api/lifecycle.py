"""Lifecycle policies (Create/Get/List/Update/Delete), lifecycle executions (Get, List, their
resources, Cancel) and StartResourceStateUpdate. Policy runs themselves are the scheduler's
(service/lifecycle.py, scheduler/lifecycle.py)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..domain.arn import name_to_id, parse_arn
from ..domain.lifecycle import validate_details
from ..domain.semver import parse_version_filter
from ..protocol.errors import ServiceError, invalid_parameter
from ..protocol.generated import (
    CancelLifecycleExecutionRequest,
    CancelLifecycleExecutionResponse,
    CreateLifecyclePolicyRequest,
    CreateLifecyclePolicyResponse,
    DeleteLifecyclePolicyRequest,
    DeleteLifecyclePolicyResponse,
    GetLifecycleExecutionRequest,
    GetLifecycleExecutionResponse,
    GetLifecyclePolicyRequest,
    GetLifecyclePolicyResponse,
    ImageStatus,
    ImageType,
    InvalidParameterCombinationException,
    InvalidRequestException,
    LifecycleExecution,
    LifecycleExecutionResource,
    LifecycleExecutionStatus,
    LifecyclePolicy,
    LifecyclePolicyStatus,
    LifecyclePolicySummary,
    ListLifecycleExecutionResourcesRequest,
    ListLifecycleExecutionResourcesResponse,
    ListLifecycleExecutionsRequest,
    ListLifecycleExecutionsResponse,
    ListLifecyclePoliciesRequest,
    ListLifecyclePoliciesResponse,
    ResourceInUseException,
    ResourceNotFoundException,
    ResourceStatus,
    StartResourceStateUpdateRequest,
    StartResourceStateUpdateResponse,
    UpdateLifecyclePolicyRequest,
    UpdateLifecyclePolicyResponse,
)
from ..service import lifecycle as runs
from ..service.context import Context
from ..store.repository import Resource
from .common import document_field, filter_predicate, get_owned, indexed_filters, insert_new, own_scan, project
from .pagination import paginate, paginate_list
from .registry import operation

KIND = runs.POLICY_KIND
FILTERS = {"name": document_field("name"), **indexed_filters(KIND, "resourceType", "status")}
CONFIGURATION = ("description", "status", "executionRole", "resourceType", "policyDetails", "resourceSelection")


def _invalid_request(message: str) -> ServiceError:
    return InvalidRequestException(message)


def _check_policy(params: Mapping[str, Any]) -> None:
    selection = params["resourceSelection"]
    if bool(selection.get("recipes")) == bool(selection.get("tagMap")):
        raise invalid_parameter("resourceSelection",
                                "You must specify exactly one selection criteria: either recipes or tagMap.")
    for index, recipe in enumerate(selection.get("recipes") or []):
        if parse_version_filter(recipe["semanticVersion"]) is None:
            raise invalid_parameter(f"resourceSelection.recipes[{index}].semanticVersion",
                                    f"The version '{recipe['semanticVersion']}' is not valid. A wildcard (x) may only "
                                    "be followed by wildcards, for example 1.x.x.")
    problem = validate_details(params["policyDetails"], params["resourceType"])
    if problem is not None:
        raise invalid_parameter(*problem)


def _configuration(params: Mapping[str, Any]) -> dict[str, Any]:
    return {"status": LifecyclePolicyStatus.ENABLED, **{key: params[key] for key in CONFIGURATION if params.get(key) is not None}}


@operation("CreateLifecyclePolicy")
def create_policy(ctx: Context, params: CreateLifecyclePolicyRequest) -> CreateLifecyclePolicyResponse:
    _check_policy(params)
    name_id = name_to_id(params["name"])
    arn = str(ctx.arn(KIND, name_id))
    now = ctx.now()
    document = {"arn": arn, "name": params["name"], **_configuration(params), "dateCreated": now,
                "dateUpdated": now, "tags": params.get("tags") or {}}
    insert_new(ctx, Resource(KIND, arn, name_id, document, now))
    runs.schedule_policy(ctx, document, restart=True)
    return {"lifecyclePolicyArn": arn}


@operation("GetLifecyclePolicy")
def get_policy(ctx: Context, params: GetLifecyclePolicyRequest) -> GetLifecyclePolicyResponse:
    return {"lifecyclePolicy": project(get_owned(ctx, params["lifecyclePolicyArn"]).document, LifecyclePolicy)}


@operation("UpdateLifecyclePolicy")
def update_policy(ctx: Context, params: UpdateLifecyclePolicyRequest) -> UpdateLifecyclePolicyResponse:
    policy = get_owned(ctx, params["lifecyclePolicyArn"], for_update=True)
    if params["resourceType"] != policy.document.get("resourceType"):
        raise InvalidParameterCombinationException(
            f"The resourceType of a lifecycle policy cannot change: the policy '{policy.arn}' applies to "
            f"{policy.document.get('resourceType')}.")
    _check_policy(params)
    # Documented: the update replaces the whole configuration (an omitted status is ENABLED again).
    kept: dict[str, Any] = {key: policy.document[key] for key in ("arn", "name", "dateCreated", "dateLastRun", "tags")
                            if key in policy.document}
    document = {**kept, **_configuration(params), "dateUpdated": ctx.now()}
    ctx.repo.replace_document(policy.arn, document)
    # Re-enabling starts the daily cycle anew; other updates keep it.
    runs.schedule_policy(ctx, document, restart=policy.document.get("status") != LifecyclePolicyStatus.ENABLED)
    return {"lifecyclePolicyArn": policy.arn}


@operation("DeleteLifecyclePolicy")
def delete_policy(ctx: Context, params: DeleteLifecyclePolicyRequest) -> DeleteLifecyclePolicyResponse:
    policy = get_owned(ctx, params["lifecyclePolicyArn"], for_update=True)
    ctx.repo.delete(policy.arn)
    ctx.schedules.remove(policy.arn)
    return {"lifecyclePolicyArn": policy.arn}


@operation("ListLifecyclePolicies")
def list_policies(ctx: Context, params: ListLifecyclePoliciesRequest) -> ListLifecyclePoliciesResponse:
    page, token = paginate(ctx, params, own_scan(ctx, KIND, params),
                           filter_predicate(params, FILTERS))
    return {"lifecyclePolicySummaryList": [project(policy.document, LifecyclePolicySummary) for policy in page],
            "nextToken": token}


# -- executions ---------------------------------------------------------------------------------
def _execution(ctx: Context, execution_id: str) -> Resource:
    execution = ctx.repo.get(runs.execution_arn(ctx, execution_id))
    if execution is None:
        raise ResourceNotFoundException(
            f"The lifecycle execution '{execution_id}' does not exist.")
    return execution


@operation("GetLifecycleExecution")
def get_execution(ctx: Context, params: GetLifecycleExecutionRequest) -> GetLifecycleExecutionResponse:
    return {"lifecycleExecution": project(_execution(ctx, params["lifecycleExecutionId"]).document,
                                          LifecycleExecution)}


@operation("ListLifecycleExecutions")
def list_executions(ctx: Context, params: ListLifecycleExecutionsRequest) -> ListLifecycleExecutionsResponse:
    arn = parse_arn(params["resourceArn"])
    if arn is None or arn.resource_type not in (KIND, "image") or (arn.resource_type == "image" and arn.build is None):
        raise invalid_parameter("resourceArn", "Specify a lifecycle policy ARN or an image build version ARN.")
    member = "lifecyclePolicyArn" if arn.resource_type == KIND else "resourceArn"
    page, token = paginate(ctx, params, lambda after: ctx.repo.scan(runs.EXECUTION_KIND, after),
                           lambda execution: execution.document.get(member) == params["resourceArn"])
    return {"lifecycleExecutions": [project(execution.document, LifecycleExecution) for execution in page],
            "nextToken": token}


@operation("ListLifecycleExecutionResources")
def list_execution_resources(ctx: Context,
                             params: ListLifecycleExecutionResourcesRequest) -> ListLifecycleExecutionResourcesResponse:
    execution = _execution(ctx, params["lifecycleExecutionId"])
    resources = execution.document.get("resources") or []
    parent = params.get("parentResourceId")
    if parent:
        items = next((item.get("amis") or [] for item in resources if item["resourceId"] == parent), [])
    else:
        items = resources
    page, token = paginate_list(ctx, params, [project(item, LifecycleExecutionResource) for item in items])
    return {"lifecycleExecutionId": execution.document["lifecycleExecutionId"],
            "lifecycleExecutionState": execution.document.get("state"), "resources": page, "nextToken": token}


@operation("CancelLifecycleExecution")
def cancel_execution(ctx: Context, params: CancelLifecycleExecutionRequest) -> CancelLifecycleExecutionResponse:
    execution = _execution(ctx, params["lifecycleExecutionId"])
    execution = get_owned(ctx, execution.arn, for_update=True)
    status = (execution.document.get("state") or {}).get("status")
    if status in runs.TERMINAL_EXECUTION_STATES or status == LifecycleExecutionStatus.CANCELLING:
        raise ResourceInUseException(
            f"The lifecycle execution '{params['lifecycleExecutionId']}' cannot be cancelled because its status "
            f"is {status}.")
    runs.finish_execution(ctx, execution, LifecycleExecutionStatus.CANCELLED, ctx.clock.now(), "Cancelled by CancelLifecycleExecution.")
    ctx.schedules.remove(execution.arn)
    return {"lifecycleExecutionId": params["lifecycleExecutionId"]}


# -- StartResourceStateUpdate -------------------------------------------------------------------
# Image states StartResourceStateUpdate accepts, and the target states each may move to.
ALLOWED_FROM: dict[str, set[str]] = {
    ImageStatus.AVAILABLE: {ResourceStatus.DEPRECATED, ResourceStatus.DISABLED, ResourceStatus.DELETED},
    ImageStatus.DEPRECATED: {ResourceStatus.AVAILABLE, ResourceStatus.DISABLED, ResourceStatus.DELETED},
    ImageStatus.DISABLED: {ResourceStatus.AVAILABLE, ResourceStatus.DEPRECATED, ResourceStatus.DELETED},
    ImageStatus.FAILED: {ResourceStatus.DELETED}, ImageStatus.CANCELLED: {ResourceStatus.DELETED}}


IN_FLIGHT_EXECUTION_STATES = frozenset({LifecycleExecutionStatus.PENDING, LifecycleExecutionStatus.IN_PROGRESS})


def _moment(value: Any) -> datetime:
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(float(value), UTC)
        moment = runs.parse_date(str(value))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        raise invalid_parameter("updateAt", f"The timestamp '{value}' is not valid.") from None


def _check_state_update(params: Mapping[str, Any], image: Resource, target: str) -> None:
    include = params.get("includeResources")
    include_any = include is not None and any(include.values())
    if bool(params.get("executionRole")) != bool(include):
        raise _invalid_request("executionRole and includeResources must be provided together.")
    if image.document.get("type") == ImageType.DOCKER:
        if target != ResourceStatus.DELETED:
            raise _invalid_request("Container images can only be moved to DELETED.")
        if include and (include.get("amis") or include.get("snapshots")):
            raise _invalid_request("amis and snapshots can only be included for AMI images.")
    elif include and include.get("containers"):
        raise _invalid_request("containers can only be included for container images.")
    if target != ResourceStatus.DELETED and include and (include.get("snapshots") or include.get("containers")):
        raise _invalid_request("snapshots and containers can only be included for the DELETED state.")
    if include and include.get("snapshots") and not include.get("amis"):
        raise _invalid_request("snapshots can only be included together with amis.")
    if target == ResourceStatus.DELETED and not include_any:
        raise _invalid_request("To set an image to DELETED, include its underlying resources (includeResources). "
                               "To delete only the image resource, use DeleteImage.")
    if params.get("updateAt") is not None and target != ResourceStatus.DEPRECATED:
        raise _invalid_request("updateAt is valid only when the target status is DEPRECATED.")


@operation("StartResourceStateUpdate")
def start_resource_state_update(ctx: Context,
                                params: StartResourceStateUpdateRequest) -> StartResourceStateUpdateResponse:
    image = get_owned(ctx, params["resourceArn"], for_update=True)
    target = (params.get("state") or {}).get("status")
    if target is None:
        raise invalid_parameter("state.status", "'state.status' is required.")
    _check_state_update(params, image, target)
    status = runs.image_status(image)
    if status not in ALLOWED_FROM:
        raise ResourceInUseException(
            f"The image '{image.arn}' cannot change state because its status is {status}.")
    if target not in ALLOWED_FROM[status]:
        raise _invalid_request(f"The image '{image.arn}' cannot move from {status} to {target}.")
    if any((execution.document.get("state") or {}).get("status") in IN_FLIGHT_EXECUTION_STATES
           for execution in runs.executions_of_image(ctx, image.arn)):
        raise ResourceInUseException(
            f"The image '{image.arn}' already has a lifecycle execution in progress.")
    now = ctx.clock.now()
    update_at = _moment(params["updateAt"]) if params.get("updateAt") is not None else None
    if update_at is not None and update_at <= now:
        raise _invalid_request("updateAt must be a future time.")
    include = params.get("includeResources") or {}
    if update_at is None and not include:
        # Documented: without underlying resources or a schedule, the change applies at once.
        runs.set_image_state(ctx, image, target)
        return {"resourceArn": image.arn}
    exclusions = (params.get("exclusionRules") or {}).get("amis")
    execution = runs.new_execution(
        ctx, now, resourceArn=image.arn,
        state={"status": LifecycleExecutionStatus.PENDING if update_at else LifecycleExecutionStatus.IN_PROGRESS},
        stateUpdate={"status": target, "amis": bool(include.get("amis")), "containers": bool(include.get("containers")),
                     "excludedAmis": exclusions})
    if update_at is not None:
        ctx.schedules.set(execution.arn, update_at.timestamp(), now.timestamp())
    else:
        runs.run_state_update(ctx, execution, now)
    return {"lifecycleExecutionId": execution.document["lifecycleExecutionId"], "resourceArn": image.arn}

