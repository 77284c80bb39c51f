"""The onboarding words and links, read from data/onboarding/welcome.yaml and checked on load."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.config import shipped_data_dir
from bot.times import next_start

CONTENT_FILE = shipped_data_dir() / "onboarding" / "welcome.yaml"  # the shipped welcome


def _https(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or any(c in url for c in " <>|\n"):
        raise ValueError(f"{url!r} is not a well-formed https URL")
    return url


_HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

HttpsUrl = Annotated[str, AfterValidator(_https)]

# any scheme://..., wherever it sits in mrkdwn (a bare URL, or <url|label>)
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s|>]*")


def _links_https(text: str) -> str:
    for url in _URL_IN_TEXT.findall(text):
        _https(url)
    return text


Mrkdwn = Annotated[str, AfterValidator(_links_https)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Link(_Strict):
    title: str
    url: HttpsUrl
    why: str = ""


class Channel(_Strict):
    name: str
    url: HttpsUrl


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Meetings(_Strict):
    """The working group's own call, as a recurrence: every `every_weeks` weeks on `weekday`
    at `at` in `timezone`, counted from `start` (the first call). Shown as a date token of the
    next call, so each reader sees it in their own zone."""

    every_weeks: int = Field(ge=1, le=8)
    weekday: str
    at: str
    timezone: str
    start: dt.date
    length_minutes: int = Field(60, ge=5, le=240)  # a call under way is still "the next"
    join_url: HttpsUrl
    how: str
    notes_url: HttpsUrl
    recordings_url: HttpsUrl

    @field_validator("weekday")
    @classmethod
    def _weekday(cls, value: str) -> str:
        if value.lower() not in WEEKDAYS:
            raise ValueError(f"weekday {value!r} is not one of {', '.join(WEEKDAYS)}")
        return value.lower()

    @field_validator("at")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _HH_MM.match(value):
            raise ValueError(f"at {value!r} is not a time like 16:00")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone {value!r} is not an IANA zone like Europe/London") from None
        return value

    def next_call(self, now: dt.datetime) -> dt.datetime:
        """The call under way, or else the next one; in UTC."""
        return next_start(
            WEEKDAYS.index(self.weekday),
            self.at,
            self.timezone,
            self.every_weeks,
            self.start,
            now - dt.timedelta(minutes=self.length_minutes),
        )

    def cadence(self) -> str:
        """'every 2 weeks on Tuesday at 16:00 Europe/London': the rule, for the fallback."""
        every = "every week" if self.every_weeks == 1 else f"every {self.every_weeks} weeks"
        return f"{every} on {self.weekday.title()} at {self.at} {self.timezone}"


class Proposals(_Strict):
    thread: str
    template_url: HttpsUrl
    guide_url: HttpsUrl
    how: str


class ChecklistItem(_Strict):
    key: str
    label: str
    # what the item asks for, linked beside it wherever the checklist is shown
    link: Link | None = None
    next_call: bool = False  # shows the next working-group call's date beside it


# The parts of the content a journey step may carry below its own words.
Part = Literal["meetings", "reading", "proposals", "lean_coffee"]


class Step(_Strict):
    """One DM of the journey, sent `day` days after the welcome at `hour` in the person's own
    time zone; skipped when the checklist item `skip_if` is ticked by then."""

    id: str
    day: int = Field(ge=1, le=90)
    hour: int = Field(10, ge=7, le=20)  # a sensible local hour, never the middle of the night
    text: Mrkdwn
    show: list[Part] = []
    skip_if: str = ""

    @field_validator("id")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not value.isidentifier() or len(value) > 40:
            raise ValueError("a step id is an identifier of up to 40 characters")
        return value


class Content(_Strict):
    group: str
    about: Mrkdwn
    channel: Channel
    meetings: Meetings
    reading: list[Link]
    proposals: Proposals
    lean_coffee: Mrkdwn
    introduce: Mrkdwn
    next_step: Mrkdwn  # the one thing the first DM asks of a newcomer
    checklist: list[ChecklistItem]
    links: list[Link]
    follow_up: Mrkdwn
    journey: list[Step] = []

    @field_validator("checklist")
    @classmethod
    def _unique_keys(cls, items: list[ChecklistItem]) -> list[ChecklistItem]:
        keys = [i.key for i in items]
        if len(set(keys)) != len(keys) or not all(k.isidentifier() and len(k) <= 40 for k in keys):
            raise ValueError("checklist keys must be unique identifiers of up to 40 characters")
        return items

    @model_validator(mode="after")
    def _journey_in_order(self) -> Content:
        ids, day = set(), 0
        for n, step in enumerate(self.journey):
            if step.id in ids:
                raise ValueError(f"journey.{n}: the step id {step.id!r} is used twice")
            if step.day <= day:
                raise ValueError(
                    f"journey.{n} ({step.id}): day {step.day} must come after day {day}, "
                    "the day of the step before it"
                )
            if step.skip_if and self.item(step.skip_if) is None:
                known = ", ".join(i.key for i in self.checklist)
                raise ValueError(
                    f"journey.{n} ({step.id}): skip_if {step.skip_if!r} is not a checklist "
                    f"key ({known})"
                )
            ids.add(step.id)
            day = step.day
        return self

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.journey if s.id == step_id), None)

    def item(self, key: str) -> ChecklistItem | None:
        return next((i for i in self.checklist if i.key == key), None)


class ContentError(Exception):
    """The onboarding file is missing or wrong; the message names the field."""


def load_content(path: Path = CONTENT_FILE) -> Content:
    try:
        return Content.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ContentError(f"{path}: {exc}") from exc


@cache
def content_at(path: Path) -> Content:
    """The content of one file, read once per process."""
    return load_content(path)


def default_content() -> Content:
    return content_at(CONTENT_FILE)
