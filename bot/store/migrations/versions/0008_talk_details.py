"""Each appearance keeps its own spelling; recording and slides links; DMs that expire.

- talk_speakers.name / company_name: how this conference's file spelt the person and their
  company, so importing one conference never changes another's answers (speakers and
  companies stay one row each, keyed by folded name).
- talks.video_url / slides_url: the recording and the slides, where the source has them.
- dm_outbox.expires_at: a DM that is pointless after a time (a talk reminder once the talk has
  begun) is skipped, never sent late.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN on both databases: no table is rebuilt, so no row is touched
    op.add_column(
        "talk_speakers", sa.Column("name", sa.String(300), nullable=False, server_default="")
    )
    op.add_column("talk_speakers", sa.Column("company_name", sa.String(300), nullable=True))
    # the spellings the rows had until now
    op.execute(
        "UPDATE talk_speakers SET name = "
        "(SELECT speakers.name FROM speakers WHERE speakers.id = talk_speakers.speaker_id)"
    )
    op.execute(
        "UPDATE talk_speakers SET company_name = "
        "(SELECT companies.name FROM companies WHERE companies.id = talk_speakers.company_id)"
    )
    op.add_column("talks", sa.Column("video_url", sa.String(1000), nullable=True))
    op.add_column("talks", sa.Column("slides_url", sa.String(1000), nullable=True))
    op.add_column("dm_outbox", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dm_outbox") as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("talks") as batch:
        batch.drop_column("slides_url")
        batch.drop_column("video_url")
    with op.batch_alter_table("talk_speakers") as batch:
        batch.drop_column("company_name")
        batch.drop_column("name")
