"""The console's pages: what each shows, read through the API (console/api.py) as the signed-in
account. Each function runs on a handler thread and returns its template and the template's data."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Engine

from ..domain.arn import parse_arn
from ..server.build_logs import read_logs
from .api import Api, ApiError, Principal
from .http import Request
from .timeline import build_timeline

TERMINAL_IMAGE_STATES = frozenset({"AVAILABLE", "FAILED", "CANCELLED", "DEPRECATED", "DISABLED", "DELETED"})
LOG_LINES_SHOWN = 2000  # the first page's log; the page's script fetches the rest as it comes


@dataclass(frozen=True)
class Page:
    template: str
    data: dict[str, Any]
    title: str


class NotFound(Exception):
    """The page's resource does not exist (or is not the caller's to see)."""


def pipelines(api: Api, _request: Request, _engine: Engine) -> Page:
    listed = api.read_all("ListImagePipelines", "imagePipelineList")
    return Page("pipelines.html", {"pipelines": sorted(listed, key=lambda p: p.get("name") or "")}, "Pipelines")


def pipeline(api: Api, request: Request, engine: Engine) -> Page:
    arn = request.param("arn")
    found = _get(api, "GetImagePipeline", "imagePipeline", imagePipelineArn=arn)
    images = api.read_all("ListImagePipelineImages", "imageSummaryList", imagePipelineArn=arn)
    images.sort(key=lambda image: image.get("dateCreated") or "", reverse=True)
    log = _log(engine, api.principal, "imagePipelineArn", arn)
    return Page("pipeline.html", {"pipeline": found, "images": images, "log": log}, found.get("name") or arn)


def images(api: Api, _request: Request, _engine: Engine) -> Page:
    listed = api.read_all("ListImageBuildVersions", "imageSummaryList")
    listed.sort(key=lambda image: image.get("dateCreated") or "", reverse=True)
    return Page("images.html", {"images": listed}, "Images")


def image(api: Api, request: Request, engine: Engine) -> Page:
    arn = request.param("arn")
    found = _get(api, "GetImage", "image", imageBuildVersionArn=arn)
    own = True
    try:
        workflows = api.read_all("ListWorkflowExecutions", "workflowExecutions", imageBuildVersionArn=arn)
    except ApiError as error:
        if error.code != "ResourceNotFoundException":
            raise
        workflows, own = [], False  # an image shared with the account: its executions stay its owner's
    workflows.sort(key=lambda w: w.get("startTime") or "9999")
    steps = {w["workflowExecutionId"]: api.read_all("ListWorkflowStepExecutions", "steps",
                                                     workflowExecutionId=w["workflowExecutionId"])
             for w in workflows if w.get("workflowExecutionId")}
    waiting = [step for step in api.read_all("ListWaitingWorkflowSteps", "steps")
               if step.get("imageBuildVersionArn") == arn]
    status = (found.get("state") or {}).get("status") or ""
    log = _log(engine, api.principal, "imageBuildVersionArn", arn)
    return Page("image.html", {
        "image": found, "image_status": status, "finished": status in TERMINAL_IMAGE_STATES,
        "timeline": build_timeline(workflows, steps, datetime.now(UTC)), "waiting": waiting, "log": log, "own": own,
        "recipe_arn": (found.get("imageRecipe") or {}).get("arn") or (found.get("containerRecipe") or {}).get("arn"),
    }, f"{found.get('name')} {found.get('version')}")


def recipes(api: Api, _request: Request, _engine: Engine) -> Page:
    image_recipes = api.read_all("ListImageRecipes", "imageRecipeSummaryList", owner="Self")
    container_recipes = api.read_all("ListContainerRecipes", "containerRecipeSummaryList", owner="Self")
    return Page("recipes.html", {"image_recipes": image_recipes, "container_recipes": container_recipes}, "Recipes")


def recipe(api: Api, request: Request, _engine: Engine) -> Page:
    arn = request.param("arn")
    parsed = parse_arn(arn)
    if parsed is not None and parsed.resource_type == "container-recipe":
        found = _get(api, "GetContainerRecipe", "containerRecipe", containerRecipeArn=arn)
    else:
        found = _get(api, "GetImageRecipe", "imageRecipe", imageRecipeArn=arn)
    return Page("recipe.html", {"recipe": found, "container": parsed is not None
                                and parsed.resource_type == "container-recipe"}, found.get("name") or arn)


def components(api: Api, request: Request, _engine: Engine) -> Page:
    owner = "Amazon" if request.param("owner") == "Amazon" else "Self"
    listed = api.read_all("ListComponents", "componentVersionList", owner=owner)
    listed.sort(key=lambda c: (c.get("name") or "", c.get("version") or ""))
    return Page("components.html", {"components": listed, "owner": owner}, "Components")


def component(api: Api, request: Request, _engine: Engine) -> Page:
    arn = request.param("arn")
    found = _get(api, "GetComponent", "component", componentBuildVersionArn=arn)
    return Page("component.html", {"component": found}, found.get("name") or arn)


def _get(api: Api, operation: str, key: str, **params: str) -> dict[str, Any]:
    if not next(iter(params.values()), ""):
        raise NotFound("No ARN given.")
    try:
        return dict(api.read(operation, **params)[key])
    except ApiError as error:
        if error.code in ("ResourceNotFoundException", "InvalidParameterValueException",
                          "ForbiddenException", "InvalidRequestException"):
            raise NotFound(error.message) from error
        raise


def may_read_log(principal: Principal, arn: str) -> bool:
    """The rule of /_oib/logs (server/control_access.py): the owner's account, or an administrator.
    An image shared with the caller shows, but its build log stays its owner's."""
    parsed = parse_arn(arn)
    return parsed is not None and (principal.admin or parsed.owner == principal.account)


def read_log(engine: Engine, principal: Principal, parameter: str, arn: str, after: int = 0) -> dict[str, Any] | None:
    """What /_oib/logs answers for the ARN, or None when the principal may not read it."""
    if not may_read_log(principal, arn):
        return None
    status, payload = read_logs(engine, urlencode({parameter: arn, "after": str(after)}).encode())
    return payload if status == 200 else None


def _log(engine: Engine, principal: Principal, parameter: str, arn: str) -> dict[str, Any]:
    payload = read_log(engine, principal, parameter, arn)
    if payload is None:
        return {"events": [], "finished": True, "last": 0, "readable": False}
    events = payload["events"]
    return {"events": events[:LOG_LINES_SHOWN], "finished": payload["finished"], "readable": True,
            "last": events[min(len(events), LOG_LINES_SHOWN) - 1]["id"] if events else 0}
