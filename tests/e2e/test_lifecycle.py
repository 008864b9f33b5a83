"""Lifecycle policies end to end through boto3 against a real `oib serve --clock manual`, on both
stores: the policy operations and their validation in AWS's format, daily lifecycle executions
driven by the manual clock (rules by count and by age, exclusion by tag, actions in order, the
image states they leave), the execution records, and StartResourceStateUpdate (at once, as an
execution, scheduled, cancelled).

Each test runs in an account of its own, so the policies of one never see another's images."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from tests.conftest import Server, isolated_server, new_account_id, unique
from tests.e2e.helpers import (
    ROLE,
    container_recipe,
    create_image,
    error_of,
    image_recipe,
    infrastructure,
    wait_status,
)
from tests.e2e.test_schedules import DAY, advance, aws_date, clock_now, move_clock, oib

NO_TESTS = {"imageTestsEnabled": False}


@pytest.fixture(scope="module")
def clock_server(server, tmp_path_factory) -> Iterator[Server]:
    with isolated_server(server, tmp_path_factory.mktemp("oib-lifecycle"), {"OIB_CLOCK": "manual"}) as started:
        yield started


@pytest.fixture
def lc(clock_server):
    return clock_server.client(account_id=new_account_id())


def policy_params(**overrides):
    params = {"name": unique("policy"), "executionRole": ROLE, "resourceType": "AMI_IMAGE",
              "policyDetails": [{"action": {"type": "DELETE"}, "filter": {"type": "COUNT", "value": 2}}],
              "resourceSelection": {"recipes": [{"name": "web", "semanticVersion": "1.x.x"}]}}
    params.update(overrides)
    return params


def images(client, count: int, recipe: str, infra: str, tags: list[dict] | None = None) -> list[str]:
    arns = [create_image(client, recipe, infra, tags=(tags[index] if tags else {}),
                         imageTestsConfiguration=NO_TESTS) for index in range(count)]
    for arn in arns:
        wait_status(client, arn, "AVAILABLE")
    return arns


def status(client, arn: str) -> str:
    return client.get_image(imageBuildVersionArn=arn)["image"]["state"]["status"]


def test_policy_crud_and_validation(lc):
    params = policy_params(description="keep two", tags={"team": "a"})
    arn = lc.create_lifecycle_policy(**params)["lifecyclePolicyArn"]
    assert arn.endswith(f":lifecycle-policy/{params['name']}")
    policy = lc.get_lifecycle_policy(lifecyclePolicyArn=arn)["lifecyclePolicy"]
    assert policy["status"] == "ENABLED" and policy["executionRole"] == ROLE
    assert policy["policyDetails"] == params["policyDetails"] and policy["tags"] == {"team": "a"}
    assert "dateLastRun" not in policy and policy["dateCreated"] == policy["dateUpdated"]
    code, message = error_of(lc.create_lifecycle_policy, **params)
    assert code == "ResourceAlreadyExistsException" and arn in message

    summaries = lc.list_lifecycle_policies(filters=[{"name": "name", "values": [params["name"]]}])
    assert [item["arn"] for item in summaries["lifecyclePolicySummaryList"]] == [arn]
    assert lc.list_lifecycle_policies(filters=[{"name": "status", "values": ["DISABLED"]}])[
        "lifecyclePolicySummaryList"] == []

    # Update replaces everything: the description goes, status returns to ENABLED.
    lc.update_lifecycle_policy(lifecyclePolicyArn=arn, **{k: v for k, v in params.items()
                                                         if k not in ("name", "description", "tags")})
    updated = lc.get_lifecycle_policy(lifecyclePolicyArn=arn)["lifecyclePolicy"]
    assert "description" not in updated and updated["tags"] == {"team": "a"}
    code, _ = error_of(lc.update_lifecycle_policy, lifecyclePolicyArn=arn, executionRole=ROLE,
                       resourceType="CONTAINER_IMAGE", policyDetails=params["policyDetails"],
                       resourceSelection=params["resourceSelection"])
    assert code == "InvalidParameterCombinationException"

    bad = [
        ({"policyDetails": [{"action": {"type": "DEPRECATE"}, "filter": {"type": "COUNT", "value": 1}}]},
         "policyDetails[0].filter.type", "COUNT filter can only be used with the DELETE action"),
        ({"policyDetails": [{"action": {"type": "DELETE"}, "filter": {"type": "AGE", "value": 1}}]},
         "policyDetails[0].filter.unit", "unit is required"),
        ({"policyDetails": [{"action": {"type": "DELETE"}, "filter": {"type": "COUNT", "value": 1}}] * 2},
         "policyDetails[1].action.type", "at most one rule per action type"),
        ({"resourceSelection": {"recipes": [{"name": "web", "semanticVersion": "1.0.0"}], "tagMap": {"a": "b"}}},
         "resourceSelection", "exactly one"),
        ({"resourceType": "CONTAINER_IMAGE",
          "policyDetails": [{"action": {"type": "DISABLE"}, "filter": {"type": "AGE", "value": 1, "unit": "DAYS"}}]},
         "policyDetails[0].action.type", "support only DELETE"),
        ({"resourceSelection": {"recipes": [{"name": "web", "semanticVersion": "x.1.x"}]}},
         "resourceSelection.recipes[0].semanticVersion", "may only be followed by wildcards"),
        ({"policyDetails": [{"action": {"type": "DELETE"}, "filter": {"type": "COUNT", "value": 1001}}]},
         "policyDetails[0].filter.value", "between 1 and 1000"),
    ]
    for overrides, path, detail in bad:
        code, message = error_of(lc.create_lifecycle_policy, **policy_params(**overrides))
        assert code == "InvalidParameterValueException", (overrides, message)
        assert message.startswith(f"The value supplied for parameter '{path}' is not valid.") and detail in message

    assert lc.delete_lifecycle_policy(lifecyclePolicyArn=arn)["lifecyclePolicyArn"] == arn
    assert error_of(lc.get_lifecycle_policy, lifecyclePolicyArn=arn)[0] == "ResourceNotFoundException"
    assert error_of(lc.delete_lifecycle_policy, lifecyclePolicyArn=arn)[0] == "ResourceNotFoundException"
    code, _ = error_of(lc.get_lifecycle_execution, lifecycleExecutionId="lce-00000000-0000-0000-0000-000000000000")
    assert code == "ResourceNotFoundException"
    code, _ = error_of(lc.list_lifecycle_executions, resourceArn=infrastructure(lc))
    assert code == "InvalidParameterValueException"


def test_daily_executions_apply_rules_in_order(clock_server, lc):
    name = unique("web")
    recipe = image_recipe(lc, name=name)
    infra = infrastructure(lc)
    oldest, second, third, newest = images(lc, 4, recipe, infra, tags=[{"keep": "yes"}, {}, {}, {}])
    other = images(lc, 1, image_recipe(lc, name=unique("other")), infra)[0]
    policy = lc.create_lifecycle_policy(**policy_params(
        resourceSelection={"recipes": [{"name": name, "semanticVersion": "1.x.x"}]},
        policyDetails=[
            {"action": {"type": "DELETE", "includeResources": {"amis": True}}, "filter": {"type": "COUNT", "value": 2},
             "exclusionRules": {"tagMap": {"keep": "yes"}}},
            {"action": {"type": "DEPRECATE"}, "filter": {"type": "AGE", "value": 2, "unit": "DAYS"}},
        ]))["lifecyclePolicyArn"]
    disabled = lc.create_lifecycle_policy(**policy_params(
        status="DISABLED", resourceSelection={"tagMap": {"keep": "yes"}}))["lifecyclePolicyArn"]
    assert lc.list_lifecycle_executions(resourceArn=policy)["lifecycleExecutions"] == []

    start = clock_now(clock_server)
    advance(clock_server, DAY)  # the first daily run: only the count rule matches
    assert [status(lc, arn) for arn in (oldest, second, third, newest, other)] == [
        "AVAILABLE", "DELETED", "AVAILABLE", "AVAILABLE", "AVAILABLE"]
    (first,) = lc.list_lifecycle_executions(resourceArn=policy)["lifecycleExecutions"]
    assert first["state"]["status"] == "SUCCESS" and first["resourcesImpactedSummary"]["hasImpactedResources"]
    assert first["startTime"] == first["endTime"] == start + timedelta(days=1)
    listed = lc.list_lifecycle_execution_resources(lifecycleExecutionId=first["lifecycleExecutionId"])
    assert listed["lifecycleExecutionState"]["status"] == "SUCCESS"
    by_id = {item["resourceId"]: item for item in listed["resources"]}
    assert set(by_id) == {oldest, second}
    assert by_id[oldest]["state"]["status"] == "SKIPPED" and by_id[oldest]["action"]["name"] == "DELETE"
    assert by_id[second]["state"] == {"status": "SUCCESS"} and by_id[second]["accountId"]
    amis = lc.list_lifecycle_execution_resources(lifecycleExecutionId=first["lifecycleExecutionId"],
                                                 parentResourceId=second)["resources"]
    assert [ami["resourceId"] for ami in amis] and all(ami["state"]["status"] == "SUCCESS" for ami in amis)
    ami_state = lc.get_image(imageBuildVersionArn=second)["image"]["outputResources"]["amis"][0]["state"]
    assert ami_state["status"] == "DELETED"
    assert lc.get_lifecycle_policy(lifecyclePolicyArn=policy)["lifecyclePolicy"]["dateLastRun"] == first["startTime"]

    advance(clock_server, DAY)  # two days old: the remaining images are deprecated
    assert [status(lc, arn) for arn in (oldest, second, third, newest, other)] == [
        "DEPRECATED", "DELETED", "DEPRECATED", "DEPRECATED", "AVAILABLE"]
    executions = lc.list_lifecycle_executions(resourceArn=policy)["lifecycleExecutions"]
    assert len(executions) == 2 and executions[1]["lifecycleExecutionId"] == first["lifecycleExecutionId"]
    actions = lc.list_lifecycle_execution_resources(lifecycleExecutionId=executions[0]["lifecycleExecutionId"])
    assert sorted(item["action"]["name"] for item in actions["resources"]) == ["DEPRECATE"] * 3
    # A disabled policy never ran; disabling the other stops its runs.
    assert lc.list_lifecycle_executions(resourceArn=disabled)["lifecycleExecutions"] == []
    lc.update_lifecycle_policy(lifecyclePolicyArn=policy, status="DISABLED", **{
        k: v for k, v in lc.get_lifecycle_policy(lifecyclePolicyArn=policy)["lifecyclePolicy"].items()
        if k in ("executionRole", "resourceType", "policyDetails", "resourceSelection")})
    advance(clock_server, DAY)
    assert len(lc.list_lifecycle_executions(resourceArn=policy)["lifecycleExecutions"]) == 2


def test_start_resource_state_update(clock_server, lc):
    recipe, infra = image_recipe(lc), infrastructure(lc)
    first, second, failed_free = images(lc, 3, recipe, infra)
    # No underlying resources, no schedule: the change applies at once, without an execution.
    reply = lc.start_resource_state_update(resourceArn=first, state={"status": "DEPRECATED"})
    assert reply["resourceArn"] == first and "lifecycleExecutionId" not in reply
    assert status(lc, first) == "DEPRECATED"
    summaries = lc.list_image_build_versions(imageVersionArn=first.rsplit("/", 1)[0])["imageSummaryList"]
    assert {item["arn"]: item["state"]["status"] for item in summaries}[first] == "DEPRECATED"
    lc.start_resource_state_update(resourceArn=first, state={"status": "AVAILABLE"})
    assert status(lc, first) == "AVAILABLE"

    for params, fragment in [
        ({"state": {"status": "DELETED"}}, "include its underlying resources"),
        ({"state": {"status": "DISABLED"}, "executionRole": ROLE}, "together"),
        ({"state": {"status": "DISABLED"}, "includeResources": {"amis": True, "snapshots": True},
          "executionRole": ROLE}, "only be included for the DELETED state"),
        ({"state": {"status": "DISABLED"}, "updateAt": clock_now(clock_server) + timedelta(hours=1)},
         "only when the target status is DEPRECATED"),
        ({"state": {"status": "DEPRECATED"}, "updateAt": clock_now(clock_server) - timedelta(hours=1)},
         "future"),
    ]:
        code, message = error_of(lc.start_resource_state_update, resourceArn=first, **params)
        assert (code, fragment in message) == ("InvalidRequestException", True), message
    missing = first.rsplit("/", 1)[0] + "/99"
    assert error_of(lc.start_resource_state_update, resourceArn=missing,
                    state={"status": "DEPRECATED"})[0] == "ResourceNotFoundException"

    # With underlying resources: a lifecycle execution, done at once.
    reply = lc.start_resource_state_update(resourceArn=first, state={"status": "DELETED"}, executionRole=ROLE,
                                           includeResources={"amis": True, "snapshots": True})
    execution = lc.get_lifecycle_execution(lifecycleExecutionId=reply["lifecycleExecutionId"])["lifecycleExecution"]
    assert execution["state"]["status"] == "SUCCESS" and status(lc, first) == "DELETED"
    assert [item["lifecycleExecutionId"] for item in lc.list_lifecycle_executions(resourceArn=first)[
        "lifecycleExecutions"]] == [reply["lifecycleExecutionId"]]
    assert lc.list_lifecycle_execution_resources(lifecycleExecutionId=reply["lifecycleExecutionId"])[
        "resources"][0]["action"]["name"] == "DELETE"
    code, message = error_of(lc.start_resource_state_update, resourceArn=first, state={"status": "AVAILABLE"})
    assert code == "ResourceInUseException" and "its status is DELETED" in message

    # Scheduled: PENDING until updateAt, one at a time, cancellable.
    later = clock_now(clock_server) + timedelta(hours=1)
    pending = lc.start_resource_state_update(resourceArn=second, state={"status": "DEPRECATED"},
                                             updateAt=later)["lifecycleExecutionId"]
    assert lc.get_lifecycle_execution(lifecycleExecutionId=pending)["lifecycleExecution"]["state"]["status"] \
        == "PENDING"
    assert error_of(lc.start_resource_state_update, resourceArn=second, state={"status": "DEPRECATED"},
                    updateAt=later)[0] == "ResourceInUseException"
    assert lc.cancel_lifecycle_execution(lifecycleExecutionId=pending)["lifecycleExecutionId"] == pending
    assert lc.get_lifecycle_execution(lifecycleExecutionId=pending)["lifecycleExecution"]["state"]["status"] \
        == "CANCELLED"
    code, message = error_of(lc.cancel_lifecycle_execution, lifecycleExecutionId=pending)
    assert code == "ResourceInUseException" and "CANCELLED" in message
    scheduled = lc.start_resource_state_update(resourceArn=second, state={"status": "DEPRECATED"},
                                               updateAt=later)["lifecycleExecutionId"]
    advance(clock_server, 2 * 3600)
    assert status(lc, second) == "DEPRECATED" and status(lc, failed_free) == "AVAILABLE"
    done = lc.get_lifecycle_execution(lifecycleExecutionId=scheduled)["lifecycleExecution"]
    assert done["state"]["status"] == "SUCCESS" and done["endTime"] == later


def test_oib_clock_advance_runs_policies_daily_and_re_enabling_restarts_the_cycle(clock_server, lc):
    infra = infrastructure(lc)
    tagged = {"stage": "dev"}
    older, newer = images(lc, 2, image_recipe(lc), infra, tags=[tagged, tagged])
    container = lc.create_image(containerRecipeArn=container_recipe(lc), infrastructureConfigurationArn=infra,
                                imageTestsConfiguration=NO_TESTS, tags=tagged)["imageBuildVersionArn"]
    wait_status(lc, container, "AVAILABLE")
    params = policy_params(resourceSelection={"tagMap": tagged},
                           policyDetails=[{"action": {"type": "DELETE"}, "filter": {"type": "COUNT", "value": 1}}])
    policy = lc.create_lifecycle_policy(**params)["lifecyclePolicyArn"]
    lc.tag_resource(resourceArn=policy, tags={"owner": "me"})
    assert lc.list_tags_for_resource(resourceArn=policy)["tags"] == {"owner": "me"}

    lines = oib(clock_server, "clock", "advance", "2d").splitlines()
    assert [line.split()[2] for line in lines[1:] if line.split()[1] == policy] == ["LIFECYCLE_EXECUTION"] * 2
    assert len(lc.list_lifecycle_executions(resourceArn=policy)["lifecycleExecutions"]) == 2
    # Only AMI images: the container image is not the policy's type.
    assert [status(lc, arn) for arn in (older, newer, container)] == ["DELETED", "AVAILABLE", "AVAILABLE"]

    update = {k: v for k, v in params.items() if k not in ("name",)}
    lc.update_lifecycle_policy(lifecyclePolicyArn=policy, **{**update, "status": "DISABLED"})
    advance(clock_server, DAY)
    assert len(lc.list_lifecycle_executions(resourceArn=policy)["lifecycleExecutions"]) == 2
    lc.update_lifecycle_policy(lifecyclePolicyArn=policy, **update)  # ENABLED again: 24 hours from now
    advance(clock_server, 23 * 3600)
    assert len(lc.list_lifecycle_executions(resourceArn=policy)["lifecycleExecutions"]) == 2
    advance(clock_server, 3600)
    executions = lc.list_lifecycle_executions(resourceArn=policy, maxResults=1)
    assert len(executions["lifecycleExecutions"]) == 1 and executions["nextToken"]
    assert executions["lifecycleExecutions"][0]["resourcesImpactedSummary"] == {"hasImpactedResources": False}
    rest = lc.list_lifecycle_executions(resourceArn=policy, nextToken=executions["nextToken"])
    assert len(rest["lifecycleExecutions"]) == 2
    lc.delete_lifecycle_policy(lifecyclePolicyArn=policy)
    advance(clock_server, DAY)
    assert len(lc.list_lifecycle_executions(resourceArn=policy)["lifecycleExecutions"]) == 3


def test_bad_input_is_answered_in_aws_form_never_500(clock_server, lc):
    """Raw requests other clients could send (boto3 validates some of this client-side)."""
    image = images(lc, 1, image_recipe(lc), infrastructure(lc))[0]
    account = image.split(":")[4]
    auth = (f"AWS4-HMAC-SHA256 Credential={account}/20250101/us-east-1/imagebuilder/aws4_request, "
            "SignedHeaders=host, Signature=0")
    state = {"status": "DEPRECATED"}
    cases = [
        ("PUT", "/StartResourceStateUpdate", {"resourceArn": image, "state": state, "clientToken": "a",
                                               "updateAt": "not a date"}, "InvalidParameterValueException"),
        ("PUT", "/StartResourceStateUpdate", {"resourceArn": image, "state": state, "clientToken": "b",
                                               "updateAt": 1e30}, "InvalidParameterValueException"),
        ("PUT", "/StartResourceStateUpdate", {"resourceArn": image, "state": {}, "clientToken": "c"},
         "InvalidParameterValueException"),
        ("PUT", "/StartResourceStateUpdate", {"resourceArn": image, "state": state, "clientToken": "d",
                                               "includeResources": {}, "executionRole": "role"},
         "InvalidRequestException"),
        ("PUT", "/CreateLifecyclePolicy", {**policy_params(), "clientToken": "e",
                                            "policyDetails": [{"action": {"type": "DELETE"}}]},
         "InvalidParameterValueException"),
        ("PUT", "/CreateLifecyclePolicy", {**policy_params(), "clientToken": "f", "resourceSelection": {}},
         "InvalidParameterValueException"),
        ("POST", "/ListLifecycleExecutions", {"resourceArn": image.rsplit("/", 1)[0]},
         "InvalidParameterValueException"),
        ("POST", "/ListLifecycleExecutionResources",
         {"lifecycleExecutionId": "lce-00000000-0000-0000-0000-000000000000"}, "ResourceNotFoundException"),
        ("PUT", "/CancelLifecycleExecution", {"lifecycleExecutionId": "lce-1", "clientToken": "g"},
         "InvalidParameterValueException"),
    ]
    for method, path, body, code in cases:
        reply = httpx.request(method, f"{clock_server.url}{path}", json=body, headers={"Authorization": auth},
                              timeout=30)
        assert reply.headers["x-amzn-errortype"] == code, (path, body, reply.text)
        assert 400 <= reply.status_code < 500 and set(reply.json()) == {"message"}
    assert status(lc, image) == "AVAILABLE"


def test_container_images_only_move_to_deleted_with_their_containers(lc):
    container = lc.create_image(containerRecipeArn=container_recipe(lc), infrastructureConfigurationArn=infrastructure(lc),
                                imageTestsConfiguration=NO_TESTS)["imageBuildVersionArn"]
    wait_status(lc, container, "AVAILABLE")
    code, message = error_of(lc.start_resource_state_update, resourceArn=container, state={"status": "DEPRECATED"})
    assert code == "InvalidRequestException" and "only be moved to DELETED" in message
    code, _ = error_of(lc.start_resource_state_update, resourceArn=container, state={"status": "DELETED"},
                       executionRole=ROLE, includeResources={"amis": True})
    assert code == "InvalidRequestException"
    reply = lc.start_resource_state_update(resourceArn=container, state={"status": "DELETED"}, executionRole=ROLE,
                                           includeResources={"containers": True})
    (entry,) = lc.list_lifecycle_execution_resources(lifecycleExecutionId=reply["lifecycleExecutionId"])["resources"]
    assert entry["action"]["name"] == "DELETE" and entry["state"]["status"] == "SUCCESS"
    assert entry["imageUris"] == lc.get_image(imageBuildVersionArn=container)["image"]["outputResources"][
        "containers"][0]["imageUris"]
    assert status(lc, container) == "DELETED"


def test_a_clock_jump_makes_one_catch_up_run(clock_server, lc):
    policy = lc.create_lifecycle_policy(**policy_params())["lifecyclePolicyArn"]
    jumped = clock_now(clock_server) + timedelta(days=5, hours=1)
    move_clock(clock_server, set=aws_date(jumped))
    (run,) = lc.list_lifecycle_executions(resourceArn=policy)["lifecycleExecutions"]
    assert run["startTime"] == jumped
    advance(clock_server, DAY)  # the cycle goes on from its creation time: one run in the next day
    assert len(lc.list_lifecycle_executions(resourceArn=policy)["lifecycleExecutions"]) == 2
    lc.delete_lifecycle_policy(lifecyclePolicyArn=policy)
