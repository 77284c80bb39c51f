"""Every request the app answers, counted and timed for /metrics, over HTTP and Socket Mode
alike, through Bolt's own hooks: a global middleware and the app.error handler.

Bolt runs its global middleware one after another before any listener (a middleware's next()
returns before the listener has run), so the middleware cannot see the answer. It starts the
clock and hands the listener an ack that counts the request when it is called: that is when
the answer is decided. A listener that fails first is counted as an error by app.error
(bot/slack/errors.py calls `failed`), and a request no listener takes, which Bolt hands to
app.error too (`raise_error_for_unhandled_request`), as `http_404`. Each request is counted
once, by whichever comes first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot import metrics


class MeasuredAck(Ack):
    """Bolt's ack, counting its request the first time it is called."""

    def __init__(self, body: dict[str, Any], started: float) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Bolt's Ack has no annotations
        self._body, self._started, self._counted = body, started, False

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        response = super().__call__(*args, **kwargs)
        self.count("ok" if response.status < 400 else f"http_{response.status}")
        return response

    def count(self, outcome: str) -> None:
        if not self._counted:
            self._counted = True
            metrics.observe_request(self._body, outcome, time.perf_counter() - self._started)

    def __deepcopy__(self, memo: dict[int, Any]) -> Ack:
        # Bolt copies the context for a lazy listener, which runs after the answer: it gets a
        # plain ack, and the request stays counted once
        return Ack()  # type: ignore[no-untyped-call]  # Bolt's Ack has no annotations


class Measure(Middleware):
    """The first global middleware: starts the clock and puts a `MeasuredAck` in the context,
    where Bolt takes the `ack` it hands each listener. A Middleware subclass rather than a
    function: Bolt builds a function's arguments by introspection on every request."""

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # Bolt passes it by this name
    ) -> BoltResponse | None:
        body = req.body if isinstance(req.body, dict) else {}
        req.context["ack"] = MeasuredAck(body, time.perf_counter())
        return next()


def failed(context: BoltContext, outcome: str = "error") -> None:
    """app.error: count the request with this outcome, unless its ack already counted it."""
    ack = context.get("ack")
    if isinstance(ack, MeasuredAck):
        ack.count(outcome)
