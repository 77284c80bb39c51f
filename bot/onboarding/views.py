"""The welcome DM, the follow-up and the App Home as Block Kit. Names go through escape()."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.coffee.service import next_meetup
from bot.coffee.views import when
from bot.onboarding.content import Content
from bot.slack.blocks import button, context, header, section
from bot.slack.mrkdwn import escape, link
from bot.slack.replies import Reply

TICK = "onboarding_tick"  # value "tick:<key>" or "untick:<key>": saying it twice is harmless
# The same buttons in an organiser's /welcome preview: shown, never recorded
PREVIEW_TICK = "onboarding_preview_tick"
PREVIEW_NOTE = (
    "This is only a preview: its buttons change nothing. "
    "A newcomer's own welcome keeps their ticks."
)


def _checklist(content: Content, done: set[str], preview: bool = False) -> list[dict[str, Any]]:
    blocks = [section(f"*Getting started* ({len(done & _keys(content))}/{len(content.checklist)})")]
    for item in content.checklist:
        ticked = item.key in done
        label = f"{':white_check_mark:' if ticked else ':white_large_square:'} {item.label}"
        block = section(label)
        block["block_id"] = f"check_{item.key}"
        block["accessory"] = button(
            "Undo" if ticked else "Done",
            PREVIEW_TICK if preview else TICK,
            f"{'untick' if ticked else 'tick'}:{item.key}",
            style=None if ticked else "primary",
        )
        blocks.append(block)
    return blocks


def _keys(content: Content) -> set[str]:
    return {i.key for i in content.checklist}


def welcome(
    content: Content, name: str, done: set[str], coffee: str = "", *, preview: bool = False
) -> Reply:
    """The welcome DM; `coffee` is the next lean coffee, in mrkdwn, when one is scheduled.

    preview: as an organiser sees it in /welcome preview, with buttons that record nothing."""
    who = escape(name) or "there"
    m, p = content.meetings, content.proposals
    channel = link(content.channel.url, content.channel.name)
    reading = "\n".join(
        f"• {link(r.url, r.title)}" + (f": {r.why}" if r.why else "") for r in content.reading
    )
    blocks = [
        header(f"Welcome to {content.group}!"),
        section(f"Hi {who}! {content.group} is {content.about}"),
        section(f"*Where we talk:* {channel}\n{content.introduce}"),
        section(
            f"*When we meet:* {m.when}. {link(m.join_url, 'Join on Zoom')}. {m.how}\n"
            f"{link(m.notes_url, 'Agendas and notes')} · {link(m.recordings_url, 'Recordings')}"
        ),
        section(f"*What to read first*\n{reading}"),
        section(
            f"*Proposing an idea*\n{p.how}\n`{escape(p.thread)}` · "
            f"{link(p.template_url, 'issue template')} · {link(p.guide_url, 'how to contribute')}"
        ),
        section(f"*Lean coffee*\n{content.lean_coffee}" + (f"\n{coffee}" if coffee else "")),
        *_checklist(content, done, preview),
        context("Tick things off as you go; the Home tab of this app keeps the same list."),
    ]
    return Reply(f"Welcome to {content.group}, {who}!", blocks)


def follow_up(content: Content, name: str, done: set[str]) -> Reply:
    who = escape(name) or "there"
    blocks = [section(f"Hi {who}! {content.follow_up}"), *_checklist(content, done)]
    return Reply(f"Hi {who}, a short follow-up from {content.group}", blocks)


def dm_answer(content: Content) -> Reply:
    """What someone writing to the bot in its Messages tab gets back: where the bot listens."""
    channel = link(content.channel.url, content.channel.name)
    text = (
        "Hi! I don't read messages here, but these commands work anywhere in Slack:\n"
        "• `/talks`: conference talks by event, day, speaker, company or topic "
        "(`/talks help` shows how)\n"
        "• `/coffee`: the next lean coffee, and proposing a topic for it\n"
        "• `/welcome`: the newcomer welcome again, with its checklist\n"
        f"The Home tab of this app keeps the checklist and quick links. "
        f"For anything else, ask the group in {channel}."
    )
    return Reply(
        "Hi! I don't read messages here: try /talks, /coffee or /welcome.", [section(text)]
    )


def home(
    content: Content, done: set[str], events: list[tuple[str, str]], coffee: str = ""
) -> dict[str, Any]:
    """The App Home: the checklist, quick links and the talks catalog's entry points."""
    links = "\n".join(f"• {link(x.url, x.title)}" for x in (*content.reading, *content.links))
    slugs = " ".join(f"`/talks {escape(slug)}`" for slug, _ in events[:12])
    blocks = [
        header(content.group),
        section(f"{content.group} is {content.about}"),
        section(
            f"*Channel:* {link(content.channel.url, content.channel.name)}\n"
            f"*Meetings:* {content.meetings.when}, "
            f"{link(content.meetings.join_url, 'join on Zoom')}"
            + (f"\n*Lean coffee:* {coffee}" if coffee else "")
        ),
        *_checklist(content, done),
        section(f"*Quick links*\n{links}"),
        section(
            "*Conference talks*\n`/talks help` shows what the catalog holds. Try "
            + (slugs or "`/talks platform-day`")
            + ", `/talks speaker <name>` or `/speakers <company>`."
        ),
    ]
    return {"type": "home", "blocks": blocks}


def next_coffee(db: Session, team_id: str) -> str:
    """'Next: <date token> in #channel' (each reader's own zone), or "" when none is scheduled.

    A channel link (<#C…>) names the channel without notifying anyone."""
    found = next_meetup(db, team_id)
    if found is None:
        return ""
    s, series = found
    return f"Next: {when(s.starts_at, series.timezone)} in <#{series.channel_id}>"
