"""pretalx and frab schedule JSON (the c3voc schedule format): days -> rooms -> events.

    {"schedule": {"conference": {"acronym", "title", "time_zone_name"?, "days": [
        {"index", "date", "rooms": {"Room name": [{"guid", "date", "duration", "title",
         "track", "type", "abstract", "persons": [{"public_name"}], "url"}, ...]}}]}}}

Times carry their offset; the conference's zone is `time_zone_name` when the file has one.
Tracks become the conference's events; a file without tracks has one main event.
"""

from __future__ import annotations

from typing import Any

from bot.importers.frab_schedule import as_list, as_str, mapping, read_schedule
from bot.importers.records import Options, Parsed
from bot.importers.text import clean_text


def read(data: Any, path: str, options: Options) -> Parsed:
    root = mapping(data, path)
    schedule = mapping(root.get("schedule"), f"{path}: schedule")
    conf = mapping(schedule.get("conference"), f"{path}: schedule.conference")
    days = as_list(conf.get("days"), f"{path}: schedule.conference.days")
    raw_days = []
    for d, day in enumerate(days):
        dwhere = f"{path}: schedule.conference.days[{d}]"
        day = mapping(day, dwhere)
        rooms = day.get("rooms") or {}
        if isinstance(rooms, list):  # some exports: a list of {"name", "events"}
            rooms = {as_str(r.get("name")): r.get("events") for r in rooms if isinstance(r, dict)}
        rooms = mapping(rooms, f"{dwhere}.rooms")
        raw_rooms = []
        for room_name, events in rooms.items():
            rwhere = f"{dwhere}.rooms[{room_name[:60]!r}]"
            raw_rooms.append(
                (
                    rwhere,
                    clean_text(as_str(room_name)),
                    [
                        (f"{rwhere}[{i}]", mapping(ev, f"{rwhere}[{i}]"))
                        for i, ev in enumerate(as_list(events, rwhere))
                    ],
                )
            )
        raw_days.append((dwhere, day.get("date"), raw_rooms))
    base_url = as_str(schedule.get("base_url") or conf.get("base_url") or conf.get("url")).strip()
    return read_schedule(
        conf,
        raw_days,
        path=path,
        format_key="pretalx-json",
        options=options,
        base_url=base_url or None,
    )
