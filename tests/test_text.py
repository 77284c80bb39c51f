"""Folding text into words: the same words whether or not the text is plain ASCII."""

from __future__ import annotations

import pytest

from bot.text import fold, words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Platform Engineering: K8s & Dev_Ops!", ["platform", "engineering", "k8s", "dev", "ops"]),
        ("  ", []),
        ("a_b-c.d/e", ["a", "b", "c", "d", "e"]),
        ("Edgaras Petovradžius", ["edgaras", "petovradzius"]),
        ("Høgstedt_Grüße", ["hogstedt", "grusse"]),
        ("ship it 🚀 now", ["ship", "it", "now"]),  # symbols are not spelt out as words
    ],
)
def test_words_fold_accents_case_and_punctuation(text: str, expected: list[str]) -> None:
    assert words(text) == expected
    assert fold(text) == " ".join(expected)
