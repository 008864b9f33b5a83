"""Caller identity from the SigV4 Authorization header: region from the credential scope, account
from the access key (a configured mapping, a 12-digit key used as the account id, or the default)."""
from __future__ import annotations

import re

from .settings import DEFAULT_REGION, Settings

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[0-9]{8}/([a-z0-9-]+)/")


def caller(authorization: str | None, settings: Settings) -> tuple[str, str]:
    """(account id, region) of a request."""
    if not authorization:
        return settings.account_id, DEFAULT_REGION
    match = _CREDENTIAL.search(authorization)
    if match is None:
        return settings.account_id, DEFAULT_REGION
    access_key, region = match.groups()
    account = settings.access_key_accounts.get(access_key)
    if account is None:
        # re.fullmatch(r"[0-9]{12}", access_key), without the regex: ASCII digits only.
        is_account_id = len(access_key) == 12 and access_key.isascii() and access_key.isdigit()
        account = access_key if is_account_id else settings.account_id
    return account, region

