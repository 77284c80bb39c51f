"""Text as Slack sends it in slash commands and message events, decoded once on the way in.

Slack escapes `&`, `<` and `>` there as `&amp;`, `&lt;`, `&gt;` (and nothing else); stored as
they arrive they would be escaped again on the way out, and "Dev & Ops" would come back as
"Dev &amp; Ops". Modal input values arrive as typed: they must not go through here.
"""

from __future__ import annotations

import re

_ENTITY = re.compile(r"&(amp|lt|gt);")
_CHARS = {"amp": "&", "lt": "<", "gt": ">"}


def slack_text(text: str | None) -> str:
    """Undo Slack's three escapes in one pass, so `&amp;lt;` becomes `&lt;`, not `<`."""
    if not text or "&" not in text:
        return text or ""
    return _ENTITY.sub(lambda m: _CHARS[m.group(1)], text)


# What a command with should_escape on sends for what the person picked: <@U123|name>,
# <#C123|name>, <!subteam^S123|@team>, <!here>, <!date^…|fallback>, <https://x|label>
_SLACK_FORM = re.compile(r"<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>")
_SPECIAL = {"here", "channel", "everyone"}


def spelled_out(text: str) -> str:
    """Slack's escaped forms as the words they stand for, none of which pings when shown:
    a person as @name, a channel as #name, a link as its label and address, @here and the
    like as the bare word. Before slack_text: only the brackets Slack wrote are read, never
    ones the person typed (those arrive as &lt; and &gt;)."""

    def word(m: re.Match[str]) -> str:
        sigil, target, label = m.group(1), m.group(2), m.group(3)
        if sigil == "@":
            return "@" + (label or target)
        if sigil == "#":
            return "#" + (label or target)
        if sigil == "!":
            if target in _SPECIAL:
                return target
            return (label or target.partition("^")[0]).lstrip("@")
        if target.startswith("mailto:"):  # an address Slack linked: the address itself
            return label or target[len("mailto:") :]
        if not label or label == target or target.split("://", 1)[-1] == label:
            return target
        return f"{label} ({target})"

    return _SLACK_FORM.sub(word, text) if "<" in text else text
