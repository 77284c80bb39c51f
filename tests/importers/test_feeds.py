# ruff: noqa: F811 - the onboarding fixtures, imported, are arguments here
"""Schedule feeds and `wgbot import URL`: a published schedule fetched over HTTP (https, or
http to this machine), checked by the clock at its interval with conditional requests, and
imported, announced and told to followers when it changes. A local server plays the
conference's site; a clock the test moves decides what is due."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, select

from bot import metrics
from bot.delivery.channel import Courier
from bot.importers import feeds
from bot.importers.detect import MAX_BYTES
from bot.importers.feeds import FeedChecker, backoff
from bot.importers.fetch import FetchError, check_url, fetch
from bot.runtime.lease import lease_for
from bot.runtime.scheduler import FEEDS_JOB, LeasedScheduler
from bot.slack.clients import make_client
from bot.store import Store
from bot.store.models import OutboxMessage, ScheduleFeed, Talk
from bot.talks import follows
from tests.blocks import all_text, assert_valid_blocks, assert_valid_view
from tests.importers.schedule_server import (
    AWAY,
    DECLARED,
    HOP,
    LOOP,
    OVERSIZED,
    SCHEDULE,
    ScheduleServer,
)
from tests.onboarding.conftest import (  # noqa: F401 - fixtures
    ORGANISER,
    ManualClock,
    Onboarding,
    dm_of,
    make_onboarding_app,
    ob,
)

FIXTURE = Path(__file__).parent / "fixtures" / "sched-small.ics"
EVERY = 60  # seconds


@pytest.fixture
def site() -> Iterator[ScheduleServer]:
    with ScheduleServer(body=FIXTURE.read_bytes()) as server:
        yield server


class Writes:
    """Every INSERT, UPDATE and DELETE the store sends, from when it is made."""

    def __init__(self, store: Store) -> None:
        self.statements: list[str] = []
        event.listen(store.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement: str, *args: object) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            self.statements.append(statement)


def moved(body: bytes) -> bytes:
    """The schedule with the keynote moved to another room."""
    changed = body.replace(b"LOCATION:Hall A\\, Berlin", b"LOCATION:Hall C\\, Berlin", 1)
    assert changed != body
    return changed


def talk_rooms(store: Store) -> dict[str, str | None]:
    with store.session() as s:
        return {sid: room for sid, room in s.execute(select(Talk.source_id, Talk.room))}


def feed_row(store: Store) -> ScheduleFeed:
    with store.session() as s:
        return s.scalars(select(ScheduleFeed)).one()


def checker(ob: Onboarding, clock: ManualClock) -> FeedChecker:
    """The clock holder's checks; what they announce is owed as channel posts."""
    return FeedChecker(ob.store, clock)


def deliver(ob: Onboarding, clock: ManualClock) -> None:
    """What the clock holder's courier does next: post what the checks owed."""
    Courier(ob.store, make_client(ob.settings), clock).drain()


# ---- the address rule and the fetch ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://sched.example.org/all.ics",
        "http://127.0.0.1:8080/schedule.ics",
        "http://127.5.0.1/x",
        "http://[::1]:9000/x",
        "http://localhost/x",
    ],
)
def test_https_and_loopback_http_addresses_are_fetched(url):
    assert check_url(url) == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://sched.example.org/all.ics", "only https://"),
        ("http://10.0.0.1/all.ics", "only https://"),
        ("http://127.0.0.1.example.org/x", "only https://"),
        ("ftp://127.0.0.1/all.ics", "not an http(s) address"),
        ("file:///etc/passwd", "not an http(s) address"),
        ("https:///all.ics", "no host"),
        ("https://example.org:99999/x", "not a valid address"),
    ],
)
def test_other_addresses_are_refused_before_any_request(url, why):
    with pytest.raises(FetchError, match=re.escape(why)):
        fetch(url)


def test_redirects_are_followed_and_each_target_checked(site):
    got = fetch(site.url(HOP))
    assert (got.status, got.url, got.body) == (200, site.url(SCHEDULE), site.body)
    with pytest.raises(FetchError, match="only https://"):
        fetch(site.url(AWAY))  # never reaches the plain-http site
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch(site.url(LOOP))
    assert len(site.gets(LOOP)) == 6  # the first request and five redirects, no more


def test_a_body_over_the_limit_is_refused_while_it_streams(site):
    site.oversize = MAX_BYTES + 10 * 65536
    with pytest.raises(FetchError, match=r"more than the 20\.0 MB an import reads"):
        fetch(site.url(OVERSIZED))
    site.oversize = MAX_BYTES + 1
    with pytest.raises(FetchError, match=r"20\.0 MB is more than the 20\.0 MB"):
        fetch(site.url(DECLARED))  # refused on its Content-Length, before any body


def test_a_conditional_request_is_answered_304_without_a_body(site):
    first = fetch(site.url())
    again = fetch(site.url(), etag=first.etag)
    assert (again.status, again.not_modified, again.body) == (304, True, b"")
    assert site.gets()[-1].headers["If-None-Match"] == first.etag


# ---- the clock's checks ---------------------------------------------------------------------


def test_a_change_at_the_source_is_imported_and_announced(ob, slack, site):
    clock = ManualClock()
    feeds.add(ob.store, site.url(), every=EVERY, announce_to="C0ANN", now=clock())
    check = checker(ob, clock)
    (first,) = check.tick()
    assert first.outcome == "changed"
    assert talk_rooms(ob.store)["demo-keynote"] == "Hall A"
    deliver(ob, clock)
    (post,) = slack.wait_for("chat.postMessage")
    assert post.params["channel"] == "C0ANN"
    assert_valid_blocks(post.params["blocks"])
    assert "Schedule update" in all_text(post.params["blocks"])

    assert check.tick() == []  # not due yet: no request
    assert len(site.gets()) == 1

    site.body = moved(site.body)
    clock.advance(seconds=EVERY)
    (second,) = check.tick()
    assert second.outcome == "changed"
    assert talk_rooms(ob.store)["demo-keynote"] == "Hall C"
    (changes,) = second.results[0].events
    assert len(changes.changed) == 1 and "Opening Remarks" in changes.changed[0]
    deliver(ob, clock)
    posts = slack.wait_for("chat.postMessage", count=2)
    assert "✏️" in all_text(posts[1].params["blocks"])
    assert "1 changed" in posts[1].params["text"]
    row = feed_row(ob.store)
    assert (row.etag, row.changed_at, row.failures) == (site.etag, clock(), 0)


def test_an_unchanged_feed_costs_one_conditional_request_and_no_write(ob, slack, site):
    clock = ManualClock()
    feeds.add(ob.store, site.url(), every=EVERY, announce_to="C0ANN", now=clock())
    check = checker(ob, clock)
    check.tick()
    deliver(ob, clock)
    writes = Writes(ob.store)
    for _ in range(3):
        clock.advance(seconds=EVERY)
        (again,) = check.tick()
        assert again.outcome == "unchanged"
    assert writes.statements == []
    assert [r.headers.get("If-None-Match") for r in site.gets()] == [None] + [site.etag] * 3
    assert len(slack.calls_to("chat.postMessage")) == 1  # the first import's, only


def test_identical_content_without_validators_is_not_imported_again(ob, site):
    site.etags = False  # a server with no ETag: the content's hash tells
    clock = ManualClock()
    feeds.add(ob.store, site.url(), every=EVERY, now=clock())
    check = checker(ob, clock)
    check.tick()
    writes = Writes(ob.store)
    clock.advance(seconds=EVERY)
    (again,) = check.tick()
    assert (again.outcome, again.results) == ("unchanged", [])
    assert writes.statements == []


def test_a_failing_feed_backs_off_and_recovers(ob, site):
    clock = ManualClock()
    feeds.add(ob.store, site.url(), every=EVERY, now=clock())
    check = checker(ob, clock)
    check.tick()
    feed_id = feed_row(ob.store).id
    site.failing = 503
    waits = []
    clock.advance(seconds=EVERY)
    for n in range(1, 8):
        (failed,) = check.tick()
        assert failed.outcome == "failed"
        assert "503" in failed.error
        row = feed_row(ob.store)
        assert (row.failures, row.due_at) == (n, check.due(feed_id))
        waits.append((row.due_at - clock()).total_seconds())
        clock.advance(seconds=1)
        assert check.tick() == []  # not due: no request while it backs off
        clock.now = check.due(feed_id)
    assert waits == [120, 240, 480, 960, 1920, 3600, 3600]  # doubling, capped at an hour
    assert backoff(EVERY, 50) == dt.timedelta(hours=1)

    site.failing = 0
    (back,) = check.tick()
    assert back.outcome == "unchanged"  # 304: the schedule imported before still stands
    row = feed_row(ob.store)
    assert (row.failures, row.last_error, row.due_at) == (0, "", None)


def test_a_new_clock_holder_keeps_backing_off_a_failing_feed(ob, site):
    clock = ManualClock()
    feeds.add(ob.store, site.url(), every=EVERY, now=clock())
    site.failing = 500
    checker(ob, clock).tick()
    due = feed_row(ob.store).due_at
    assert due == clock() + dt.timedelta(seconds=2 * EVERY)
    successor = checker(ob, clock)
    assert successor.tick() == []
    clock.now = due
    assert [c.outcome for c in successor.tick()] == ["failed"]
    assert feed_row(ob.store).failures == 2


def test_a_feed_over_the_size_limit_is_refused_and_nothing_imported(ob, site):
    clock = ManualClock()
    site.oversize = MAX_BYTES + 65536
    feeds.add(ob.store, site.url(OVERSIZED), every=EVERY, now=clock())
    before = talk_rooms(ob.store)
    (check,) = checker(ob, clock).tick()
    assert check.outcome == "failed"
    assert "more than the 20.0 MB" in check.error
    assert talk_rooms(ob.store) == before
    assert feed_row(ob.store).failures == 1


def test_a_schedule_that_does_not_read_fails_the_feed_and_imports_nothing(ob, site):
    clock = ManualClock()
    site.body = b"Down for maintenance, back soon."
    feeds.add(ob.store, site.url(), every=EVERY, now=clock())
    (check,) = checker(ob, clock).tick()
    assert check.outcome == "failed"
    assert "not a schedule format I know" in check.error
    assert "demo-keynote" not in talk_rooms(ob.store)


def test_followers_of_a_moved_talk_are_owed_a_dm(ob, site):
    clock = ManualClock()
    feeds.add(ob.store, site.url(), every=EVERY, now=clock())
    check = checker(ob, clock)
    check.tick()
    with ob.store.session() as s:
        talk_id = s.scalar(select(Talk.id).where(Talk.source_id == "demo-keynote"))
        follows.follow(s, "T0001", "U0FAN", talk_id, clock())
    site.body = moved(site.body)
    clock.advance(seconds=EVERY)
    (changed,) = check.tick()
    assert changed.notices == 1
    with ob.store.session() as s:
        (notice,) = s.scalars(select(OutboxMessage).where(OutboxMessage.user_id == "U0FAN"))
        assert "Hall C" in notice.body


def changed_checks() -> float:
    value = metrics.REGISTRY.get_sample_value("wgbot_feed_checks_total", {"outcome": "changed"})
    return value or 0.0


def test_the_clock_checks_feeds_only_while_it_holds_the_lease(ob, slack, site):
    clock = ManualClock()
    feeds.add(ob.store, site.url(), every=EVERY, now=clock())
    holder = LeasedScheduler(lease_for(ob.store), ob.feature, feeds=checker(ob, clock))
    other = LeasedScheduler(lease_for(ob.store), ob.feature, feeds=checker(ob, clock))
    holder.campaign()
    other.campaign()
    assert (holder.holds, other.holds) == (True, False)
    try:
        other.held(other.check_feeds)()
        assert site.gets() == []
        before = changed_checks()
        holder.held(holder.check_feeds)()
        assert len(site.gets()) == 1
        assert changed_checks() == before + 1
        holder.start()
        assert holder.scheduler.get_job(FEEDS_JOB) is not None
    finally:
        holder.stop()
        other.lease.release()


# ---- what organisers see --------------------------------------------------------------------


def test_a_failing_feed_is_shown_to_organisers_and_in_the_metrics(ob, slack, site):
    clock = ManualClock()
    url = site.url() + "?a=1&b=2"
    feeds.add(ob.store, url, every=EVERY, now=clock())
    site.failing, site.reason = 500, "Broken <!channel> & co"
    checker(ob, clock).tick()
    metrics.watch_feeds(ob.store)
    assert b"wgbot_feeds_failing 1.0" in metrics.exposition()

    ob.event({"type": "app_home_opened", "user": ORGANISER, "channel": dm_of(ORGANISER),
              "tab": "home"})  # fmt: skip
    (publish,) = slack.wait_for("views.publish")
    view = publish.params["view"]
    assert_valid_view(view)
    text = all_text(view["blocks"])
    assert "Schedule feeds failing" in text
    assert "?a=1&amp;b=2" in text
    assert "Broken &lt;!channel&gt; &amp; co" in text
    assert "<!channel>" not in text


def test_checks_keep_their_interval_though_the_ticks_run_a_little_early(ob, site):
    clock = ManualClock()
    feeds.add(ob.store, site.url(), every=EVERY, now=clock())
    check = checker(ob, clock)
    check.tick()
    clock.advance(seconds=EVERY - 0.2)  # the next tick, a moment before the feed is due
    assert [c.outcome for c in check.tick()] == ["unchanged"]
    clock.advance(seconds=EVERY / 2)
    assert check.tick() == []
