"""Schedules: the next run of each scheduled pipeline, and the firings made.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pipeline_schedules",
        sa.Column("pipeline_arn", sa.String(400), primary_key=True),
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("next_run_at", sa.Float, nullable=True),
        sa.Column("anchor_at", sa.Float, nullable=False),
    )
    op.create_index("ix_pipeline_schedules_next_run", "pipeline_schedules", ["next_run_at"])
    op.create_table(
        "schedule_firings",
        sa.Column("pipeline_arn", sa.String(400), primary_key=True),
        sa.Column("due_at", sa.Float, primary_key=True),
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("fired_at", sa.Float, nullable=False),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("image_arn", sa.String(400), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("schedule_firings")
    op.drop_table("pipeline_schedules")
