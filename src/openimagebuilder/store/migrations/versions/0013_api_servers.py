"""The API processes sharing the store and their heartbeats (store/tables.api_servers), by which
they divide each account's call rate.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_servers",
        sa.Column("server_id", sa.String(128), primary_key=True),
        sa.Column("heartbeat_at", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("api_servers")
