"""Index only the steps that wait for an action: the index stays tiny, and PostgreSQL's planner
cannot mistake it for a way to find a workflow's steps.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_step_executions_waiting", table_name="step_executions")
    op.create_index("ix_step_executions_waiting", "step_executions", ["account_id", "region"],
                    postgresql_where=sa.text("waiting"), sqlite_where=sa.text("waiting"))


def downgrade() -> None:
    op.drop_index("ix_step_executions_waiting", table_name="step_executions")
    op.create_index("ix_step_executions_waiting", "step_executions", ["account_id", "region", "waiting"])
