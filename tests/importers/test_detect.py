"""Formats are told apart by content: a misleading name, a byte-order mark or stray white space
change nothing; what is not a schedule is refused with the formats it could have been."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from bot.importers import detect
from bot.importers.records import CatalogFileError
from tests.conftest import CATALOG
from tests.importers.support import FIXTURES, FRAB, PRETALX, SCHED, SESSIONIZE, run, sample

FILES = {
    "sched-ics": FIXTURES / "sched-small.ics",
    "pretalx-json": FIXTURES / "pretalx-small.json",
    "frab-xml": FIXTURES / "frab-small.xml",
    "sessionize-json": FIXTURES / "sessionize-democloud-vienna-2025.json",
    "catalog-yaml": CATALOG,
}
SAMPLES = {"sched-ics": SCHED, "pretalx-json": PRETALX, "frab-xml": FRAB}
MISLEADING = {
    "sched-ics": ".json",
    "pretalx-json": ".xml",
    "frab-xml": ".ics",
    "sessionize-json": ".yaml",
    "catalog-yaml": ".txt",
}


@pytest.mark.parametrize("kind", list(FILES))
def test_each_format_is_known_by_its_content(kind):
    path = FILES[kind]
    parsed = detect.load(path)
    assert parsed.format == kind
    assert parsed.catalog.talks


@pytest.mark.parametrize("kind", list(FILES))
def test_a_misleading_name_does_not_matter(kind, tmp_path):
    path = tmp_path / (FILES[kind].name.split(".")[0] + MISLEADING[kind])
    path.write_bytes(FILES[kind].read_bytes())
    parsed = detect.load(path)
    assert parsed.format == kind
    assert parsed.catalog.talks == detect.load(FILES[kind]).catalog.talks
    if MISLEADING[kind] != ".txt":  # a name that says another format: the notes say so
        assert any("as its content says" in n for n in parsed.notes)


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_the_real_samples_are_known_whatever_their_name(kind, tmp_path):
    path = tmp_path / "export.dat"
    path.write_bytes(sample(SAMPLES[kind]).read_bytes())
    assert detect.sniff(path.read_bytes(), str(path)) in (kind, "json")


def test_sessionize_is_told_from_pretalx_by_its_keys():
    data = json.loads(sample(SESSIONIZE).read_bytes())
    assert detect.json_kind(data, "x") == "sessionize-json"
    assert detect.json_kind({"schedule": {}}, "x") == "pretalx-json"


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (b"", "utf-8")],
)
@pytest.mark.parametrize("kind", ["sched-ics", "pretalx-json", "catalog-yaml"])
def test_a_byte_order_mark_and_leading_white_space_are_fine(kind, bom, encoding, tmp_path):
    text = FILES[kind].read_text(encoding="utf-8")
    path = tmp_path / "with-bom"
    path.write_bytes(bom + ("\r\n  \n" + text).encode(encoding))
    parsed = detect.load(path)
    assert parsed.format == kind
    assert parsed.catalog.talks == detect.load(FILES[kind]).catalog.talks


def test_xml_in_its_declared_encoding():
    raw = FILES["frab-xml"].read_bytes()
    assert "Zürich".encode("latin-1") in raw  # not UTF-8, as its declaration says
    assert detect.load(FILES["frab-xml"]).catalog.conference.name == "DemoFest 2025 in Zürich"


@pytest.mark.parametrize(
    ("content", "name", "fragments"),
    [
        (b"Hello, this is a plain text note.\n", "notes.txt", ["not a schedule format I know"]),
        (b"", "empty.json", ["not a schedule format I know", "iCalendar", "Sessionize"]),
        (b"[1, 2, 3]", "list.json", ["wrong shape", "a list of 3", "'schedule'"]),
        (b'{"talks": []}', "talks.json", ["wrong shape", "'talks'", "'sessions'"]),
        (b'"just a string"', "string.json", ["not a schedule format I know"]),
        (b"42", "number.json", ["not a schedule format I know"]),
        (
            b'[{"date": "2024-04-20", "rooms": [], "timeSlots": []}]',
            "grid.json",
            ["schedule grid", "All data"],
        ),
        (b"<html><body>Not found</body></html>", "page.xml", ["<html>", "not <schedule>"]),
        (b"", "empty.yaml", ["expected a mapping"]),
    ],
)
def test_what_is_not_a_schedule_is_refused_with_a_reason(content, name, fragments, tmp_path):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CatalogFileError) as exc:
        detect.load(path)
    message = str(exc.value)
    assert message.startswith(str(path))
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_event_and_timezone_options_are_checked(tmp_path):
    with pytest.raises(CatalogFileError, match="not a usable slug"):
        detect.load(FILES["sched-ics"], detect.Options(conference="KubeCon EU!"))
    with pytest.raises(CatalogFileError, match="unknown time zone 'Europe/Atlantis'"):
        detect.load(FILES["sched-ics"], detect.Options(timezone="Europe/Atlantis"))


def test_yaml_still_imports_through_the_new_path(store):
    result = run(store, CATALOG)
    assert result.report.summary() == "kubecon-eu-2024: 27 added, 0 changed, 0 removed, 0 unchanged"
    again = run(store, CATALOG)
    assert not again.report.touched


def test_files_of_one_conference_are_merged(store, tmp_path: Path):
    """Sched exports a day per file: imported together they make one conference."""
    text = FILES["sched-ics"].read_bytes().decode("utf-8")
    head, _, body = text.partition("BEGIN:VEVENT")
    events = ("BEGIN:VEVENT" + body).removesuffix("END:VCALENDAR\r\n").split("BEGIN:VEVENT")[1:]
    day1, day2 = tmp_path / "day1.ics", tmp_path / "day2.ics"
    for path, part in ((day1, events[:4]), (day2, events[4:])):
        body = "".join("BEGIN:VEVENT" + e for e in part)
        path.write_bytes((head + body + "END:VCALENDAR\r\n").encode("utf-8"))
    result = run(store, day1, day2)
    assert [p.path for p in result.files] == [str(day1), str(day2)]
    assert len(result.report.added) == 5
    # one file alone would withdraw the other's talks: together they do not
    assert not run(store, day1, day2).report.touched
    with pytest.raises(CatalogFileError, match="also in"):
        run(store, day1, FILES["sched-ics"])
