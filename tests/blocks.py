"""Check blocks the way Slack would: the fake Slack's own check, for what a test holds in hand
(an ack's blocks, which never pass through the fake)."""

from __future__ import annotations

from typing import Any

from bot.slack.block_kit import message_problems, view_problems


def assert_valid_blocks(blocks: list[dict[str, Any]]) -> None:
    problems = message_problems(blocks)
    assert not problems, problems


def assert_valid_view(view: dict[str, Any]) -> None:
    problems = view_problems(view)
    assert not problems, problems


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
