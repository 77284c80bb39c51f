"""What operators scrape from /metrics (Prometheus text format).

Counters and histograms are this process's; the outbox figures are read from the database at
scrape time, so every replica reports the same, whole picture.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from bot.store import Store
from bot.store.models import ChannelMessage, OutboxMessage, ScheduleFeed
from bot.store.states import OutboxState
from bot.times import Clock

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "wgbot_requests",
    "Slack requests handled, by kind (command, action, event, view) and outcome.",
    ["kind", "outcome"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "wgbot_request_seconds",
    "Time from a Slack request's arrival to its acknowledgement.",
    ["kind"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
CLOCK_HOLDER = Gauge(
    "wgbot_clock_holder",
    "1 while this process holds the clock lease and runs the scheduled work.",
    registry=REGISTRY,
)
COFFEE_TRANSITIONS = Counter(
    "wgbot_coffee_transitions",
    "Lean-coffee meetups moved to a state by this process (collecting, voting, closed...).",
    ["state"],
    registry=REGISTRY,
)
FEED_CHECKS = Counter(
    "wgbot_feed_checks",
    "Schedule feed checks by this process, by outcome (unchanged, changed, failed).",
    ["outcome"],
    registry=REGISTRY,
)


# Label values come from a fixed set, whatever a request says: each new value is a new time
# series for the whole life of the process. These are manifest.yml's commands and event
# subscriptions (message.im arrives as "message"); anything else is counted as "other".
COMMANDS = frozenset({"/talks", "/speakers", "/welcome", "/coffee"})
EVENT_TYPES = frozenset({"app_home_opened", "team_join", "member_joined_channel", "message"})


def request_kind(body: dict[str, Any]) -> str:
    """A small, fixed set of label values: a command's name, an action's id, an event's type."""
    if "command" in body:
        return f"command:{_known(body['command'], COMMANDS)}"
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        event_type = event.get("type") if isinstance(event, dict) else None
        return f"event:{_known(event_type, EVENT_TYPES)}"
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        first = actions[0] if isinstance(actions, list) and actions else {}
        action_id = first.get("action_id", "?") if isinstance(first, dict) else "?"
        return f"action:{str(action_id).split(':')[0][:40]}"
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")  # a malformed payload is counted too: any shape at all
        callback = view.get("callback_id", "?") if isinstance(view, dict) else "?"
        return f"view:{str(callback)[:40]}"
    return str(kind or "other")[:40]


def _known(value: object, known: frozenset[str]) -> str:
    return value if isinstance(value, str) and value in known else "other"


def refused(status: str) -> None:
    """Count a request refused before the app saw it (unsigned, forged, stale, too large)."""
    REQUESTS.labels("unverified", f"http_{status.split()[0]}").inc()


def malformed(body: dict[str, Any]) -> None:
    """Count a request refused because its payload is not shaped as Slack sends it (by the
    kind it claims to be; its refusal takes no time worth timing)."""
    REQUESTS.labels(request_kind(body), "http_400").inc()


def observe_request(body: dict[str, Any], outcome: str, seconds: float) -> None:
    """Count one request the app answered, and how long it took to answer."""
    kind = request_kind(body)
    REQUESTS.labels(kind, outcome).inc()
    LATENCY.labels(kind).observe(seconds)


class OutboxCollector(Collector):
    """The DM outbox as the database has it: rows by state, and how long the oldest has waited."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store, self.clock = store, clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        by_state = GaugeMetricFamily(
            "wgbot_dm_outbox_messages",
            "DMs in the outbox by state: pending, sending, posting, sent, failed...",
            labels=["state"],
        )
        oldest = GaugeMetricFamily(
            "wgbot_dm_outbox_oldest_pending_seconds",
            "Age of the oldest DM still owed (0 when none is).",
        )
        posts = GaugeMetricFamily(
            "wgbot_channel_messages",
            "Channel posts owed or delivered, by state: pending, sent, failed, unknown...",
            labels=["state"],
        )
        try:
            with self.store.engine.connect() as db:
                counts = db.execute(
                    select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
                ).all()
                first = db.scalar(
                    select(func.min(OutboxMessage.created_at)).where(
                        OutboxMessage.state.in_(
                            (OutboxState.PENDING, OutboxState.SENDING, OutboxState.POSTING)
                        )
                    )
                )
                channel = db.execute(
                    select(ChannelMessage.state, func.count()).group_by(ChannelMessage.state)
                ).all()
        except Exception:
            log.warning("could not read the outbox for /metrics", exc_info=True)
            return
        for state, n in counts:
            by_state.add_metric([state], n)
        oldest.add_metric([], (self.clock() - first).total_seconds() if first else 0.0)
        for state, n in channel:
            posts.add_metric([state], n)
        yield by_state
        yield oldest
        yield posts


_outbox: OutboxCollector | None = None


def watch_outbox(store: Store, clock: Clock) -> None:
    """Report this store's outbox (one per process; a later call points it at another store)."""
    global _outbox
    if _outbox is None:
        _outbox = OutboxCollector(store, clock)
        REGISTRY.register(_outbox)
    else:
        _outbox.store, _outbox.clock = store, clock


class FeedsCollector(Collector):
    """Failing schedule feeds as the database has them, so every replica reports the same."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        failing = GaugeMetricFamily(
            "wgbot_feeds_failing", "Schedule feeds whose last check failed (wgbot feeds list)."
        )
        try:
            with self.store.engine.connect() as db:
                n = db.scalar(
                    select(func.count()).select_from(ScheduleFeed).where(ScheduleFeed.failures > 0)
                )
        except Exception:
            log.warning("could not read the schedule feeds for /metrics", exc_info=True)
            return
        failing.add_metric([], n or 0)
        yield failing


_feeds: FeedsCollector | None = None


def watch_feeds(store: Store) -> None:
    """Report this store's failing feeds (one per process; a later call points it elsewhere)."""
    global _feeds
    if _feeds is None:
        _feeds = FeedsCollector(store)
        REGISTRY.register(_feeds)
    else:
        _feeds.store = store


def exposition() -> bytes:
    return generate_latest(REGISTRY)
