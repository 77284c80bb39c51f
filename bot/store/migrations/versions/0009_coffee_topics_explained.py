"""Lean coffee topics people can explain: a description under each topic (a merge keeps the
merged topic's words there), and a per-person cap on proposals for each series; a series'
meeting link and reminders, and for each meetup the nearest reminder already sent.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coffee_topics") as batch:
        batch.add_column(sa.Column("description", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("coffee_series") as batch:
        batch.add_column(
            sa.Column("topics_per_person", sa.Integer(), nullable=False, server_default="3")
        )
        batch.add_column(sa.Column("link", sa.String(300), nullable=False, server_default=""))
        batch.add_column(sa.Column("remind", sa.String(40), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("hide_proposers", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("coffee_sessions") as batch:
        batch.add_column(sa.Column("reminded", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("coffee_sessions") as batch:
        batch.drop_column("reminded")
    with op.batch_alter_table("coffee_series") as batch:
        batch.drop_column("hide_proposers")
        batch.drop_column("remind")
        batch.drop_column("link")
        batch.drop_column("topics_per_person")
    with op.batch_alter_table("coffee_topics") as batch:
        batch.drop_column("description")
