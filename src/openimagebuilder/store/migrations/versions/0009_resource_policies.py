"""Resource policies (Put*Policy) and the grants they make, indexed for the accounts they share
resources with.

Revision ID: 0009
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resource_policies",
        sa.Column("arn", sa.String(400), sa.ForeignKey("resources.arn", ondelete="CASCADE"), primary_key=True),
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("policy", sa.Text, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "resource_grants",
        sa.Column("arn", sa.String(400), sa.ForeignKey("resources.arn", ondelete="CASCADE"), nullable=False),
        sa.Column("grantee", sa.String(32), nullable=False),
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("name_id", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("arn", "grantee", name="pk_resource_grants"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_resource_grants_grantee", "resource_grants",
                    ["grantee", "region", "account_id", "kind", "name_id"])


def downgrade() -> None:
    op.drop_index("ix_resource_grants_grantee", table_name="resource_grants")
    op.drop_table("resource_grants")
    op.drop_table("resource_policies")
