"""The version a claimed redraw is drawing, kept in its row.

- channel_messages.drawing: the `wanted` a redraw's claim read. A change made while that
  redraw runs needs to owe another only while nothing was bumped since the claim, so the
  clicks of a burst after the first run side by side under a shared lock.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN with a constant default on both databases: no table is rebuilt
    op.add_column(
        "channel_messages",
        sa.Column("drawing", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    # dropped in place on both databases (SQLite 3.35+), as 0021 does
    op.execute("ALTER TABLE channel_messages DROP COLUMN drawing")
