"""The store's tables. Every row carries account_id and region; every query filters on them.

A resource is one row: identity columns used by constraints, filters and ordering, and the
resource document (keys = model member names) as JSON.
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    false,
    text,
)

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
    Column("date_created", String(30), nullable=False),
    Column("document", Text, nullable=False),
    Index("ix_resources_scope_kind_sort", "account_id", "region", "kind", "sort_key", "id"),
    Index("ix_resources_scope_kind_name", "account_id", "region", "kind", "name_id"),
)

# The values a resource's List filters read (domain/filter_values.py), one row per (filter, value):
# a filtered list reads the ids of the resources with a wanted value from this key, in the list's
# order (sort key, id) after its cursor, and then only those resources. Other filters of the same
# list are checked per id through ix_resource_filter_values_resource, which also serves the
# cascade. Written with the resource's document. On SQLite the key is the table (WITHOUT ROWID).
resource_filter_values = Table(
    "resource_filter_values", metadata,
    Column("account_id", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("field", String(40), nullable=False),     # the filter's name
    Column("value", String(200), nullable=False),    # its first 200 characters (filter_values.KEPT_LENGTH)
    Column("sort_key", String(200), nullable=False),  # the resource's (never changes)
    Column("resource_id", _Id, ForeignKey("resources.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("account_id", "region", "kind", "field", "value", "sort_key", "resource_id",
                         name="pk_resource_filter_values"),
    Index("ix_resource_filter_values_resource", "resource_id", "field", "value"),
    sqlite_with_rowid=False,
)

# What a resource refers to, so deletes can refuse to leave a reference dangling. Keyed by source
# and position, and on SQLite the key is the table (WITHOUT ROWID): each b-tree a write touches
# costs its commit a page.
resource_references = Table(
    "resource_references", metadata,
    Column("account_id", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("source_arn", String(400), ForeignKey("resources.arn", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),  # among the source's references
    Column("target_kind", String(40), nullable=False),
    Column("target_subtype", String(20), nullable=False),
    Column("target_owner", String(32), nullable=False),
    Column("target_name_id", String(128), nullable=False),
    Column("target_version", String(40), nullable=False),  # X.Y.Z, maybe with x; '' when unversioned
    Column("target_build", Integer, nullable=True),
    PrimaryKeyConstraint("account_id", "region", "source_arn", "position", name="pk_resource_references"),
    Index("ix_references_target", "account_id", "region", "target_kind", "target_name_id"),
    sqlite_with_rowid=False,
)

client_tokens = Table(
    "client_tokens", metadata,
    Column("account_id", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("operation", String(64), nullable=False),
    Column("token", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("response", Text, nullable=True),
    Column("date_created", String(30), nullable=False),
    PrimaryKeyConstraint("account_id", "region", "operation", "token", name="pk_client_tokens"),
    sqlite_with_rowid=False,
)

service_settings = Table(
    "service_settings", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Monotonic counters, e.g. image build numbers per recipe version: numbers are never reused, even
# after a failed or deleted build.
counters = Table(
    "counters", metadata,
    Column("account_id", String(32), primary_key=True),
    Column("region", String(32), primary_key=True),
    Column("counter_key", String(400), primary_key=True),
    Column("value", Integer, nullable=False),
)

# One row per image build in progress: the engine's work queue. A worker leases a due row while
# it runs the build's next step, renews the lease, and gives it back with the next due time.
build_jobs = Table(
    "build_jobs", metadata,
    Column("image_arn", String(400), primary_key=True),
    Column("account_id", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("due_at", Float, nullable=False),            # epoch seconds of the next step
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", Float, nullable=True),
    Column("cancel_requested", Boolean, nullable=False, server_default=false()),
    Column("plan", Text, nullable=False),               # JSON: the resolved build plan and progress
    Index("ix_build_jobs_due", "due_at"),
    Index("ix_build_jobs_lease", "lease_until"),
)

workflow_executions = Table(
    "workflow_executions", metadata,
    Column("id", String(64), primary_key=True),         # wf-<uuid>
    Column("account_id", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("image_arn", String(400), nullable=False),
    Column("position", Integer, nullable=False),        # order within the image's build
    Column("document", Text, nullable=False),           # JSON: WorkflowExecutionMetadata members and more
    Index("ix_workflow_executions_image", "account_id", "region", "image_arn", "position"),
)

step_executions = Table(
    "step_executions", metadata,
    Column("id", String(64), primary_key=True),         # step-<uuid>
    Column("account_id", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("image_arn", String(400), nullable=False),
    Column("workflow_execution_id", String(64), nullable=False),
    Column("position", Integer, nullable=False),
    Column("waiting", Boolean, nullable=False, server_default=false()),  # a WaitForAction step awaiting a user
    Column("document", Text, nullable=False),           # JSON: WorkflowStepExecution members and more
    Index("ix_step_executions_workflow", "workflow_execution_id", "position"),
    Index("ix_step_executions_waiting", "account_id", "region",
          postgresql_where=text("waiting"), sqlite_where=text("waiting")),
)

log_events = Table(
    "log_events", metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("account_id", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("log_group", String(512), nullable=False),
    Column("log_stream", String(512), nullable=False),   # the image build-version ARN
    Column("timestamp", String(30), nullable=False),
    Column("message", Text, nullable=False),
    Index("ix_log_events_stream", "account_id", "region", "log_stream", "id"),
)

# When each scheduled pipeline runs next: the scheduler's index. A tick reads only due rows.
pipeline_schedules = Table(
    "pipeline_schedules", metadata,
    Column("pipeline_arn", String(400), primary_key=True),
    Column("account_id", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("next_run_at", Float, nullable=True),     # epoch seconds; NULL: no future run, or disabled
    Column("anchor_at", Float, nullable=False),      # when the schedule started (rate() counts from here)
    Index("ix_pipeline_schedules_next_run", "next_run_at"),
)

# Each (pipeline, due time) fires once: the primary key makes a second firing impossible, also
# with several schedulers on one PostgreSQL.
schedule_firings = Table(
    "schedule_firings", metadata,
    Column("pipeline_arn", String(400), primary_key=True),
    Column("due_at", Float, primary_key=True),
    Column("account_id", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("fired_at", Float, nullable=False),
    # STARTED | SKIPPED_NO_DEPENDENCY_UPDATES | SKIPPED_DISABLED | FAILED_TO_START (STARTING only
    # inside the firing's own transaction)
    Column("outcome", String(40), nullable=False),
    Column("image_arn", String(400), nullable=True),
)

# Resource policies (Put*Policy): the policy as given, one row per resource that has one.
resource_policies = Table(
    "resource_policies", metadata,
    Column("arn", String(400), ForeignKey("resources.arn", ondelete="CASCADE"), primary_key=True),
    Column("account_id", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("policy", Text, nullable=False),
    sqlite_with_rowid=False,
)

# What the policies share, indexed for the lookups of the accounts they share with: one row per
# (shared resource, grantee account). A grantee's reference to `<owner>:component/<name>/1.x.x`
# reads the granted builds of that name through ix_resource_grants_grantee.
resource_grants = Table(
    "resource_grants", metadata,
    Column("arn", String(400), ForeignKey("resources.arn", ondelete="CASCADE"), nullable=False),
    Column("grantee", String(80), nullable=False),   # an account, o-... or ou-...
    Column("account_id", String(32), nullable=False),   # the owner
    Column("region", String(32), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("name_id", String(128), nullable=False),
    PrimaryKeyConstraint("arn", "grantee", name="pk_resource_grants"),
    Index("ix_resource_grants_grantee", "grantee", "region", "account_id", "kind", "name_id"),
    sqlite_with_rowid=False,
)

# SigV4 credentials (`oib credentials`): access key → secret, account, administrator. The secret is
# kept as given: verifying a signature needs it (an HMAC key), so the store must be kept private.
credentials = Table(
    "credentials", metadata,
    Column("access_key_id", String(128), primary_key=True),
    Column("secret_access_key", String(128), nullable=False),
    Column("account_id", String(12), nullable=False),
    Column("admin", Boolean, nullable=False, server_default=false()),
    Column("description", Text, nullable=False, server_default=""),
    Column("created_at", Float, nullable=False),
)

# One row per `oib serve` process on this store (with a rate limit, on PostgreSQL), renewed by its
# heartbeat (server/rate_share.py): the live ones divide each account's API call rate between them.
api_servers = Table(
    "api_servers", metadata,
    Column("server_id", String(128), primary_key=True),
    Column("heartbeat_at", Float, nullable=False),   # epoch seconds of its last heartbeat
)
