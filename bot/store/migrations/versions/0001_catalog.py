"""The talks catalog and its full-text index.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# SQLite: an external-content FTS5 table over talk_search, kept in step by triggers.
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

# PostgreSQL: a weighted tsvector the database computes itself, with a GIN index.
POSTGRES_FTS = [
    """ALTER TABLE talk_search ADD COLUMN document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('simple', coalesce(people, '')), 'B') ||
        setweight(to_tsvector('simple', coalesce(companies, '')), 'C') ||
        setweight(to_tsvector('simple', coalesce(body, '')), 'D')) STORED""",
    "CREATE INDEX ix_talk_search_document ON talk_search USING gin (document)",
]


def upgrade() -> None:
    op.create_table(
        "catalog_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "conferences",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(100), nullable=False, unique=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("city", sa.String(200)),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("starts", sa.Date),
        sa.Column("ends", sa.Date),
        sa.Column("day_one", sa.Date),
        sa.Column("url", sa.String(1000)),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "conference_id",
            sa.Integer,
            sa.ForeignKey("conferences.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("aliases", sa.Text, nullable=False),
        sa.Column("url", sa.String(1000)),
        sa.UniqueConstraint("conference_id", "slug"),
    )
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(300), nullable=False, unique=True),
        sa.Column("name", sa.String(300), nullable=False),
    )
    op.create_table(
        "speakers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(300), nullable=False, unique=True),
        sa.Column("name", sa.String(300), nullable=False),
    )
    op.create_table(
        "talks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "conference_id",
            sa.Integer,
            sa.ForeignKey("conferences.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("source_id", sa.String(200), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("day", sa.Date),
        sa.Column("starts_at", sa.DateTime(timezone=True)),
        sa.Column("ends_at", sa.DateTime(timezone=True)),
        sa.Column("room", sa.String(300)),
        sa.Column("url", sa.String(1000)),
        sa.Column("speakers_line", sa.Text, nullable=False),
        sa.Column("sort_key", sa.String(400), nullable=False),
        sa.UniqueConstraint("conference_id", "source_id"),
    )
    # Each filter's index ends in the schedule order, so a page needs no sort.
    op.create_index("ix_talks_event_order", "talks", ["event_id", "sort_key", "id"])
    op.create_index("ix_talks_conference_order", "talks", ["conference_id", "sort_key", "id"])
    op.create_index("ix_talks_day_order", "talks", ["day", "sort_key", "id"])
    op.create_index("ix_talks_format_order", "talks", ["format", "sort_key", "id"])
    op.create_index("ix_talks_order", "talks", ["sort_key", "id"])
    op.create_table(
        "talk_speakers",
        sa.Column(
            "talk_id",
            sa.Integer,
            sa.ForeignKey("talks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "speaker_id",
            sa.Integer,
            sa.ForeignKey("speakers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="SET NULL")),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_talk_speakers_speaker_id", "talk_speakers", ["speaker_id"])
    op.create_index("ix_talk_speakers_company_id", "talk_speakers", ["company_id"])
    op.create_table(
        "talk_search",
        sa.Column(
            "talk_id",
            sa.Integer,
            sa.ForeignKey("talks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("people", sa.Text, nullable=False),
        sa.Column("companies", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    statements = SQLITE_FTS if op.get_bind().dialect.name == "sqlite" else POSTGRES_FTS
    for statement in statements:
        op.execute(statement)
    op.execute("INSERT INTO catalog_state (id, revision) VALUES (1, 0)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE talk_fts")
    for table in (
        "talk_search",
        "talk_speakers",
        "talks",
        "speakers",
        "companies",
        "events",
        "conferences",
        "catalog_state",
    ):
        op.drop_table(table)
