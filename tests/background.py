"""Waiting for the work that follows an ack, instead of sleeping for it.

An app under test answers a request at once and goes on working on other threads: its
after-ack pool (which runs Bolt's lazy listeners), its pool for notes, and the courier that
delivers channel posts and redraws.
A test that reads what reached Slack, or checks that nothing did, first settles: it waits
until all of that work is idle. At the end of the test all of it is stopped: a courier's
thread left running would keep its app, store and engine alive for the rest of the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.app import Features
from bot.delivery.channel import Courier
from bot.slack.after_ack import AfterAck

SETTLE = 120.0  # only a safety net against a hang: settle returns as soon as all is idle


class Background:
    def __init__(self) -> None:
        self._waits: list[Callable[[float], bool]] = []
        self._pools: list[AfterAck] = []
        self._couriers: list[Courier] = []

    def track(self, features: Features) -> Features:
        """Wait for the features' pools (lazy listeners, notes) and for the courier's thread
        (channel posts and redraws a change nudged)."""
        if features.after_ack not in self._pools:
            self._pools += [features.after_ack, features.notes]
            self._couriers.append(features.courier)
            self.add(features.after_ack.wait_idle)
            self.add(features.notes.wait_idle)
            self.add(features.courier.wait_idle)
        return features

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
            pool.close(SETTLE)
        for courier in self._couriers:
            courier.close(SETTLE)
