"""The ack/err pattern: every command answers, and a failure answers politely, never a trace."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.slack.blocks import fit, section

log = logging.getLogger(__name__)

SORRY = (
    "Sorry, something went wrong on my side and I could not answer that. "
    "Please try again in a moment; if it keeps happening, tell the organisers in #wg-platforms."
)


@dataclass(frozen=True)
class Reply:
    """Fallback text and blocks; the text is escaped like the blocks are."""

    text: str
    blocks: list[dict[str, Any]]
    failed: bool = False  # the apology: send it privately, never share it

    def __post_init__(self) -> None:
        # every message the bot sends is a Reply: one too long for Slack (its blocks' text
        # past ~12,000 characters) is trimmed here rather than refused; views that can
        # split a long message into several (agenda, summary) do so before this
        object.__setattr__(self, "blocks", fit(self.blocks))


def sorry() -> Reply:
    return Reply(SORRY, [section(SORRY)], failed=True)


def safely(build: Callable[[], Reply], what: str) -> Reply:
    """Run a view builder; on any error log it with context and hand back the apology."""
    try:
        return build()
    except Exception:
        log.exception("failed to answer %s", what)
        return sorry()


def say_privately(respond: Callable[..., Any], text: str) -> None:
    """A note only the person who clicked sees, under the message they clicked (which stays)."""
    respond(response_type="ephemeral", replace_original=False, text=text)
