"""The layers of docs/architecture.md, checked on every import the code makes.

Every `import` and `from ... import` under bot/ counts: at the top of a module, inside a
function and under `if TYPE_CHECKING:` alike (a loop hidden in a function is still a loop to
the reader). The rules:

1. Each module belongs to one unit (a package such as `bot.talks`, or a top-level module such
   as `bot.app`), and each unit to one layer: foundations, features, the app's assembly,
   processes. A unit imports only from its own layer or the layers below it.
2. Features never import one another: what one shows of another is handed over by the app's
   assembly (bot/app.py), and what they share lives in a foundation.
3. No loop of units, and no loop of modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import bot

BOT = Path(bot.__file__).parent

LAYERS: dict[str, tuple[str, ...]] = {
    # bottom first
    "foundations": (
        "bot",  # bot/__init__.py: the version
        "bot.times",
        "bot.text",
        "bot.config",
        "bot.metrics",
        "bot.store",
        "bot.slack",
        "bot.delivery",
    ),
    "features": ("bot.talks", "bot.onboarding", "bot.coffee", "bot.importers"),
    "app assembly": ("bot.app", "bot.bootstrap"),
    "processes": ("bot.runtime", "bot.web", "bot.sandbox", "bot.cli", "bot.__main__"),
}
FEATURES = LAYERS["features"]


def modules(root: Path = BOT) -> dict[str, Path]:
    """Every module under `root` by its dotted name (a package by its own name)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: Iterable[str]) -> Iterator[tuple[str, int]]:
    """(module imported, line) for every import of bot's own modules in this file, wherever
    it stands. `from bot.x import y` imports the module bot.x.y when there is one, else bot.x."""
    known = set(known)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "bot" or alias.name.startswith("bot."):
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x, from ..store import y
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            if source != "bot" and not source.startswith("bot."):
                continue
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                yield (sub if sub in known else source), node.lineno


def unit_of(module: str) -> str:
    """bot.talks.query -> bot.talks; bot.app -> bot.app; bot -> bot."""
    return ".".join(module.split(".")[:2])


LAYER_OF = {unit: rank for rank, units in enumerate(LAYERS.values()) for unit in units}
LAYER_NAMES = list(LAYERS)


def edges(found: dict[str, Path]) -> list[tuple[str, str, str]]:
    """(importer, imported, where) for every import between two different modules of bot."""
    out = []
    for name, path in found.items():
        for target, line in imports(name, path, found):
            if target != name:
                out.append((name, target, f"{path.relative_to(BOT.parent).as_posix()}:{line}"))
    return out


def loops(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected parts of more than one node (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    part.add(member)
                    if member == node:
                        break
                if len(part) > 1:
                    found.append(part)
    return found


def describe(part: set[str], all_edges: list[tuple[str, str, str]], unit: bool) -> str:
    key = unit_of if unit else (lambda m: m)
    inside = sorted(
        {
            f"{where} ({a} -> {b})"
            for a, b, where in all_edges
            if key(a) in part and key(b) in part and key(a) != key(b)
        }
    )
    return " / ".join(sorted(part)) + ":\n    " + "\n    ".join(inside)


FOUND = modules()
EDGES = edges(FOUND)


def test_every_module_belongs_to_a_layer():
    """A new package or top-level module needs its place decided here (and in the docs)."""
    unplaced = sorted({unit_of(m) for m in FOUND} - set(LAYER_OF))
    assert unplaced == [], f"place these in LAYERS and in docs/architecture.md: {unplaced}"


def test_no_unit_imports_a_layer_above_its_own():
    upward = sorted(
        f"{where}: {a} ({LAYER_NAMES[LAYER_OF[unit_of(a)]]}) imports {b} "
        f"({LAYER_NAMES[LAYER_OF[unit_of(b)]]})"
        for a, b, where in EDGES
        if LAYER_OF[unit_of(b)] > LAYER_OF[unit_of(a)]
    )
    assert upward == [], "imports of a higher layer:\n" + "\n".join(upward)


def test_features_do_not_import_each_other():
    across = sorted(
        f"{where}: {a} imports {b}"
        for a, b, where in EDGES
        if unit_of(a) in FEATURES and unit_of(b) in FEATURES and unit_of(a) != unit_of(b)
    )
    assert across == [], (
        "a feature imports another (hand it over in bot/app.py, or move what they share "
        "into a foundation):\n" + "\n".join(across)
    )


def test_no_loop_of_packages():
    graph: dict[str, set[str]] = {unit_of(m): set() for m in FOUND}
    for a, b, _ in EDGES:
        if unit_of(a) != unit_of(b):
            graph[unit_of(a)].add(unit_of(b))
    found = [describe(part, EDGES, unit=True) for part in loops(graph)]
    assert found == [], "packages importing each other:\n" + "\n".join(found)


def test_no_loop_of_modules():
    graph: dict[str, set[str]] = {m: set() for m in FOUND}
    for a, b, _ in EDGES:
        graph[a].add(b)
    found = [describe(part, EDGES, unit=False) for part in loops(graph)]
    assert found == [], "modules importing each other:\n" + "\n".join(found)


def test_the_walk_sees_imports_in_functions_under_type_checking_and_relative(tmp_path):
    """The rules above are only as good as this walk: it must see every kind of import."""
    package = tmp_path / "bot" / "pkg"
    package.mkdir(parents=True)
    (tmp_path / "bot" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "b.py").write_text("")
    (tmp_path / "bot" / "low.py").write_text("")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from bot.pkg.b import Thing\n"
        "def later():\n"
        "    import bot.low\n"
        "from .. import low\n"
        "from . import b\n"
        "import json\n"
    )
    found = modules(tmp_path / "bot")
    seen = sorted(imports("bot.pkg.a", package / "a.py", found))
    assert seen == [("bot.low", 5), ("bot.low", 6), ("bot.pkg.b", 3), ("bot.pkg.b", 7)]
    assert loops({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
