"""Who a request is from, per `--auth` mode:

- `sigv4`: the request's SigV4 signature must verify against a known credential (auth/sigv4.py);
  the account and administrator flag are the credential's, the region its scope's.
- `none` (local testing): nothing is verified. The region is read from the credential scope, the
  account from the access key: a mapped key (OIB_ACCOUNTS), a 12-digit key taken as the account id
  itself, or the default account; every caller is an administrator.

In both modes a region outside the known ones (auth/regions.py) is refused as AWS refuses it.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine

from .auth.chunked import STREAMING_PAYLOADS, decode_chunked
from .auth.credentials import Credential, CredentialCache, load_file
from .auth.regions import Regions
from .auth.sigv4 import Verifier
from .settings import DEFAULT_REGION, Settings

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[0-9]{8}/([^/,\s]+)/")


@dataclass(frozen=True)
class Caller:
    account: str
    region: str
    admin: bool
    access_key: str | None  # None: no access key given (`--auth none` only)
    body: bytes  # the request's payload, decoded when it came aws-chunked


class Identity:
    def __init__(self, settings: Settings, engine: Engine | None) -> None:
        self.settings = settings
        self.regions = Regions(settings.extra_region_names)
        self.warnings: list[str] = []
        self.verifier: Verifier | None = None
        if settings.auth == "sigv4":
            from_file: dict[str, Credential] = {}
            if settings.credentials_file:
                from_file, self.warnings = load_file(settings.credentials_file)
            self.credentials = CredentialCache(engine, from_file)
            self.verifier = Verifier(self.credentials.lookup, self.regions.__contains__)

    def identify(self, method: str, raw_path: str, query: bytes, headers: Mapping[str, str], body: bytes) -> Caller:
        """The caller, or an AuthError (serialized as AWS answers it)."""
        if self.verifier is not None:
            verified = self.verifier.verify(method, raw_path, query, headers, body)
            credential = verified.credential
            return Caller(credential.account_id, verified.region, credential.admin, credential.access_key_id,
                          verified.body)
        return self._unverified(headers, body)

    def _unverified(self, headers: Mapping[str, str], body: bytes) -> Caller:
        payload = headers.get("x-amz-content-sha256")
        if payload in STREAMING_PAYLOADS:
            body = decode_chunked(body, payload, None, "", "", "", headers)
        match = _CREDENTIAL.search(headers.get("authorization") or "")
        if match is None:
            return Caller(self.settings.account_id, DEFAULT_REGION, True, None, body)
        access_key, region = match.groups()
        self.regions.check(region)
        account = self.settings.access_key_accounts.get(access_key)
        if account is None:
            # re.fullmatch(r"[0-9]{12}", access_key), without the regex: ASCII digits only.
            is_account_id = len(access_key) == 12 and access_key.isascii() and access_key.isdigit()
            account = access_key if is_account_id else self.settings.account_id
        return Caller(account, region, True, access_key, body)
