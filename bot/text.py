"""Accent- and case-folding shared by the importer (search keys) and the query side."""

from __future__ import annotations

import re

from anyascii import anyascii

_WORD = re.compile(r"[a-z0-9]+")
_NOT_WORD = re.compile(r"[\W_]+")  # emoji and symbols: anyascii would spell them out as words


def fold(text: str) -> str:
    """'Edgaras Petovradžius' -> 'edgaras petovradzius'; 'Høgstedt' -> 'hogstedt'."""
    return " ".join(words(text))


def words(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return _WORD.findall(anyascii(_NOT_WORD.sub(" ", text)).lower())
