"""At most one meetup in progress per series, decided by the database: two clocks closing a
meetup at the same moment each made "the next one" before.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ACTIVE = "state IN ('scheduled', 'collecting', 'voting')"


def upgrade() -> None:
    # a second meetup made by that race never opened: cancel all but each series' first
    op.execute(
        f"""
        UPDATE coffee_sessions SET state = 'cancelled'
        WHERE {ACTIVE} AND id NOT IN (
            SELECT min(id) FROM coffee_sessions WHERE {ACTIVE} GROUP BY series_id
        )
        """
    )
    op.create_index(
        "ux_coffee_sessions_one_active",
        "coffee_sessions",
        ["series_id"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )


def downgrade() -> None:
    op.drop_index("ux_coffee_sessions_one_active", table_name="coffee_sessions")
