"""One running bot: the store, the Slack app, its features and the elected clock, started
together and stopped in the order that keeps every promise an ack made."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_bolt import App

from bot.app import build_app, make_client, make_coffee, make_onboarding, utcnow
from bot.bootstrap import open_store
from bot.coffee.listeners import CoffeeFeature
from bot.config import Settings
from bot.onboarding.listeners import OnboardingFeature
from bot.runtime import metrics
from bot.runtime.lease import lease_for
from bot.runtime.scheduler import Clock
from bot.slack.identity import verify_token
from bot.store import Store

log = logging.getLogger(__name__)


@dataclass
class Bot:
    settings: Settings
    store: Store
    app: App
    onboarding: OnboardingFeature
    coffee: CoffeeFeature
    clock: Clock
    lazy: ThreadPoolExecutor  # Bolt's lazy listeners: work promised by an ack

    @classmethod
    def start(cls, settings: Settings, clock: Callable[[], dt.datetime] = utcnow) -> Bot:
        """Open the store (migrating and seeding it), verify the token, start the clock.

        `clock` is what every feature takes for now (the sandbox moves it forward)."""
        store = open_store(settings)
        identity = verify_token(make_client(settings))
        onboarding = make_onboarding(settings, store, clock)
        coffee = make_coffee(settings, store, clock)
        lazy = ThreadPoolExecutor(8, thread_name_prefix="lazy-listener")
        app = build_app(
            settings,
            store,
            identity=identity,
            clock=clock,
            onboarding_feature=onboarding,
            coffee_feature=coffee,
            listener_executor=lazy,
        )
        metrics.watch_outbox(store, utcnow)
        scheduler = Clock(lease_for(store), onboarding, coffee).start()
        return cls(settings, store, app, onboarding, coffee, scheduler, lazy)

    def stop(self, budget: float = 8.0) -> None:
        """Finish the work acks promised (lazy listeners, vote notes, redraws), then free the
        clock lease so another replica takes over at once."""
        deadline = time.monotonic() + budget

        def left() -> float:
            return max(0.1, deadline - time.monotonic())

        _within(lambda: self.lazy.shutdown(wait=True), left(), "lazy listeners")
        self.coffee.after_ack.shutdown(left())
        _within(self.coffee.coffee_clock.flush, left(), "redraws")
        _within(self.clock.stop, left(), "the clock")
        self.store.dispose()
        log.info("stopped")


def _within(work: object, seconds: float, what: str) -> None:
    thread = threading.Thread(target=work, name=f"stop-{what}", daemon=True)  # type: ignore[arg-type]
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        log.warning("stopping: %s did not finish within %.1f s", what, seconds)
