"""Resource policy documents (domain/policies.py): every sharing policy AWS's guide allows parses
to the accounts it names; anything else is refused with PolicyError, never another exception."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openimagebuilder.domain.policies import ALLOWED_ACTIONS, PolicyError, parse_policy

ARN = "arn:aws:imagebuilder:us-east-1:111122223333:component/shared/1.0.0/1"
accounts = st.from_regex(r"\A[0-9]{12}\Z")
kinds = st.sampled_from(sorted(ALLOWED_ACTIONS))


@st.composite
def valid_policies(draw):
    kind = draw(kinds)
    statements, named = [], set()
    for _ in range(draw(st.integers(1, 3))):
        ids = draw(st.lists(accounts, min_size=1, max_size=4))
        named |= set(ids)
        principals = [draw(st.sampled_from([i, f"arn:aws:iam::{i}:root"])) for i in ids]
        actions = draw(st.lists(st.sampled_from(sorted(ALLOWED_ACTIONS[kind])), min_size=1, unique=True))
        statement = {"Effect": "Allow",
                     "Principal": {"AWS": principals[0] if len(principals) == 1 and draw(st.booleans()) else principals},
                     "Action": actions[0] if len(actions) == 1 and draw(st.booleans()) else actions}
        if draw(st.booleans()):
            statement["Resource"] = draw(st.sampled_from([ARN, [ARN], "*"]))
        if draw(st.booleans()):
            statement["Sid"] = draw(st.from_regex(r"\A[A-Za-z0-9]{0,10}\Z"))
        statements.append(statement)
    document = {"Statement": statements if len(statements) > 1 or draw(st.booleans()) else statements[0]}
    if draw(st.booleans()):
        document["Version"] = "2012-10-17"
    return kind, json.dumps(document), named


@given(valid_policies())
def test_a_valid_policy_shares_with_exactly_the_accounts_it_names(case):
    kind, text, named = case
    policy = parse_policy(text, kind, ARN)
    assert policy.text == text
    assert policy.grantees == named


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["Version", "Statement", "Effect", "Principal", "AWS", "Action", "Resource", "Sid",
                         "Condition", "x"]), children, max_size=5),
    max_leaves=20)


@given(st.one_of(st.text(max_size=200), json_values.map(json.dumps)), kinds)
def test_any_other_input_is_refused_with_a_policy_error_or_parses(text, kind):
    try:
        policy = parse_policy(text, kind, ARN)
    except PolicyError as error:
        assert error.message
    else:
        assert all(len(account) == 12 and account.isdigit() for account in policy.grantees)


def test_organizations_and_units_are_principals():
    organization = "arn:aws:organizations::111122223333:organization/o-exampleorgid"
    unit = "arn:aws:organizations::111122223333:ou/o-exampleorgid/ou-ab12-cdefgh34"
    text = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": [organization, unit, "444455556666"]},
                                      "Action": "imagebuilder:GetComponent"}]})
    assert parse_policy(text, "component", ARN).grantees == {"o-exampleorgid", "ou-ab12-cdefgh34", "444455556666"}
    for bad in ("arn:aws:organizations::111122223333:organization/exampleorgid",
                "arn:aws:organizations::111122223333:ou/ou-ab12-cdefgh34",
                "arn:aws:organizations::1111:organization/o-exampleorgid", "o-exampleorgid"):
        with pytest.raises(PolicyError, match="is not valid"):
            parse_policy(text.replace(organization, bad), "component", ARN)


@given(valid_policies(), st.sampled_from(["imagebuilder:DeleteComponent", "imagebuilder:*", "*",
                                          "imagebuilder:GetWorkflow", "s3:GetObject"]))
def test_an_action_outside_the_kinds_pair_is_refused(case, action):
    kind, text, _ = case
    document = json.loads(text)
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    statements[-1]["Action"] = [action]
    with pytest.raises(PolicyError, match="cannot be shared"):
        parse_policy(json.dumps(document), kind, ARN)


@pytest.mark.parametrize("element", ["Condition", "NotAction", "NotPrincipal", "NotResource"])
def test_elements_a_share_cannot_express_are_refused(element):
    text = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"},
                                      "Action": "imagebuilder:GetComponent", element: {}}]})
    with pytest.raises(PolicyError, match=element):
        parse_policy(text, "component", ARN)


def test_deeply_nested_json_is_refused_not_crashed():
    with pytest.raises(PolicyError):
        parse_policy("[" * 100_000 + "]" * 100_000, "component", ARN)


@pytest.mark.parametrize("version", [[], {}, 1, True, "2020-01-01"])
def test_a_version_that_is_not_a_known_string_is_refused_not_crashed(version):
    # Found by the property above: an unhashable Version (a list) raised TypeError, a 500.
    text = json.dumps({"Version": version, "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"},
                                                          "Action": "imagebuilder:GetComponent"}]})
    with pytest.raises(PolicyError, match="Version must be one of"):
        parse_policy(text, "component", ARN)
