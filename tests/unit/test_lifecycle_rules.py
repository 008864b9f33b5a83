"""Lifecycle rule evaluation (domain/lifecycle.py): properties over random image sets, and the
documented validation of a policy's details."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from openimagebuilder.domain.lifecycle import (
    Ami,
    AmiExclusion,
    ImageFacts,
    Rule,
    evaluate,
    rule_from_detail,
    validate_details,
)
from openimagebuilder.service.lifecycle import DAY_SECONDS, next_daily_run

NOW = datetime(2026, 12, 3, tzinfo=UTC)
STATE_RANK = {"AVAILABLE": 0, "DEPRECATED": 1, "DISABLED": 2, "DELETED": 3}


@st.composite
def image_sets(draw):
    count = draw(st.integers(0, 12))
    images = []
    for index in range(count):
        images.append(ImageFacts(
            arn=f"arn:aws:imagebuilder:us-east-1:123456789012:image/r/1.0.0/{index + 1}",
            group=draw(st.sampled_from(["a", "b"])),
            created=NOW - timedelta(days=draw(st.integers(0, 60))),
            status=draw(st.sampled_from(["AVAILABLE", "DEPRECATED", "DISABLED", "DELETED", "FAILED", "BUILDING"])),
            tags=draw(st.sampled_from([{}, {"keep": "yes"}, {"keep": "no"}]))))
    return images


def _newest_first(images, group):
    members = [image for image in images if image.group == group and image.status in ("AVAILABLE", "DEPRECATED",
                                                                                        "DISABLED")]
    return sorted(members, key=lambda image: (image.created, image.arn), reverse=True)


@settings(max_examples=200)
@given(image_sets(), st.integers(1, 5))
def test_count_rule_keeps_the_newest_of_each_group(images, keep):
    decisions = evaluate([Rule("DELETE", "COUNT", keep)], images, NOW)
    expected = {image.arn for group in ("a", "b") for image in _newest_first(images, group)[keep:]}
    assert {decision.image.arn for decision in decisions} == expected
    assert all(decision.new_state == "DELETED" for decision in decisions)


@settings(max_examples=200)
@given(image_sets(), st.integers(1, 40), st.one_of(st.none(), st.integers(1, 4)))
def test_age_rule_selects_old_images_and_retains_the_newest(images, days, retain):
    decisions = evaluate([Rule("DELETE", "AGE", days, "DAYS", retain_at_least=retain)], images, NOW)
    chosen = {decision.image.arn for decision in decisions}
    for group in ("a", "b"):
        ordered = _newest_first(images, group)
        for position, image in enumerate(ordered):
            old = NOW - image.created >= timedelta(days=days)
            assert (image.arn in chosen) == (old and not (retain and position < retain))


@settings(max_examples=200)
@given(image_sets(), st.integers(1, 30), st.integers(1, 30), st.integers(1, 3))
def test_decisions_only_move_images_forward_once(images, deprecate_days, disable_days, keep):
    rules = [Rule("DEPRECATE", "AGE", deprecate_days, "DAYS"), Rule("DISABLE", "AGE", disable_days, "WEEKS"),
             Rule("DELETE", "COUNT", keep, excluded_tags={"keep": "yes"})]
    decisions = evaluate(rules, images, NOW)
    arns = [decision.image.arn for decision in decisions]
    assert len(arns) == len(set(arns))
    for decision in decisions:
        assert decision.image.status in ("AVAILABLE", "DEPRECATED", "DISABLED")
        if decision.new_state is not None:
            assert STATE_RANK[decision.new_state] > STATE_RANK[decision.image.status]
        if decision.action == "DELETE" and decision.image.tags.get("keep") == "yes":
            assert decision.skipped is not None
    # Decisions come oldest first.
    created = [(decision.image.created, decision.image.arn) for decision in decisions]
    assert created == sorted(created)


def test_excluded_image_falls_through_to_the_next_rule():
    old = ImageFacts("arn:1", "a", NOW - timedelta(days=10), "AVAILABLE", {"keep": "yes"})
    newer = [ImageFacts(f"arn:{n}", "a", NOW - timedelta(days=1), "AVAILABLE") for n in (2, 3)]
    rules = [Rule("DEPRECATE", "AGE", 5, "DAYS"), Rule("DELETE", "COUNT", 2, excluded_tags={"keep": "yes"})]
    (decision,) = evaluate(rules, [old, *newer], NOW)
    assert (decision.action, decision.new_state) == ("DEPRECATE", "DEPRECATED")
    (skip,) = evaluate(rules[1:], [old, *newer], NOW)
    assert skip.action == "DELETE" and skip.new_state is None and "tag" in (skip.skipped or "")


def test_an_excluded_ami_keeps_the_image_from_delete_but_not_from_deprecate():
    amis = (Ami("ami-1", "us-east-1", "123456789012"), Ami("ami-2", "eu-west-1", "123456789012",
                                                           shared_accounts=frozenset({"111122223333"})))
    image = ImageFacts("arn:1", "a", NOW - timedelta(days=10), "AVAILABLE", amis=amis)
    exclusion = AmiExclusion(regions=frozenset({"eu-west-1"}))
    (delete,) = evaluate([Rule("DELETE", "AGE", 1, "DAYS", include_amis=True, ami_exclusion=exclusion)], [image], NOW)
    assert delete.new_state is None and [a.excluded is not None for a in delete.amis] == [False, True]
    (deprecate,) = evaluate([Rule("DEPRECATE", "AGE", 1, "DAYS", include_amis=True, ami_exclusion=exclusion)],
                            [image], NOW)
    assert deprecate.new_state == "DEPRECATED"
    shared = AmiExclusion(shared_accounts=frozenset({"111122223333"}))
    assert shared.excludes(amis[1], NOW) and shared.excludes(amis[0], NOW) is None
    # Never launched (no launch is recorded here): the lastLaunched rule excludes nothing.
    assert AmiExclusion(last_launched_days=30).excludes(amis[0], NOW) is None


def test_rule_from_detail_reads_the_model_shape():
    rule = rule_from_detail({
        "action": {"type": "DELETE", "includeResources": {"amis": True, "snapshots": True}},
        "filter": {"type": "AGE", "value": 6, "unit": "MONTHS", "retainAtLeast": 2},
        "exclusionRules": {"tagMap": {"k": "v"}, "amis": {"isPublic": True, "regions": ["us-west-2"],
                                                          "lastLaunched": {"value": 2, "unit": "WEEKS"}}}})
    assert rule.age == timedelta(days=180) and rule.retain_at_least == 2 and rule.include_amis
    assert rule.ami_exclusion == AmiExclusion(public=True, regions=frozenset({"us-west-2"}), last_launched_days=14)


def test_validate_details_documented_rules():
    def detail(action, filter_type="AGE", unit="DAYS", **include):
        flt = {"type": filter_type, "value": 1, **({"unit": unit} if unit else {})}
        return {"action": {"type": action, "includeResources": include}, "filter": flt}
    assert validate_details([detail("DELETE", amis=True, snapshots=True)], "AMI_IMAGE") is None
    assert validate_details([detail("DEPRECATE", "COUNT", None)], "AMI_IMAGE")[0] == "policyDetails[0].filter.type"
    assert validate_details([detail("DISABLE", snapshots=True, amis=True)], "AMI_IMAGE")[0] \
        == "policyDetails[0].action.includeResources"
    assert validate_details([detail("DELETE", snapshots=True)], "AMI_IMAGE")[1].startswith("snapshots")
    assert validate_details([detail("DELETE", containers=True)], "CONTAINER_IMAGE") is None
    assert validate_details([detail("DELETE", amis=True)], "CONTAINER_IMAGE") is not None


@settings(max_examples=300)
@given(st.floats(1e9, 2e9), st.integers(0, 400), st.floats(0, 1))
def test_next_daily_run_is_strictly_later_and_on_the_cycle(anchor, days, fraction):
    now = anchor + (days + fraction) * DAY_SECONDS
    run = next_daily_run(anchor, now)
    assert now < run <= now + DAY_SECONDS + 1e-3
    # Firing at a due time itself moves on by a whole day.
    due = anchor + days * DAY_SECONDS
    assert due < next_daily_run(anchor, due) <= due + DAY_SECONDS + 1e-3
