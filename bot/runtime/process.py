"""One running bot: the store, the Slack app, its features and the elected clock, started
together and stopped in the order that keeps every promise an ack made."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import App
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from bot import metrics
from bot.app import Features, build_app
from bot.bootstrap import open_store
from bot.coffee.feature import CoffeeFeature
from bot.config import Settings
from bot.importers.feeds import FeedChecker
from bot.onboarding.feature import OnboardingFeature
from bot.runtime.lease import lease_for
from bot.runtime.scheduler import LeasedScheduler
from bot.slack.identity import verify_token
from bot.store import Store
from bot.times import Clock, utcnow

log = logging.getLogger(__name__)

# seconds between tries to reach the database at start: doubling from the first to the most
RETRY_FIRST, RETRY_MOST = 1.0, 15.0


@dataclass
class Bot:
    settings: Settings
    store: Store
    app: App
    features: Features
    scheduler: LeasedScheduler

    @property
    def onboarding(self) -> OnboardingFeature:
        return self.features.onboarding

    @property
    def coffee(self) -> CoffeeFeature:
        return self.features.coffee

    @classmethod
    def start(
        cls,
        settings: Settings,
        now: Clock = utcnow,
        *,
        stop: threading.Event | None = None,
        waiting: Callable[[str], None] = lambda _why: None,
    ) -> Bot:
        """Open the store (migrating and seeding it), verify the token, start the clock.

        Given `stop`, a database that cannot be reached yet is tried again until it can
        (`waiting` hears why not), or until `stop` is set (then Stopping); without, that fails
        the start. `now` is what every feature takes for the time (the sandbox moves it on)."""
        store = open_store(settings) if stop is None else _reachable_store(settings, stop, waiting)
        features = Features(settings, store, now)
        identity = verify_token(features.clients.calls)
        app = build_app(settings, store, identity=identity, features=features)
        metrics.watch_outbox(store, utcnow)
        metrics.watch_feeds(store)
        scheduler = LeasedScheduler(
            lease_for(store),
            features.onboarding,
            features.coffee,
            warm=features.talks.warm,
            feeds=FeedChecker(store, now),
            courier=features.courier,
        ).start()
        return cls(settings, store, app, features, scheduler)

    def stop(self, budget: float = 8.0) -> None:
        """Finish the work acks promised (lazy listeners, vote notes, redraws), then free the
        clock lease so another replica takes over at once."""
        deadline = time.monotonic() + budget

        def left() -> float:
            return max(0.1, deadline - time.monotonic())

        self.features.after_ack.close(left())
        self.features.notes.close(left())
        # what was nudged goes out now; anything left is owed in the database, for the next
        # clock holder
        _within(self.features.courier.close, left(), "channel posts")
        _within(self.scheduler.stop, left(), "the scheduler")
        self.store.dispose()
        log.info("stopped")


class Stopping(Exception):
    """Asked to stop before the database could be reached: nothing was started."""


def _reachable_store(
    settings: Settings, stop: threading.Event, waiting: Callable[[str], None]
) -> Store:
    """open_store, again and again while the database cannot be reached: a replica started
    during an outage stays up (alive, not ready) rather than exiting into a restart loop."""
    delay = RETRY_FIRST
    while True:
        try:
            return open_store(settings)
        except (OperationalError, InterfaceError) as exc:
            why = f"the database cannot be reached ({_reason(exc)})"
        waiting(f"starting: {why}")
        log.warning("%s; trying again in %.0f s", why, delay)
        if stop.wait(delay):
            raise Stopping()
        delay = min(delay * 2, RETRY_MOST)


def _reason(exc: DBAPIError) -> str:
    """The driver's own words, first line: no SQL, no URL."""
    words = str(exc.orig or exc).strip().splitlines()
    return words[0] if words else type(exc).__name__


def _within(work: Callable[[], object], seconds: float, what: str) -> None:
    thread = threading.Thread(target=work, name=f"stop-{what}", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        log.warning("stopping: %s did not finish within %.1f s", what, seconds)
