"""`wgbot import`: what it prints, --dry-run, --event, --timezone, progress on large files, and
the talks answers afterwards."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.conftest import CATALOG
from tests.importers.support import FIXTURES, SCHED, counts, sample, snapshot, stored_talks

ICS = FIXTURES / "sched-small.ics"


def test_import_prints_format_notes_and_a_summary_per_track(cli, store):
    result = cli("import", str(ICS))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{ICS}: Sched iCalendar, 5 talks, 2 entries that are not talks skipped "
        "(Badge Pick-Up, Lunch 🍲)"
    )
    assert "  conference democon26 (from the calendar's name, X-WR-CALNAME; --event names it" in (
        result.stdout
    )
    assert "  time zone Europe/Berlin: from the city of its locations, Berlin" in result.stdout
    assert "democon26: 5 added, 0 changed, 0 removed, 0 unchanged" in lines
    assert "  platform-engineering (PLATFORM ENGINEERING): 3 added" in lines
    assert "  keynote-sessions (KEYNOTE SESSIONS): 1 added" in lines
    assert "  democon26 (DemoCon Europe 2026): 1 added" in lines
    assert "  + Paved Roads, Not Walls: A Platform Story" in lines

    again = cli("import", str(ICS))
    assert "democon26: 0 added, 0 changed, 0 removed, 5 unchanged" in again.stdout
    assert "platform-engineering" not in again.stdout  # no track changed


def test_dry_run_shows_the_changes_and_writes_nothing(cli, store):
    before, rows = snapshot(store), counts(store)
    result = cli("import", "--dry-run", str(ICS), str(CATALOG))
    assert result.exit_code == 0, result.output
    assert "(dry run) democon26: 5 added, 0 changed, 0 removed, 0 unchanged" in result.stdout
    assert "(dry run) kubecon-eu-2024: 27 added" in result.stdout
    assert "  platform-day (Platform Engineering Day): 14 added" in result.stdout
    assert snapshot(store) == before and counts(store) == rows


def test_event_and_timezone_options(cli, store):
    result = cli("import", "--event", "democon-eu-2026", "--timezone", "Europe/Lisbon", str(ICS))
    assert result.exit_code == 0, result.output
    assert "conference democon-eu-2026 (from --event)" in result.stdout
    assert "time zone Europe/Lisbon: from --timezone" in result.stdout
    assert stored_talks(store, "democon-eu-2026") == 5
    bad = cli("import", "--event", "Not A Slug!", str(ICS))
    assert bad.exit_code != 0
    assert "not a usable slug" in bad.output and "Nothing was changed." in bad.output
    zone = cli("import", "--timezone", "Mars/Olympus_Mons", str(ICS))
    assert zone.exit_code != 0 and "unknown time zone" in zone.output


def synthetic_ics(path: Path, n: int) -> Path:
    start = dt.datetime(2026, 3, 24, 8, 0)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "X-WR-CALNAME:bigcon26", "X-WR-TIMEZONE:UTC"]
    for i in range(n):
        t = start + dt.timedelta(minutes=15 * (i % 40))
        lines += [
            "BEGIN:VEVENT",
            f"DTSTART:{t:%Y%m%dT%H%M%S}Z",
            f"DTEND:{t + dt.timedelta(minutes=30):%Y%m%dT%H%M%S}Z",
            f"SUMMARY:Talk {i} - Speaker {i}\\, Company {i % 50}",
            f"CATEGORIES:TRACK {i % 7}",
            f"LOCATION:Room {i % 12}\\, Amsterdam\\, Netherlands",
            f"UID:big-{i}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def test_large_files_show_progress_on_stderr(cli, store, tmp_path):
    small = cli("import", str(ICS))
    assert "reading" not in small.stderr
    big = synthetic_ics(tmp_path / "bigcon.ics", 600)
    result = cli("import", str(big))
    assert result.exit_code == 0, result.output
    assert "reading bigcon.ics (600 entries)" in result.stderr
    assert "reading" not in result.stdout
    assert "bigcon26: 600 added" in result.stdout
    assert stored_talks(store, "bigcon26") == 600


def test_talk_answers_work_on_imported_schedules(cli, store):
    assert cli("import", str(CATALOG), str(sample(SCHED))).exit_code == 0
    seed = cli("ask", "/talks platform-day")
    assert "14 talks for Platform Engineering Day" in seed.stdout
    track = cli("ask", "/talks platform-engineering")
    assert "12 talks for PLATFORM ENGINEERING" in track.stdout
    assert "Florian Hopfensperger (Allianz Technology), Yury Tsarev (Upbound)" in track.stdout
    # 10:15Z: the date token's fallback is Amsterdam's time, under the day's heading
    assert "\nTuesday 24 March 2026\n" in track.stdout
    assert "11:15 CET · API-Driven Infrastructure as Code" in track.stdout
    people = cli("ask", "/speakers peter jausovec")
    assert "\nPeter Jausovec\n" in people.stdout and "· for Solo.io ·" in people.stdout
