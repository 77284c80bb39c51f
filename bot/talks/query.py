"""The /talks query language: events, days, speakers, companies, formats and free words.

Forms, alone or combined, in any order and case:
  platform-day | backstagecon | kubecon-eu-2024 | "platform engineering day"
  day 2 | 2024-03-21 | 21 march | march 21 | 21/3 | thursday | today | tomorrow
  paris (a conference's city) | kubecon eu (the start of a conference's or event's name)
  speaker <name> | company <name> | panels | lightning | keynotes | workshops
  anything else: free words, matched against titles, summaries, speakers and companies
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.talks.catalog_index import CatalogIndex, key_of
from bot.talks.word_index import as_prefix
from bot.text import words
from bot.times import local_format

MAX_QUERY = 300  # longer input is refused with a friendly answer, never truncated silently

WEEKDAYS = {
    name: i
    for i, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
FORMAT_WORDS = {
    "panel": "panel",
    "panels": "panel",
    "lightning": "lightning",
    "lightnings": "lightning",
    "keynote": "keynote",
    "keynotes": "keynote",
    "workshop": "workshop",
    "workshops": "workshop",
}
SPEAKER_WORDS = {"speaker", "speakers", "by"}
COMPANY_WORDS = {"company", "companies", "org"}
STOPWORDS = {
    "a",
    "an",
    "the",
    "about",
    "on",
    "of",
    "and",
    "for",
    "with",
    "to",
    "in",
    "talk",
    "talks",
    # the words around a question ("who is speaking about idp"): filler, not search terms
    "who",
    "whos",
    "what",
    "which",
    "is",
    "are",
    "any",
    "there",
    "speaking",
    "speaks",
    "talking",
    "presenting",
    "show",
    "me",
    "find",
    "list",
    "all",
}
TALK_WORDS = {"talk", "talks"}  # alone, the format the help lists as `talks`
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DAY_MONTH = re.compile(r"^(\d{1,2})[/.](\d{1,2})$")  # 21/3, 21.3: day first, as Europe writes it
MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        1,
    )
    for name in names
}
DAY_NUMBER = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")


class QueryError(ValueError):
    """Input we refuse, with a message fit to show the user."""


@dataclass
class TalkQuery:
    raw: str
    conference_ids: set[int] = field(default_factory=set)
    event_ids: set[int] = field(default_factory=set)
    days: set[dt.date] | None = None  # None: any day; empty: a day that no conference has
    day_label: str | None = None
    speaker: list[str] = field(default_factory=list)
    company: list[str] = field(default_factory=list)
    formats: set[str] = field(default_factory=set)
    words: list[str] = field(default_factory=list)
    # raw spellings of the free words and filters, for "did you mean" on a miss
    free_text: str = ""

    @property
    def is_empty(self) -> bool:
        return not (
            self.conference_ids
            or self.event_ids
            or self.days is not None
            or self.speaker
            or self.company
            or self.formats
            or self.words
        )


# ("date", a date), ("relative", days from today), ("day", the conference's day number),
# ("weekday", Monday 0) or ("monthday", (month, day))
DaySpec = tuple[str, dt.date | int | tuple[int, int]]


def _resolve_days(q: TalkQuery, spec: DaySpec, index: CatalogIndex, now: dt.datetime) -> None:
    confs = (
        [index.conferences[c] for c in q.conference_ids]
        or [index.conferences[index.events[e].conference_id] for e in q.event_ids]
        or list(index.conferences.values())
    )
    dates: set[dt.date] = set()
    for conf in confs:
        match spec:
            case ("date", dt.date() as day):
                dates.add(day)
            case ("relative", int(shift)):
                dates.add(now.astimezone(ZoneInfo(conf.timezone)).date() + dt.timedelta(shift))
            case ("day", int(number)) if conf.day_one:
                dates.add(conf.day_one + dt.timedelta(number - 1))
            case ("weekday", int(weekday)):
                dates.update(d for d in conf.days() if d.weekday() == weekday)
            case ("monthday", (int(month), int(day))):  # "21 march": whichever conference has it
                dates.update(d for d in conf.days() if (d.month, d.day) == (month, day))
    q.days = dates


def parse(text: str, index: CatalogIndex, now: dt.datetime) -> TalkQuery:
    text = text.strip()
    if len(text) > MAX_QUERY:
        raise QueryError(
            f"That query is {len(text):,} characters long; I read up to {MAX_QUERY}. "
            "Try a few words, an event or a speaker's name."
        )
    q = TalkQuery(raw=text)
    tokens = [t for t in re.split(r"[\s,;]+", text.lower()) if t]
    day_spec: DaySpec | None = None
    mode: str | None = None  # "speaker" or "company" while collecting a name
    free: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i].strip("\"'()[]{}.!?:")
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        matched = False
        # the start of one name with an abbreviation in it ("kubecon na" -> kubecon-na-2025):
        # a short word is never a free word's prefix, so this is what it can mean
        for n in range(min(2 * index.longest_name, len(tokens) - i), 1, -1):
            if matched or mode is not None:
                break
            span = " ".join(tokens[i : i + n])
            if any(not as_prefix(w) for w in words(span)) and (hit := index.starting_with(span)):
                (q.event_ids if hit[0] == "event" else q.conference_ids).add(hit[1])
                i += n
                matched = True
        # multi-word names first, longest wins ("platform engineering day")
        # a name of k words may span more tokens ("KubeCon + CloudNativeCon": "+" has no word)
        for n in range(min(2 * index.longest_name, len(tokens) - i), 0, -1):
            if matched:
                break
            key = key_of(" ".join(tokens[i : i + n]))
            # inside a name ("speaker argo"), only an unmistakable slug or phrase ends it
            named = index.named(key)
            if named and (n > 1 or mode is None or "-" in tokens[i]):
                kind, ids = named
                (q.event_ids if kind == "event" else q.conference_ids).update(ids)
                i += n
                matched = True
                mode = None
                break
        if matched:
            continue
        i += 1
        if tok in SPEAKER_WORDS:
            mode = "speaker"
        elif tok in COMPANY_WORDS:
            mode = "company"
        elif mode is not None and not (
            (tok == "day" and re.fullmatch(r"[0-9]{1,2}", nxt)) or ISO_DATE.match(tok)
        ):
            # after `speaker`/`company` the words are the name ("ada sun" is not Sunday);
            # only a slug, a phrase (above), `day N` or a full date ends it
            (q.speaker if mode == "speaker" else q.company).extend(words(tok))
        elif tok in FORMAT_WORDS:
            q.formats.add(FORMAT_WORDS[tok])
            mode = None
        elif tok == "day" and re.fullmatch(r"[0-9]{1,2}", nxt) and int(nxt) > 0:
            day_spec, q.day_label = ("day", int(nxt)), f"day {int(nxt)}"
            i += 1
            mode = None
        elif ISO_DATE.match(tok):
            try:
                day_spec, q.day_label = ("date", dt.date.fromisoformat(tok)), tok
            except ValueError:
                raise QueryError(f"{tok} is not a date I know; write it like 2024-03-21.") from None
            mode = None
        elif spec := _month_day(tok, nxt):
            day_spec, q.day_label = ("monthday", spec[:2]), spec[2]
            i += 1 if spec[3] else 0
            mode = None
        elif tok in index.cities:
            q.conference_ids.update(index.cities[tok])
            mode = None
        elif tok in WEEKDAYS:
            day_spec, q.day_label = ("weekday", WEEKDAYS[tok]), tok
            mode = None
        elif tok in ("today", "tomorrow"):
            day_spec, q.day_label = ("relative", 0 if tok == "today" else 1), tok
            mode = None
        else:
            folded = [w for w in words(tok) if w not in STOPWORDS]
            q.words.extend(folded)
            if folded:
                free.append(tok)
    if mode is not None and not (q.speaker if mode == "speaker" else q.company):
        example = (
            "`/talks speaker abby bangser`" if mode == "speaker" else "`/talks company syntasso`"
        )
        raise QueryError(f"Whose talks? Add a name after `{mode}`, e.g. `/talks {example}`.")
    if q.conference_ids and q.event_ids:
        # "<conference> security": that conference's track, not another's of the same name
        own = {e for e in q.event_ids if index.events[e].conference_id in q.conference_ids}
        q.event_ids = own or q.event_ids
    if day_spec is not None:
        _resolve_days(q, day_spec, index, now)
    if tokens and q.is_empty and {t.strip("\"'()[]{}.!?:") for t in tokens} <= TALK_WORDS:
        # `/talks talks`: the format, as the help lists it
        q.formats.add("talk")
    q.free_text = " ".join(free)
    return q


def _month_day(tok: str, nxt: str) -> tuple[int, int, str, bool] | None:
    """(month, day, label, whether it took the next token too) for "21/3", "21 march",
    "march 21" and "mar 21st"; None when tok starts no such date."""
    if m := DAY_MONTH.match(tok):
        day, month = int(m[1]), int(m[2])
        taken = False
    elif (m := DAY_NUMBER.match(tok)) and nxt.strip(".,") in MONTHS:
        day, month, taken = int(m[1]), MONTHS[nxt.strip(".,")], True
    elif tok in MONTHS and (m := DAY_NUMBER.match(nxt.strip(".,"))):
        day, month, taken = int(m[1]), MONTHS[tok], True
    else:
        return None
    try:
        dt.date(2024, month, day)  # a leap year: 29 February is a day
    except ValueError:
        return None
    return month, day, local_format(dt.date(2024, month, day), "%-d %B"), taken
