"""`oib credentials create|list|delete`: the SigV4 credentials `oib serve --auth sigv4` accepts,
kept in the store (the same --data-dir or --database-url as the service). Every process on the
store sees a change within a few seconds (auth/credentials.py)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from .settings import DEFAULT_ACCOUNT_ID


def add_parser(commands: argparse._SubParsersAction) -> None:
    credentials = commands.add_parser(
        "credentials", help="SigV4 credentials for oib serve --auth sigv4 (create, list, delete)",
        description="Manages the access keys `oib serve --auth sigv4` verifies signatures with. Each key belongs "
                    "to one account; an administrator key may also move the clock and read every account's logs.")
    actions = credentials.add_subparsers(dest="credentials_command", required=True)
    create = actions.add_parser("create", help="create an access key and print it with its secret (once)")
    create.add_argument("--account-id", default=DEFAULT_ACCOUNT_ID,
                        help=f"the key's 12-digit account (default {DEFAULT_ACCOUNT_ID})")
    create.add_argument("--admin", action="store_true", help="an administrator key (service-wide controls)")
    create.add_argument("--description", default="", help="a note shown by `oib credentials list`")
    create.add_argument("--access-key-id", help="use this access key id instead of a random one")
    create.add_argument("--secret-access-key", help=argparse.SUPPRESS)  # tests and imports only
    create.set_defaults(run=_create)
    listing = actions.add_parser("list", help="list access keys (never their secrets)")
    listing.set_defaults(run=_list)
    remove = actions.add_parser("delete", help="delete an access key")
    remove.add_argument("access_key_id", metavar="ACCESS_KEY_ID")
    remove.set_defaults(run=_delete)
    for action in (create, listing, remove):
        action.add_argument("--data-dir", default=os.environ.get("OIB_DATA_DIR", "./.oib"),
                            help="the service's SQLite data dir (OIB_DATA_DIR, default ./.oib)")
        action.add_argument("--database-url", default=os.environ.get("OIB_DATABASE_URL") or None,
                            help="the service's database URL (OIB_DATABASE_URL)")


def _engine(args: argparse.Namespace):
    from ..store.database import create_store_engine, migrate, sqlite_url
    engine = create_store_engine(args.database_url or sqlite_url(args.data_dir), pool_size=1)
    migrate(engine)
    return engine


def _create(args: argparse.Namespace) -> int:
    from .auth.credentials import CredentialError, new_credential, store_credential
    try:
        credential = new_credential(args.account_id, args.admin, args.description, args.access_key_id,
                                    args.secret_access_key)
    except CredentialError as error:
        print(f"oib credentials create: error: {error}", file=sys.stderr)
        return 2
    engine = _engine(args)
    try:
        store_credential(engine, credential)
    except IntegrityError:
        print(f"oib credentials create: error: access key {credential.access_key_id} exists already",
              file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(json.dumps(credential.document(with_secret=True), indent=2))
    return 0


def _list(args: argparse.Namespace) -> int:
    from .auth.credentials import stored_credentials
    engine = _engine(args)
    try:
        found = stored_credentials(engine)
    finally:
        engine.dispose()
    for credential in found:
        created = datetime.fromtimestamp(credential.created_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        role = "admin" if credential.admin else "user"
        print(f"{credential.access_key_id}\t{credential.account_id}\t{role}\t{created}\t{credential.description}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    from .auth.credentials import delete_credential
    engine = _engine(args)
    try:
        deleted = delete_credential(engine, args.access_key_id)
    finally:
        engine.dispose()
    if not deleted:
        print(f"oib credentials delete: error: no access key {args.access_key_id}", file=sys.stderr)
        return 1
    return 0
