"""frab / Pentabarf schedule XML, as FOSDEM and the CCC publish it.

    <schedule><conference><acronym/><title/><time_zone_name/>?</conference>
      <day date index><room name><event guid id><date/><start/><duration/><title/><track/>
        <type/><abstract/><persons><person id>Name</person></persons><url/>?
        <links><link href>Title</link></links>?<attachments><attachment href>Title</attachment>
        </attachments>?</event>

The file comes from the internet: defusedxml reads it, refusing entity declarations (the
"billion laughs" bomb) and external references. Abstracts are HTML, escaped as text.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from bot.importers.frab_schedule import read_schedule
from bot.importers.records import CatalogFileError, Options, Parsed

_FIELDS = (
    "date",
    "start",
    "duration",
    "room",
    "title",
    "subtitle",
    "track",
    "type",
    "abstract",
    "description",
    "url",
)


def parse_xml(data: bytes, path: str) -> Element:
    try:
        root: Element = SafeET.fromstring(data)  # defusedxml publishes no types
        return root
    except DefusedXmlException as exc:
        raise CatalogFileError(
            f"{path}: refused: the XML declares entities or external references "
            f"({type(exc).__name__}), which no schedule needs and XML bombs use"
        ) from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        reason = str(exc).split(":", 1)[0]
        raise CatalogFileError(
            f"{path}: line {line}, column {column + 1}: not well-formed XML ({reason})"
        ) from None


def _text(el: Element | None) -> str:
    return "".join(el.itertext()) if el is not None else ""


def _event(el: Element) -> dict[str, Any]:
    fields: dict[str, Any] = {k: _text(el.find(k)) for k in _FIELDS}
    fields["guid"] = el.get("guid") or el.get("id")
    # a named person with the schedule's id for them (who they are); a bare name otherwise
    fields["persons"] = [
        {"public_name": _text(p), "id": p.get("id")}
        if _text(p).strip() and p.get("id")
        else _text(p)
        for p in el.iterfind("persons/person")
    ]
    fields["links"] = [
        {"url": (link.get("href") or "").strip(), "title": _text(link)}
        for link in el.iterfind("links/link")
    ]
    # files uploaded with the talk (slides, mostly): <attachment href="...">Title</attachment>
    fields["attachments"] = [
        {"url": (a.get("href") or "").strip(), "title": _text(a)}
        for a in el.iterfind("attachments/attachment")
    ]
    return fields


def read(data: bytes, path: str, options: Options) -> Parsed:
    root = parse_xml(data, path)
    if root.tag != "schedule":
        raise CatalogFileError(
            f"{path}: an XML file whose root is <{root.tag[:40]}>, not <schedule>"
        )
    conf_el = root.find("conference")
    if conf_el is None:
        raise CatalogFileError(f"{path}: <schedule> has no <conference>")
    conf = {child.tag: _text(child) for child in conf_el if isinstance(child.tag, str)}
    raw_days = []
    for d, day in enumerate(root.iterfind("day"), 1):
        dwhere = f"{path}: day {d} ({day.get('date', '?')[:20]})"
        rooms = []
        for room in day.iterfind("room"):
            rname = (room.get("name") or "").strip()
            rwhere = f"{dwhere}, room {rname[:60]!r}"
            events = [
                (f"{rwhere}, event {i}", _event(ev))
                for i, ev in enumerate(room.iterfind("event"), 1)
            ]
            rooms.append((rwhere, rname, events))
        raw_days.append((dwhere, day.get("date"), rooms))
    base_url = (conf.get("base_url") or "").strip() or None
    return read_schedule(
        conf, raw_days, path=path, format_key="frab-xml", options=options, base_url=base_url
    )
