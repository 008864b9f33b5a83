"""The credentials signatures are verified against: access key → secret, account, administrator.

Kept in the store's `credentials` table (`oib credentials create|list|delete`, shared by every
process on the store) and/or a JSON file (`--credentials-file`, read at start): a list of
`{"accessKeyId", "secretAccessKey", "accountId", "admin"}` objects, the shape `oib credentials
create` prints. A key in both is the file's.

`CredentialCache` answers lookups from a snapshot of the table: re-read when a known key's snapshot
is older than REFRESH_SECONDS (a deleted key stops working within that time in every process), and
on an unknown key at most every MISS_REFRESH_SECONDS (a new key works at once, and unknown keys
cannot make every request read the store).
"""
from __future__ import annotations

import json
import re
import secrets
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select

from ...store.database import transaction
from ...store.tables import credentials as credentials_table

REFRESH_SECONDS = 5.0
MISS_REFRESH_SECONDS = 0.5
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_ACCESS_KEY = re.compile(r"[A-Za-z0-9_+=,.@-]{3,128}")
_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class CredentialError(ValueError):
    """A credential or credentials file is unusable; the message says why."""


@dataclass(frozen=True)
class Credential:
    access_key_id: str
    secret_access_key: str
    account_id: str
    admin: bool = False
    description: str = ""
    created_at: float = 0.0

    def document(self, with_secret: bool) -> dict[str, object]:
        shown: dict[str, object] = {"accessKeyId": self.access_key_id, "accountId": self.account_id,
                                    "admin": self.admin, "description": self.description}
        if with_secret:
            shown["secretAccessKey"] = self.secret_access_key
        return shown


def new_credential(account_id: str, admin: bool, description: str = "", access_key_id: str | None = None,
                   secret_access_key: str | None = None) -> Credential:
    """A credential with a random AWS-shaped key (AKIA + 16) and a 40-character secret unless given."""
    key = access_key_id or "AKIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))
    secret = secret_access_key or secrets.token_urlsafe(30)
    credential = Credential(key, secret, account_id, admin, description, time.time())
    check(credential)
    return credential


def check(credential: Credential) -> None:
    if not _ACCOUNT_ID.fullmatch(credential.account_id):
        raise CredentialError(f"account id '{credential.account_id}' is not a 12-digit AWS account id")
    if not _ACCESS_KEY.fullmatch(credential.access_key_id):
        raise CredentialError(f"access key id '{credential.access_key_id}' is not 3 to 128 letters, digits or "
                              "_+=,.@-")
    if not 1 <= len(credential.secret_access_key) <= 128:
        raise CredentialError("a secret access key is 1 to 128 characters")


# -- the store ------------------------------------------------------------------------------------
def store_credential(engine: Engine, credential: Credential) -> None:
    with transaction(engine, write=True) as connection:
        connection.execute(insert(credentials_table).values(
            access_key_id=credential.access_key_id, secret_access_key=credential.secret_access_key,
            account_id=credential.account_id, admin=credential.admin, description=credential.description,
            created_at=credential.created_at))


def stored_credentials(engine: Engine) -> list[Credential]:
    with transaction(engine, write=False) as connection:
        rows = connection.execute(select(credentials_table).order_by(credentials_table.c.created_at)).all()
    return [Credential(row.access_key_id, row.secret_access_key, row.account_id, bool(row.admin), row.description,
                       row.created_at) for row in rows]


def delete_credential(engine: Engine, access_key_id: str) -> bool:
    with transaction(engine, write=True) as connection:
        deleted = connection.execute(delete(credentials_table).where(
            credentials_table.c.access_key_id == access_key_id)).rowcount
    return bool(deleted)


# -- the file -------------------------------------------------------------------------------------
def load_file(path: str) -> tuple[dict[str, Credential], list[str]]:
    """The file's credentials by access key, and warnings (a file others can read)."""
    file = Path(path)
    try:
        entries = json.loads(file.read_text())
    except OSError as error:
        raise CredentialError(f"cannot read credentials file {path}: {error.strerror}") from None
    except ValueError as error:
        raise CredentialError(f"credentials file {path} is not JSON: {error}") from None
    if not isinstance(entries, list):
        raise CredentialError(f"credentials file {path} must hold a JSON list of credentials")
    found: dict[str, Credential] = {}
    for index, entry in enumerate(entries):
        try:
            credential = Credential(str(entry["accessKeyId"]), str(entry["secretAccessKey"]), str(entry["accountId"]),
                                    entry.get("admin", False) is True, str(entry.get("description", "")))
        except (KeyError, TypeError, AttributeError):
            raise CredentialError(f"credentials file {path}: entry {index} needs accessKeyId, secretAccessKey and "
                                  "accountId") from None
        try:
            check(credential)
        except CredentialError as error:
            raise CredentialError(f"credentials file {path}: entry {index}: {error}") from None
        found[credential.access_key_id] = credential
    warnings = []
    if file.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        warnings.append(f"credentials file {path} can be read by other users: chmod 600 it")
    return found, warnings


# -- lookups --------------------------------------------------------------------------------------
class CredentialCache:
    def __init__(self, engine: Engine | None, from_file: dict[str, Credential] | None = None) -> None:
        self._engine = engine
        self._file = from_file or {}
        self._stored: dict[str, Credential] = {}
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def lookup(self, access_key_id: str) -> Credential | None:
        credential = self._file.get(access_key_id)
        if credential is not None or self._engine is None:
            return credential
        age = time.monotonic() - self._read_at
        credential = self._stored.get(access_key_id)
        if age > (REFRESH_SECONDS if credential is not None else MISS_REFRESH_SECONDS):
            self._refresh()
            credential = self._stored.get(access_key_id)
        return credential

    def _refresh(self) -> None:
        assert self._engine is not None
        with self._lock:
            if time.monotonic() - self._read_at <= MISS_REFRESH_SECONDS:
                return  # another thread just read it
            self._stored = {credential.access_key_id: credential for credential in stored_credentials(self._engine)}
            self._read_at = time.monotonic()
