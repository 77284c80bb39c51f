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

from slack_bolt import App, BoltResponse

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.use(_rate_limited)

    @app.event(re.compile(".*"))
    def other_event(event: dict[str, Any]) -> None:
        log.debug("ignored event %s", event.get("type"))


def _rate_limited(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
    """app_rate_limited has no inner event, so no event listener can match it."""
    if body.get("type") == "app_rate_limited":
        log.warning(
            "Slack is dropping this app's events for team %s (rate limited since %s)",
            body.get("team_id"),
            body.get("minute_rate_limited"),
        )
        return BoltResponse(status=200, body="")
    next()
    return None
