"""What the bot receives and deliberately does nothing with, acknowledged all the same.

Bolt answers a request no listener matches with HTTP 404 (and, over Socket Mode, sends no ack
at all): Slack counts that as a failed delivery, retries it, and disables the event
subscriptions of an app that fails 5% of them within an hour. So the events Slack sends every
app (app_uninstalled, tokens_revoked) and any other event type land here, registered after
every feature's listeners so they only catch what nobody else handled.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

log = logging.getLogger(__name__)


def other_event(event: dict[str, Any]) -> None:
    log.debug("ignored event %s", event.get("type"))


def register(app: App) -> None:
    app.use(RateLimitedNotice())
    app.event(re.compile(".*"))(other_event)


class RateLimitedNotice(Middleware):
    """app_rate_limited has no inner event, so no event listener can match it. A Middleware
    subclass rather than a function: Bolt builds a function's arguments by introspection on
    every request, and this one sees every request."""

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # Bolt passes it by this name
    ) -> BoltResponse | None:
        body = req.body
        if body.get("type") == "app_rate_limited":
            log.warning(
                "Slack is dropping this app's events for team %s (rate limited since %s)",
                body.get("team_id"),
                body.get("minute_rate_limited"),
            )
            return BoltResponse(status=200, body="")
        return next()
