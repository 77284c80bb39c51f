"""Lean coffee's actions outlive the meeting, and voting's last call is posted once.

- coffee_takeaways.done_at / done_by: when an action was marked done, and by whom (NULL and
  "" while it is open).
- coffee_sessions.closing_reminded: the "voting closes in 1 hour" post was owed (set once by
  a conditional update, so it is owed once whatever clocks run).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN with a constant default on both databases: no table is rebuilt
    op.add_column("coffee_takeaways", sa.Column("done_at", sa.DateTime(timezone=True)))
    op.add_column(
        "coffee_takeaways",
        sa.Column("done_by", sa.String(32), nullable=False, server_default=""),
    )
    op.add_column(
        "coffee_sessions",
        sa.Column("closing_reminded", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # dropped in place on both databases (SQLite 3.35+): a batch rebuild would cascade
    op.execute("ALTER TABLE coffee_sessions DROP COLUMN closing_reminded")
    op.execute("ALTER TABLE coffee_takeaways DROP COLUMN done_by")
    op.execute("ALTER TABLE coffee_takeaways DROP COLUMN done_at")
