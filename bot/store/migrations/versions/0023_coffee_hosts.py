"""Lean coffee hosts: any member can run a meetup's meeting when named.

- coffee_sessions.host: the member who runs this meetup's meeting as an organiser would
  ("" for none).
- coffee_series.volunteer_hosts: whether any member may offer to host (off by default).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN with a constant default on both databases: no table is rebuilt
    op.add_column(
        "coffee_sessions", sa.Column("host", sa.String(32), nullable=False, server_default="")
    )
    op.add_column(
        "coffee_series",
        sa.Column("volunteer_hosts", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # dropped in place on both databases (SQLite 3.35+), as 0021 does
    op.execute("ALTER TABLE coffee_series DROP COLUMN volunteer_hosts")
    op.execute("ALTER TABLE coffee_sessions DROP COLUMN host")
