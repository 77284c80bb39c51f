"""Onboarding journey: one first welcome per person, the person's time zone, journeys.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Welcomes were keyed per trigger ("workspace", "channel:C…"): each person's earliest
    # becomes their one "first" welcome, so a later join by the other trigger finds it.
    op.execute(
        "UPDATE dm_outbox SET scope = 'first' WHERE id IN ("
        " SELECT MIN(id) FROM dm_outbox WHERE kind = 'welcome'"
        " AND (scope = 'workspace' OR scope LIKE 'channel:%') GROUP BY team_id, user_id)"
    )
    op.add_column("dm_outbox", sa.Column("tz", sa.String(64), nullable=False, server_default=""))
    op.create_table(
        "onboarding_journeys",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("via", sa.String(80), nullable=False, server_default=""),
        sa.Column("tz", sa.String(64), nullable=False, server_default=""),
        sa.Column("channel_id", sa.String(32), nullable=False, server_default=""),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
    )
    # organisers' Home: who was welcomed this week, this month
    op.create_index("ix_onboarding_journeys_started", "onboarding_journeys", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_onboarding_journeys_started", table_name="onboarding_journeys")
    op.drop_table("onboarding_journeys")
    with op.batch_alter_table("dm_outbox") as batch:
        batch.drop_column("tz")
