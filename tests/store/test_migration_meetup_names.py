"""The migration that calls a meetup a meetup in the schema: a database made at the revision
before it, with meetups, topics, dots, a meeting's timebox, Roman votes and takeaways in it,
comes out with every row under the new names (coffee_meetups, meetup_id), the foreign keys
pointing at the renamed table, no name left that says "session", and new rows numbered on. Going
back gives the old names and the same rows."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from bot.store import Store
from bot.store.models import (
    CoffeeMeetup,
    CoffeeRomanVote,
    CoffeeTakeaway,
    CoffeeTimebox,
    CoffeeTopic,
    CoffeeVote,
)
from bot.store.states import MeetupState
from bot.times import utcnow

CHILDREN = ("coffee_topics", "coffee_votes", "coffee_takeaways")


def _before(store: Store) -> str:
    """The revision this migration follows, whatever number it was given."""
    scripts = ScriptDirectory.from_config(store.alembic_config())
    (ours,) = [
        r for r in scripts.walk_revisions() if Path(r.path).name.endswith("_meetup_names.py")
    ]
    assert isinstance(ours.down_revision, str)
    return ours.down_revision


def _stamp(store: Store, hour: int, day: int = 1) -> str:
    # what each database's timestamp column takes as text: SQLite holds UTC without a zone
    if store.dialect == "sqlite":
        return f"2026-12-{day:02d} {hour:02d}:00:00.000000"
    return f"2026-12-{day:02d} {hour:02d}:00:00+00"


def _fill(store: Store) -> dict[str, int]:
    """Rows written as the schema before the migration names things; returns their ids."""
    ids: dict[str, int] = {}
    with store.engine.begin() as conn:

        def row(sql: str, **values: object) -> int:
            return int(conn.execute(text(sql + " RETURNING id"), values).scalar_one())

        conn.execute(
            text(
                "INSERT INTO coffee_series (id, team_id, channel_id, timezone, weekday, at, "
                "every_weeks, anchor, collect_hours, vote_hours, votes_per_person, multi_dots, "
                "hide_counts) VALUES (1, 'T1', 'C1', 'Europe/London', 1, '16:00', 2, "
                "'2026-12-01', 72, 24, 3, false, true)"
            )
        )
        meetup = (
            "INSERT INTO coffee_sessions (series_id, starts_at, collect_at, vote_at, state, "
            "votes_per_person, multi_dots, hide_counts, meeting) "
            "VALUES (1, :starts, :collect, :vote, :state, 3, false, true, :meeting)"
        )
        stamp = _stamp
        ids["closed"] = row(
            meetup,
            starts=stamp(store, 16),
            collect=stamp(store, 9),
            vote=stamp(store, 12),
            state="closed",
            meeting="ended",
        )
        ids["next"] = row(
            meetup,
            starts=stamp(store, 16, 15),
            collect=stamp(store, 9, 12),
            vote=stamp(store, 12, 14),
            state="collecting",
            meeting="",
        )
        topic = (
            "INSERT INTO coffee_topics (session_id, user_id, title, state, discussed, "
            "created_at) VALUES (:m, :user, :title, 'open', :discussed, :at)"
        )
        ids["golden"] = row(
            topic,
            m=ids["closed"],
            user="U1",
            title="Golden paths",
            discussed=True,
            at=stamp(store, 10),
        )
        ids["paved"] = row(
            topic,
            m=ids["closed"],
            user="U2",
            title="Paved roads",
            discussed=False,
            at=stamp(store, 11),
        )
        ids["carried"] = row(
            topic,
            m=ids["next"],
            user="U1",
            title="Platform teams",
            discussed=False,
            at=stamp(store, 10, 12),
        )
        for user, slot, name in (("U1", 1, "golden"), ("U2", 1, "golden"), ("U2", 2, "paved")):
            conn.execute(
                text(
                    "INSERT INTO coffee_votes (session_id, user_id, slot, topic_id, repeat, "
                    "cast_at) VALUES (:m, :user, :slot, :topic, 0, :at)"
                ),
                {
                    "m": ids["closed"],
                    "user": user,
                    "slot": slot,
                    "topic": ids[name],
                    "at": stamp(store, 13),
                },
            )
        ids["box"] = row(
            "INSERT INTO coffee_timeboxes (topic_id, round, starts_at, ends_at, expired, "
            "vote_ts, outcome) VALUES (:topic, 0, :starts, :ends, true, '1.2', 'extended')",
            topic=ids["golden"],
            starts=stamp(store, 16),
            ends=stamp(store, 17),
        )
        conn.execute(
            text(
                "INSERT INTO coffee_roman_votes (timebox_id, user_id, choice, cast_at) "
                "VALUES (:box, 'U2', 'up', :at)"
            ),
            {"box": ids["box"], "at": stamp(store, 17)},
        )
        ids["note"] = row(
            "INSERT INTO coffee_takeaways (session_id, topic_id, user_id, kind, text, owner, "
            "created_at) VALUES (:m, :topic, 'U1', 'action', 'Write it down', 'U2', :at)",
            m=ids["closed"],
            topic=ids["golden"],
            at=stamp(store, 17),
        )
    return ids


def _names(store: Store) -> set[str]:
    """Every table, column, index and constraint name of lean coffee's tables."""
    with store.engine.connect() as conn:
        found = inspect(conn)
        names: set[str] = set()
        for table in found.get_table_names():
            if not table.startswith("coffee_"):
                continue
            names.add(table)
            names |= {c["name"] for c in found.get_columns(table)}
            names |= {i["name"] or "" for i in found.get_indexes(table)}
            names |= {u["name"] or "" for u in found.get_unique_constraints(table)}
            names |= {f["name"] or "" for f in found.get_foreign_keys(table)}
            names.add(found.get_pk_constraint(table)["name"] or "")
        if store.dialect == "postgresql":
            names |= set(
                conn.scalars(
                    text(
                        "SELECT relname FROM pg_class WHERE relkind = 'S' "
                        "AND relname LIKE 'coffee%'"
                    )
                )
            )
        return names - {""}


def _referenced(store: Store) -> set[tuple[str, str, str]]:
    """(table, column, the table it points at) for the foreign keys that are not to a topic."""
    with store.engine.connect() as conn:
        found = inspect(conn)
        return {
            (table, fk["constrained_columns"][0], fk["referred_table"])
            for table in CHILDREN
            for fk in found.get_foreign_keys(table)
            if fk["referred_table"] != "coffee_topics"  # a topic's own: its topic, a merge
        }


def test_a_filled_database_keeps_every_meetup_topic_and_vote_under_the_new_names(db_url: str):
    store = Store(db_url)
    before = _before(store)
    store.upgrade(before)
    ids = _fill(store)

    store.upgrade()
    names = _names(store)
    assert {"coffee_meetups", "meetup_id", "ix_coffee_meetups_state"} <= names
    assert {"ux_coffee_meetups_one_active", "ix_coffee_topics_meetup"} <= names
    assert "ix_coffee_takeaways_meetup" in names
    assert not [n for n in names if "session" in n]
    assert _referenced(store) == {(t, "meetup_id", "coffee_meetups") for t in CHILDREN}

    with store.session() as s:
        meetups = s.scalars(select(CoffeeMeetup).order_by(CoffeeMeetup.id)).all()
        assert [(m.id, m.state, m.meeting) for m in meetups] == [
            (ids["closed"], "closed", "ended"),
            (ids["next"], "collecting", ""),
        ]
        topics = s.scalars(select(CoffeeTopic).order_by(CoffeeTopic.id)).all()
        assert [(t.meetup_id, t.title, t.discussed) for t in topics] == [
            (ids["closed"], "Golden paths", True),
            (ids["closed"], "Paved roads", False),
            (ids["next"], "Platform teams", False),
        ]
        votes = s.scalars(select(CoffeeVote).order_by(CoffeeVote.user_id, CoffeeVote.slot)).all()
        assert [(v.meetup_id, v.user_id, v.slot, v.topic_id) for v in votes] == [
            (ids["closed"], "U1", 1, ids["golden"]),
            (ids["closed"], "U2", 1, ids["golden"]),
            (ids["closed"], "U2", 2, ids["paved"]),
        ]
        (box,) = s.scalars(select(CoffeeTimebox)).all()
        assert (box.id, box.topic_id, box.outcome) == (ids["box"], ids["golden"], "extended")
        (thumb,) = s.scalars(select(CoffeeRomanVote)).all()
        assert (thumb.timebox_id, thumb.user_id, thumb.choice) == (ids["box"], "U2", "up")
        (note,) = s.scalars(select(CoffeeTakeaway)).all()
        assert (note.meetup_id, note.topic_id, note.text) == (
            ids["closed"],
            ids["golden"],
            "Write it down",
        )
        # new rows are numbered on from the old ones (PostgreSQL's renamed sequence)
        later = CoffeeMeetup(
            series_id=1,
            starts_at=meetups[1].starts_at.replace(day=29),
            collect_at=meetups[1].collect_at.replace(day=26),
            vote_at=meetups[1].vote_at.replace(day=28),
            state=MeetupState.CLOSED,  # one meetup in progress per series: "next" is
        )
        s.add(later)
        s.flush()
        assert later.id > ids["next"]
        s.add(CoffeeTopic(meetup_id=later.id, user_id="U3", title="Later", created_at=utcnow()))

    # the foreign keys point at the renamed table: a meetup deleted takes its rows with it
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM coffee_meetups WHERE id = :id"), {"id": ids["closed"]})
        assert conn.execute(text("SELECT count(*) FROM coffee_votes")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM coffee_takeaways")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM coffee_roman_votes")).scalar() == 0
        left = conn.execute(text("SELECT meetup_id, title FROM coffee_topics ORDER BY id"))
        assert [tuple(r) for r in left] == [(ids["next"], "Platform teams"), (later.id, "Later")]
    store.dispose()


def test_going_back_gives_the_old_names_and_the_same_rows(db_url: str):
    store = Store(db_url)
    before = _before(store)
    store.upgrade(before)
    ids = _fill(store)
    old_names = _names(store)
    store.upgrade()

    command.downgrade(store.alembic_config(), before)
    assert _names(store) == old_names
    assert _referenced(store) == {(t, "session_id", "coffee_sessions") for t in CHILDREN}
    with store.engine.connect() as conn:
        votes = conn.execute(
            text("SELECT session_id, user_id, slot FROM coffee_votes ORDER BY user_id, slot")
        )
        assert [tuple(r) for r in votes] == [
            (ids["closed"], "U1", 1),
            (ids["closed"], "U2", 1),
            (ids["closed"], "U2", 2),
        ]
        topics = conn.execute(text("SELECT session_id, title FROM coffee_topics ORDER BY id"))
        assert [tuple(r) for r in topics] == [
            (ids["closed"], "Golden paths"),
            (ids["closed"], "Paved roads"),
            (ids["next"], "Platform teams"),
        ]
        notes = conn.execute(text("SELECT session_id, text FROM coffee_takeaways"))
        assert [tuple(r) for r in notes] == [(ids["closed"], "Write it down")]

    store.upgrade()
    assert "coffee_meetups" in _names(store)
    store.dispose()
