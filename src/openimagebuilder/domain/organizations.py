"""Which organization, and which organizational units, each account belongs to: what a resource
policy that names an organization or an OU shares with (domain/policies.py).

There is no AWS Organizations here; the membership is given as a JSON document
(`OIB_ORGANIZATIONS_FILE`, service/sharing.py), a list of organizations:

    [{"id": "o-exampleorgid", "managementAccount": "111122223333",
      "accounts": ["111122223333"],
      "units": [{"id": "ou-ab12-cdefgh34", "accounts": ["444455556666"], "units": [...]}]}]

An account belongs to at most one organization (as in AWS) and to every OU on the path from its
own OU up to the root: RAM shares with an OU reach the accounts of the OUs beneath it."""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

_ACCOUNT = re.compile(r"^[0-9]{12}$")
_ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
_UNIT_ID = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")


class OrganizationsError(ValueError):
    """The membership document is not valid; the message says where."""


@dataclass(frozen=True)
class Organizations:
    # account → the organization and OU ids it belongs to (the OUs from the root down)
    memberships: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    def principals_of(self, account_id: str) -> tuple[str, ...]:
        """What a grant may name to reach the account: the account, its organization, its OUs."""
        return (account_id, *self.memberships.get(account_id, ()))


NO_ORGANIZATIONS = Organizations()


def parse_organizations(text: str) -> Organizations:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise OrganizationsError(f"not valid JSON: {error}") from None
    if not isinstance(document, list):
        raise OrganizationsError("the document must be a list of organizations")
    memberships: dict[str, tuple[str, ...]] = {}
    for index, organization in enumerate(document):
        where = f"[{index}]"
        _check_keys(organization, {"id", "managementAccount", "accounts", "units"}, where)
        organization_id = _identifier(organization.get("id"), _ORGANIZATION_ID, f"{where}.id", "o-exampleorgid")
        _members(organization, (organization_id,), memberships, where)
        management = organization.get("managementAccount")
        if management is not None:
            # A member of its organization, at the root unless an OU lists it.
            _account(management, f"{where}.managementAccount")
            if memberships.get(management, (organization_id,))[0] != organization_id:
                raise OrganizationsError(f"{where}.managementAccount: account {management} already belongs to "
                                         f"{memberships[management][0]}")
            memberships.setdefault(management, (organization_id,))
    return Organizations(MappingProxyType(memberships))


def _members(node: Mapping[str, Any], path: tuple[str, ...], memberships: dict[str, tuple[str, ...]],
             where: str) -> None:
    for position, account in enumerate(_list(node.get("accounts"), f"{where}.accounts")):
        _account(account, f"{where}.accounts[{position}]")
        _join(memberships, account, path, f"{where}.accounts[{position}]")
    for position, unit in enumerate(_list(node.get("units"), f"{where}.units")):
        inner = f"{where}.units[{position}]"
        _check_keys(unit, {"id", "accounts", "units"}, inner)
        unit_id = _identifier(unit.get("id"), _UNIT_ID, f"{inner}.id", "ou-ab12-cdefgh34")
        _members(unit, (*path, unit_id), memberships, inner)


def _join(memberships: dict[str, tuple[str, ...]], account: str, path: tuple[str, ...], where: str) -> None:
    known = memberships.get(account)
    if known is not None and known != path:
        raise OrganizationsError(f"{where}: account {account} already belongs to {'/'.join(known)}")
    memberships[account] = path


def _check_keys(node: Any, allowed: set[str], where: str) -> None:
    if not isinstance(node, dict):
        raise OrganizationsError(f"{where} must be an object")
    unknown = sorted(set(node) - allowed)
    if unknown:
        raise OrganizationsError(f"{where} has an unknown member '{unknown[0]}'")


def _identifier(value: Any, pattern: re.Pattern[str], where: str, example: str) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise OrganizationsError(f"{where} must be an id such as {example}")
    return value


def _account(value: Any, where: str) -> None:
    if not isinstance(value, str) or not _ACCOUNT.match(value):
        raise OrganizationsError(f"{where} must be a 12-digit account id")


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise OrganizationsError(f"{where} must be a list")
    return value
