"""What every delivery needs to know about a Slack call: whether a failure may be tried again,
and whether a post whose answer was lost reached the channel after all."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

EVENT = "wgbot_owed"  # the metadata event type every owed post carries, naming its row
BACKOFF_CAP = 1800.0
# A lost post is looked for among the messages since it was owed (Slack's `oldest`), page by
# page: most channels hold few messages since, so it is one call, rarely two; PAGES bounds a
# channel that talks a lot (conversations.history is tier 3, about 50 calls a minute).
PAGE = 200
PAGES = 10
SKEW = dt.timedelta(minutes=5)  # Slack's clock and ours may differ a little


def metadata(key: str) -> dict[str, Any]:
    return {"event_type": EVENT, "event_payload": {"key": key}}


def retry_after(exc: SlackApiError) -> tuple[bool, float | None]:
    """(worth trying again, how long to wait or None for the usual back-off). Slack answered
    and did not do it: a 429 waits for Retry-After, a 5xx backs off; any other refusal
    (channel_not_found, not_in_channel, invalid_blocks, ...) cannot succeed later."""
    status = exc.response.status_code
    if status == 429:
        header = exc.response.headers.get("Retry-After")
        try:
            return True, float(header) if header else None
        except ValueError:
            return True, None
    return status >= 500, None


def backoff(attempts: int) -> float:
    return min(BACKOFF_CAP, 5.0 * 2.0 ** max(attempts - 1, 0))


def find_posted(
    client: WebClient,
    channel: str,
    key: str,
    *,
    since: dt.datetime,
    thread: str = "",
    legacy_text: str = "",
) -> str:
    """The ts of the bot's post carrying `key` in its metadata among the channel's (or
    thread's) messages since `since` (when it was owed: it cannot be older); "" when it is not
    there. `legacy_text`: a message with no metadata at all (posted before posts carried it)
    and exactly this text counts too. Text is weaker proof (a welcome sent again reads as the
    first did), so it is only for those, and errs towards "arrived": never twice."""
    args: dict[str, Any] = {
        "channel": channel,
        "limit": PAGE,
        "oldest": f"{(since - SKEW).timestamp():.6f}",
        "include_all_metadata": True,
    }
    cursor = ""
    for _ in range(PAGES):
        if cursor:
            args["cursor"] = cursor
        if thread:
            answer = client.conversations_replies(ts=thread, **args)
        else:
            answer = client.conversations_history(**args)
        for message in answer.get("messages") or []:
            meta = message.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == EVENT and payload.get("key") == key:
                return str(message.get("ts") or "")
            if legacy_text and not meta and message.get("text") == legacy_text:
                return str(message.get("ts") or "")
        cursor = (answer.get("response_metadata") or {}).get("next_cursor") or ""
        if not cursor:
            return ""
    log.warning("post %s not found in the %d messages read of %s", key, PAGE * PAGES, channel)
    return ""
