"""What every delivery needs to know about a Slack call: whether a failure may be tried again,
and whether a post whose answer was lost reached the channel after all."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

EVENT = "wgbot_owed"  # the metadata event type every owed post carries, naming its row
BACKOFF_CAP = 1800.0
HISTORY = 100  # how far back a lost post is looked for: the bot's posts are few and recent


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
    client: WebClient, channel: str, key: str, *, thread: str = "", legacy_text: str = ""
) -> str:
    """The ts of the bot's post carrying `key` in its metadata among the channel's or thread's
    recent messages; "" when it is not there. `legacy_text`: a message with no metadata at all
    (posted before posts carried it) and exactly this text counts too. Text is weaker proof (a
    welcome sent again reads as the first did), so it is only for those, and errs towards
    "arrived": never twice."""
    if thread:
        answer = client.conversations_replies(
            channel=channel, ts=thread, limit=HISTORY, include_all_metadata=True
        )
    else:
        answer = client.conversations_history(
            channel=channel, limit=HISTORY, include_all_metadata=True
        )
    for message in answer.get("messages") or []:
        meta = message.get("metadata") or {}
        if meta.get("event_type") == EVENT and (meta.get("event_payload") or {}).get("key") == key:
            return str(message.get("ts") or "")
        if legacy_text and not meta and message.get("text") == legacy_text:
            return str(message.get("ts") or "")
    return ""
