"""The onboarding words and links, read from data/onboarding/welcome.yaml and checked on load."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, field_validator

from bot.config import shipped_data_dir

CONTENT_FILE = shipped_data_dir() / "onboarding" / "welcome.yaml"  # the shipped welcome


def _https(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or any(c in url for c in " <>|\n"):
        raise ValueError(f"{url!r} is not a well-formed https URL")
    return url


HttpsUrl = Annotated[str, AfterValidator(_https)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Link(_Strict):
    title: str
    url: HttpsUrl
    why: str = ""


class Channel(_Strict):
    name: str
    url: HttpsUrl


class Meetings(_Strict):
    when: str
    join_url: HttpsUrl
    how: str
    notes_url: HttpsUrl
    recordings_url: HttpsUrl


class Proposals(_Strict):
    thread: str
    template_url: HttpsUrl
    guide_url: HttpsUrl
    how: str


class ChecklistItem(_Strict):
    key: str
    label: str


class Content(_Strict):
    group: str
    about: str
    channel: Channel
    meetings: Meetings
    reading: list[Link]
    proposals: Proposals
    lean_coffee: str
    introduce: str
    checklist: list[ChecklistItem]
    links: list[Link]
    follow_up: str

    @field_validator("checklist")
    @classmethod
    def _unique_keys(cls, items: list[ChecklistItem]) -> list[ChecklistItem]:
        keys = [i.key for i in items]
        if len(set(keys)) != len(keys) or not all(k.isidentifier() and len(k) <= 40 for k in keys):
            raise ValueError("checklist keys must be unique identifiers of up to 40 characters")
        return items

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
