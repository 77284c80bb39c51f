"""Imported text made plain: entities, HTML, white space, names as given, talk formats."""

from __future__ import annotations

import html
import re

from bot.text import words

_BLOCK_TAG = re.compile(
    r"<(?:br|/?p|/?div|/?li|/?ul|/?ol|/?h[1-6]|/?tr|/?td|/?blockquote)\b[^>]{0,2000}>", re.I
)
_TAG = re.compile(r"<[^>]{0,2000}>")
_SPACE = re.compile(r"\s+")
# Bidirectional controls (embeddings, overrides, isolates, marks): a title with a right-to-left
# override is shown reversed, and one left open reverses what follows it in the message.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str | None) -> str:
    """Entities decoded (&nbsp; &amp; ...), bidirectional controls removed, runs of white
    space made one space."""
    if not text:
        return ""
    plain = _BIDI.sub("", html.unescape(text)).replace("\xa0", " ")
    return _SPACE.sub(" ", plain).strip()


def html_text(text: str | None) -> str:
    """An abstract that may hold HTML, as plain text."""
    if not text:
        return ""
    return clean_text(_TAG.sub("", _BLOCK_TAG.sub(" ", text)))


_FORMAT_PREFIX = re.compile(
    r"^\W{0,4}(keynote|panel(?: discussion)?|(?:project )?lightning talks?|tutorial|workshop)"
    r"\s*:\s+",
    re.IGNORECASE,
)


def format_of(*hints: str | None) -> str:
    """A talk format from a session type, a category or a title: the first hint that says one."""
    for hint in hints:
        w = set(words(hint or ""))
        if "keynote" in w or "keynotes" in w:
            return "keynote"
        if w & {"panel", "panels", "podium", "roundtable", "discussion"}:
            return "panel"
        if w & {"lightning", "lightningtalk", "lightningtalks"}:
            return "lightning"
        if w & {"workshop", "workshops", "tutorial", "tutorials", "contribfest", "hands"}:
            return "workshop"
    return "talk"


def split_format_prefix(title: str) -> tuple[str, str | None]:
    """'Keynote: Welcome' -> ('Welcome', 'keynote'): the bot shows the format beside the title."""
    m = _FORMAT_PREFIX.match(title)
    if not m or not title[m.end() :].strip():
        return title, None
    return title[m.end() :].strip(), format_of(m.group(1))


_SYMBOLS = re.compile(r"[^\w\s&+,./'():|-]")


def pretty_name(text: str) -> str:
    """'🚨 CONTRIBFEST' -> 'CONTRIBFEST': emoji and symbols dropped, the name kept as the file
    spells it (case, hyphens and colons are the organisers' choice)."""
    return clean_text(_SYMBOLS.sub(" ", text)).strip(" :|-")
