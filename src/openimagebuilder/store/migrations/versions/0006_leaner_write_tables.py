"""Fewer b-trees for each write: every b-tree a write touches costs its commit at least one page.

* resources: the `identity` column goes. It always held the ARN, so its unique index repeated the
  ARN's.
* resource_references: keyed by (account, region, source, position); on SQLite a WITHOUT ROWID
  table, so the key is the table (was: a rowid table, an id key and a (scope, source) index).
* client_tokens: keyed by (account, region, operation, token); on SQLite WITHOUT ROWID (was: a
  rowid table and a unique index on the same columns).

SQLite cannot drop a column with a unique constraint or change a table's key in place: each table
is rebuilt (created anew, copied, dropped, renamed), with foreign keys off while the migration
runs (see store/database.migrate), as SQLite's documentation prescribes. PostgreSQL alters them.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Definitions as of this revision, written out: a migration must keep describing its own revision
# when store/tables.py moves on.
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_REFERENCE_TARGET = ("target_kind", "target_subtype", "target_owner", "target_name_id", "target_version",
                     "target_build")
_RESOURCE_COLUMNS = ("id", "account_id", "region", "kind", "subtype", "name_id", "version", "build", "sort_key",
                     "arn", "date_created", "document")
_TOKEN_COLUMNS = ("account_id", "region", "operation", "token", "fingerprint", "response", "date_created")


def _reference_columns() -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("source_arn", sa.String(400), sa.ForeignKey("resources.arn", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("target_kind", sa.String(40), nullable=False),
        sa.Column("target_subtype", sa.String(20), nullable=False),
        sa.Column("target_owner", sa.String(32), nullable=False),
        sa.Column("target_name_id", sa.String(128), nullable=False),
        sa.Column("target_version", sa.String(40), nullable=False),
        sa.Column("target_build", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("account_id", "region", "source_arn", "position", name="pk_resource_references"),
    ]


def _token_columns() -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("response", sa.Text, nullable=True),
        sa.Column("date_created", sa.String(30), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "region", "operation", "token", name="pk_client_tokens"),
    ]


# A reference's position among its source's references, from the order they were written in.
_POSITION = "ROW_NUMBER() OVER (PARTITION BY account_id, region, source_arn ORDER BY id) - 1"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite()
    else:
        _alter()


def _rebuild_sqlite() -> None:
    _create_resources("resources_0006", identity=False)
    _copy("resources", "resources_0006", _RESOURCE_COLUMNS)
    _index_resources()

    op.create_table("resource_references_0006", *_reference_columns(), sqlite_with_rowid=False)
    columns = ("account_id", "region", "source_arn", "position", *_REFERENCE_TARGET)
    _copy("resource_references", "resource_references_0006", columns,
          select=", ".join(_POSITION if column == "position" else column for column in columns))
    op.create_index("ix_references_target", "resource_references",
                    ["account_id", "region", "target_kind", "target_name_id"])

    op.create_table("client_tokens_0006", *_token_columns(), sqlite_with_rowid=False)
    _copy("client_tokens", "client_tokens_0006", _TOKEN_COLUMNS)


def _create_resources(name: str, identity: bool) -> None:
    """The resources table, without (0006) or with (0005) its `identity` column."""
    op.create_table(
        name,
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
        *([sa.Column("identity", sa.String(600), nullable=False, unique=True)] if identity else []),
        sa.Column("date_created", sa.String(30), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )


def _index_resources() -> None:
    op.create_index("ix_resources_scope_kind_sort", "resources", ["account_id", "region", "kind", "sort_key", "id"])
    op.create_index("ix_resources_scope_kind_name", "resources", ["account_id", "region", "kind", "name_id"])


def _copy(table: str, new_table: str, columns: tuple[str, ...], select: str | None = None) -> None:
    """Moves the rows of `table` into `new_table`, which then takes its name (the old table takes its
    indexes with it: the caller creates them anew)."""
    names = ", ".join(columns)
    op.execute(f"INSERT INTO {new_table} ({names}) SELECT {select or names} FROM {table}")
    op.drop_table(table)
    op.rename_table(new_table, table)


def _alter() -> None:
    op.drop_column("resources", "identity")  # and its unique constraint

    op.add_column("resource_references", sa.Column("position", sa.Integer, nullable=True))
    op.execute(f"UPDATE resource_references SET position = numbered.position FROM "
               f"(SELECT id, {_POSITION} AS position FROM resource_references) AS numbered "
               f"WHERE resource_references.id = numbered.id")
    op.alter_column("resource_references", "position", nullable=False)
    op.drop_index("ix_references_scope_source", table_name="resource_references")
    op.drop_column("resource_references", "id")  # and its primary key
    op.create_primary_key("pk_resource_references", "resource_references",
                          ["account_id", "region", "source_arn", "position"])

    op.drop_constraint("uq_client_tokens", "client_tokens", type_="unique")
    op.drop_column("client_tokens", "id")
    op.create_primary_key("pk_client_tokens", "client_tokens", ["account_id", "region", "operation", "token"])


def downgrade() -> None:
    """Back to 0005's tables, keeping every row (references numbered in their order)."""
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_as_0005()
    else:
        _alter_back()


def _rebuild_sqlite_as_0005() -> None:
    _create_resources("resources_0005", identity=True)
    _copy("resources", "resources_0005", (*_RESOURCE_COLUMNS, "identity"),
          select=", ".join((*_RESOURCE_COLUMNS, "arn")))
    _index_resources()

    op.create_table(
        "resource_references_0005",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        *[column for column in _reference_columns() if isinstance(column, sa.Column) and column.name != "position"])
    columns = ("account_id", "region", "source_arn", *_REFERENCE_TARGET)
    op.execute(f"INSERT INTO resource_references_0005 ({', '.join(columns)}) SELECT {', '.join(columns)} "
               "FROM resource_references ORDER BY account_id, region, source_arn, position")
    op.drop_table("resource_references")
    op.rename_table("resource_references_0005", "resource_references")
    op.create_index("ix_references_target", "resource_references",
                    ["account_id", "region", "target_kind", "target_name_id"])
    op.create_index("ix_references_scope_source", "resource_references", ["account_id", "region", "source_arn"])

    op.create_table(
        "client_tokens_0005",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        *[column for column in _token_columns() if isinstance(column, sa.Column)],
        sa.UniqueConstraint("account_id", "region", "operation", "token", name="uq_client_tokens"))
    _copy("client_tokens", "client_tokens_0005", _TOKEN_COLUMNS)


def _alter_back() -> None:
    op.add_column("resources", sa.Column("identity", sa.String(600), nullable=True))
    op.execute("UPDATE resources SET identity = arn")
    op.alter_column("resources", "identity", nullable=False)
    op.create_unique_constraint("resources_identity_key", "resources", ["identity"])

    op.drop_constraint("pk_resource_references", "resource_references", type_="primary")
    op.add_column("resource_references", sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True))
    op.drop_column("resource_references", "position")
    op.create_index("ix_references_scope_source", "resource_references", ["account_id", "region", "source_arn"])

    op.drop_constraint("pk_client_tokens", "client_tokens", type_="primary")
    op.add_column("client_tokens", sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True))
    op.create_unique_constraint("uq_client_tokens", "client_tokens", ["account_id", "region", "operation", "token"])
