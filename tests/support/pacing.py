"""A pacing clock for the outbox's sender that moves only when the sender waits on it: DMs
keep their spacing, and no test waits for it."""

from __future__ import annotations

import threading
from collections.abc import Callable


class PacingClock:
    def __init__(self, seen: Callable[[], object] = lambda: None) -> None:
        self.now = 1_000.0  # any start; the sender's first DM waits for nothing
        # each wait, with what `seen` told at its start (say, the DMs opened so far)
        self.waits: list[tuple[float, object]] = []
        self.seen = seen
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.waits.append((seconds, self.seen()))
            self.now += seconds
