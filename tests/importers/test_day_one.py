"""Day 1 is the main conference's first day: a lone summit entry on Sunday and a Monday of
co-located events come before it, whether the schedule is one file or one file per day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from bot.store.models import Conference
from tests.blocks import all_text
from tests.importers.support import FIXTURES, run
from tests.talks.test_listeners import run_command

DAYS = FIXTURES / "sched-days.ics"  # Sun 22 (summit), Mon 23 (co-located), Tue 24, Wed 25 March


def day_one(store) -> dt.date | None:
    with store.session() as s:
        return s.scalar(select(Conference.day_one).where(Conference.slug == "daycon26"))


def test_day_one_is_the_first_main_conference_day(seeded, app):
    run(seeded, DAYS)
    assert day_one(seeded) == dt.date(2026, 3, 24)
    _, body = run_command(app, "/talks", "daycon26 day 1")
    shown = all_text(body["blocks"])
    assert "*3 talks* for DayCon Europe 2026, day 1" in shown
    assert "Securing Supply Chains" in shown and "Tracing Everything" in shown
    assert "Maintainers Meet" not in shown and "Argo" not in shown


def split_by_day(tmp_path: Path) -> list[Path]:
    """The fixture as Sched's per-day exports: one file a day, each a whole calendar."""
    text = DAYS.read_bytes().decode("utf-8")
    head, _, rest = text.partition("BEGIN:VEVENT")
    events = ["BEGIN:VEVENT" + e for e in rest.split("BEGIN:VEVENT")]
    events[-1] = events[-1].replace("END:VCALENDAR\r\n", "")
    by_day: dict[str, list[str]] = {}
    for e in events:
        start = e.split("DTSTART:", 1)[1][:8]
        by_day.setdefault(start, []).append(e)
    paths = []
    for day, chunk in sorted(by_day.items()):
        path = tmp_path / f"daycon26-{day}.ics"
        path.write_bytes((head + "".join(chunk) + "END:VCALENDAR\r\n").encode("utf-8"))
        paths.append(path)
    return paths


def test_day_one_of_per_day_exports_imported_together(seeded, tmp_path):
    paths = split_by_day(tmp_path)
    assert len(paths) == 4
    run(seeded, *paths)
    assert day_one(seeded) == dt.date(2026, 3, 24)
