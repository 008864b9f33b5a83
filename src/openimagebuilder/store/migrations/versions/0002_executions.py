"""Executions: build jobs, workflow and step executions, counters, log events.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("account_id", sa.String(32), primary_key=True),
        sa.Column("region", sa.String(32), primary_key=True),
        sa.Column("counter_key", sa.String(400), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )
    op.create_table(
        "build_jobs",
        sa.Column("image_arn", sa.String(400), primary_key=True),
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("due_at", sa.Float, nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.Float, nullable=True),
        sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("plan", sa.Text, nullable=False),
    )
    op.create_index("ix_build_jobs_due", "build_jobs", ["due_at"])
    op.create_table(
        "workflow_executions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("image_arn", sa.String(400), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_workflow_executions_image", "workflow_executions",
                    ["account_id", "region", "image_arn", "position"])
    op.create_table(
        "step_executions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("image_arn", sa.String(400), nullable=False),
        sa.Column("workflow_execution_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("waiting", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_step_executions_workflow", "step_executions", ["workflow_execution_id", "position"])
    op.create_index("ix_step_executions_waiting", "step_executions", ["account_id", "region", "waiting"])
    op.create_table(
        "log_events",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("log_group", sa.String(512), nullable=False),
        sa.Column("log_stream", sa.String(512), nullable=False),
        sa.Column("timestamp", sa.String(30), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_log_events_stream", "log_events", ["account_id", "region", "log_stream", "id"])


def downgrade() -> None:
    op.drop_table("log_events")
    op.drop_table("step_executions")
    op.drop_table("workflow_executions")
    op.drop_table("build_jobs")
    op.drop_table("counters")
