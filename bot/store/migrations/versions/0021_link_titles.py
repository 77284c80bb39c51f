"""A talk's recording and slides keep their links' titles.

- talks.recording_title / slides_title: the title the source gives each link, where it says
  more than "Slides" or the address; "" where it does not (and for every talk until its
  schedule is imported again).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN with a constant default on both databases: no table is rebuilt
    op.add_column(
        "talks",
        sa.Column("recording_title", sa.String(300), nullable=False, server_default=""),
    )
    op.add_column(
        "talks", sa.Column("slides_title", sa.String(300), nullable=False, server_default="")
    )


def downgrade() -> None:
    # dropped in place on both databases (SQLite 3.35+): a batch rebuild of `talks` would
    # delete the rows of talk_speakers through its ON DELETE CASCADE
    op.execute("ALTER TABLE talks DROP COLUMN slides_title")
    op.execute("ALTER TABLE talks DROP COLUMN recording_title")
