"""Catalog YAML that is broken or hostile is refused with its file and place, and changes
nothing in the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.bootstrap import import_file
from bot.importers.records import CatalogFileError
from tests.conftest import CATALOG
from tests.importers.catalog_files import SEED, SEED_TEXT, seed_copy, snapshot, talk_index, write


def _kcp_title_line() -> int:
    return next(i for i, line in enumerate(SEED_TEXT.splitlines()) if "API Layer with kcp" in line)


def bad_yaml(path: Path) -> list[str]:
    lines = SEED_TEXT.splitlines()
    k = _kcp_title_line()
    lines[k] = "    title: Building: a platform: API layer"
    path.write_text("\n".join(lines), encoding="utf-8")
    column = lines[k].index("Building:") + len("Building") + 1
    return [f"line {k + 1}, column {column}", "not valid YAML"]


def _edit_talk(path: Path, source_id: str, **changes: Any) -> str:
    data = seed_copy()
    i = talk_index(data, source_id)
    data["talks"][i].update(changes)
    write(path, data)
    return f"talks[{i}] (id {source_id})"


def unknown_event(path: Path) -> list[str]:
    return [_edit_talk(path, "1YFfY", event="nosuchcon"), "'nosuchcon'", "platform-day"]


def unknown_format(path: Path) -> list[str]:
    return [_edit_talk(path, "1YFfY", format="tutorial"), "'tutorial'", "lightning"]


def duplicate_id(path: Path) -> list[str]:
    data = seed_copy()
    j = talk_index(data, "1YeSk")
    assert j > talk_index(data, "1YFfY")
    data["talks"][j]["id"] = "1YFfY"
    write(path, data)
    return [f"talks[{j}] (id 1YFfY)", "appears twice"]


def bad_date(path: Path) -> list[str]:
    return [_edit_talk(path, "1YFfY", date="2024-02-31"), "'date'", "2024-03-19"]


def words_for_a_date(path: Path) -> list[str]:
    return [_edit_talk(path, "1YFfY", date="the third day"), "'date'"]


def non_http_url(path: Path) -> list[str]:
    return [_edit_talk(path, "1YFfY", url="ftp://example.org/kcp"), "'url'", "http"]


def script_url(path: Path) -> list[str]:
    return [_edit_talk(path, "1YFfY", url="javascript:alert(1)"), "'url'"]


def missing_title(path: Path) -> list[str]:
    return [_edit_talk(path, "1YFfY", title="  "), "'title' is required"]


def speakers_not_a_list(path: Path) -> list[str]:
    return [_edit_talk(path, "1YFfY", speakers="Marvin Beckers"), "'speakers' must be a list"]


def speaker_without_name(path: Path) -> list[str]:
    where = _edit_talk(path, "1YFfY", speakers=[{"company": "Kubermatic GmbH"}])
    return [f"{where}, speaker 1", "'name' is required"]


def unknown_timezone(path: Path) -> list[str]:
    data = seed_copy()
    data["conference"]["timezone"] = "Europe/Atlantis"
    write(path, data)
    return ["conference", "'Europe/Atlantis'"]


def not_utf8(path: Path) -> list[str]:
    raw = SEED_TEXT.encode("utf-8")
    good = "Høgstedt".encode()
    offset = raw.index(good) + 1  # the "ø", now one Latin-1 byte
    path.write_bytes(raw.replace(good, "Høgstedt".encode("latin-1"), 1))
    return ["not UTF-8", f"byte {offset}"]


def a_list(path: Path) -> list[str]:
    path.write_text(yaml.safe_dump(SEED["talks"][:2], allow_unicode=True), encoding="utf-8")
    return ["expected a mapping"]


def empty_file(path: Path) -> list[str]:
    path.write_text("", encoding="utf-8")
    return ["expected a mapping"]


BAD_FILES = [
    bad_yaml,
    unknown_event,
    unknown_format,
    duplicate_id,
    bad_date,
    words_for_a_date,
    non_http_url,
    script_url,
    missing_title,
    speakers_not_a_list,
    speaker_without_name,
    unknown_timezone,
    not_utf8,
    a_list,
    empty_file,
]


@pytest.mark.parametrize("make", BAD_FILES, ids=[f.__name__ for f in BAD_FILES])
def test_a_bad_file_is_refused_with_its_place_and_changes_nothing(store, tmp_path, make):
    import_file(store, CATALOG)
    before = snapshot(store)
    path = tmp_path / f"{make.__name__}.yaml"
    expected = make(path)

    for dry_run in (True, False):
        with pytest.raises(CatalogFileError) as exc:
            import_file(store, path, dry_run=dry_run)
        message = str(exc.value)
        assert message.startswith(str(path)), message  # names the file
        for fragment in expected:  # and the place, and what is wrong
            assert fragment in message, (fragment, message)
        assert "Traceback" not in message

    after = snapshot(store)
    assert len(after["talks"]) == 27
    assert after["revision"] == before["revision"]
    assert after == before


def test_a_missing_file_is_a_catalog_error(store, tmp_path):
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(CatalogFileError, match="cannot read it"):
        import_file(store, path)
    assert snapshot(store)["talks"] == []


# --- known bugs (see the report) ---


def test_an_unquoted_impossible_date_is_a_catalog_error(store, tmp_path):
    import_file(store, CATALOG)
    before = snapshot(store)
    path = tmp_path / "bad-date.yaml"
    assert SEED_TEXT.count("date: 2024-03-19") > 1
    path.write_text(SEED_TEXT.replace("date: 2024-03-19", "date: 2024-02-31", 1), encoding="utf-8")
    try:
        with pytest.raises(CatalogFileError) as exc:
            import_file(store, path)
        assert str(path) in str(exc.value)
    finally:
        assert snapshot(store) == before
