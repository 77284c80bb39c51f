"""Block Kit checked the way Slack checks it, through slack_sdk's models.

The bot builds its blocks as plain dicts (see bot/slack/blocks.py), which nothing checks on the
way out; the fake Slack Web API (bot/sandbox/web_api.py, which the sandbox and the test suite
share) runs every payload it receives through `payload_problems` and refuses what Slack would
refuse, so no test passes, and no sandbox page shows, a payload the real Slack would turn away.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.slack.blocks import BLOCKS_TEXT, text_length

MESSAGE_BLOCKS = 50  # a message (chat.postMessage, chat.update, an ephemeral, a response_url post)
VIEW_BLOCKS = 100  # a modal or the App Home tab (checked by slack_sdk's View)
MESSAGE_TEXT = 40_000  # Slack cuts a message's text past this

# the calls that carry a message (its text and blocks); "response_url" is a post to a response
# URL, and a Socket Mode ack answering a command is checked as one
MESSAGES = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url")


def payload_problems(method: str, params: dict[str, Any]) -> list[str]:
    """Block Kit's limits, as Slack applies them to what a Web API method or a response URL is
    sent; empty when Slack would take it. The one place every fake of Slack checks payloads."""
    problems: list[str] = []
    if "view" in params:
        problems += view_problems(params["view"])
    if "blocks" in params:
        problems += message_problems(params["blocks"])
    if method in MESSAGES and not params.get("delete_original"):
        problems += message_text_problems(params.get("text"))
    return problems


def message_problems(blocks: Any) -> list[str]:
    """What Slack would refuse in a message's `blocks`; empty when it is valid."""
    if not isinstance(blocks, list):
        return [f"blocks must be a list, not {type(blocks).__name__}"]
    if not 0 < len(blocks) <= MESSAGE_BLOCKS:
        return [f"a message takes 1 to {MESSAGE_BLOCKS} blocks, not {len(blocks)}"]
    problems: list[str] = []
    for n, raw in enumerate(blocks):
        problems += [f"block {n}: {p}" for p in _block_problems(raw)]
    total = text_length(blocks)
    if total > BLOCKS_TEXT:
        problems.append(
            f"the blocks' text adds up to {total:,} characters; Slack refuses a message's past "
            f"about {BLOCKS_TEXT:,} (msg_blocks_too_long)"
        )
    return problems


def view_problems(view: Any) -> list[str]:
    """What Slack would refuse in a modal or Home tab view; empty when it is valid."""
    if not isinstance(view, dict):
        return [f"a view must be an object, not {type(view).__name__}"]
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return ["a view needs a list of blocks"]
    problems = [f"block {n}: {p}" for n, raw in enumerate(blocks) for p in _block_problems(raw)]
    if problems:
        return problems
    try:
        model = View(**view)
        # to_dict() validates the view and every object in it (title, submit, blocks ...)
        if model.to_dict() != view:
            return ["the view has fields slack_sdk's models do not know"]
    except (SlackObjectFormationError, TypeError, KeyError, AttributeError) as exc:
        return [str(exc)]
    return []


def message_text_problems(text: Any) -> list[str]:
    if text is not None and not isinstance(text, str):
        return [f"text must be a string, not {type(text).__name__}"]
    if text and len(text) > MESSAGE_TEXT:
        return [f"text is {len(text):,} characters; Slack cuts it at {MESSAGE_TEXT:,}"]
    return []


def _block_problems(raw: Any) -> list[str]:
    if not isinstance(raw, dict):
        return [f"a block must be an object, not {type(raw).__name__}"]
    try:
        model = Block.parse(raw)
        if model is None:
            return [f"unknown block {raw.get('type')!r}"]
        if model.to_dict() != raw:  # to_dict() validates every limit on the way
            return [f"{raw.get('type')} has fields slack_sdk's models do not know"]
    except (SlackObjectFormationError, TypeError, KeyError, AttributeError) as exc:
        return [f"{raw.get('type')}: {exc}"]
    return []
