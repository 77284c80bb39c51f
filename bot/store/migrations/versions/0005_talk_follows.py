"""Who follows which talk, to be told when it moves or is cancelled.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "talk_follows",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("conference", sa.String(100), primary_key=True),
        sa.Column("source_id", sa.String(200), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    # an import asks: who follows these talks of this conference?
    op.create_index("ix_talk_follows_talk", "talk_follows", ["conference", "source_id"])


def downgrade() -> None:
    op.drop_index("ix_talk_follows_talk", table_name="talk_follows")
    op.drop_table("talk_follows")
