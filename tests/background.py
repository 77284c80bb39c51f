"""Waiting for the work that follows an ack, instead of sleeping for it.

An app under test answers a request at once and goes on working on other threads: Bolt's lazy
listeners, the after-ack pool, the coffee clock's redraws. A test that reads what reached Slack,
or checks that nothing did, first settles: it waits until all of that work is idle.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from slack_bolt import App

from bot.slack.after_ack import AfterAck

SETTLE = 120.0  # only a safety net against a hang: settle returns as soon as all is idle


class Background:
    def __init__(self) -> None:
        self._waits: list[Callable[[float], bool]] = []
        self._pools: list[AfterAck] = []

    def track_app(self, app: App) -> App:
        """Run the app's lazy listeners on a pool that can be waited on (Bolt only calls
        `submit` on its listener executor)."""
        pool = AfterAck(workers=5, name="lazy")
        app.listener_runner.listener_executor = pool
        app.listener_runner.lazy_listener_runner.executor = pool
        self._pools.append(pool)
        self.add(pool.wait_idle)
        return app

    def add(self, wait_idle: Callable[[float], bool]) -> None:
        self._waits.append(wait_idle)

    def settle(self, timeout: float = SETTLE) -> None:
        """Return once every tracked pool is idle at the same moment: one may hand work to
        another (a lazy listener queues a redraw), so go round until a pass finds all idle."""
        deadline = time.monotonic() + timeout
        while True:
            quiet = True
            for wait in self._waits:
                if wait(0):
                    continue
                quiet = False
                if not wait(max(deadline - time.monotonic(), 0)):
                    raise AssertionError(f"work after an ack still running after {timeout} s")
            if quiet:
                return

    def shutdown(self) -> None:
        for pool in self._pools:
            pool.shutdown(SETTLE)
