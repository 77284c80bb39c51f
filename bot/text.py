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
    if text.isascii():  # most text: nothing to spell out, and the pattern splits the rest
        return _WORD.findall(text.lower())
    return _WORD.findall(anyascii(_NOT_WORD.sub(" ", text)).lower())


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 talk', '2 talks', '1 company', '3 companies' (give `many` when it is not one + s)."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"
