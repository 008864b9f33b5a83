"""Resource grants name organizations (o-...) and organizational units (ou-..., up to 68
characters) as well as accounts: the grantee column grows from 32 to 80 characters.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _resize(80)


def downgrade() -> None:
    op.execute("DELETE FROM resource_grants WHERE length(grantee) > 32")
    _resize(32)


def _resize(length: int) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("resource_grants", "grantee", type_=sa.String(length), existing_nullable=False)
        return
    # SQLite cannot alter a column: the table is rebuilt (WITHOUT ROWID, as 0009 made it).
    op.create_table("resource_grants_0011", *_columns(length), sqlite_with_rowid=False)
    op.execute("INSERT INTO resource_grants_0011 SELECT arn, grantee, account_id, region, kind, name_id "
               "FROM resource_grants")
    op.drop_index("ix_resource_grants_grantee", "resource_grants")
    op.drop_table("resource_grants")
    op.rename_table("resource_grants_0011", "resource_grants")
    op.create_index("ix_resource_grants_grantee", "resource_grants",
                    ["grantee", "region", "account_id", "kind", "name_id"])


def _columns(length: int) -> list:
    return [
        sa.Column("arn", sa.String(400), sa.ForeignKey("resources.arn", ondelete="CASCADE"), nullable=False),
        sa.Column("grantee", sa.String(length), nullable=False),
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("name_id", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("arn", "grantee", name="pk_resource_grants"),
    ]
