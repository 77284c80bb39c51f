"""The sandbox's clock: the real time plus however far the page has moved it forward."""

from __future__ import annotations

import datetime as dt
import threading


class MovableClock:
    """Called like `utcnow`; `advance` moves every feature's idea of now at once."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        """`start`: the moment it shows now (the tests' fixed day), else the real time."""
        self._offset = dt.timedelta() if start is None else start - dt.datetime.now(dt.UTC)
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return dt.datetime.now(dt.UTC) + self._offset

    @property
    def offset(self) -> dt.timedelta:
        with self._lock:
            return self._offset

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        if delta < dt.timedelta():
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += delta
        return self()
