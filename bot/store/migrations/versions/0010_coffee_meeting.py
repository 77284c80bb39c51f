"""The lean-coffee meeting: the board's state on each meetup (running or ended, who
facilitates, the topic under discussion), when each topic's discussion began and ended, its
timeboxes with their Roman votes, takeaways and actions; a series' timebox, shrinking
extensions and whether undiscussed topics carry over.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coffee_series") as batch:
        batch.add_column(sa.Column("timebox", sa.Integer(), nullable=False, server_default="8"))
        batch.add_column(
            sa.Column("extensions", sa.String(40), nullable=False, server_default="4,2")
        )
        batch.add_column(sa.Column("carry", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("coffee_sessions") as batch:
        batch.add_column(sa.Column("meeting", sa.String(16), nullable=False, server_default=""))
        batch.add_column(sa.Column("facilitator", sa.String(32), nullable=False, server_default=""))
        batch.add_column(sa.Column("current_topic_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("began_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("coffee_topics") as batch:
        batch.add_column(sa.Column("discussing_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("discussed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "coffee_timeboxes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "topic_id",
            sa.Integer(),
            sa.ForeignKey("coffee_topics.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expired", sa.Boolean(), nullable=False),
        sa.Column("vote_ts", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.UniqueConstraint("topic_id", "round"),
    )
    op.create_table(
        "coffee_roman_votes",
        sa.Column(
            "timebox_id",
            sa.Integer(),
            sa.ForeignKey("coffee_timeboxes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("choice", sa.String(8), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "coffee_takeaways",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("coffee_sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "topic_id",
            sa.Integer(),
            sa.ForeignKey("coffee_topics.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_coffee_takeaways_session", "coffee_takeaways", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_coffee_takeaways_session", table_name="coffee_takeaways")
    op.drop_table("coffee_takeaways")
    op.drop_table("coffee_roman_votes")
    op.drop_table("coffee_timeboxes")
    with op.batch_alter_table("coffee_topics") as batch:
        batch.drop_column("discussed_at")
        batch.drop_column("discussing_at")
    with op.batch_alter_table("coffee_sessions") as batch:
        for column in ("ended_at", "began_at", "current_topic_id", "facilitator", "meeting"):
            batch.drop_column(column)
    with op.batch_alter_table("coffee_series") as batch:
        for column in ("carry", "extensions", "timebox"):
            batch.drop_column(column)
