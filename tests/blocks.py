"""Check blocks the way Slack would: through slack_sdk's models, which enforce Block Kit limits."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from bot.slack.blocks import MAX_BLOCKS


def assert_valid_blocks(blocks: list[dict[str, Any]]) -> None:
    assert 0 < len(blocks) <= MAX_BLOCKS
    for raw in blocks:
        model = Block.parse(raw)
        assert model is not None, raw
        model.validate_json()  # raises SlackObjectFormationError past any limit
        assert model.to_dict() == raw, "a block has fields the models do not know"


def all_text(blocks: list[dict[str, Any]]) -> str:
    """Every mrkdwn/plain text in the blocks, joined (for assertions on content)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and "text" in node:
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(out)
