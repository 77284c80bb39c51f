"""Work that follows an ack, on a small pool of threads.

For the hottest clicks (votes) this replaces Bolt's lazy listeners, which deep-copy the whole
request on the request thread before it can answer; handing a closure to a pool costs
microseconds. Errors are logged, never lost silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)


class AfterAck:
    def __init__(self, workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="after-ack")

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future = self._pool.submit(fn, *args)
        future.add_done_callback(_log_failure)
        return future


def _log_failure(future: Future) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("work after an ack failed", exc_info=exc)
