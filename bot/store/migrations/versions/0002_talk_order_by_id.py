"""A talk's schedule position, readable by id without reading the talk's row.

Speaker and company filters reach talks by id, scattered across the table; ordering and
counting them from this small index keeps those pages from reading every row.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_talks_id_order", "talks", ["id", "sort_key"])


def downgrade() -> None:
    op.drop_index("ix_talks_id_order", table_name="talks")
