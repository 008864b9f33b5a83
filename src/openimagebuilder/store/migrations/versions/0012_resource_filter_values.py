"""The values List filters read, one row per (resource, filter, value), keyed for the filtered
lists (store/tables.resource_filter_values), and filled for the resources already stored.

The backfill takes the values with the rules of domain/filter_values.py as the code has them: a
later change to those rules needs a migration that fills the table again.

Revision ID: 0012
Revises: 0011
"""
import orjson
import sqlalchemy as sa
from alembic import op

from openimagebuilder.domain.filter_values import FILTERED_FIELDS, filter_values

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_BATCH = 1000  # resources read (and their documents parsed) at a time

# SQLite only auto-increments INTEGER PRIMARY KEY; resources.id is BIGINT on PostgreSQL.
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    values = op.create_table(
        "resource_filter_values",
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("field", sa.String(40), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("sort_key", sa.String(200), nullable=False),
        sa.Column("resource_id", _Id, sa.ForeignKey("resources.id", ondelete="CASCADE"), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "region", "kind", "field", "value", "sort_key", "resource_id",
                                name="pk_resource_filter_values"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_resource_filter_values_resource", "resource_filter_values", ["resource_id", "field", "value"])
    _backfill(values)


def _backfill(values: sa.Table) -> None:
    connection = op.get_bind()
    resources = sa.table("resources", sa.column("id"), sa.column("account_id"), sa.column("region"),
                         sa.column("kind"), sa.column("sort_key"), sa.column("document"))
    after = -1
    while True:
        batch = connection.execute(
            sa.select(resources).where(resources.c.kind.in_(sorted(FILTERED_FIELDS)), resources.c.id > after)
            .order_by(resources.c.id).limit(_BATCH)).all()
        if not batch:
            return
        rows = [{"account_id": row.account_id, "region": row.region, "kind": row.kind, "field": field,
                 "value": value, "sort_key": row.sort_key, "resource_id": row.id}
                for row in batch for field, value in sorted(filter_values(row.kind, orjson.loads(row.document)))]
        if rows:
            connection.execute(sa.insert(values), rows)
        after = batch[-1].id


def downgrade() -> None:
    op.drop_index("ix_resource_filter_values_resource", table_name="resource_filter_values")
    op.drop_table("resource_filter_values")
