"""SigV4 credentials: access key → secret, account, administrator (`oib credentials`).

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credentials",
        sa.Column("access_key_id", sa.String(128), primary_key=True),
        sa.Column("secret_access_key", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("admin", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("credentials")
