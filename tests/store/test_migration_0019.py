"""Migration 0019 drops the databases' full-text tables (search is in memory now), keeping the
catalog; going back rebuilds them, documents and all, from the talks."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from bot.store import Store

ROWS = [
    "INSERT INTO conferences (id, slug, name, timezone) VALUES (1, 'c', 'C', 'UTC')",
    "INSERT INTO events (id, conference_id, slug, name, kind, aliases) "
    "VALUES (1, 1, 'platform-day', 'Platform Day', 'main', '')",
    "INSERT INTO talks (id, conference_id, event_id, source_id, title, summary, format, "
    "speakers_line, sort_key) VALUES (1, 1, 1, 's1', 'Golden Paths', 'Zebras.', 'talk', '', '')",
    "INSERT INTO speakers (id, key, name) VALUES (1, 'jose', 'José')",
    "INSERT INTO companies (id, key, name) VALUES (1, 'acme', 'ACME')",
    "INSERT INTO talk_speakers (talk_id, speaker_id, company_id, position, name, company_name) "
    "VALUES (1, 1, 1, 0, 'José', 'ACME')",
    "INSERT INTO talk_search (talk_id, title, people, companies, body) "
    "VALUES (1, 'golden paths', 'jose', 'acme', 'zebras platform day platform day talk')",
]


def full_text_hits(store: Store, word: str) -> set[int]:
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            sql = "SELECT rowid FROM talk_fts WHERE talk_fts MATCH :q"
            return set(conn.scalars(text(sql), {"q": f'"{word}"'}))
        sql = "SELECT talk_id FROM talk_search WHERE document @@ to_tsquery('simple', :q)"
        return set(conn.scalars(text(sql), {"q": word}))


def tables(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def test_the_full_text_tables_go_and_come_back_filled(db_url: str):
    store = Store(db_url)
    store.upgrade("0018")
    with store.engine.begin() as conn:
        for row in ROWS:
            conn.execute(text(row))
    assert full_text_hits(store, "jose") == {1}

    store.upgrade()
    assert not {t for t in tables(store) if t.startswith(("talk_search", "talk_fts"))}
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT title FROM talks")).scalars().all() == ["Golden Paths"]
        assert conn.execute(text("SELECT count(*) FROM talk_speakers")).scalar() == 1

    command.downgrade(store.alembic_config(), "0018")
    with store.engine.connect() as conn:
        docs = conn.execute(text("SELECT talk_id, title, people, companies, body FROM talk_search"))
        assert [tuple(r) for r in docs] == [
            (1, "golden paths", "jose", "acme", "zebras platform day platform day talk")
        ]
    for word in ("jose", "acme", "zebras", "golden"):
        assert full_text_hits(store, word) == {1}, word

    store.upgrade()
    assert "talk_search" not in tables(store)
    store.dispose()
