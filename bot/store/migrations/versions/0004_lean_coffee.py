"""Lean coffee: series per channel, sessions, topics and dots.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "coffee_series",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False, unique=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(5), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.Column("anchor", sa.Date(), nullable=False),
        sa.Column("collect_hours", sa.Integer(), nullable=False),
        sa.Column("vote_hours", sa.Integer(), nullable=False),
        sa.Column("votes_per_person", sa.Integer(), nullable=False),
        sa.Column("multi_dots", sa.Boolean(), nullable=False),
        sa.Column("hide_counts", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(32), nullable=False, server_default=""),
    )
    op.create_table(
        "coffee_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "series_id",
            sa.Integer(),
            sa.ForeignKey("coffee_series.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("starts_at", TZ, nullable=False),
        sa.Column("collect_at", TZ, nullable=False),
        sa.Column("vote_at", TZ, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("votes_per_person", sa.Integer(), nullable=False),
        sa.Column("multi_dots", sa.Boolean(), nullable=False),
        sa.Column("hide_counts", sa.Boolean(), nullable=False),
        sa.Column("message_ts", sa.String(32), nullable=False, server_default=""),
        sa.Column("agenda_ts", sa.String(32), nullable=False, server_default=""),
        sa.UniqueConstraint("series_id", "starts_at"),
    )
    op.create_index("ix_coffee_sessions_state", "coffee_sessions", ["state"])
    op.create_table(
        "coffee_topics",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("coffee_sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("merged_into", sa.Integer(), sa.ForeignKey("coffee_topics.id"), nullable=True),
        sa.Column("discussed", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_coffee_topics_session", "coffee_topics", ["session_id"])
    op.create_table(
        "coffee_votes",
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("coffee_sessions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("slot", sa.Integer(), primary_key=True),
        sa.Column(
            "topic_id",
            sa.Integer(),
            sa.ForeignKey("coffee_topics.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("repeat", sa.Integer(), nullable=False),
        sa.Column("cast_at", TZ, nullable=False),
        sa.UniqueConstraint("topic_id", "user_id", "repeat"),
        sa.CheckConstraint("slot >= 1", name="ck_coffee_votes_slot"),
    )
    op.create_index("ix_coffee_votes_topic", "coffee_votes", ["topic_id"])


def downgrade() -> None:
    for table in ("coffee_votes", "coffee_topics", "coffee_sessions", "coffee_series"):
        op.drop_table(table)
