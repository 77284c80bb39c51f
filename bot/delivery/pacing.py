"""The clock DMs are paced on: the machine's, or one a caller passes so that pacing is kept
without waiting for real (the tests', and any run that moves time itself)."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Pacer(Protocol):
    """The clock the DMs are paced on, and the wait between two of them."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> object: ...


class RealPacer:
    """The machine's monotonic clock, and a wait that a stop cuts short."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> object:
        return self.stop.wait(seconds)
