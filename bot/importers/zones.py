"""Time zones, instants and durations as schedule files write them."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.importers.records import CatalogFileError


@cache
def _zone_names() -> dict[str, str]:
    """'amsterdam' -> 'Europe/Amsterdam', for every zone named after a city."""
    names: dict[str, str] = {}
    for zone in sorted(available_timezones()):
        if zone.startswith(("Etc/", "SystemV/", "US/")) or "/" not in zone:
            continue
        names.setdefault(zone.rsplit("/", 1)[-1].replace("_", " ").lower(), zone)
    return names


def zone_of_city(city: str | None) -> str | None:
    return _zone_names().get(city.strip().lower()) if city else None


def check_zone(name: str, what: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CatalogFileError(
            f"{what}: unknown time zone {name!r}; use a name like Europe/Amsterdam"
        ) from None
    return name


def offset_zone(offsets: Counter[dt.timedelta]) -> str | None:
    """The fixed-offset zone (Etc/GMT-1 for +01:00) when every time has one whole-hour offset."""
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    hours, rest = divmod(offset.total_seconds(), 3600)
    if rest or not -12 <= hours <= 14:
        return None
    if hours == 0:
        return "UTC"
    return f"Etc/GMT{-int(hours):+d}"  # the POSIX sign: Etc/GMT-1 is UTC+01:00


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """Aware UTC, as the store keeps times (SQLite drops the offset, so it must be UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("a time without a zone")
    return value.astimezone(dt.UTC)


_DURATION = re.compile(r"^(\d{1,3}):(\d{2})(?::(\d{2}))?$")


def duration(text: object, where: str) -> dt.timedelta | None:
    """'01:30' as frab and pretalx write it, or '00:30:00'."""
    if text is None or not str(text).strip():
        return None
    m = _DURATION.match(str(text).strip())
    if not m:
        raise CatalogFileError(f"{where}: duration {str(text)[:40]!r} is not like 00:45")
    hours, minutes, seconds = m.groups()
    return dt.timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0))


def iso_datetime(text: object, where: str, key: str) -> dt.datetime:
    if not isinstance(text, str) or not text.strip():
        raise CatalogFileError(f"{where}: '{key}' must be a date and time like 2024-03-19T10:30")
    try:
        return dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CatalogFileError(
            f"{where}: '{key}' {text[:40]!r} is not a date and time like 2024-03-19T10:30"
        ) from None
