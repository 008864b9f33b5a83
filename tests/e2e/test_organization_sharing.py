"""Sharing with organizations and organizational units through boto3 against a real `oib serve`
whose accounts belong to organizations (OIB_ORGANIZATIONS_FILE), on both stores: a policy naming
an organization or an OU shares with every account in it (an OU: with those of the OUs beneath it
too), nothing else; and only the owner reads the policy."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.conftest import Server, isolated_server, start_server, unique
from tests.e2e.helpers import error_of
from tests.e2e.test_resource_policies import ACTIONS, component, recipe_using

MANAGEMENT, ROOT_MEMBER, PARENT_MEMBER, CHILD_MEMBER, STRANGER = (
    "111100000001", "111100000002", "111100000003", "111100000004", "999900000009")
ORGANIZATION = "o-exampleorg01"
PARENT_UNIT, CHILD_UNIT = "ou-ab12-parent01", "ou-ab12-child001"
ORGANIZATION_ARN = f"arn:aws:organizations::{MANAGEMENT}:organization/{ORGANIZATION}"
PARENT_ARN = f"arn:aws:organizations::{MANAGEMENT}:ou/{ORGANIZATION}/{PARENT_UNIT}"
CHILD_ARN = f"arn:aws:organizations::{MANAGEMENT}:ou/{ORGANIZATION}/{CHILD_UNIT}"


@pytest.fixture(scope="module")
def org_server(server, tmp_path_factory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("oib-organizations")
    members = tmp / "organizations.json"
    members.write_text(json.dumps([{
        "id": ORGANIZATION, "managementAccount": MANAGEMENT, "accounts": [ROOT_MEMBER],
        "units": [{"id": PARENT_UNIT, "accounts": [PARENT_MEMBER],
                   "units": [{"id": CHILD_UNIT, "accounts": [CHILD_MEMBER]}]}]}]))
    with isolated_server(server, tmp, {"OIB_ORGANIZATIONS_FILE": str(members)}) as started:
        yield started


def shared_with(client, arn: str, *principals: str) -> None:
    client.put_component_policy(componentArn=arn, policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": ACTIONS["component"],
        "Resource": arn}]}))


def sees(server: Server, account: str, arn: str) -> bool:
    client = server.client(account_id=account)
    try:
        client.get_component(componentBuildVersionArn=arn)
    except client.exceptions.ResourceNotFoundException:
        return False
    listed = {entry["arn"] for entry in client.list_components(owner="Shared")["componentVersionList"]}
    assert (arn.rsplit("/", 1)[0] in listed) is True
    return True


@pytest.mark.parametrize(("principal", "reached"), [
    (ORGANIZATION_ARN, {ROOT_MEMBER, PARENT_MEMBER, CHILD_MEMBER}),
    (PARENT_ARN, {PARENT_MEMBER, CHILD_MEMBER}),
    (CHILD_ARN, {CHILD_MEMBER}),
])
def test_an_organization_or_unit_principal_shares_with_its_accounts(org_server, principal, reached):
    owner = org_server.client(account_id=MANAGEMENT)
    arn = component(owner, name=unique("org"))
    shared_with(owner, arn, principal)
    assert {account for account in (ROOT_MEMBER, PARENT_MEMBER, CHILD_MEMBER, STRANGER)
            if sees(org_server, account, arn)} == reached
    # What is shared is usable: a member's recipe refers to it by wildcard.
    member = org_server.client(account_id=sorted(reached)[0])
    recipe = recipe_using(member, arn.rsplit("/", 2)[0] + "/x.x.x")
    assert member.get_image_recipe(imageRecipeArn=recipe)["imageRecipe"]["components"][0]["componentArn"]


def test_an_account_reached_twice_sees_each_version_once(org_server):
    owner = org_server.client(account_id=MANAGEMENT)
    name = unique("twice")
    arns = [component(owner, name=name, version=version) for version in ("1.0.0", "1.1.0")]
    for arn in arns:
        shared_with(owner, arn, ORGANIZATION_ARN, CHILD_ARN, CHILD_MEMBER)
    member = org_server.client(account_id=CHILD_MEMBER)
    listed = [entry["arn"] for entry in member.list_components(
        owner="Shared", filters=[{"name": "name", "values": [name]}])["componentVersionList"]]
    assert listed == [arn.rsplit("/", 1)[0] for arn in arns]
    assert member.get_component(componentBuildVersionArn=arns[0].rsplit("/", 2)[0] + "/x.x.x")[
        "component"]["arn"] == arns[1]


def test_only_the_owner_reads_the_policy(org_server):
    # The policy grants the type's Get and List actions only; AWS gives a grantee no right to the
    # policy itself (GetComponentPolicy is not among the actions a share can hold).
    owner = org_server.client(account_id=MANAGEMENT)
    arn = component(owner)
    shared_with(owner, arn, ORGANIZATION_ARN)
    assert json.loads(owner.get_component_policy(componentArn=arn)["policy"])["Statement"][0]["Principal"] == {
        "AWS": [ORGANIZATION_ARN]}
    member = org_server.client(account_id=ROOT_MEMBER)
    assert error_of(member.get_component_policy, componentArn=arn) == (
        "ResourceNotFoundException", f"The resource ARN '{arn}' does not exist.")


def test_a_malformed_membership_file_stops_the_start(tmp_path):
    members = tmp_path / "organizations.json"
    members.write_text(json.dumps([{"id": "o-exampleorg01", "accounts": ["1234"]}]))
    with pytest.raises(RuntimeError) as info:
        start_server("sqlite", "", tmp_path, {"OIB_ORGANIZATIONS_FILE": str(members)})
    assert f"OIB_ORGANIZATIONS_FILE {members}: [0].accounts[0] must be a 12-digit account id" in str(info.value)
