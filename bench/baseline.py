"""What every benchmark measures the bot against: a Bolt app whose handlers only ack, set up
as the bot's is (answers before the response, no token check at start)."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from slack_bolt import App

if TYPE_CHECKING:
    from bot.app import Features

SECRET = "bench-signing-secret-0123456789abcdef"


def bare_bolt(**kw: Any) -> App:
    """`kw`: how it learns its token (client= or authorize=), as the benchmark needs."""
    return App(
        signing_secret=SECRET, process_before_response=True, token_verification_enabled=False, **kw
    )


def held_back(features: Features) -> None:
    """The elected clock's part, which no scheduler plays here: the redraws the throttle
    (1.5 s, decided in the database) held back, drawn once it has passed."""
    time.sleep(1.6)
    features.courier.drain(wait=True)


def clock_drains(features: Features) -> threading.Thread:
    """The elected clock's drain every second, as `wgbot serve` runs it."""

    def run() -> None:
        while True:
            time.sleep(1.0)
            features.courier.drain()

    thread = threading.Thread(target=run, name="bench-clock", daemon=True)
    thread.start()
    return thread
