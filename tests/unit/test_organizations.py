"""Organization membership (domain/organizations.py): who a grant to an organization or an OU
reaches, and the faults of a membership document, named."""
from __future__ import annotations

import json

import pytest

from openimagebuilder.domain.organizations import OrganizationsError, parse_organizations

DOCUMENT = [{"id": "o-exampleorg01", "managementAccount": "111100000001", "accounts": ["111100000002"],
             "units": [{"id": "ou-ab12-parent01", "accounts": ["111100000003"],
                        "units": [{"id": "ou-ab12-child001", "accounts": ["111100000004"]}]}]},
            {"id": "o-otherorg0001", "accounts": ["222200000001"]}]


def test_accounts_reach_their_organization_and_every_unit_above_them():
    organizations = parse_organizations(json.dumps(DOCUMENT))
    assert organizations.principals_of("111100000001") == ("111100000001", "o-exampleorg01")
    assert organizations.principals_of("111100000002") == ("111100000002", "o-exampleorg01")
    assert organizations.principals_of("111100000004") == (
        "111100000004", "o-exampleorg01", "ou-ab12-parent01", "ou-ab12-child001")
    assert organizations.principals_of("222200000001") == ("222200000001", "o-otherorg0001")
    assert organizations.principals_of("999900000009") == ("999900000009",)


@pytest.mark.parametrize(("document", "fault"), [
    ("{", "not valid JSON"),
    ({"id": "o-exampleorg01"}, "must be a list of organizations"),
    ([{"id": "exampleorg"}], "[0].id must be an id such as o-exampleorgid"),
    ([{"id": "o-exampleorg01", "owner": "x"}], "[0] has an unknown member 'owner'"),
    ([{"id": "o-exampleorg01", "accounts": ["1234"]}], "[0].accounts[0] must be a 12-digit account id"),
    ([{"id": "o-exampleorg01", "units": [{"id": "ou-1"}]}], "[0].units[0].id must be an id such as ou-ab12-cdefgh34"),
    ([{"id": "o-exampleorg01", "accounts": ["111100000001"]}, {"id": "o-otherorg0001", "accounts": ["111100000001"]}],
     "[1].accounts[0]: account 111100000001 already belongs to o-exampleorg01"),
    ([{"id": "o-exampleorg01", "accounts": ["111100000001"]}, {"id": "o-otherorg0001",
                                                                "managementAccount": "111100000001"}],
     "[1].managementAccount: account 111100000001 already belongs to o-exampleorg01"),
])
def test_faults_are_named(document, fault):
    with pytest.raises(OrganizationsError) as info:
        parse_organizations(document if isinstance(document, str) else json.dumps(document))
    assert fault in str(info.value)


def test_a_management_account_listed_in_a_unit_stays_there():
    document = [{"id": "o-exampleorg01", "managementAccount": "111100000001",
                 "units": [{"id": "ou-ab12-parent01", "accounts": ["111100000001"]}]}]
    assert parse_organizations(json.dumps(document)).principals_of("111100000001") == (
        "111100000001", "o-exampleorg01", "ou-ab12-parent01")
