"""The store's tables. Every row carries account_id and region; every query filters on them.

A resource is one row: identity columns used by constraints, filters and ordering, and the
resource document (keys = model member names) as JSON.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

metadata = MetaData()

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
_Id = BigInteger().with_variant(Integer(), "sqlite")

resources = Table(
    "resources", metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("account_id", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("kind", String(40), nullable=False),          # ARN resource type: component, image-pipeline, ...
    Column("subtype", String(20), nullable=False, server_default=""),  # workflow type: build|test|distribution
    Column("name_id", String(128), nullable=False),      # the ARN's resource id
    Column("version", String(40), nullable=False, server_default=""),
    Column("build", Integer, nullable=False, server_default="0"),
    Column("sort_key", String(200), nullable=False),
    Column("arn", String(400), nullable=False, unique=True),
    # What must be unique besides the ARN (e.g. a component version's content); defaults to the ARN.
    Column("identity", String(600), nullable=False, unique=True),
    Column("date_created", String(30), nullable=False),
    Column("document", Text, nullable=False),
    Index("ix_resources_scope_kind_sort", "account_id", "region", "kind", "sort_key", "id"),
    Index("ix_resources_scope_kind_name", "account_id", "region", "kind", "name_id"),
)

# What a resource refers to, so deletes can refuse to leave a reference dangling.
resource_references = Table(
    "resource_references", metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("account_id", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("source_arn", String(400), ForeignKey("resources.arn", ondelete="CASCADE"), nullable=False),
    Column("target_kind", String(40), nullable=False),
    Column("target_subtype", String(20), nullable=False),
    Column("target_owner", String(32), nullable=False),
    Column("target_name_id", String(128), nullable=False),
    Column("target_version", String(40), nullable=False),  # X.Y.Z, maybe with x; '' when unversioned
    Column("target_build", Integer, nullable=True),
    Index("ix_references_target", "account_id", "region", "target_kind", "target_name_id"),
    Index("ix_references_source", "source_arn"),
)

client_tokens = Table(
    "client_tokens", metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("account_id", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("operation", String(64), nullable=False),
    Column("token", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("response", Text, nullable=True),
    Column("date_created", String(30), nullable=False),
    UniqueConstraint("account_id", "region", "operation", "token", name="uq_client_tokens"),
)

service_settings = Table(
    "service_settings", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
