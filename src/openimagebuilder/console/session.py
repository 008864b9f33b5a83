"""Whom a console request acts for.

- `--auth none`: the service's default account (`--account-id`) in the default region, unless the
  request chooses another 12-digit account or a known region (`?account=`, `?region=`); the choice is
  kept in a cookie. Every console user is an administrator, as every API caller is in that mode.
- `--auth sigv4`: the user signs in with an access key id and its secret, verified against the
  same credentials the API verifies signatures with; the console then keeps a session cookie
  (HttpOnly, SameSite=Strict, 12 hours) holding the access key id, the region and an expiry, MACed
  with a key derived from the service's secret and the credential's own secret. Each request looks
  the credential up again: a deleted or re-created key ends its sessions at once. The console's API
  calls are signed with that credential, so they are verified like any other request.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

from ..server.identity import Identity
from ..server.settings import DEFAULT_REGION
from .api import Principal

SCOPE_COOKIE = "oib_console_scope"
SESSION_COOKIE = "oib_console_session"
SESSION_SECONDS = 12 * 3600
_ACCOUNT = re.compile(r"[0-9]{12}")


class LoginError(Exception):
    """A sign-in that does not verify; the message is safe to show (it never says which part was wrong)."""


@dataclass(frozen=True)
class Choice:
    """An account and region a request asks for (`--auth none`), each None when not given."""
    account: str | None
    region: str | None


class Sessions:
    def __init__(self, identity: Identity, service_secret: bytes) -> None:
        self.identity = identity
        # A key of its own, so a session MAC is never valid as anything else signed with the secret.
        self._key = hmac.new(service_secret, b"oib-console-session", hashlib.sha256).digest()

    @property
    def signs_in(self) -> bool:
        return self.identity.verifier is not None

    def check_choice(self, choice: Choice) -> str | None:
        """Why the chosen account or region cannot be used, or None."""
        if choice.account is not None and not _ACCOUNT.fullmatch(choice.account):
            return "An account id is 12 digits."
        if choice.region is not None and choice.region not in self.identity.regions:
            return f"Unknown region '{choice.region}'."
        return None

    def unverified(self, cookie: str | None, choice: Choice) -> Principal:
        """`--auth none`: the chosen account and region, or those kept in the cookie, or the defaults."""
        account, region = self.identity.settings.account_id, DEFAULT_REGION
        if cookie and "/" in cookie:
            kept_account, kept_region = cookie.split("/", 1)
            if self.check_choice(Choice(kept_account, kept_region)) is None:
                account, region = kept_account, kept_region
        if choice.account is not None:
            account = choice.account
        if choice.region is not None:
            region = choice.region
        return Principal(account, region, admin=True)

    @staticmethod
    def scope_cookie(principal: Principal) -> str:
        return f"{principal.account}/{principal.region}"

    def sign_in(self, access_key_id: str, secret_access_key: str, region: str, now: float | None = None) -> str:
        """The session cookie's value for a credential that verifies (blocking: the credential
        store may be read)."""
        assert self.identity.verifier is not None
        credential = self.identity.credentials.lookup(access_key_id.strip())
        if credential is None or not hmac.compare_digest(credential.secret_access_key.encode(),
                                                         secret_access_key.strip().encode()):
            raise LoginError("The access key id and secret access key do not match a credential of this service.")
        if region not in self.identity.regions:
            raise LoginError(f"Unknown region '{region}'.")
        expires = int((now or time.time()) + SESSION_SECONDS)
        payload = f"{credential.access_key_id}|{region}|{expires}"
        encoded = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
        return f"{encoded}.{self._mac(payload, credential.secret_access_key)}"

    def signed_in(self, cookie: str | None, region: str | None = None, now: float | None = None) -> Principal | None:
        """`--auth sigv4`: the session's principal (in `region` when one is chosen), or None when
        there is no valid session (blocking: the credential store may be read)."""
        if not cookie or "." not in cookie:
            return None
        encoded, mac = cookie.rsplit(".", 1)
        try:
            payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
            access_key_id, session_region, expires = payload.split("|")
            expired = int(expires) < (now or time.time())
        except ValueError:
            return None
        credential = self.identity.credentials.lookup(access_key_id)
        if expired or credential is None or not hmac.compare_digest(mac, self._mac(payload,
                                                                                    credential.secret_access_key)):
            return None
        chosen = region if region is not None and region in self.identity.regions else session_region
        return Principal(credential.account_id, chosen, credential.admin, credential.access_key_id,
                         credential.secret_access_key)

    def _mac(self, payload: str, credential_secret: str) -> str:
        # The credential's secret takes part: a key re-created under the same id ends old sessions.
        message = payload.encode() + b"|" + hashlib.sha256(credential_secret.encode()).digest()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
