"""First come, first served turns at the database for the hottest writes (votes in a burst).

A lock or semaphore from `threading` is not fair: a thread that has just let go takes it again
before a woken waiter gets the interpreter back, and so does the connection pool's own queue.
Under a burst (32 threads clicking) a few requests then lose every race for two seconds and
are told to try again, while the median answers in tens of milliseconds. Here a place that
is let go is handed to the longest waiter directly, so nobody waits behind more than the
places ahead of it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


class NoTurn(Exception):
    """No place came free within the wait."""


class Turns:
    """At most `places` holders at once; the others wait in the order they came."""

    def __init__(self, places: int) -> None:
        self._free = places
        self._lock = threading.Lock()
        self._waiting: deque[threading.Event] = deque()

    @property
    def waiting(self) -> int:
        """How many wait for a place now."""
        with self._lock:
            return len(self._waiting)

    @contextmanager
    def turn(self, timeout: float | None) -> Iterator[None]:
        """Hold a place for the block; raise NoTurn after `timeout` seconds of waiting."""
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                mine = None
            else:
                mine = threading.Event()
                self._waiting.append(mine)
        if mine is not None and not mine.wait(timeout):
            with self._lock:
                if not mine.is_set():  # (else a place was handed over as the wait ran out)
                    self._waiting.remove(mine)
                    raise NoTurn
        try:
            yield
        finally:
            with self._lock:
                if self._waiting:
                    self._waiting.popleft().set()  # the place goes to the longest waiter
                else:
                    self._free += 1
