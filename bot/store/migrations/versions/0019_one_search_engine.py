"""The catalog's search is in memory, the same on every database: drop the full-text tables.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from bot.text import fold

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS talk_fts")  # with its shadow tables
    # on SQLite its triggers go with it; on PostgreSQL its tsvector column and GIN index
    op.drop_table("talk_search")


# As 0001 made them.
SQLITE_FTS = [
    """CREATE VIRTUAL TABLE talk_fts USING fts5(
        title, people, companies, body,
        content='talk_search', content_rowid='talk_id', tokenize='unicode61',
        prefix='2 3 4')""",
    """CREATE TRIGGER talk_search_ai AFTER INSERT ON talk_search BEGIN
        INSERT INTO talk_fts(rowid, title, people, companies, body)
        VALUES (new.talk_id, new.title, new.people, new.companies, new.body); END""",
    """CREATE TRIGGER talk_search_ad AFTER DELETE ON talk_search BEGIN
        INSERT INTO talk_fts(talk_fts, rowid, title, people, companies, body)
        VALUES ('delete', old.talk_id, old.title, old.people, old.companies, old.body); END""",
    """CREATE TRIGGER talk_search_au AFTER UPDATE ON talk_search BEGIN
        INSERT INTO talk_fts(talk_fts, rowid, title, people, companies, body)
        VALUES ('delete', old.talk_id, old.title, old.people, old.companies, old.body);
        INSERT INTO talk_fts(rowid, title, people, companies, body)
        VALUES (new.talk_id, new.title, new.people, new.companies, new.body); END""",
]
POSTGRES_FTS = [
    """ALTER TABLE talk_search ADD COLUMN document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('simple', coalesce(people, '')), 'B') ||
        setweight(to_tsvector('simple', coalesce(companies, '')), 'C') ||
        setweight(to_tsvector('simple', coalesce(body, '')), 'D')) STORED""",
    "CREATE INDEX ix_talk_search_document ON talk_search USING gin (document)",
]


def downgrade() -> None:
    bind = op.get_bind()
    search = op.create_table(
        "talk_search",
        sa.Column(
            "talk_id", sa.Integer, sa.ForeignKey("talks.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("people", sa.Text, nullable=False),
        sa.Column("companies", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    for statement in SQLITE_FTS if bind.dialect.name == "sqlite" else POSTGRES_FTS:
        op.execute(statement)
    # the documents the importer wrote, from the talks as they are now
    people: dict[int, list[tuple[str, str]]] = {}
    for talk_id, name, company in bind.execute(
        sa.text("SELECT talk_id, name, company_name FROM talk_speakers ORDER BY talk_id, position")
    ):
        people.setdefault(talk_id, []).append((name, company or ""))
    talks = bind.execute(
        sa.text(
            "SELECT t.id, t.title, t.summary, e.name, e.slug, t.format, t.room"
            " FROM talks t JOIN events e ON e.id = t.event_id"
        )
    )
    docs = []
    for talk_id, title, summary, event_name, event_slug, format_, room in talks:
        given = people.get(talk_id, [])
        docs.append(
            {
                "talk_id": talk_id,
                "title": fold(title),
                "people": fold(" ".join(name for name, _ in given)),
                "companies": fold(" ".join(company for _, company in given)),
                "body": fold(" ".join([summary, event_name, event_slug, format_, room or ""])),
            }
        )
    if docs:
        op.bulk_insert(search, docs)
