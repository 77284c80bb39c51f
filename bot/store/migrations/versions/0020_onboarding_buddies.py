"""Volunteer buddies for newcomers, and who was paired with whom.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "onboarding_buddies",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("added_by", sa.String(32), nullable=False, server_default=""),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_turn", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "onboarding_buddy_pairs",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("newcomer_id", sa.String(32), primary_key=True),
        sa.Column("buddy_id", sa.String(32), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("paired_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("onboarding_buddy_pairs")
    op.drop_table("onboarding_buddies")
