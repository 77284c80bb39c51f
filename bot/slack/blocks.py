"""Block Kit as plain dicts, each builder clipping to Slack's limits.

Dicts rather than slack_sdk's model classes because building with the models costs ~2.5 ms per
answer, more than the whole query; the tests validate every view through the models instead.
"""

from __future__ import annotations

from typing import Any

from bot.slack.mrkdwn import clip

Block = dict[str, Any]

MAX_BLOCKS = 50  # per message
# Slack refuses a message whose blocks' text adds up past about this (msg_blocks_too_long,
# seen at ~13,200): every text object counts, buttons' and menus' too
BLOCKS_TEXT = 12_000
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


def text_length(node: Any) -> int:
    """The characters of every text object (mrkdwn or plain_text) in blocks, as Slack adds
    them up against a message's total."""
    total = 0
    stack = [node]
    while stack:  # a loop, not recursion: this runs on every answer, before its ack
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            kind = item.get("type")
            if kind == "mrkdwn" or kind == "plain_text":
                text = item.get("text")
                total += len(text) if isinstance(text, str) else 0
            else:
                stack.extend(v for v in item.values() if isinstance(v, (dict, list)))
    return total


def pages(blocks: list[Block], budget: int = BLOCKS_TEXT) -> list[list[Block]]:
    """Blocks split into as few messages as hold them, none left out: at most MAX_BLOCKS each,
    and text adding up to at most `budget` (a block too long on its own is trimmed by fit)."""
    out: list[list[Block]] = [[]]
    size = 0
    for block in blocks:
        length = text_length(block)
        if out[-1] and (len(out[-1]) >= MAX_BLOCKS or size + length > budget):
            out.append([])
            size = 0
        out[-1].append(block)
        size += length
    return out


def fit(blocks: list[Block], budget: int = BLOCKS_TEXT) -> list[Block]:
    """Blocks whose text adds up to at most `budget`, for a message that must stay one message.

    Over it, the last sections give up their last lines first (saying how many), so what a
    message leads with stays whole and every button stays; blocks go from the end only if
    that is not enough."""
    over = text_length(blocks) - budget
    if over <= 0:
        return blocks
    out = list(blocks)
    for i in reversed(range(len(out))):
        text = out[i].get("text") if out[i].get("type") == "section" else None
        if not isinstance(text, dict) or not isinstance(text.get("text"), str):
            continue
        shorter = _first_lines(text["text"], len(text["text"]) - over)
        if len(shorter) >= len(text["text"]):
            continue  # a line or two: nothing to gain here
        over -= len(text["text"]) - len(shorter)
        out[i] = {**out[i], "text": {**text, "text": shorter}}
        if over <= 0:
            return out
    while over > 0 and len(out) > 1:
        over -= text_length(out.pop())
    return out


def _first_lines(text: str, room: int) -> str:
    """As many first lines of `text` as fit in `room` characters with a note of the rest."""
    lines = text.split("\n")
    kept: list[str] = []
    size = 0
    for line in lines:
        size += len(line) + 1
        if size + LEFT_OUT_NOTE > room:
            break
        kept.append(line)
    left = len(lines) - len(kept)
    note = f"_…{left} more line{'s' if left != 1 else ''}: too long for one Slack message._"
    return "\n".join([*kept, note])


LEFT_OUT_NOTE = 60  # characters the note of left-out lines may take
