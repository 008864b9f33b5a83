"""Index references by (account, region, source): replacing a resource's references must not scan
every reference in its account.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_references_source", table_name="resource_references")
    op.create_index("ix_references_scope_source", "resource_references", ["account_id", "region", "source_arn"])


def downgrade() -> None:
    op.drop_index("ix_references_scope_source", table_name="resource_references")
    op.create_index("ix_references_source", "resource_references", ["source_arn"])
