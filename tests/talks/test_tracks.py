"""Tracks belong to their conference: two conferences with a track of the same name each
find their own talks, and a schedule re-imported under another name leaves no empty shadow."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.store.models import Conference, Event
from tests.blocks import all_text
from tests.importers.support import FIXTURES, run
from tests.talks.test_listeners import run_command

HERE = Path(__file__).parent / "fixtures"


def shown(app, text: str) -> str:
    _, body = run_command(app, "/talks", text)
    return all_text(body["blocks"])


def test_a_track_two_conferences_share_finds_each_ones_talks(seeded, app):
    run(seeded, HERE / "trackcon-1.yaml")
    run(seeded, HERE / "trackcon-2.yaml")
    second = shown(app, "trackcon-2 security")
    assert "Locks of TrackCon 2" in second and "Locks of TrackCon 1" not in second
    first = shown(app, "security trackcon-1")
    assert "Locks of TrackCon 1" in first and "Locks of TrackCon 2" not in first
    both = shown(app, "security")
    assert "Locks of TrackCon 1" in both and "Locks of TrackCon 2" in both


def test_reimporting_under_another_name_removes_the_emptied_conference(seeded, app):
    run(seeded, FIXTURES / "sched-small.ics")
    result = run(seeded, FIXTURES / "sched-small.ics", conference="democon-renamed")
    assert result.moved_from == {"democon26": len(result.report.added)}
    with seeded.session() as s:
        slugs = set(s.scalars(select(Conference.slug)))
        assert "democon26" not in slugs and "democon-renamed" in slugs
        tracks = set(s.scalars(select(Event.slug).join(Conference).where(
            Conference.slug == "democon-renamed")))  # fmt: skip
    assert "platform-engineering" in tracks
    listing = shown(app, "democon-renamed platform-engineering")
    assert "*3 talks* for DemoCon Europe 2026, PLATFORM ENGINEERING" in listing
    assert "*3 talks* for PLATFORM ENGINEERING" in shown(app, "platform-engineering")
