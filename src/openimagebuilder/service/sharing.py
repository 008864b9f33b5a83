"""Who a caller is to a resource policy: its account, and the organization and OUs it belongs to,
from the membership document `OIB_ORGANIZATIONS_FILE` names (domain/organizations.py). Without
one, accounts belong to no organization and only grants to the account itself reach it."""
from __future__ import annotations

import functools
import os
from pathlib import Path

from ..domain.organizations import NO_ORGANIZATIONS, Organizations, OrganizationsError, parse_organizations
from .context import Context

ORGANIZATIONS_FILE = "OIB_ORGANIZATIONS_FILE"


@functools.cache
def _read(path: str) -> Organizations:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise OrganizationsError(f"{ORGANIZATIONS_FILE} {path}: {error.strerror}") from None
    try:
        return parse_organizations(text)
    except OrganizationsError as error:
        raise OrganizationsError(f"{ORGANIZATIONS_FILE} {path}: {error}") from None


def organizations() -> Organizations:
    """The process's organizations: read once (a change needs a restart, like the settings)."""
    path = os.environ.get(ORGANIZATIONS_FILE)
    return _read(path) if path else NO_ORGANIZATIONS


def caller_principals(ctx: Context) -> tuple[str, ...]:
    """What a grant may name to share with the caller."""
    return organizations().principals_of(ctx.account_id)
