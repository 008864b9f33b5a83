"""Index the leases of build jobs: idle workers look for the first lease to run out (a stopped
worker's builds to take over) on every poll.

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_build_jobs_lease", "build_jobs", ["lease_until"])


def downgrade() -> None:
    op.drop_index("ix_build_jobs_lease", table_name="build_jobs")
