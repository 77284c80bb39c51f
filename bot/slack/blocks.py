"""Block Kit as plain dicts, each builder clipping to Slack's limits.

Dicts rather than slack_sdk's model classes because building with the models costs ~2.5 ms per
answer, more than the whole query; the tests validate every view through the models instead.
"""

from __future__ import annotations

from typing import Any

from bot.slack.mrkdwn import clip

Block = dict[str, Any]

MAX_BLOCKS = 50  # per message
SECTION_TEXT = 3000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
CONTEXT_ELEMENTS = 10


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, HEADER_TEXT)}}


def section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn, SECTION_TEXT)}}


def context(*mrkdwn: str) -> Block:
    elements = [{"type": "mrkdwn", "text": clip(t, SECTION_TEXT)} for t in mrkdwn]
    return {"type": "context", "elements": elements[:CONTEXT_ELEMENTS]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    if len(value) > BUTTON_VALUE:
        raise ValueError("button value over Slack's 2000-character limit")
    b: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(text, BUTTON_TEXT)},
        "action_id": action_id,
        "value": value,
    }
    if style:
        b["style"] = style
    return b


def link_button(text: str, action_id: str, url: str, value: str = "") -> Block:
    """A button that opens a URL (Slack still sends the action: ack it)."""
    b = button(text, action_id, value)
    b["url"] = url[:3000]
    return b


def actions(*elements: Block, block_id: str | None = None) -> Block:
    b: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        b["block_id"] = block_id
    return b
