"""One running bot: the store, the Slack app, its features and the elected clock, started
together and stopped in the order that keeps every promise an ack made."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import App

from bot.app import Features, build_app
from bot.bootstrap import open_store
from bot.coffee.listeners import CoffeeFeature
from bot.config import Settings
from bot.onboarding.feature import OnboardingFeature
from bot.runtime import metrics
from bot.runtime.lease import lease_for
from bot.runtime.scheduler import Clock
from bot.slack.identity import verify_token
from bot.store import Store
from bot.times import Clock as TimeClock
from bot.times import utcnow

log = logging.getLogger(__name__)


@dataclass
class Bot:
    settings: Settings
    store: Store
    app: App
    features: Features
    clock: Clock

    @property
    def onboarding(self) -> OnboardingFeature:
        return self.features.onboarding

    @property
    def coffee(self) -> CoffeeFeature:
        return self.features.coffee

    @classmethod
    def start(cls, settings: Settings, now: TimeClock = utcnow) -> Bot:
        """Open the store (migrating and seeding it), verify the token, start the clock.

        `now` is what every feature takes for the time (the sandbox moves it forward)."""
        store = open_store(settings)
        features = Features(settings, store, now)
        identity = verify_token(features.clients.calls)
        app = build_app(settings, store, identity=identity, features=features)
        metrics.watch_outbox(store, utcnow)
        clock = Clock(
            lease_for(store),
            features.onboarding,
            features.coffee,
            warm=features.talks.warm,
            courier=features.courier,
        ).start()
        return cls(settings, store, app, features, clock)

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
        _within(self.clock.stop, left(), "the clock")
        self.store.dispose()
        log.info("stopped")


def _within(work: Callable[[], object], seconds: float, what: str) -> None:
    thread = threading.Thread(target=work, name=f"stop-{what}", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        log.warning("stopping: %s did not finish within %.1f s", what, seconds)
