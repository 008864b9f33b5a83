"""Lifecycle policy rules, evaluated purely: which images a policy's rules act on, and how.

The store and the scheduler hand in facts about images (`ImageFacts`) and a policy's rules
(`Rule`, parsed from the model's LifecyclePolicyDetail); `evaluate` answers, per image, the one
action the run applies (`Decision`). Nothing here reads the store or the clock.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

# Actions in the order a policy applies them; an image moves forward only (AVAILABLE →
# DEPRECATED → DISABLED → DELETED), and the run applies the furthest action that matches it.
ACTION_ORDER = ("DEPRECATE", "DISABLE", "DELETE")
STATE_AFTER = {"DEPRECATE": "DEPRECATED", "DISABLE": "DISABLED", "DELETE": "DELETED"}
# Which image states each action still moves forward.
ACTS_ON = {"DEPRECATE": frozenset({"AVAILABLE"}),
           "DISABLE": frozenset({"AVAILABLE", "DEPRECATED"}),
           "DELETE": frozenset({"AVAILABLE", "DEPRECATED", "DISABLED"})}
# Images a lifecycle run considers at all: finished builds that still exist.
MANAGED_STATES = frozenset({"AVAILABLE", "DEPRECATED", "DISABLED"})
# Decided: calendar-free units (a month is 30 days, a year 365), as age is counted in whole days.
UNIT_DAYS = {"DAYS": 1, "WEEKS": 7, "MONTHS": 30, "YEARS": 365}


@dataclass(frozen=True)
class Ami:
    image_id: str
    region: str
    account_id: str
    shared_accounts: frozenset[str] = frozenset()
    public: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)
    last_launched: datetime | None = None  # never known here: no instance launches are recorded


@dataclass(frozen=True)
class ImageFacts:
    arn: str
    group: str                # images counted together (count and retainAtLeast): the recipe's name id
    created: datetime
    status: str
    tags: Mapping[str, str] = field(default_factory=dict)
    amis: tuple[Ami, ...] = ()


@dataclass(frozen=True)
class AmiExclusion:
    public: bool = False
    regions: frozenset[str] = frozenset()
    shared_accounts: frozenset[str] = frozenset()
    last_launched_days: int | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def excludes(self, ami: Ami, now: datetime) -> str | None:
        """Why this AMI is excluded, or None."""
        if self.public and ami.public:
            return "the AMI is public"
        if ami.region in self.regions:
            return f"the AMI is in the excluded region {ami.region}"
        shared = sorted(self.shared_accounts & ami.shared_accounts)
        if shared:
            return f"the AMI is shared with the excluded account {shared[0]}"
        if self.last_launched_days is not None and ami.last_launched is not None \
                and now - ami.last_launched < timedelta(days=self.last_launched_days):
            return "the AMI was launched recently"
        if _has_any_tag(ami.tags, self.tags):
            return "the AMI has an excluded tag"
        return None


@dataclass(frozen=True)
class Rule:
    action: str                       # DEPRECATE | DISABLE | DELETE
    filter_type: str                  # AGE | COUNT
    value: int
    unit: str | None = None           # AGE only
    retain_at_least: int | None = None  # AGE only
    include_amis: bool = False
    include_containers: bool = False
    excluded_tags: Mapping[str, str] = field(default_factory=dict)
    ami_exclusion: AmiExclusion | None = None

    @property
    def age(self) -> timedelta:
        return timedelta(days=self.value * UNIT_DAYS[self.unit or "DAYS"])

    def describe(self) -> str:
        if self.filter_type == "COUNT":
            return f"more than {self.value} newer images of the same recipe"
        unit = (self.unit or "DAYS").lower()
        return f"older than {self.value} {unit[:-1] if self.value == 1 else unit}"


@dataclass(frozen=True)
class AmiDecision:
    ami: Ami
    excluded: str | None  # the reason it is skipped, or None when the action applies to it


@dataclass(frozen=True)
class Decision:
    image: ImageFacts
    action: str
    reason: str
    skipped: str | None = None        # set when the image itself is left as it is
    amis: tuple[AmiDecision, ...] = ()
    include_containers: bool = False

    @property
    def new_state(self) -> str | None:
        return None if self.skipped else STATE_AFTER[self.action]


def rule_from_detail(detail: Mapping[str, Any]) -> Rule:
    """A Rule from a LifecyclePolicyDetail as the model spells it (already validated)."""
    action = detail["action"]
    flt = detail["filter"]
    exclusions = detail.get("exclusionRules") or {}
    amis = exclusions.get("amis")
    ami_exclusion = ami_exclusion_from(amis) if amis else None
    return Rule(action=action["type"], filter_type=flt["type"], value=int(flt["value"]), unit=flt.get("unit"),
                retain_at_least=flt.get("retainAtLeast"),
                include_amis=bool((action.get("includeResources") or {}).get("amis")),
                include_containers=bool((action.get("includeResources") or {}).get("containers")),
                excluded_tags=dict(exclusions.get("tagMap") or {}), ami_exclusion=ami_exclusion)


def ami_exclusion_from(amis: Mapping[str, Any]) -> AmiExclusion:
    """An AmiExclusion from the model's LifecyclePolicyDetailExclusionRulesAmis."""
    launched = amis.get("lastLaunched")
    return AmiExclusion(
        public=bool(amis.get("isPublic")), regions=frozenset(amis.get("regions") or ()),
        shared_accounts=frozenset(amis.get("sharedAccounts") or ()),
        last_launched_days=launched["value"] * UNIT_DAYS[launched["unit"]] if launched else None,
        tags=dict(amis.get("tagMap") or {}))


def _has_any_tag(tags: Mapping[str, str], wanted: Mapping[str, str]) -> bool:
    return any(tags.get(key) == value for key, value in wanted.items())


def _newest_first(images: Iterable[ImageFacts]) -> list[ImageFacts]:
    return sorted(images, key=lambda image: (image.created, image.arn), reverse=True)


def matches(rule: Rule, image: ImageFacts, group: Sequence[ImageFacts], now: datetime) -> bool:
    """Whether the rule's filter selects the image. `group`: the images counted with it, newest
    first (those still managed: AVAILABLE, DEPRECATED or DISABLED)."""
    position = next(index for index, other in enumerate(group) if other.arn == image.arn)
    if rule.filter_type == "COUNT":
        # Documented: the value is the number of images to keep; the newest ones are kept.
        return position >= rule.value
    if now - image.created < rule.age:
        return False
    # Documented: an age-based DELETE keeps at least `retainAtLeast` images on hand.
    return not (rule.action == "DELETE" and rule.retain_at_least and position < rule.retain_at_least)


def evaluate(rules: Sequence[Rule], images: Iterable[ImageFacts], now: datetime) -> list[Decision]:
    """One decision per image a rule selects: the furthest action among the matching rules that
    still moves the image forward, or a skip (an excluded tag; for DELETE, an excluded AMI).
    Decisions come in the order the images were created, oldest first."""
    managed = [image for image in images if image.status in MANAGED_STATES]
    groups: dict[str, list[ImageFacts]] = {}
    for image in managed:
        groups.setdefault(image.group, []).append(image)
    ordered = {key: _newest_first(members) for key, members in groups.items()}
    by_action = {rule.action: rule for rule in rules}
    decisions = []
    for image in sorted(managed, key=lambda image: (image.created, image.arn)):
        group = ordered[image.group]
        # The furthest action first; a rule whose exclusion tags the image has is passed over for
        # the next one, and reported as skipped only when no other rule acts on the image.
        excluded: Rule | None = None
        decision: Decision | None = None
        for action in reversed(ACTION_ORDER):
            rule = by_action.get(action)
            if rule is None or image.status not in ACTS_ON[action] or not matches(rule, image, group, now):
                continue
            if _has_any_tag(image.tags, rule.excluded_tags):
                excluded = excluded or rule
                continue
            decision = _decide(rule, image, now)
            break
        if decision is None and excluded is not None:
            decision = Decision(image, excluded.action, f"The image is {excluded.describe()}.",
                                skipped="The image has a tag that the rule excludes.")
        if decision is not None:
            decisions.append(decision)
    return decisions


def _decide(rule: Rule, image: ImageFacts, now: datetime) -> Decision:
    reason = f"The image is {rule.describe()}."
    if not rule.include_amis:
        return Decision(image, rule.action, reason, include_containers=rule.include_containers)
    amis = tuple(AmiDecision(ami, rule.ami_exclusion.excludes(ami, now) if rule.ami_exclusion else None)
                 for ami in image.amis)
    if rule.action == "DELETE" and any(decision.excluded for decision in amis):
        # Documented (StartResourceStateUpdate, applied to policies as well): an image whose AMI
        # is kept is itself kept by a DELETE.
        return Decision(image, rule.action, reason, skipped="An AMI of the image is excluded, so the image is kept.",
                        amis=amis)
    return Decision(image, rule.action, reason, amis=amis)


def validate_details(details: Sequence[Mapping[str, Any]], resource_type: str) -> tuple[str, str] | None:
    """AWS's documented rules on a policy's details: (parameter path, message) of the first one
    broken, or None."""
    seen: set[str] = set()
    for index, detail in enumerate(details):
        path = f"policyDetails[{index}]"
        action = detail["action"]
        kind = action["type"]
        flt = detail["filter"]
        include = action.get("includeResources") or {}
        if kind in seen:
            return path + ".action.type", (f"A lifecycle policy can contain at most one rule per action type; "
                                           f"{kind} appears more than once.")
        seen.add(kind)
        if resource_type == "CONTAINER_IMAGE" and kind != "DELETE":
            return path + ".action.type", "Lifecycle policies for CONTAINER_IMAGE resources support only DELETE."
        if flt["type"] == "COUNT" and kind != "DELETE":
            return path + ".filter.type", "The COUNT filter can only be used with the DELETE action."
        if flt["type"] == "AGE" and not flt.get("unit"):
            return path + ".filter.unit", "unit is required for AGE filters."
        if flt["type"] == "COUNT" and flt.get("unit"):
            return path + ".filter.unit", "unit is only valid for AGE filters."
        if flt.get("retainAtLeast") is not None and (flt["type"] != "AGE" or kind != "DELETE"):
            return path + ".filter.retainAtLeast", "retainAtLeast is only valid for AGE filters of DELETE rules."
        if include.get("snapshots") and not include.get("amis"):
            return path + ".action.includeResources", "snapshots can only be included together with amis."
        if kind != "DELETE" and (include.get("snapshots") or include.get("containers")):
            return path + ".action.includeResources", f"{kind} rules can include amis only."
        if resource_type == "AMI_IMAGE" and include.get("containers"):
            return path + ".action.includeResources", "containers can only be included for CONTAINER_IMAGE policies."
        if resource_type == "CONTAINER_IMAGE" and (include.get("amis") or include.get("snapshots")):
            return path + ".action.includeResources", "amis and snapshots can only be included for AMI_IMAGE policies."
        if resource_type == "CONTAINER_IMAGE" and (detail.get("exclusionRules") or {}).get("amis"):
            return path + ".exclusionRules.amis", "AMI exclusion rules apply only to AMI_IMAGE policies."
    return None
