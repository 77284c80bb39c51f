"""Broken and hostile files: each fails with an error naming the file (and the place, where
there is one), and the store is exactly as it was: same rows, same revision, dry run or not."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.importers import detect
from bot.importers.pipeline import import_files
from bot.importers.records import CatalogFileError
from tests.conftest import CATALOG
from tests.importers.support import FIXTURES, counts, snapshot

ICS = FIXTURES / "sched-small.ics"
PRETALX = FIXTURES / "pretalx-small.json"
FRAB = FIXTURES / "frab-small.xml"
SESSIONIZE = FIXTURES / "sessionize-democloud-vienna-2025.json"


def ics_text() -> str:
    return ICS.read_bytes().decode("utf-8")


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# --- makers: write a bad file, return what its error must say ---


def ics_truncated(path: Path) -> list[str]:
    text = ics_text()
    cut = text.index("UID:demo-paved")
    path.write_bytes(text[:cut].encode())
    begun = line_of(text, "BEGIN:VEVENT\r\nDTSTAMP:20260301T120000Z\r\nDTSTART:20260317T090000Z")
    return ["truncated", f"begun at line {begun}"]


def ics_garbage_line(path: Path) -> list[str]:
    text = ics_text().replace(
        "SEQUENCE:0\r\nUID:demo-golden", "\x00\x01 garbage\r\nUID:demo-golden"
    )
    path.write_bytes(text.encode())
    return [f"line {line_of(text, chr(0))}", "not an iCalendar line"]


def ics_latin1(path: Path) -> list[str]:
    raw = ICS.read_bytes().replace("🍲".encode(), "Süppchen".encode("latin-1"))
    path.write_bytes(raw)
    offset = raw.index(b"S\xfcppchen") + 1
    line = raw[:offset].count(b"\n") + 1
    return ["not UTF-8", f"byte {offset}", f"line {line}"]


def ics_bad_start(path: Path) -> list[str]:
    text = ics_text().replace("DTSTART:20260317T133000Z", "DTSTART:tomorrow-ish")
    path.write_bytes(text.encode())
    begun = text[: text.index("tomorrow-ish")].rindex("BEGIN:VEVENT")
    return [f"line {text[:begun].count(chr(10)) + 1}", "UID demo-panel", "DTSTART", "tomorrow-ish"]


def ics_no_uid(path: Path) -> list[str]:
    path.write_bytes(ics_text().replace("UID:demo-paved\r\n", "").encode())
    return ["has no UID"]


def ics_duplicate_uid(path: Path) -> list[str]:
    text = ics_text().replace("UID:demo-paved", "UID:demo-golden")
    path.write_bytes(text.encode())
    begun = [text[:m].rindex("BEGIN:VEVENT") for m in _all(text, "UID:demo-golden")]
    first, second = (text[:b].count("\n") + 1 for b in begun)
    return [f"line {second}", "'demo-golden'", "appears twice", f"first at line {first}"]


def _all(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at != -1:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def ics_two_calendars(path: Path) -> list[str]:
    path.write_bytes((ics_text() + ics_text()).encode())
    return ["a second calendar"]


def ics_script_link(path: Path) -> list[str]:
    path.write_bytes(
        ics_text()
        .replace("URL:https://democon26.sched.com/event/demo-golden", "URL:javascript:alert(1)")
        .encode()
    )
    return ["UID demo-golden", "not an http(s) link"]


def ics_enormous_title(path: Path) -> list[str]:
    path.write_bytes(
        ics_text().replace("SUMMARY:Golden Paths", "SUMMARY:" + "Golden " * 400).encode()
    )
    return ["UID demo-golden", "title", "more than the 1000 allowed"]


def xml_truncated(path: Path) -> list[str]:
    raw = FRAB.read_bytes()
    cut = raw[: raw.index(b"<title>Who Owns")]
    path.write_bytes(cut)
    line = cut.count(b"\n") + 1
    return [f"line {line}", "not well-formed XML"]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<schedule><conference><acronym>&lol9;</acronym><title>t</title></conference></schedule>
"""


def xml_entity_bomb(path: Path) -> list[str]:
    path.write_bytes(BILLION_LAUGHS)
    return ["refused", "entities", "EntitiesForbidden"]


def xml_external_entity(path: Path) -> list[str]:
    path.write_bytes(
        b'<?xml version="1.0"?>\n<!DOCTYPE s [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        b"<schedule><conference><title>&xxe;</title></conference></schedule>\n"
    )
    return ["refused"]


def xml_not_a_schedule(path: Path) -> list[str]:
    path.write_bytes(b"<?xml version='1.0'?>\n<rss><channel/></rss>\n")
    return ["<rss>", "not <schedule>"]


def json_truncated(path: Path) -> list[str]:
    text = PRETALX.read_text(encoding="utf-8")
    cut = text[: text.index('"Five Minutes')]
    path.write_text(cut, encoding="utf-8")
    return [f"line {cut.count(chr(10)) + 1}", "column", "not valid JSON"]


def json_wrong_shape(path: Path) -> list[str]:
    path.write_text(json.dumps({"schedule": ["not", "an", "object"]}), encoding="utf-8")
    return ["schedule", "expected an object, got list"]


def json_rooms_not_lists(path: Path) -> list[str]:
    data = json.loads(PRETALX.read_text(encoding="utf-8"))
    data["schedule"]["conference"]["days"][1]["rooms"]["Hall A"] = "nope"
    path.write_text(json.dumps(data), encoding="utf-8")
    return ["days[1].rooms['Hall A']", "expected a list, got str"]


def json_bad_duration(path: Path) -> list[str]:
    data = json.loads(PRETALX.read_text(encoding="utf-8"))
    data["schedule"]["conference"]["days"][0]["rooms"]["Room 2"][0]["duration"] = "forever"
    path.write_text(json.dumps(data), encoding="utf-8")
    return ["days[0].rooms['Room 2'][0]", "000000000003", "duration 'forever'"]


def json_duplicate_id(path: Path) -> list[str]:
    data = json.loads(PRETALX.read_text(encoding="utf-8"))
    rooms = data["schedule"]["conference"]["days"][0]["rooms"]
    rooms["Room 2"][0]["guid"] = rooms["Hall A"][0]["guid"]
    path.write_text(json.dumps(data), encoding="utf-8")
    # both entries named: the second where it is, the first where to find it
    return [
        "days[0].rooms['Room 2'][0]",
        "appears twice",
        "6b1f9f0e-0000-4000-8000-000000000001",
        "first at schedule.conference.days[0].rooms['Hall A'][0]",
    ]


def json_deeply_nested(path: Path) -> list[str]:
    path.write_bytes(b"[" * 200_000 + b"]" * 200_000)
    return ["nested too deeply"]


def json_huge_number(path: Path) -> list[str]:
    path.write_bytes(b'{"sessions": [{"id": ' + b"9" * 10_000 + b'}], "speakers": []}')
    return ["not valid JSON"]


def sessionize_unknown_speaker(path: Path) -> list[str]:
    data = json.loads(SESSIONIZE.read_bytes())
    data["sessions"][2]["speakers"] = ["no-such-person"]
    path.write_text(json.dumps(data), encoding="utf-8")
    return ["sessions[2] (id 900003)", "'no-such-person' is not in 'speakers'"]


def sessionize_sessions_not_a_list(path: Path) -> list[str]:
    path.write_text(json.dumps({"sessions": {"a": 1}, "speakers": []}), encoding="utf-8")
    return ["sessions", "expected a list, got dict"]


def sessionize_bad_time(path: Path) -> list[str]:
    data = json.loads(SESSIONIZE.read_bytes())
    data["sessions"][0]["startsAt"] = "next Tuesday"
    path.write_text(json.dumps(data), encoding="utf-8")
    return ["sessions[0] (id 900001)", "'startsAt'", "next Tuesday"]


def sessionize_no_name(path: Path) -> list[str]:
    path.write_bytes(SESSIONIZE.read_bytes())
    return ["does not name its conference", "--event"]


def utf16_without_mark(path: Path) -> list[str]:
    text = PRETALX.read_text(encoding="utf-8")
    path.write_bytes(text.encode("utf-16-le"))
    first_non_ascii = next(i for i, c in enumerate(text) if ord(c) > 127)
    return ["not UTF-8", f"line {text[:first_non_ascii].count(chr(10)) + 1}"]


def fifty_megabytes_of_junk(path: Path) -> list[str]:
    with path.open("wb") as f:
        chunk = bytes(range(256)) * 4096  # 1 MiB
        for _ in range(50):
            f.write(chunk)
    return ["50.0 MB is more than the 20.0 MB an import reads"]


def small_binary_junk(path: Path) -> list[str]:
    path.write_bytes(bytes(range(256)) * 8)
    return ["not a schedule format I know"]


def yaml_alias_bomb(path: Path) -> list[str]:
    lines = [
        "conference: {slug: bomb, name: Bomb}",
        "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    ]
    for n in range(1, 9):
        prev = chr(ord("a") + n - 1)
        lines.append(f"{chr(ord('a') + n)}: &{chr(ord('a') + n)} [{', '.join(['*' + prev] * 9)}]")
    lines.append("talks: *i")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["talks[0]", "must be a mapping"]


MAKERS: list[tuple[str, Callable[[Path], list[str]]]] = [
    ("cal.ics", ics_truncated),
    ("cal.ics", ics_garbage_line),
    ("cal.ics", ics_latin1),
    ("cal.ics", ics_bad_start),
    ("cal.ics", ics_no_uid),
    ("cal.ics", ics_duplicate_uid),
    ("cal.ics", ics_two_calendars),
    ("cal.ics", ics_script_link),
    ("cal.ics", ics_enormous_title),
    ("schedule.xml", xml_truncated),
    ("schedule.xml", xml_entity_bomb),
    ("schedule.xml", xml_external_entity),
    ("schedule.xml", xml_not_a_schedule),
    ("schedule.json", json_truncated),
    ("schedule.json", json_wrong_shape),
    ("schedule.json", json_rooms_not_lists),
    ("schedule.json", json_bad_duration),
    ("schedule.json", json_duplicate_id),
    ("schedule.json", json_deeply_nested),
    ("schedule.json", json_huge_number),
    ("democloud-2025.json", sessionize_unknown_speaker),
    ("democloud-2025.json", sessionize_sessions_not_a_list),
    ("democloud-2025.json", sessionize_bad_time),
    ("sessionize.json", sessionize_no_name),
    ("schedule.json", utf16_without_mark),
    ("junk.ics", fifty_megabytes_of_junk),
    ("junk.bin", small_binary_junk),
    ("bomb.yaml", yaml_alias_bomb),
]


@pytest.fixture
def filled(store):
    """A store holding the seed and the small Sched file: what a bad import must not touch."""
    import_files(store, [CATALOG, ICS])
    return store


@pytest.mark.parametrize(("name", "make"), MAKERS, ids=[m.__name__ for _, m in MAKERS])
def test_a_bad_file_is_refused_with_its_place_and_changes_nothing(filled, tmp_path, name, make):
    before, rows = snapshot(filled), counts(filled)
    assert rows["talks"] == 27 + 5
    path = tmp_path / name
    expected = make(path)
    for dry_run in (True, False):
        with pytest.raises(CatalogFileError) as exc:
            import_files(filled, [path], dry_run=dry_run)
        message = str(exc.value)
        assert message.startswith(str(path)), message  # names the file
        for fragment in expected:  # and the place, and what is wrong
            assert fragment in message, (fragment, message)
        assert "Traceback" not in message and len(message) < 1000
    assert counts(filled) == rows
    assert snapshot(filled) == before


def test_a_good_file_before_a_bad_one_is_not_written_either(filled, tmp_path):
    before = snapshot(filled)
    bad = tmp_path / "bad.json"
    json_truncated(bad)
    with pytest.raises(CatalogFileError, match=r"bad\.json"):
        import_files(filled, [PRETALX, FRAB, bad])
    assert snapshot(filled) == before


def test_a_database_error_rolls_the_whole_import_back(filled, monkeypatch):
    """Past reading, a failure half-way through writing leaves nothing behind either."""
    from bot.importers import pipeline

    before = snapshot(filled)
    calls = []
    real = pipeline.apply_plan

    def apply_then_fail(session, planned):
        calls.append(planned.catalog.conference.slug)
        report = real(session, planned)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return report

    monkeypatch.setattr(pipeline, "apply_plan", apply_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        import_files(filled, [PRETALX, FRAB])
    assert calls == ["democamp-2025", "demofest2025"]
    assert snapshot(filled) == before


def test_the_size_limit_is_checked_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(detect, "MAX_BYTES", 1000)
    path = tmp_path / "big.ics"
    path.write_bytes(ICS.read_bytes())
    with pytest.raises(CatalogFileError, match=r"is more than the 0.0 MB an import reads"):
        detect.load(path)


def test_the_command_says_nothing_was_changed(filled, tmp_path, db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    before = snapshot(filled)
    path = tmp_path / "bomb.xml"
    xml_entity_bomb(path)
    result = CliRunner().invoke(main, ["import", str(ICS), str(path)])
    assert result.exit_code != 0
    assert str(path) in result.output and "refused" in result.output
    assert "Nothing was changed." in result.output
    assert "Traceback" not in result.output
    assert snapshot(filled) == before
