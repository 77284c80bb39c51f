"""Rules for the production code that a reader would otherwise have to check by eye."""

from __future__ import annotations

import ast
from pathlib import Path

import bot

BOT = Path(bot.__file__).parent


def test_no_assert_as_a_runtime_check():
    """`python -O` strips asserts, so a check that must hold in production raises explicitly."""
    found = []
    for path in sorted(BOT.rglob("*.py")):
        name = path.relative_to(BOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += [f"bot/{name}:{n.lineno}" for n in ast.walk(tree) if isinstance(n, ast.Assert)]
    assert found == [], "explicit checks instead of assert: " + ", ".join(found)
