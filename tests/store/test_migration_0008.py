"""Migration 0008 keeps what a deployed catalog holds: each talk's speakers keep their spelling."""

from __future__ import annotations

from sqlalchemy import text

from bot.store import Store


def test_upgrading_fills_each_appearance_with_the_spelling_it_had(db_url: str):
    store = Store(db_url)
    store.upgrade("0005")
    with store.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO conferences (id, slug, name, timezone) VALUES (1, 'c', 'C', 'UTC')")
        )
        conn.execute(
            text(
                "INSERT INTO events (id, conference_id, slug, name, kind, aliases) "
                "VALUES (1, 1, 'e', 'E', 'main', '')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO talks (id, conference_id, event_id, source_id, title, summary, "
                "format, speakers_line, sort_key) VALUES (1, 1, 1, 's1', 'T', '', 'talk', '', '')"
            )
        )
        conn.execute(text("INSERT INTO speakers (id, key, name) VALUES (1, 'jose', 'José')"))
        conn.execute(text("INSERT INTO companies (id, key, name) VALUES (1, 'acme', 'ACME')"))
        conn.execute(text(
            "INSERT INTO talk_speakers (talk_id, speaker_id, company_id, position) "
            "VALUES (1, 1, 1, 0)"))  # fmt: skip
    store.upgrade()
    with store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT name, company_name FROM talk_speakers WHERE talk_id = 1")
        ).all()
        assert [tuple(r) for r in rows] == [("José", "ACME")]
        assert conn.execute(text("SELECT count(*) FROM talks")).scalar() == 1
    store.dispose()
