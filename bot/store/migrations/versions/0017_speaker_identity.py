"""Speakers are who the source says: a person id where it has one, else the name as written.

Before, a speaker was keyed by the folded name, so "Ada Lovelace" and "ada lovelace" were one
person. Keys become the name as written, each talk's speaker is pointed at the speaker of the
spelling that talk gives, and the source's person id is kept on the talk's speaker.

Revision ID: 0017
Revises: 0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0013"
branch_labels = None
depends_on = None

speakers = sa.table(
    "speakers",
    sa.column("id", sa.Integer),
    sa.column("key", sa.String),
    sa.column("name", sa.String),
)
links = sa.table(
    "talk_speakers",
    sa.column("talk_id", sa.Integer),
    sa.column("speaker_id", sa.Integer),
    sa.column("name", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("talk_speakers") as batch:
        batch.add_column(sa.Column("person_id", sa.String(200), nullable=True))
    bind = op.get_bind()
    # a name's fold is a function of the name: no two rows can end with one key
    bind.execute(sa.update(speakers).values(key=speakers.c.name))
    by_key = dict(bind.execute(sa.select(speakers.c.key, speakers.c.id)).all())
    moved = bind.execute(
        sa.select(links.c.talk_id, links.c.speaker_id, links.c.name)
        .join(speakers, speakers.c.id == links.c.speaker_id)
        .where(links.c.name != "", links.c.name != speakers.c.name)
    ).all()
    for talk_id, speaker_id, name in moved:
        key = name[:300]
        if key not in by_key:
            by_key[key] = bind.execute(
                sa.insert(speakers).values(key=key, name=name[:300]).returning(speakers.c.id)
            ).scalar_one()
        bind.execute(
            sa.update(links)
            .where(links.c.talk_id == talk_id, links.c.speaker_id == speaker_id)
            .values(speaker_id=by_key[key])
        )


def downgrade() -> None:
    with op.batch_alter_table("talk_speakers") as batch:
        batch.drop_column("person_id")
