"""`wgbot import URL` and `wgbot feeds add/list/remove`, through click's runner, against a
schedule served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.store.models import ScheduleFeed, Talk
from tests.importers.schedule_server import LOOP, OVERSIZED, ScheduleServer

FIXTURE = Path(__file__).parent / "fixtures" / "sched-small.ics"


@pytest.fixture
def site() -> Iterator[ScheduleServer]:
    with ScheduleServer(body=FIXTURE.read_bytes()) as server:
        yield server


def test_import_url_fetches_and_imports_the_schedule(cli, store, site):
    result = cli("import", site.url(), "--event", "democon-2026")
    assert result.exit_code == 0, result.output
    assert f"{site.url()}: Sched iCalendar" in result.output
    with store.session() as s:
        keynote = s.scalar(select(Talk).where(Talk.source_id == "demo-keynote"))
        assert keynote is not None and keynote.room == "Hall A"
    again = cli("import", site.url(), "--event", "democon-2026")
    assert again.exit_code == 0
    assert "democon-2026: 0 added, 0 changed, 0 removed" in again.output


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://schedule.example.org/all.ics", "only https:// addresses"),
        ("ftp://127.0.0.1/all.ics", "not an http(s) address"),
    ],
)
def test_import_url_refuses_other_addresses(cli, store, url, says):
    result = cli("import", url)
    assert result.exit_code == 1
    assert says in result.output
    assert "Nothing was changed." in result.output


def test_import_url_refuses_what_a_file_would_be_refused(cli, store, site):
    site.oversize = 21 * 2**20
    too_big = cli("import", site.url(OVERSIZED))
    assert too_big.exit_code == 1
    assert "more than the 20.0 MB an import reads" in too_big.output
    loop = cli("import", site.url(LOOP))
    assert loop.exit_code == 1 and "more than 5 redirects" in loop.output
    site.failing = 404
    gone = cli("import", site.url())
    assert gone.exit_code == 1 and "answered 404" in gone.output
    site.failing, site.body = 0, b'{"no": "schedule"}'
    shape = cli("import", site.url())
    assert shape.exit_code == 1 and "JSON of the wrong shape" in shape.output
    with store.session() as s:
        assert s.scalar(select(Talk).where(Talk.source_id == "demo-keynote")) is None


def test_feeds_add_list_remove(cli, store, site):
    added = cli("feeds", "add", site.url(), "--event", "democon-2026", "--every", "1m",
                "--announce", "C123")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "checked every 1m by the running bot, changes announced in C123" in added.output
    twice = cli("feeds", "add", site.url())
    assert twice.exit_code == 1 and "is a feed already" in twice.output
    listed = cli("feeds", "list")
    assert listed.exit_code == 0
    for line in (site.url(), "event:", "democon-2026", "every:         1m", "announce:",
                 "C123", "etag:", "last checked:", "last changed:", "failures:      none",
                 "next due:", "last error:"):  # fmt: skip
        assert line in listed.output
    removed = cli("feeds", "remove", site.url())
    assert removed.exit_code == 0 and "removed" in removed.output
    with store.session() as s:
        assert s.scalars(select(ScheduleFeed)).all() == []
    assert cli("feeds", "remove", site.url()).exit_code == 1
    assert "No feeds" in cli("feeds", "list").output
    assert site.requests == []  # the commands only store the feed; the clock fetches it


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["http://schedule.example.org/x.ics"], "only https://"),
        (["https://x.example.org/s.ics", "--every", "10s"], "at most every 30 seconds"),
        (["https://x.example.org/s.ics", "--every", "soon"], "not an interval"),
        (["https://x.example.org/s.ics", "--event", "Not A Slug"], "--event"),
    ],
)
def test_feeds_add_refuses(cli, store, args, says):
    result = cli("feeds", "add", *args)
    assert result.exit_code == 1
    assert says in result.output
