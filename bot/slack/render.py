"""Blocks as terminal text, so `wgbot ask` shows what Slack would show."""

from __future__ import annotations

import re
from typing import Any

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]*)>")
_DATE = re.compile(r"<!date\^[0-9]+\^[^|>]*\|([^>]*)>")  # a date token: its fallback text


def _plain(mrkdwn: str) -> str:
    mrkdwn = _DATE.sub(lambda m: m.group(1), mrkdwn)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1).replace('&amp;', '&')})", mrkdwn)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render(blocks: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            title = block["text"]["text"]
            lines += [title, "=" * min(len(title), 72)]
        elif kind == "section":
            lines.append(_plain(block["text"]["text"]))
            lines.extend(_plain(f["text"]) for f in block.get("fields", []))
        elif kind == "context":
            lines.append("  " + " | ".join(_plain(e.get("text", "")) for e in block["elements"]))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "actions":
            lines.append(" ".join(f"[{_label(e)}]" for e in block["elements"]))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _label(element: dict[str, Any]) -> str:
    """A button's text, or for a menu the text Block Kit's `placeholder` field gives it (what
    Slack shows on a menu before anything is chosen)."""
    return (element.get("text") or element.get("placeholder") or {}).get("text", "")
