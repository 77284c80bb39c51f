"""The installed package carries its data, and a start without readable content fails loudly.

(CI also builds the wheel, installs it into a fresh virtualenv and runs it from another
directory; these tests keep the pieces that make that work from drifting.)
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import shipped_data_dir

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_under_bot_is_listed_for_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(d.relative_to(ROOT).parts)
        for d in (ROOT / "bot").rglob("*")
        if d.is_dir() and d.name != "__pycache__" and any(d.glob("*.py"))
    } | {"bot"}
    # folders of data files only (the shipped data, the sandbox's page) are listed by their
    # package-data entries
    data = {"bot.data"} | set(config["tool"]["setuptools"]["package-data"])
    assert listed == on_disk | data


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The bot's modules a file imports, at its top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name == "bot" or name.startswith("bot.")}


def shipped_for_use() -> set[str]:
    """The modules under bot/ the product reaches from what starts it (the `wgbot` command,
    `python -m bot`) and from the migrations Alembic loads by path, with their packages."""
    files = {_module(f): f for f in (ROOT / "bot").rglob("*.py")}
    seen: set[str] = set()
    todo = ["bot.cli", "bot.__main__"] + [m for m in files if m.startswith("bot.store.migrations.")]
    while todo:
        name = todo.pop()
        if name in seen or name not in files:
            continue
        seen.add(name)
        parents = [".".join(name.split(".")[:n]) for n in range(1, name.count(".") + 1)]
        todo += [*parents, *_imports(files[name])]
    return seen


def test_every_module_in_the_package_is_there_for_the_product():
    """Nothing only the tests or the benchmarks use ships: such helpers live under tests/."""
    modules = {_module(f) for f in (ROOT / "bot").rglob("*.py")}
    assert modules - shipped_for_use() == set()


@pytest.mark.slow
def test_the_wheel_holds_the_product_and_nothing_of_the_tests(tmp_path: Path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("wgbot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    modules = {
        _module(ROOT / n) for n in names if n.endswith(".py") and not n.startswith("bot/data/")
    }
    assert modules == shipped_for_use()
    assert not [n for n in names if n.startswith(("tests/", "bench/"))]
    assert "bot/data/onboarding/welcome.yaml" in names


def test_every_folder_of_python_under_bot_is_a_package():
    """An `__init__.py` in each: a folder without one is a namespace package, which setuptools'
    own discovery and mypy would each treat in their own way."""
    bare = sorted(
        d.relative_to(ROOT).as_posix()
        for d in (ROOT / "bot").rglob("*")
        if d.is_dir() and any(d.glob("*.py")) and not (d / "__init__.py").is_file()
    )
    assert bare == []


def test_the_shipped_data_is_the_repositorys_data_folder():
    shipped = shipped_data_dir()
    assert (shipped / "catalog" / "kubecon-eu-2024.yaml").is_file()
    assert (shipped / "onboarding" / "welcome.yaml").is_file()
    assert shipped.samefile(ROOT / "data")  # the checkout's install edits what it runs


@pytest.fixture
def cli_env(db_url, tmp_path, monkeypatch):
    for name in ("WGBOT_DATA_DIR", "WGBOT_CATALOG_DIR", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    return tmp_path


def test_an_operators_own_data_folder_is_used(cli_env: Path):
    own = cli_env / "content"
    shutil.copytree(shipped_data_dir(), own)
    catalog = own / "catalog" / "kubecon-eu-2024.yaml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8").replace("Platform Engineering Day", "Platform Day X"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main, ["ask", "/talks platform-day"], env={"WGBOT_DATA_DIR": str(own)}
    )
    assert result.exit_code == 0, result.output
    assert "Platform Day X" in result.output


@pytest.mark.parametrize("setting", ["WGBOT_DATA_DIR", "WGBOT_CATALOG_DIR"])
def test_a_missing_content_folder_stops_the_start_naming_path_and_setting(cli_env, setting):
    missing = cli_env / "nowhere"
    result = CliRunner().invoke(main, ["ask", "/talks platform-day"], env={setting: str(missing)})
    assert result.exit_code == 1
    assert str(missing) in result.output and setting in result.output
    assert "Traceback" not in result.output and "catalog is empty" not in result.output


def test_a_broken_welcome_file_stops_the_start(cli_env: Path):
    own = cli_env / "content"
    shutil.copytree(shipped_data_dir(), own)
    (own / "onboarding" / "welcome.yaml").write_text("group: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["ask", "/talks platform-day"], env={"WGBOT_DATA_DIR": str(own)}
    )
    assert result.exit_code == 1
    assert "welcome.yaml" in result.output and "onboarding content is broken" in result.output
