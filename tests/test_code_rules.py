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


def test_no_private_name_of_a_library_is_imported():
    """A library's underscore modules and names are its own to change in any release: the code,
    the tests and the benchmarks import only what it publishes."""
    root = BOT.parent
    found = []
    for folder in ("bot", "tests", "bench"):
        for path in sorted((root / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for n in ast.walk(tree):
                if isinstance(n, ast.ImportFrom) and not n.level:
                    module = n.module or ""
                    if module.split(".")[0] in ("bot", "tests", "bench", "__future__"):
                        continue
                    names = [module, *(f"{module}.{a.name}" for a in n.names)]
                elif isinstance(n, ast.Import):
                    names = [a.name for a in n.names]
                else:
                    continue
                private = [m for m in names if any(p.startswith("_") for p in m.split("."))]
                where = path.relative_to(root).as_posix()
                found += [f"{where}:{n.lineno} {m}" for m in private]
    assert found == [], "private names of libraries imported:\n" + "\n".join(found)
