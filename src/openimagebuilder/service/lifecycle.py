"""Lifecycle runs, shared by the handlers (StartResourceStateUpdate, policy changes) and the
scheduler (the daily run of each ENABLED policy, scheduled state updates).

A lifecycle execution is stored as a resource of kind `lifecycle-execution` (its document holds
the LifecycleExecution members and the resources it acted on). Policies and scheduled state
updates are kept in the scheduler's index (`pipeline_schedules`, keyed by their ARN) like
pipeline schedules, so `oib clock advance` walks through them too.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ..domain.arn import name_to_id, parse_arn
from ..domain.clock import format_date
from ..domain.lifecycle import Ami, Decision, ImageFacts, ami_exclusion_from, evaluate, rule_from_detail
from ..domain.semver import parse_version, parse_version_filter
from ..store.repository import Resource
from .context import Context

POLICY_KIND = "lifecycle-policy"
EXECUTION_KIND = "lifecycle-execution"
IMAGE_KIND = "image"
DAY_SECONDS = 24 * 3600.0
ACTION_OF_STATE = {"AVAILABLE": "AVAILABLE", "DEPRECATED": "DEPRECATE", "DISABLED": "DISABLE", "DELETED": "DELETE"}
TERMINAL_EXECUTION_STATES = frozenset({"SUCCESS", "FAILED", "CANCELLED"})
IMAGE_TYPE = {"AMI_IMAGE": "AMI", "CONTAINER_IMAGE": "DOCKER"}


def parse_date(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# -- the schedule -------------------------------------------------------------------------------
def schedule_policy(ctx: Context, policy: dict[str, Any], restart: bool) -> None:
    """Keeps the policy's daily run in the scheduler's index: an ENABLED policy runs every 24
    hours from when it was created or last enabled (`restart`); a DISABLED one does not run."""
    arn = policy["arn"]
    if policy.get("status", "ENABLED") != "ENABLED":
        anchor = ctx.schedules.anchor(arn)
        ctx.schedules.set(arn, None, anchor if anchor is not None else ctx.epoch())
        return
    anchor = None if restart else ctx.schedules.anchor(arn)
    if anchor is None:
        anchor = ctx.epoch()
    ctx.schedules.set(arn, next_daily_run(anchor, ctx.epoch()), anchor)


def next_daily_run(anchor: float, now: float) -> float:
    """The first run after `now` of a run every 24 hours from `anchor` (strictly after: float
    rounding must never hand the scheduler the due time it is firing again)."""
    run = anchor + max(int((now - anchor) // DAY_SECONDS) + 1, 1) * DAY_SECONDS
    while run <= now:
        run += DAY_SECONDS
    return run


def execution_arn(ctx: Context, execution_id: str) -> str:
    return str(ctx.arn(EXECUTION_KIND, execution_id))


def is_lifecycle_arn(arn: str) -> bool:
    parsed = parse_arn(arn)
    return parsed is not None and parsed.resource_type in (POLICY_KIND, EXECUTION_KIND)


# -- executions ---------------------------------------------------------------------------------
def new_execution(ctx: Context, moment: datetime, **members: Any) -> Resource:
    execution_id = f"lce-{uuid.uuid4()}"
    document = {"lifecycleExecutionId": execution_id, "startTime": format_date(moment), "resources": [],
                **members}
    arn = execution_arn(ctx, execution_id)
    # Newest first in lists: the sort key counts down with time.
    sort_key = f"{10**13 - int(moment.timestamp() * 1000):014d}"
    return ctx.repo.insert(Resource(EXECUTION_KIND, arn, execution_id, document, format_date(moment),
                                    sort_key=sort_key))


def finish_execution(ctx: Context, execution: Resource, status: str, moment: datetime,
                     reason: str | None = None) -> None:
    document = execution.document
    document["state"] = {"status": status, **({"reason": reason} if reason else {})}
    document["endTime"] = format_date(moment)
    document["resourcesImpactedSummary"] = {"hasImpactedResources": any(
        item["state"]["status"] == "SUCCESS" for item in document.get("resources") or [])}
    ctx.repo.replace_document(execution.arn, document)


def executions_of_image(ctx: Context, image_arn: str) -> list[Resource]:
    return [execution for execution in ctx.repo.scan(EXECUTION_KIND)
            if execution.document.get("resourceArn") == image_arn]


# -- images -------------------------------------------------------------------------------------
def image_status(image: Resource) -> str:
    return (image.document.get("state") or {}).get("status", "")


def _amis(image: Resource) -> tuple[Ami, ...]:
    """The image's distributed AMIs with what the exclusion rules look at, from its output and
    its distribution configuration (launch permissions, AMI tags)."""
    document = image.document
    distribution = document.get("distributionConfiguration") or {}
    by_region = {item.get("region"): item.get("amiDistributionConfiguration") or {}
                 for item in distribution.get("distributions") or []}
    amis = []
    for ami in (document.get("outputResources") or {}).get("amis") or []:
        config = by_region.get(ami.get("region")) or {}
        permission = config.get("launchPermission") or {}
        amis.append(Ami(image_id=ami.get("image", ""), region=ami.get("region", ""),
                        account_id=ami.get("accountId", image.owner),
                        shared_accounts=frozenset((permission.get("userIds") or [])
                                                  + (config.get("targetAccountIds") or [])),
                        public="all" in (permission.get("userGroups") or []),
                        tags=dict(config.get("amiTags") or {})))
    return tuple(amis)


def image_facts(image: Resource) -> ImageFacts:
    return ImageFacts(arn=image.arn, group=image.name_id, created=parse_date(image.document["dateCreated"]),
                      status=image_status(image), tags=dict(image.document.get("tags") or {}), amis=_amis(image))


def set_image_state(ctx: Context, image: Resource, status: str, ami_ids: set[str] | None = None) -> None:
    """Moves the image (and the AMIs named) to a state; DELETED keeps the record, as AWS shows it."""
    document = image.document
    document["state"] = {"status": status}
    if ami_ids:
        for ami in (document.get("outputResources") or {}).get("amis") or []:
            if ami.get("image") in ami_ids:
                ami["state"] = {"status": status}
    ctx.repo.replace_document(image.arn, document)


def _selected(policy: dict[str, Any], image: Resource) -> bool:
    if image.document.get("type", "AMI") != IMAGE_TYPE.get(policy.get("resourceType", "AMI_IMAGE")):
        return False
    selection = policy.get("resourceSelection") or {}
    if selection.get("tagMap"):
        tags = image.document.get("tags") or {}
        return any(tags.get(key) == value for key, value in selection["tagMap"].items())
    version = parse_version(image.version)
    for recipe in selection.get("recipes") or []:
        wanted = parse_version_filter(recipe.get("semanticVersion", ""))
        if name_to_id(recipe.get("name", "")) == image.name_id and wanted is not None and version is not None \
                and wanted.matches(version):
            return True
    return False


def _resource_entry(ctx: Context, resource_id: str, region: str, action: str, action_reason: str,
                    status: str, reason: str | None, moment: str, **extra: Any) -> dict[str, Any]:
    return {"accountId": ctx.account_id, "resourceId": resource_id, "region": region,
            "state": {"status": status, **({"reason": reason} if reason else {})},
            "action": {"name": action, "reason": action_reason}, "startTime": moment, "endTime": moment, **extra}


def _image_uris(image: Resource) -> dict[str, Any]:
    """`imageUris` of an execution's entry for a container image: where it was distributed."""
    uris = [uri for item in (image.document.get("outputResources") or {}).get("containers") or []
            for uri in item.get("imageUris") or []]
    return {"imageUris": uris} if uris else {}


def _release_artifacts(ctx: Context, image: Resource, containers: bool) -> None:
    """A container image DELETED with its containers included: after the commit, what it owns
    outside the store (manifests of a real build in the registry) goes, as with DeleteImage."""
    if containers and image.document.get("type") == "DOCKER":
        ctx.deleted_images.append(image.document)


def _apply(ctx: Context, decision: Decision, moment: str) -> dict[str, Any]:
    """Applies one decision to its image and AMIs; the execution's record of it."""
    image = ctx.repo.get(decision.image.arn, for_update=True)
    amis = [_resource_entry(ctx, item.ami.image_id, item.ami.region, decision.action, decision.reason,
                            "SKIPPED" if item.excluded or decision.skipped else "SUCCESS",
                            f"Excluded: {item.excluded}." if item.excluded else decision.skipped, moment)
            for item in decision.amis]
    if image is None or image_status(image) != decision.image.status:
        return _resource_entry(ctx, decision.image.arn, ctx.region, decision.action, decision.reason, "SKIPPED",
                               "The image changed while the lifecycle execution ran.", moment, amis=amis)
    if decision.skipped:
        return _resource_entry(ctx, image.arn, ctx.region, decision.action, decision.reason, "SKIPPED",
                               decision.skipped, moment, amis=amis)
    assert decision.new_state is not None
    set_image_state(ctx, image, decision.new_state,
                    {item.ami.image_id for item in decision.amis if not item.excluded})
    if decision.new_state == "DELETED":
        _release_artifacts(ctx, image, decision.include_containers)
    return _resource_entry(ctx, image.arn, ctx.region, decision.action, decision.reason, "SUCCESS", None, moment,
                           amis=amis, **_image_uris(image))


def run_policy(ctx: Context, policy: Resource, moment: datetime) -> Resource:
    """One lifecycle execution of a policy, carried out at once: its rules evaluated against the
    images it selects, the actions applied, the execution recorded (SUCCESS) and the policy's
    `dateLastRun` set."""
    rules = [rule_from_detail(detail) for detail in policy.document.get("policyDetails") or []]
    images = [image for image in ctx.repo.scan(IMAGE_KIND) if _selected(policy.document, image)]
    decisions = evaluate(rules, [image_facts(image) for image in images], moment)
    execution = new_execution(ctx, moment, lifecyclePolicyArn=policy.arn,
                              state={"status": "IN_PROGRESS"})
    stamp = format_date(moment)
    execution.document["resources"] = [_apply(ctx, decision, stamp) for decision in decisions]
    finish_execution(ctx, execution, "SUCCESS", moment)
    policy.document["dateLastRun"] = stamp
    ctx.repo.replace_document(policy.arn, policy.document)
    return execution


def run_state_update(ctx: Context, execution: Resource, moment: datetime) -> None:
    """Carries out a StartResourceStateUpdate execution (now, or when its `updateAt` is due)."""
    update = execution.document.get("stateUpdate") or {}
    stamp = format_date(moment)
    image = ctx.repo.get(execution.document["resourceArn"], for_update=True)
    if image is None:
        finish_execution(ctx, execution, "FAILED", moment, "The image no longer exists.")
        return
    status = update["status"]
    action = ACTION_OF_STATE[status]
    reason = "Requested by StartResourceStateUpdate."
    excluded: dict[str, str] = {}
    rules = update.get("excludedAmis")
    amis = _amis(image) if update.get("amis") else ()
    if rules:
        exclusion = ami_exclusion_from(rules)
        excluded = {ami.image_id: why for ami in amis if (why := exclusion.excludes(ami, moment)) is not None}
    ami_entries = [_resource_entry(ctx, ami.image_id, ami.region, action, reason,
                                   "SKIPPED" if ami.image_id in excluded else "SUCCESS",
                                   f"Excluded: {excluded[ami.image_id]}." if ami.image_id in excluded else None, stamp)
                   for ami in amis]
    if status == "DELETED" and excluded:
        entry = _resource_entry(ctx, image.arn, ctx.region, action, reason, "SKIPPED",
                                "An AMI of the image is excluded, so the image is kept.", stamp, amis=ami_entries)
    else:
        set_image_state(ctx, image, status, {ami.image_id for ami in amis if ami.image_id not in excluded})
        if status == "DELETED":
            _release_artifacts(ctx, image, bool(update.get("containers")))
        entry = _resource_entry(ctx, image.arn, ctx.region, action, reason, "SUCCESS", None, stamp, amis=ami_entries,
                                **_image_uris(image))
    execution.document["resources"] = [entry]
    finish_execution(ctx, execution, "SUCCESS", moment)

