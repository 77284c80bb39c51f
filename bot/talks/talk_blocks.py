"""One talk as Block Kit: its time as a date token, its one-line and full forms, its links.

Shared by the answers (views.py) and the reminder DMs (reminders.py).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from bot.slack.blocks import Block, actions, button, context, link_button, section
from bot.slack.dates import date_token, day_token
from bot.slack.mrkdwn import clip, escape, link
from bot.slack.replies import Reply
from bot.talks.search import TalkRow
from bot.times import local_format

DETAILED = 3  # answers of up to this many talks show each in full

FORMAT_LABELS = {
    "talk": "Talk",
    "lightning": "Lightning talk",
    "panel": "Panel",
    "keynote": "Keynote",
    "workshop": "Workshop",
}
FOLLOW = "talks_follow"  # value: talk id
DETAILS = "talks_details"  # a static select; the chosen option's value is a talk id
VIDEO = "talks_video"  # link buttons: Slack opens the URL, the bot only acks
SLIDES = "talks_slides"
UNFOLLOW = "talks_unfollow"
LINK_TITLE = 200  # characters of a link's title shown under its button


@lru_cache(maxsize=4096)  # a schedule has few distinct slots, and every answer formats them
def when(starts_at: dt.datetime | None, day: dt.date | None, timezone: str) -> str | None:
    """A Slack date token: each reader sees their own zone; the fallback (notifications, old
    clients) is the conference's local time with its zone."""
    if starts_at is not None:
        return date_token(starts_at, timezone, "{date_short_pretty}, {time}", "%a %-d %b %Y, %H:%M")
    return local_format(day, "%a %-d %b %Y") if day else None


@lru_cache(maxsize=4096)
def clock_time(starts_at: dt.datetime | None, timezone: str) -> str:
    """Just the start time, as a date token (the day is the heading above it)."""
    if starts_at is None:
        return ""
    return date_token(starts_at, timezone, "{time}", "%H:%M")


def facts(row: TalkRow, *, room: bool = True) -> str:
    """'Panel · Platform Engineering Day · <date token>', escaped and in italics."""
    parts = [FORMAT_LABELS.get(row.format, row.format.title()), row.event_name]
    if room and row.room:
        parts.append(row.room)
    text = "_" + escape(" · ".join(f for f in parts if f)) + "_"
    moment = when(row.starts_at, row.day, row.timezone)
    return f"{text} · {moment}" if moment else text


def talk_text(row: TalkRow, *, summary: int = 300) -> str:
    """A talk in full: title, speakers, facts, summary."""
    lines = [f"*{link(row.url, row.title)}*"]
    if row.speakers_line:
        lines.append(escape(row.speakers_line))
    lines.append(facts(row))
    if row.summary:
        lines.append(escape(clip(row.summary, summary)))
    return "\n".join(lines)


def talk_line(row: TalkRow) -> str:
    """A talk on one line: time, title (linked), speakers, and the format unless a talk."""
    parts = []
    start = clock_time(row.starts_at, row.timezone)
    if start:
        parts.append(start)
    title = f"*{link(row.url, clip(row.title, 150))}*"
    if row.format != "talk":
        title += f" _{FORMAT_LABELS.get(row.format, row.format)}_"
    parts.append(title)
    if row.speakers_line:
        parts.append(escape(clip(row.speakers_line, 160)))
    parts.append(f"`#{row.id}`")  # what `/talks <id>` takes, as the docs tell people
    return " · ".join(parts)


@lru_cache(maxsize=4096)
def day_heading(day: dt.date | None, timezone: str) -> str:
    """The day as a date token at local noon, so every reader's zone shows the same date."""
    if day is None:
        return "*Date to be announced*"
    return f"*{day_token(day, timezone)}*"


def _link(label: str, name: str, action_id: str, url: str, title: str, talk_id: int) -> Block:
    b = link_button(label, action_id, url, str(talk_id))
    if title:  # what a screen reader says instead of the short label (75 characters at most)
        b["accessibility_label"] = clip(f"{name}: {title}", 75)
    return b


def link_buttons(row: TalkRow) -> list[dict[str, Any]]:
    """Buttons to the recording and the slides, where the source has them: short labels, the
    links' titles said by link_titles beside them."""
    out = []
    if row.video_url:
        video, title = row.video_url, row.recording_title
        out.append(_link("▶ Recording", "Recording", VIDEO, video, title, row.id))
    if row.slides_url:
        out.append(_link("Slides", "Slides", SLIDES, row.slides_url, row.slides_title, row.id))
    return out


def link_titles(row: TalkRow) -> list[str]:
    """'Recording: <title>', 'Slides: <title>' for the links whose source gave a title that says
    more than the button (the importer keeps no generic one); imported text, so escaped."""
    parts = []
    if row.video_url and row.recording_title:
        parts.append(f"Recording: {escape(clip(row.recording_title, LINK_TITLE))}")
    if row.slides_url and row.slides_title:
        parts.append(f"Slides: {escape(clip(row.slides_title, LINK_TITLE))}")
    return parts


def link_blocks(row: TalkRow) -> list[dict[str, Any]]:
    """The link buttons of a talk shown in full, and their titles under them."""
    buttons = link_buttons(row)
    if not buttons:
        return []
    out = [actions(*buttons)]
    if titles := link_titles(row):  # one element each: escaped, each stays under 3000
        out.append(context(*titles))
    return out


def with_follow(block: dict[str, Any], talk_id: int) -> dict[str, Any]:
    """A Follow button beside a talk: a DM if it moves or is withdrawn."""
    block["accessory"] = button("Follow", FOLLOW, str(talk_id))
    return block


def details_menu(rows: list[TalkRow]) -> dict[str, Any]:
    """A menu of this page's talks: picking one shows it in full, with Follow and links."""
    options = [
        {
            "text": {"type": "plain_text", "text": clip(row.title, 75)},
            "value": str(row.id),
        }
        for row in rows[:100]
    ]
    return {
        "type": "static_select",
        "action_id": DETAILS,
        "placeholder": {"type": "plain_text", "text": "Details of a talk…"},
        "options": options,
    }


def details_view(row: TalkRow | None) -> Reply:
    """One talk in full: `/talks <id>` or the Details menu."""
    if row is None:
        text = "That talk is not in the catalog (any more). `/talks help` shows what it holds."
        return Reply(text, [section(text)])
    blocks = [with_follow(section(talk_text(row, summary=1500)), row.id)]
    blocks.extend(link_blocks(row))
    blocks.append(context(f"`/talks {row.id}` shows this talk again"))
    return Reply(row.title, blocks)
