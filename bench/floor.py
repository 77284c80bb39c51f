"""What every benchmark measures the bot against: a Bolt app whose handlers only ack, set up
as the bot's is (answers before the response, no token check at start)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

SECRET = "bench-signing-secret-0123456789abcdef"


def bare_bolt(**kw: Any) -> App:
    """`kw`: how it learns its token (client= or authorize=), as the benchmark needs."""
    return App(
        signing_secret=SECRET, process_before_response=True, token_verification_enabled=False, **kw
    )
