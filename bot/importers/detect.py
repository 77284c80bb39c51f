"""Which format a file is, from its content (the extension is only a tie-breaker), and reading it.

    BEGIN:VCALENDAR              -> Sched iCalendar
    <?xml ... <schedule>         -> frab XML
    {"schedule": ...}            -> pretalx/frab JSON
    {"sessions", "speakers"}     -> Sessionize All data JSON
    conference: (YAML mapping)   -> our catalog YAML

Files come from the internet: at most MAX_BYTES are read, text must be UTF-8 (a UTF-8 or UTF-16
byte-order mark is honoured; XML may declare its own encoding), and every failure is a
CatalogFileError naming the file and, where known, the line.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from bot.importers import catalog_yaml, frab_xml, pretalx_json, sched_ics, sessionize_json
from bot.importers.checks import checked_url, clip_name, review
from bot.importers.naming import check_slug
from bot.importers.records import FORMAT_NAMES, CatalogFileError, Options, Parsed
from bot.importers.zones import check_zone

MAX_BYTES = 20 * 1024 * 1024
_YAML_CONFERENCE = re.compile(r"^conference\s*:", re.MULTILINE)
# What a file's extension would have it be; only ever a tie-breaker, or a note.
_EXTENSIONS = {
    ".ics": {"sched-ics"},
    ".ical": {"sched-ics"},
    ".xml": {"frab-xml"},
    ".json": {"pretalx-json", "sessionize-json"},
    ".yaml": {"catalog-yaml"},
    ".yml": {"catalog-yaml"},
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB"


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing one larger than MAX_BYTES before reading it."""
    limit = f"the {_mb(MAX_BYTES)} an import reads; is it the right file?"
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise CatalogFileError(f"{path}: {_mb(size)} is more than {limit}")
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)  # a file that grew since, or a pipe
    except OSError as exc:
        raise CatalogFileError(f"{path}: cannot read it ({exc.strerror})") from None
    if len(data) > MAX_BYTES:
        raise CatalogFileError(f"{path}: more than {limit}")
    return data


def decode(data: bytes, path: str) -> str:
    """UTF-8 text, or UTF-16/32 with a byte-order mark; the line of a bad byte if not."""
    encoding = "utf-8"
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding = name if name != "utf-8" else "utf-8-sig"
            break
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CatalogFileError(
            f"{path}: line {line}: not UTF-8 text (byte {exc.start}); "
            "save it as UTF-8 and import it again"
        ) from None


def _head_text(data: bytes) -> str:
    """The first 1 MB as text, in the encoding its byte-order mark names (else UTF-8)."""
    encoding = "utf-8-sig"
    for bom, name in _BOMS:
        if data.startswith(bom) and name != "utf-8":
            encoding = name
            break
    return data[:1_000_000].decode(encoding, errors="ignore")


def sniff(data: bytes, path: str) -> str:
    """The format key of a file, from what it starts with (and holds, for JSON and YAML)."""
    text = _head_text(data)
    start = text.lstrip()
    if start[:15].upper() == "BEGIN:VCALENDAR":
        return "sched-ics"
    if start.startswith("<"):
        return "frab-xml"
    if start.startswith(("{", "[")):
        return "json"
    if _YAML_CONFERENCE.search(text):
        return "catalog-yaml"
    if _EXTENSIONS.get(Path(path).suffix.lower()) == {"catalog-yaml"}:
        return "catalog-yaml"  # let the YAML reader say what is wrong with it
    raise CatalogFileError(
        f"{path}: not a schedule format I know; I read Sched iCalendar (BEGIN:VCALENDAR), "
        'frab XML (<schedule>), pretalx/frab JSON ({"schedule": ...}), Sessionize All data '
        'JSON ({"sessions": ..., "speakers": ...}) and catalog YAML (conference: ...)'
    )


def load_json(text: str, path: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogFileError(
            f"{path}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    except RecursionError:
        raise CatalogFileError(f"{path}: not a schedule: JSON nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of 5,000 digits
        raise CatalogFileError(f"{path}: not valid JSON ({str(exc)[:120]})") from None


def json_kind(data: Any, path: str) -> str:
    if isinstance(data, dict):
        if "schedule" in data:
            return "pretalx-json"
        if "sessions" in data and "speakers" in data:
            return "sessionize-json"
        keys = ", ".join(repr(k) for k in list(data)[:8]) or "none"
        shape = f"an object with keys {keys}"
    elif isinstance(data, list):
        looks_like_grid = bool(data) and isinstance(data[0], dict) and "timeSlots" in data[0]
        if looks_like_grid:
            raise CatalogFileError(
                f"{path}: this is Sessionize's schedule grid JSON; export 'All data' "
                "(sessions and speakers) instead"
            )
        shape = f"a list of {len(data)}"
    else:
        shape = f"a JSON {type(data).__name__}"
    raise CatalogFileError(
        f"{path}: JSON of the wrong shape ({shape}): expected pretalx/frab schedule JSON "
        "(with 'schedule') or Sessionize All data (with 'sessions' and 'speakers')"
    )


def parse(data: bytes, path: str, options: Options | None = None) -> Parsed:
    """Read one file's bytes into a catalog, whichever format it is."""
    options = options or Options()
    if options.conference:
        check_slug(options.conference, f"{path}: --event")
    if options.timezone:
        check_zone(options.timezone, f"{path}: --timezone")
    kind = sniff(data, path)
    try:
        parsed = _read(kind, data, path, options)
    finally:
        options.progress.finish()  # a bar left open by a failure is closed
    suffix_kinds = _EXTENSIONS.get(Path(path).suffix.lower())
    if suffix_kinds and parsed.format not in suffix_kinds:
        parsed.notes.append(
            f"read as {FORMAT_NAMES[parsed.format]}, as its content says, "
            f"whatever its {Path(path).suffix} name"
        )
    _check_yaml_fields(parsed)
    parsed.catalog.talks = review(parsed.catalog.talks, parsed.notes)
    return parsed


def _read(kind: str, data: bytes, path: str, options: Options) -> Parsed:
    try:
        if kind == "frab-xml":
            return frab_xml.read(data, path, options)
        if kind == "sched-ics":
            return sched_ics.read(decode(data, path), path, options)
        if kind == "json":
            tree = load_json(decode(data, path), path)
            if json_kind(tree, path) == "pretalx-json":
                return pretalx_json.read(tree, path, options)
            return sessionize_json.read(tree, path, options)
        return _yaml(decode(data, path), path, options)
    except RecursionError:
        raise CatalogFileError(f"{path}: nested too deeply to be a schedule") from None


def _yaml(text: str, path: str, options: Options) -> Parsed:
    try:
        catalog = catalog_yaml.parse(text, path)
    except yaml.YAMLError as exc:  # anything catalog_yaml does not already turn into words
        raise CatalogFileError(f"{path}: not valid YAML ({str(exc)[:200]})") from None
    notes = []
    conference = catalog.conference
    if options.conference:
        conference = replace(conference, slug=options.conference)
        notes.append(f"conference {options.conference} (from --event)")
    if options.timezone:
        conference = replace(conference, timezone=options.timezone)
        notes.append(f"time zone {options.timezone}: from --timezone")
    catalog.conference = conference
    return Parsed(path, "catalog-yaml", catalog, [], notes)


def _check_yaml_fields(parsed: Parsed) -> None:
    """What the YAML reader leaves to the database: lengths the columns hold."""
    if parsed.format != "catalog-yaml":
        return
    c = parsed.catalog.conference
    clip_name(c.slug, f"{parsed.path}: conference slug", 100)
    clip_name(c.name, f"{parsed.path}: conference name")
    for i, e in enumerate(parsed.catalog.events):
        clip_name(e.slug, f"{parsed.path}: events[{i}] slug", 100)
        clip_name(e.name, f"{parsed.path}: events[{i}] name")
    for i, t in enumerate(parsed.catalog.talks):
        where = f"{parsed.path}: talks[{i}] (id {t.source_id[:60]})"
        clip_name(t.source_id, f"{where}: id", 200)
        checked_url(t.url, where)
        clip_name(t.room or "", f"{where}: room")
        for n, s in enumerate(t.speakers, 1):
            clip_name(s.name, f"{where}, speaker {n}")
            clip_name(s.company or "", f"{where}, speaker {n}'s company")


def load(path: Path, options: Options | None = None) -> Parsed:
    return parse(read_bytes(path), str(path), options)
