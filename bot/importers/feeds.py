"""Schedule feeds: published schedules the clock keeps in sync while a conference runs.

`wgbot feeds add URL` stores a feed; the clock holder checks each one at its interval with a
conditional GET (If-None-Match / If-Modified-Since) and imports a changed schedule through the
same pipeline as `wgbot import`: the diff, the followers' DMs (owed in the import's own
transaction) and, with --announce, a message in a channel.

A check that finds nothing new (304, or a body whose hash matches the last one imported) costs
one request and no database write: when each feed is next due, and its newest validators, live
in memory on the clock holder. The row is written only when something changed: a schedule
imported, a failure (so organisers see it on the Home and a new holder keeps backing off), or
the first success after failures. A failing feed is checked again after a delay that doubles
with each failure in a row, capped; it is never fatal to the clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass, field

from sqlalchemy import delete, select, update

from bot.importers import detect
from bot.importers.announce import owe_announcements
from bot.importers.fetch import check_url, fetch
from bot.importers.naming import check_slug
from bot.importers.pipeline import ImportResult, import_parsed
from bot.importers.records import CatalogFileError, Options
from bot.slack.mrkdwn import clip
from bot.store import Store
from bot.store.models import ScheduleFeed
from bot.times import Clock, utcnow

log = logging.getLogger(__name__)

DEFAULT_EVERY = "15m"
MIN_EVERY = 30  # seconds: more often than this only loads the publisher
MAX_BACKOFF = 3600  # seconds: the longest wait between tries of a failing feed (or its interval)
# a feed due this soon is checked now: the clock's ticks run a little earlier each time than
# "last check + interval", so without it every check would wait one tick more
EARLY = dt.timedelta(seconds=1)
_EVERY = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


class FeedError(ValueError):
    """A feed command that cannot be done; the message says why."""


def parse_every(text: str) -> int:
    """Seconds in "15m", "1h", "90s" or "1h30m"."""
    match = _EVERY.fullmatch(text.strip().lower())
    if not text.strip() or match is None:
        raise FeedError(f"{text!r} is not an interval; write it like 15m, 1h, 90s or 1h30m")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total < MIN_EVERY:
        raise FeedError(f"every {text}: check a feed at most every {MIN_EVERY} seconds")
    return total


def show_every(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return "".join(f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n)


def backoff(every: int, failures: int) -> dt.timedelta:
    """How long after its n-th failure in a row a feed is tried again."""
    cap = max(every, MAX_BACKOFF)
    return dt.timedelta(seconds=min(every * 2 ** min(failures, 20), cap))


def add(
    store: Store,
    url: str,
    *,
    conference: str | None = None,
    every: int = 900,
    announce_to: str | None = None,
    now: dt.datetime | None = None,
) -> ScheduleFeed:
    check_url(url)
    if conference:
        try:
            check_slug(conference, "--event")
        except CatalogFileError as exc:
            raise FeedError(str(exc)) from None
    with store.session() as s:
        if s.scalar(select(ScheduleFeed.id).where(ScheduleFeed.url == url)) is not None:
            raise FeedError(f"{url} is a feed already; `wgbot feeds remove` it first to change it")
        feed = ScheduleFeed(
            url=url,
            conference=conference or None,
            every_seconds=every,
            announce=announce_to or None,
            created_at=now or utcnow(),
        )
        s.add(feed)
    return feed


def remove(store: Store, url: str) -> bool:
    with store.session() as s:
        gone = s.scalars(
            delete(ScheduleFeed).where(ScheduleFeed.url == url).returning(ScheduleFeed.id)
        )
        return bool(gone.all())


def all_feeds(store: Store) -> list[ScheduleFeed]:
    with store.session() as s:
        return list(s.scalars(select(ScheduleFeed).order_by(ScheduleFeed.url)))


def _when(at: dt.datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S UTC") if at else "never"


def describe(feed: ScheduleFeed) -> list[tuple[str, str]]:
    """A feed's row, for `wgbot feeds list`: (label, value) pairs."""
    failing = f"{feed.failures} in a row" if feed.failures else "none"
    return [
        ("event", feed.conference or "(as the schedule names it)"),
        ("every", show_every(feed.every_seconds)),
        ("announce", feed.announce or "(no announcement)"),
        ("etag", feed.etag or "-"),
        ("last modified", feed.last_modified or "-"),
        ("last checked", _when(feed.checked_at) + " (last check that changed something)"),
        ("last changed", _when(feed.changed_at)),
        ("failures", failing),
        ("next due", _when(feed.due_at) if feed.failures else "at its interval"),
        ("last error", feed.last_error or "-"),
    ]


@dataclass
class _Known:
    """What the clock holder keeps of a feed between checks, instead of writing it."""

    due: dt.datetime
    etag: str | None
    last_modified: str | None
    content_hash: str | None


@dataclass
class Check:
    """One check of one feed."""

    url: str
    outcome: str  # "unchanged", "changed" or "failed"
    results: list[ImportResult] = field(default_factory=list)
    error: str = ""
    announced: int = 0

    @property
    def notices(self) -> int:
        return sum(r.notices for r in self.results)


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class FeedChecker:
    """The clock holder's feed checks: `tick()` checks every feed that is due."""

    def __init__(self, store: Store, clock: Clock = utcnow) -> None:
        self.store, self.clock = store, clock
        self.known: dict[int, _Known] = {}

    def due(self, feed_id: int) -> dt.datetime | None:
        """When this process checks the feed next (None: not seen yet, so at once)."""
        known = self.known.get(feed_id)
        return known.due if known else None

    def forget(self) -> None:
        """Start afresh from the database (the lease was lost: another process checks now)."""
        self.known.clear()

    def tick(self) -> list[Check]:
        now = self.clock()
        feeds = all_feeds(self.store)
        for gone in set(self.known) - {f.id for f in feeds}:
            del self.known[gone]
        checks = []
        for feed in feeds:
            known = self.known.get(feed.id)
            if known is None:  # first sight: due now, unless a failure put it off
                due = feed.due_at if feed.due_at and feed.due_at > now else now
                known = _Known(due, feed.etag, feed.last_modified, feed.content_hash)
                self.known[feed.id] = known
            if known.due <= now + EARLY:
                checks.append(self.check(feed, known))
        return checks

    def check(self, feed: ScheduleFeed, known: _Known) -> Check:
        now = self.clock()
        try:
            got = fetch(feed.url, etag=known.etag, last_modified=known.last_modified)
            body_hash = None if got.not_modified else digest(got.body)
            if body_hash is None or body_hash == known.content_hash:
                # nothing new: remember the newest validators here, write nothing
                known.etag, known.last_modified = got.etag, got.last_modified
                if feed.failures:
                    self._write(feed.id, failures=0, last_error="", due_at=None, checked_at=now)
                known.due = now + dt.timedelta(seconds=feed.every_seconds)
                return Check(feed.url, "unchanged")
            parsed = detect.parse(got.body, feed.url, Options(conference=feed.conference))
            results = import_parsed(self.store, [parsed], now=self.clock)
        except CatalogFileError as exc:
            return self._failed(feed, known, now, str(exc))
        except Exception as exc:  # the database, say: the clock carries on, the feed is retried
            log.warning("checking feed %s failed", feed.url, exc_info=True)
            return self._failed(feed, known, now, f"{type(exc).__name__}: {exc}")
        known.etag, known.last_modified, known.content_hash = (
            got.etag,
            got.last_modified,
            body_hash,
        )
        known.due = now + dt.timedelta(seconds=feed.every_seconds)
        changed = any(r.report.touched for r in results)
        values: dict[str, object] = {
            "etag": got.etag,
            "last_modified": got.last_modified,
            "content_hash": body_hash,
            "checked_at": now,
            "failures": 0,
            "last_error": "",
            "due_at": None,
        }
        if changed:
            values["changed_at"] = now
        check = Check(feed.url, "changed", results)
        if changed and feed.announce:
            # owed as channel posts: the courier delivers them, retried until Slack takes them
            check.announced = len(owe_announcements(self.store, feed.announce, results, now))
        self._write(feed.id, **values)
        return check

    def _failed(self, feed: ScheduleFeed, known: _Known, now: dt.datetime, error: str) -> Check:
        failures = feed.failures + 1
        known.due = now + backoff(feed.every_seconds, failures)
        try:
            self._write(
                feed.id,
                failures=failures,
                last_error=clip(error, 500),
                due_at=known.due,
                checked_at=now,
            )
        except Exception:  # the database is the trouble: the log says so, the clock goes on
            log.warning("could not record feed %s failing", feed.url, exc_info=True)
        feed.failures = failures  # until the next read: the next failure counts on from here
        return Check(feed.url, "failed", error=error)

    def _write(self, feed_id: int, **values: object) -> None:
        with self.store.session() as s:
            s.execute(update(ScheduleFeed).where(ScheduleFeed.id == feed_id).values(**values))
