"""Blocks as terminal text, so `wgbot ask` shows what Slack would show.

On a terminal (`styled`): *bold* and _italic_ as ANSI emphasis, links as OSC 8 hyperlinks
(their text, clickable where the terminal supports it), lines wrapped to `width`. Elsewhere
(a pipe, a file): plain text with the emphasis marks dropped and links as their text only, one
line per line so scripts can grep it. Buttons and menus are listed, a menu with its options.
"""

from __future__ import annotations

import re
from typing import Any

_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]*))?>")
_DATE = re.compile(r"<!date\^[0-9]+\^[^|>]*\|([^>]*)>")  # a date token: its fallback text
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_HELD = re.compile("\x00([0-9]+)\x00")  # a link kept aside while emphasis is read
_ANSI = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;;[^\x1b]*\x1b\\")

BOLD, ITALIC, RESET_BOLD, RESET_ITALIC = "\x1b[1m", "\x1b[3m", "\x1b[22m", "\x1b[23m"


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _hyperlink(url: str, text: str) -> str:
    return f"\x1b]8;;{url}\x1b\\{text}\x1b]8;;\x1b\\"


def _terminal(mrkdwn: str, styled: bool) -> str:
    """One mrkdwn text for a terminal: emphasis, links by their text, entities decoded."""
    mrkdwn = _DATE.sub(lambda m: m.group(1), mrkdwn)
    links: list[str] = []

    def hold(m: re.Match[str]) -> str:
        url, label = _unescape(m.group(1)), m.group(2)
        text = _unescape(label) if label else url
        links.append(_hyperlink(url, text) if styled and label else text)
        return f"\x00{len(links) - 1}\x00"

    text = _LINK.sub(hold, mrkdwn)
    if styled:
        text = _BOLD.sub(lambda m: BOLD + m.group(1) + RESET_BOLD, text)
        text = _ITALIC.sub(lambda m: ITALIC + m.group(1) + RESET_ITALIC, text)
    else:
        text = _BOLD.sub(lambda m: m.group(1), text)
        text = _ITALIC.sub(lambda m: m.group(1), text)
    text = _unescape(text)
    return _HELD.sub(lambda m: links[int(m.group(1))], text)


def visible(text: str) -> int:
    """How many columns a styled text takes (its escape sequences take none)."""
    return len(_ANSI.sub("", text))


def _wrap(line: str, width: int | None, indent: str = "") -> list[str]:
    """A line broken at spaces to fit `width` columns (a longer word stays whole)."""
    if not width or visible(line) <= width:
        return [line]
    out: list[str] = []
    current = ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and visible(candidate) > width:
            out.append(current)
            current = indent + word
        else:
            current = candidate
    out.append(current)
    return out


def render(blocks: list[dict[str, Any]], *, width: int | None = None, styled: bool = False) -> str:
    """The blocks as text; `width` wraps lines (None: no wrapping), `styled` uses ANSI."""
    lines: list[str] = []

    def add(text: str, indent: str = "") -> None:
        for line in text.split("\n"):
            lines.extend(_wrap(indent + line, width, indent))

    for block in blocks:
        kind = block["type"]
        if kind == "header":
            title = block["text"]["text"]
            add(BOLD + title + RESET_BOLD if styled else title)
            lines.append("=" * min(len(title), width or 72, 72))
        elif kind == "section":
            add(_terminal(block["text"]["text"], styled))
            for f in block.get("fields", []):
                add(_terminal(f["text"], styled))
            if accessory := block.get("accessory"):
                add(_controls([accessory], styled), "  ")
        elif kind == "context":
            add(" | ".join(_terminal(e.get("text", ""), styled) for e in block["elements"]), "  ")
        elif kind == "divider":
            lines.append("-" * min(40, width or 40))
        elif kind == "actions":
            add(_controls(block["elements"], styled))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _controls(elements: list[dict[str, Any]], styled: bool) -> str:
    """Buttons as [Label] (a link button with where it leads), a menu with its options."""
    buttons, menus = [], []
    for e in elements:
        label = f"[{_label(e)}]"
        if e.get("url"):
            url = e["url"]
            label = _hyperlink(url, label) if styled else f"{label} {url}"
        if e.get("options"):
            options = [o["text"]["text"] for o in e["options"]]
            menus.append("\n".join([label, *(f"  - {o}" for o in options)]))
        else:
            buttons.append(label)
    return "\n".join([" ".join(buttons), *menus] if buttons else menus)


def _label(element: dict[str, Any]) -> str:
    """A button's text, or for a menu the text Block Kit's `placeholder` field gives it (what
    Slack shows on a menu before anything is chosen)."""
    text: dict[str, Any] = element.get("text") or element.get("placeholder") or {}
    return str(text.get("text", ""))
