"""The Slack Web API clients, one for each way the bot calls Slack.

- `requests`: Bolt's client. It holds no token: the authorize callback hands the token to
  each request's copy.
- `calls`: the bot's own calls after an ack (lean-coffee posts and redraws, import
  announcements, the token check at start). It waits out a 429 (honouring Retry-After) and
  retries a 5xx once; retries sleep, so nothing that runs before an ack may use it.
- `outbox`: DMs from the delivery outbox. No retries at all: a failed DM is stored and tried
  again later by the outbox itself, instead of sleeping inside a call.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings

TIMEOUT = 10  # seconds for one Web API call


def make_client(settings: Settings) -> WebClient:
    """A client that waits out 429s and retries 5xx once (only for work after an ack)."""
    return WebClient(
        token=settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        timeout=TIMEOUT,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=1),
        ],
    )


def make_outbox_client(settings: Settings) -> WebClient:
    return WebClient(
        token=settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        timeout=TIMEOUT,
        retry_handlers=[],  # not even slack_sdk's default retry of a dropped connection
    )


@dataclass(frozen=True)
class SlackClients:
    requests: WebClient
    calls: WebClient
    outbox: WebClient

    @classmethod
    def for_settings(cls, settings: Settings, requests: WebClient | None = None) -> SlackClients:
        """Each client built once; `requests` is given by tests and benchmarks that make
        their own."""
        return cls(
            requests=requests or make_client(settings),
            calls=make_client(settings),
            outbox=make_outbox_client(settings),
        )
