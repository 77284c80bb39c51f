"""Which conference a file is, and its events: slugs from the file, --event or the file name."""

from __future__ import annotations

import re
from pathlib import Path

from bot.importers.checks import MAX_SLUG, SLUG, clip_name
from bot.importers.records import CatalogFileError, EventRecord, Options
from bot.importers.text import pretty_name
from bot.text import words

# Words in a file name that say what kind of export it is, not which conference.
_GENERIC_NAME_WORDS = {
    "sched",
    "sessionize",
    "pretalx",
    "frab",
    "schedule",
    "export",
    "all",
    "data",
    "calendar",
    "ical",
    "ics",
    "json",
    "xml",
    "yaml",
    "yml",
}
_ISO_DATE_IN_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")


def slugify(text: str) -> str:
    """'Ethics, Society & Politics' -> 'ethics-society-politics' (accents folded, emoji dropped)."""
    return "-".join(words(text))[:MAX_SLUG].strip("-")


def check_slug(slug: str, what: str) -> str:
    if not SLUG.match(slug):
        raise CatalogFileError(
            f"{what}: {slug!r} is not a usable slug; use lower-case letters, digits and '-' "
            f"(at most {MAX_SLUG} characters), e.g. kubecon-eu-2026"
        )
    return slug


def slug_from_file_name(path: str) -> str:
    """'sessionize-global-azure-austria-2024.json' -> 'global-azure-austria-2024'.

    Export words (sched, sessionize, schedule, ...) and day stamps (2026-03-24, as per-day
    exports carry) say nothing about which conference it is, so they are dropped.
    """
    stem = _ISO_DATE_IN_NAME.sub(" ", Path(path).stem)
    return slugify(" ".join(w for w in words(stem) if w not in _GENERIC_NAME_WORDS))


def choose_slug(
    options: Options, from_file: str | None, source: str, path: str, notes: list[str]
) -> str:
    """--event, else what the file calls itself, else its file name; says which in a note."""
    if options.conference:
        notes.append(f"conference {options.conference} (from --event)")
        return check_slug(options.conference, f"{path}: --event")
    if from_file:
        slug = slugify(from_file)
        if slug:
            notes.append(f"conference {slug} (from {source}; --event names it otherwise)")
            return check_slug(slug, f"{path}: {source}")
    slug = slug_from_file_name(path)
    if not slug:
        raise CatalogFileError(
            f"{path}: the file does not name its conference and its file name gives no name "
            "either; name it with --event, e.g. --event kubecon-eu-2026"
        )
    notes.append(
        f"conference {slug} (from the file name: the file does not name its conference; "
        "--event names it otherwise)"
    )
    return check_slug(slug, f"{path}: file name")


def track_event(name: str, where: str) -> EventRecord:
    shown = pretty_name(name) or name.strip()
    slug = slugify(shown)
    if not slug:
        raise CatalogFileError(f"{where}: track {name!r} has no letters or digits to name it by")
    return EventRecord(slug=slug, name=clip_name(shown, f"{where}: track"), kind="track")


def main_event(slug: str, name: str) -> EventRecord:
    """The one event of a conference whose file has no tracks: every talk belongs to it."""
    return EventRecord(slug=slug, name=name, kind="main", aliases=("main",))
