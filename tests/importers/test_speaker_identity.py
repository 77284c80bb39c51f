"""Who a speaker is: the source's person id where it has one, else the name as written; and
each appearance keeps its own spelling of the company, whatever was imported before."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select, text

from bot.store import Store
from bot.store.models import Speaker, Talk, TalkSpeaker
from tests.blocks import all_text
from tests.importers.support import FIXTURES, run
from tests.talks.test_listeners import run_command

PRETALX = FIXTURES / "pretalx-small.json"
TYPECON = Path(__file__).parents[1] / "talks" / "fixtures" / "typecon.yaml"


def people(store: Store) -> list[tuple[str, str, str, str | None, str | None]]:
    """(title, link name, speaker key, company as given, person id) of every appearance."""
    with store.session() as s:
        rows = s.execute(
            select(Talk.title, TalkSpeaker.name, Speaker.key, TalkSpeaker.company_name,
                   TalkSpeaker.person_id)
            .join(TalkSpeaker, TalkSpeaker.talk_id == Talk.id)
            .join(Speaker, Speaker.id == TalkSpeaker.speaker_id)
            .order_by(Talk.title, TalkSpeaker.position)
        )  # fmt: skip
        return [tuple(r) for r in rows]


def pretalx_with(tmp_path: Path, persons: list[list[dict]]) -> Path:
    """The small pretalx fixture, its talks given these persons in order."""
    data = json.loads(PRETALX.read_text(encoding="utf-8"))
    talks = [e for day in data["schedule"]["conference"]["days"] for r in day["rooms"].values()
             for e in r]  # fmt: skip
    for talk, given in zip(talks, persons, strict=False):
        talk["persons"] = given
    path = tmp_path / "pretalx.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_two_people_of_one_name_with_two_ids_are_two_speakers(store, tmp_path):
    path = pretalx_with(
        tmp_path,
        [
            [{"code": "AAA11", "public_name": "Sam Lee"}],
            [{"code": "BBB22", "public_name": "Sam Lee"}],
            [{"code": "AAA11", "public_name": "Sam Lee"}],
        ],
    )
    run(store, path)
    found = people(store)
    keys = {key for _, _, key, _, pid in found if pid == "AAA11"}
    other = {key for _, _, key, _, pid in found if pid == "BBB22"}
    assert len(keys) == 1 and len(other) == 1 and keys != other
    assert keys == {"Sam Lee"}  # the lowest id keeps the plain name
    # an unchanged re-import changes nothing
    assert not run(store, path).report.touched


def test_names_differing_only_in_case_are_two_people_and_companies_keep_their_spelling(
    seeded, app, tmp_path
):
    first = TYPECON.read_text(encoding="utf-8")
    path = tmp_path / "typecon.yaml"
    path.write_text(
        first.replace("      - name: Bo Li\n        company: Other Co",
                      "      - name: ada sun\n        company: WEEKDAY LABS"),
        encoding="utf-8",
    )  # fmt: skip
    run(seeded, path)
    wanted = ("Our Internal Developer Portal", "Sunday Morning Operations")
    found = {title: (name, key, company) for title, name, key, company, _ in people(seeded)
             if title in wanted}  # fmt: skip
    assert found["Our Internal Developer Portal"] == ("Ada Sun", "Ada Sun", "Weekday Labs")
    assert found["Sunday Morning Operations"] == ("ada sun", "ada sun", "WEEKDAY LABS")
    _, body = run_command(app, "/speakers", "ada sun")
    shown = all_text(body["blocks"])
    assert "*2 speakers*" in shown and "*Ada Sun*" in shown and "*ada sun*" in shown
    assert "for Weekday Labs" in shown and "for WEEKDAY LABS" in shown


def test_a_later_import_never_respells_an_earlier_conferences_company(seeded, app, tmp_path):
    run(seeded, TYPECON)
    other = TYPECON.read_text(encoding="utf-8").replace("typecon-2026", "typecon-2027")
    other = other.replace("Weekday Labs", "WeekDay LABS").replace("tc1", "tc1b")
    path = tmp_path / "typecon-2027.yaml"
    path.write_text(other.replace("2026", "2027"), encoding="utf-8")
    run(seeded, path)
    with seeded.session() as s:
        lines = dict(s.execute(select(Talk.source_id, Talk.speakers_line)).all())
    assert lines["tc1"] == "Ada Sun (Weekday Labs)"
    assert lines["tc1b"] == "Ada Sun (WeekDay LABS)"
    _, body = run_command(app, "/speakers", "ada sun")
    shown = all_text(body["blocks"])
    assert "*1 speaker*" in shown  # one person, the same name at two conferences


def test_migration_splits_people_merged_by_case(db_url: str):
    store = Store(db_url)
    store.upgrade("0011")
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO conferences (id, slug, name, timezone) "
                          "VALUES (1, 'c', 'C', 'UTC')"))  # fmt: skip
        conn.execute(text("INSERT INTO events (id, conference_id, slug, name, kind, aliases) "
                          "VALUES (1, 1, 'e', 'E', 'main', '')"))  # fmt: skip
        for n in (1, 2):
            conn.execute(text(
                "INSERT INTO talks (id, conference_id, event_id, source_id, title, summary, "
                f"format, speakers_line, sort_key) VALUES ({n}, 1, 1, 's{n}', 'T{n}', '', "
                "'talk', '', '')"))  # fmt: skip
        # no id given: PostgreSQL's sequence must hand out the ids the migration inserts too
        conn.execute(text("INSERT INTO speakers (key, name) "
                          "VALUES ('ada lovelace', 'Ada Lovelace')"))  # fmt: skip
        conn.execute(text(
            "INSERT INTO talk_speakers (talk_id, speaker_id, position, name) "
            "SELECT n, s.id, 0, CASE WHEN n = 1 THEN 'Ada Lovelace' ELSE 'ada lovelace' END "
            "FROM speakers s CROSS JOIN (SELECT 1 AS n UNION ALL SELECT 2) AS t"))  # fmt: skip
    store.upgrade()
    with store.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT ts.talk_id, s.key, s.name FROM talk_speakers ts "
            "JOIN speakers s ON s.id = ts.speaker_id ORDER BY ts.talk_id"))  # fmt: skip
        assert [tuple(r) for r in rows] == [
            (1, "Ada Lovelace", "Ada Lovelace"),
            (2, "ada lovelace", "ada lovelace"),
        ]
    store.dispose()
