"""Work that follows an ack, on a small pool of threads.

For the hottest clicks (votes) this replaces Bolt's lazy listeners, which deep-copy the whole
request on the request thread before it can answer; handing a closure to a pool costs
microseconds. It can also serve as Bolt's own `listener_executor` (Bolt only calls `submit`),
so lazy listeners can be waited for and drained the same way. The app builds one and every
feature hands its work to it. Errors are logged, never lost silently.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

log = logging.getLogger(__name__)


class AfterAck(Executor):
    def __init__(self, workers: int = 4, name: str = "after-ack") -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix=name)
        self._idle = threading.Condition()
        self._busy = 0  # submitted and not yet finished
        self._closed = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            if not self._closed:
                self._busy += 1
                return self._pool.submit(self._run, fn, args, kwargs)
        # after shutdown the work still happens, on the caller's thread, rather than being lost
        done: Future[Any] = Future()
        _run_logged(fn, args, kwargs)
        done.set_result(None)
        return done

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        try:
            _run_logged(fn, args, kwargs)
        finally:
            with self._idle:
                self._busy -= 1
                if not self._busy:
                    self._idle.notify_all()

    @property
    def busy(self) -> int:
        with self._idle:
            return self._busy

    def wait_idle(self, timeout: float | None = None) -> bool:
        """True once everything submitted so far has finished; False if `timeout` ran out."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Executor's shutdown: work already submitted always finishes (never cancelled)."""
        self.close(10.0 if wait else 0.0)

    def close(self, timeout: float = 10.0) -> bool:
        """Finish the queued work (for at most `timeout` seconds) and stop the threads.

        Work submitted afterwards runs on the submitting thread. False when work was still
        running at the deadline; it goes on, and the process waits for it at exit.
        """
        with self._idle:
            self._closed = True
        idle = self.wait_idle(timeout)
        if not idle:
            log.warning("%d tasks after an ack still running at shutdown", self.busy)
        self._pool.shutdown(wait=idle)
        return idle


def _run_logged(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:
        log.exception("work after an ack failed")


def opens_at_once(
    opener: Callable[..., None], notes_of: Callable[[BoltContext], Executor]
) -> Callable[..., None]:
    """A button listener that opens its modal itself, right after the ack: a trigger_id lives
    3 seconds, so views.open never waits in a queue that other work can fill. `opener` takes
    (body, action, client, respond, context); its refusal note (through response_url) goes to
    the notes pool the context holds (`notes_of`) instead, so it cannot hold up the ack."""

    def listener(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        respond: Respond,
        context: BoltContext,
    ) -> None:
        ack()
        notes = notes_of(context)
        opener(body, action, client, lambda **kw: notes.submit(respond, **kw), context)

    return listener
