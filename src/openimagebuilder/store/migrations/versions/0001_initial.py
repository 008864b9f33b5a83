"""Initial schema: resources, references, client tokens, settings.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "resources",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subtype", sa.String(20), nullable=False, server_default=""),
        sa.Column("name_id", sa.String(128), nullable=False),
        sa.Column("version", sa.String(40), nullable=False, server_default=""),
        sa.Column("build", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sort_key", sa.String(200), nullable=False),
        sa.Column("arn", sa.String(400), nullable=False, unique=True),
        sa.Column("identity", sa.String(600), nullable=False, unique=True),
        sa.Column("date_created", sa.String(30), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_resources_scope_kind_sort", "resources",
                    ["account_id", "region", "kind", "sort_key", "id"])
    op.create_index("ix_resources_scope_kind_name", "resources",
                    ["account_id", "region", "kind", "name_id"])
    op.create_table(
        "resource_references",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("source_arn", sa.String(400),
                  sa.ForeignKey("resources.arn", ondelete="CASCADE"), nullable=False),
        sa.Column("target_kind", sa.String(40), nullable=False),
        sa.Column("target_subtype", sa.String(20), nullable=False),
        sa.Column("target_owner", sa.String(32), nullable=False),
        sa.Column("target_name_id", sa.String(128), nullable=False),
        sa.Column("target_version", sa.String(40), nullable=False),
        sa.Column("target_build", sa.Integer, nullable=True),
    )
    op.create_index("ix_references_target", "resource_references",
                    ["account_id", "region", "target_kind", "target_name_id"])
    op.create_index("ix_references_source", "resource_references", ["source_arn"])
    op.create_table(
        "client_tokens",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("response", sa.Text, nullable=True),
        sa.Column("date_created", sa.String(30), nullable=False),
        sa.UniqueConstraint("account_id", "region", "operation", "token", name="uq_client_tokens"),
    )
    op.create_table(
        "service_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("service_settings")
    op.drop_table("client_tokens")
    op.drop_table("resource_references")
    op.drop_table("resources")
