"""The welcome DM, the journey's steps, the follow-up and the App Home as Block Kit. Names go
through escape(); people named in organisers' views are mentions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from bot.onboarding.buddies import buddy_of
from bot.onboarding.content import Content, Step
from bot.onboarding.funnel import Funnel, Newcomer
from bot.onboarding.service import ticks
from bot.slack.blocks import actions, button, context, header, section
from bot.slack.dates import date_token
from bot.slack.mrkdwn import clip, escape, link
from bot.slack.replies import Reply
from bot.store.models import OutboxMessage

TICK = "onboarding_tick"  # value "tick:<key>" or "untick:<key>": saying it twice is harmless
# The buttons of /welcome previews shown before previews were byte-for-byte the DM (a preview
# now carries TICK, and a click on an ephemeral message is known as a preview's): still inert
PREVIEW_TICK = "onboarding_preview_tick"
JOURNEY_STOP = "onboarding_journey_stop"  # value: the step's id
STOP_BLOCK = "journey_stop"
STOP_NOTE = "No more of these: no more tips from me. `/welcome` shows the welcome again."
COFFEE_LINK = "onboarding_coffee_link"  # lean coffee's link button here; Slack sends the click
ORGANISER_RETRY = "onboarding_outbox_retry"  # value: the outbox row's id
ORGANISER_MARK_SENT = "onboarding_outbox_mark_sent"
BUDDY_PICK = "onboarding_buddy_pick"  # organisers add a buddy with a user picker
PREVIEW_NOTE = (
    "This is only a preview: its buttons change nothing. "
    "A newcomer's own welcome keeps their ticks."
)

LeanCoffee = Callable[[Session, str, dt.datetime, str], dict[str, Any]]
"""Draws the lean-coffee section of a welcome, a journey step or the Home: (db, team, now, the
group's words) -> a block with the group's next meetup and a button. Lean coffee's own
(bot/coffee/glance.py) is handed over by the app, so this feature never imports another."""


def no_lean_coffee(db: Session, team_id: str, now: dt.datetime, words: str) -> dict[str, Any]:
    """The group's words alone: no lean coffee known (and what a view shows without one)."""
    return section(f"*Lean coffee*\n{words}")


def call_when(content: Content, now: dt.datetime) -> str:
    """The working group's next call as a date token: each reader sees their own zone."""
    m = content.meetings
    return date_token(m.next_call(now), m.timezone)


def _checklist(
    content: Content, done: set[str], now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    blocks = [section(f"*Getting started* ({len(done & _keys(content))}/{len(content.checklist)})")]
    for item in content.checklist:
        ticked = item.key in done
        label = f"{':white_check_mark:' if ticked else ':white_large_square:'} {item.label}"
        if item.link is not None:  # what the item asks for, one click away
            label += f" · {link(item.link.url, item.link.title)}"
        if item.next_call and now is not None:
            label += f" · next call {call_when(content, now)}"
        block = section(label)
        block["block_id"] = f"check_{item.key}"
        block["accessory"] = button(
            "Undo" if ticked else "Done",
            TICK,
            f"{'untick' if ticked else 'tick'}:{item.key}",
            style=None if ticked else "primary",
        )
        blocks.append(block)
    return blocks


def _keys(content: Content) -> set[str]:
    return {i.key for i in content.checklist}


def welcome(
    content: Content,
    name: str,
    done: set[str],
    coffee: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
    buddy: str = "",
) -> Reply:
    """The first DM, short: who we are, the one next step, the buddy (when there is one), lean
    coffee, the checklist. The rest comes as the journey's steps. /welcome preview shows
    exactly this."""
    who = escape(name) or "there"
    buddy_blocks = (
        [
            section(
                f"*Your buddy:* <@{buddy}> volunteered to help newcomers find their way: "
                "ask them anything, from where to start to who works on what."
            )
        ]
        if buddy
        else []
    )
    blocks = [
        header(f"Welcome to {content.group}!"),
        section(f"Hi {who}! {content.group} is {content.about}"),
        section(
            f"*Your next step:* {content.next_step}\n"
            f"{link(content.channel.url, content.channel.name)}"
        ),
        *buddy_blocks,
        coffee_section(content, coffee),
        *_checklist(content, done, now),
        context(
            (
                "Over the next weeks I will send a few short tips, one at a time. "
                if content.journey
                else ""
            )
            + "The Home tab of this app keeps this list."
        ),
    ]
    return Reply(f"Welcome to {content.group}, {who}!", blocks)


def welcome_for(
    db: Session,
    content: Content,
    lean_coffee: LeanCoffee,
    team_id: str,
    user_id: str,
    name: str,
    now: dt.datetime,
) -> Reply:
    """The welcome exactly as this person gets it (their ticks, the group's lean coffee): the
    sender, a redraw after a tick and /welcome preview all draw it here."""
    done = ticks(db, team_id, user_id)
    coffee = lean_coffee(db, team_id, now, content.lean_coffee)
    return welcome(content, name, done, coffee, now, buddy_of(db, team_id, user_id))


def step(
    content: Content,
    step: Step,
    coffee: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Reply:
    """One DM of the journey: its words, the parts of the content it shows, and a way out."""
    blocks = [section(step.text)]
    m, p = content.meetings, content.proposals
    for part in step.show:
        if part == "meetings":
            blocks.append(
                section(
                    f"*When we meet:* {m.cadence()}"
                    + (f"; the next call is {call_when(content, now)}" if now else "")
                    + f". {link(m.join_url, 'Join on Zoom')}. {m.how}\n"
                    f"{link(m.notes_url, 'Agendas and notes')} · "
                    f"{link(m.recordings_url, 'Recordings')}"
                )
            )
        elif part == "reading":
            reading = "\n".join(
                f"• {link(r.url, r.title)}" + (f": {r.why}" if r.why else "")
                for r in content.reading
            )
            blocks.append(section(f"*What to read first*\n{reading}"))
        elif part == "proposals":
            blocks.append(
                section(
                    f"*Proposing an idea*\n{p.how}\n`{escape(p.thread)}` · "
                    f"{link(p.template_url, 'issue template')} · "
                    f"{link(p.guide_url, 'how to contribute')}"
                )
            )
        elif part == "lean_coffee":
            blocks.append(coffee_section(content, coffee))
    blocks.append(actions(button("No more of these", JOURNEY_STOP, step.id), block_id=STOP_BLOCK))
    first = step.text.split("\n", 1)[0]
    return Reply(clip(f"{content.group}: {first}", 300), blocks)


def buddies_answer(answer: str, organiser: bool) -> Reply:
    """The answer to `/welcome buddies …`; organisers also get a picker to add one more."""
    blocks = [section(clip(answer, 3000))]
    if organiser:
        picker = {
            "type": "users_select",
            "action_id": BUDDY_PICK,
            "placeholder": {"type": "plain_text", "text": "Add a buddy"},
        }
        blocks.append(actions(picker, block_id="buddy_pick"))
    return Reply(answer, blocks)


def stopped_reply(step_reply: Reply | None) -> Reply:
    """A step message once its reader asked for no more: the same words, the button gone."""
    if step_reply is None:
        return Reply(STOP_NOTE, [context(STOP_NOTE)])
    kept = [b for b in step_reply.blocks if b.get("block_id") != STOP_BLOCK]
    return Reply(step_reply.text, [*kept, context(STOP_NOTE)])


def follow_up(content: Content, name: str, done: set[str], now: dt.datetime | None = None) -> Reply:
    who = escape(name) or "there"
    blocks = [section(f"Hi {who}! {content.follow_up}"), *_checklist(content, done, now)]
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
    content: Content,
    done: set[str],
    events: list[tuple[str, str]],
    coffee: dict[str, Any] | None = None,
    organiser: Funnel | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The App Home: the checklist, lean coffee, quick links and the talks catalog's entry
    points; for organisers (only), how onboarding is going."""
    links = "\n".join(f"• {link(x.url, x.title)}" for x in (*content.reading, *content.links))
    examples = [f"`/talks {escape(slug)}`" for slug, _ in events[:12]] or ["`/talks platform-day`"]
    # every example shown must find talks on the catalog itself; the rest is in the help
    examples += ["`/talks help` for speakers, companies, days and topics"]
    blocks = [
        header(content.group),
        section(f"{content.group} is {content.about}"),
        section(
            f"*Channel:* {link(content.channel.url, content.channel.name)}\n"
            f"*Meetings:* {content.meetings.cadence()}"
            + (f", next {call_when(content, now)}" if now else "")
            + f", {link(content.meetings.join_url, 'join on Zoom')}"
        ),
        coffee_section(content, coffee),
        *_checklist(content, done, now),
        section(f"*Quick links*\n{links}"),
        section(
            "*Conference talks*\n`/talks help` shows what the catalog holds. Try "
            + ", ".join(examples[:-1])
            + f" or {examples[-1]}."
        ),
    ]
    if organiser is not None:
        blocks += organiser_blocks(content, organiser)
    return {"type": "home", "blocks": blocks}


def organiser_blocks(content: Content, f: Funnel) -> list[dict[str, Any]]:
    """Who was welcomed, how far they got, which DMs failed, and the outbox: organisers only."""
    labels = {i.key: i.label for i in content.checklist}
    total = len(content.checklist)
    items = " · ".join(f"{escape(labels[k])}: *{f.items.get(k, 0)}*" for k in labels)
    progress = " · ".join(f"{n}/{total}: *{f.progress.get(n, 0)}*" for n in range(total + 1))
    states = " · ".join(f"{state} *{count}*" for state, count in sorted(f.outbox.items()))
    waiting = (
        f"\nOldest DM waiting since {date_token(f.oldest_due, 'UTC')}." if f.oldest_due else ""
    )
    blocks: list[dict[str, Any]] = [
        {"type": "divider"},
        header("Onboarding (organisers only)"),
        section(
            f"*Welcomed:* *{f.week}* in the last 7 days, *{f.month}* in the last 30"
            + (f" ({f.stopped} asked for no more tips)" if f.stopped else "")
            + f"\n*Ticked, of those {f.month}:* {items}\n*How far they got:* {progress}"
        ),
        section(f"*Outbox:* {states or 'empty'}{waiting}"),
    ]
    if f.skipped:
        blocks.append(skipped_section(content, f))
    blocks += newcomer_blocks(content, f)
    if f.failing_feeds:
        blocks.append(failing_feeds_section(f))
    if not f.trouble:
        blocks.append(context("No DM has failed or ended unknown."))
    for row in f.trouble:
        what = {"step": f"step `{escape(row.scope)}`"}.get(row.kind, escape(row.kind))
        blocks.append(
            section(
                f"*{row.state}*: {what} to <@{row.user_id}>"
                + (f" · `{escape(clip(row.last_error, 200))}`" if row.last_error else "")
            )
        )
        blocks.append(
            actions(
                button("Retry", ORGANISER_RETRY, str(row.id), style="primary"),
                button("Mark as sent", ORGANISER_MARK_SENT, str(row.id)),
                block_id=f"outbox_{row.id}",
            )
        )
    return blocks


FEEDS_SHOWN = 5
PER_SECTION = 5  # newcomers per section: a few blocks for twenty people, far below 3000 chars


def _why(content: Content, reason: str) -> str:
    """A skip's stored reason in words an organiser reads at a glance."""
    key = reason.removeprefix("already done: ")
    item = content.item(key) if key != reason else None
    if item is not None:
        return f"they had ticked “{escape(item.label)}” already"
    return escape(reason) or "no reason recorded"


_KIND_NAMES = {"step": "tip", "follow_up": "follow-up", "dm_answer": "answer in Messages"}


def skipped_section(content: Content, f: Funnel) -> dict[str, Any]:
    """What the outbox skipped and why: "skipped 3" alone says nothing."""
    lines = [
        f"• {escape(_KIND_NAMES.get(kind, kind.replace('_', ' ')))}"
        + (f" `{escape(scope)}`" if scope else "")
        + f" ×{count}: {_why(content, reason)}"
        for (kind, scope, reason), count in sorted(f.skipped.items(), key=lambda kv: -kv[1])[:10]
    ]
    if len(f.skipped) > 10:
        lines.append("…and other reasons")
    return section(clip("*Skipped, and why*\n" + "\n".join(lines), 3000))


def _journey(content: Content, steps: list[OutboxMessage]) -> str:
    if not steps:
        return "no tips owed yet" if content.journey else "no journey"
    sent = [r for r in steps if r.state == "sent"]
    ahead = [r for r in steps if r.state in ("pending", "sending", "posting")]
    text = f"tips {len(sent)}/{len(steps)} sent"
    if sent:
        text += f" (last `{escape(sent[-1].scope)}`)"
    if ahead:
        text += f", next `{escape(ahead[0].scope)}` {date_token(ahead[0].due_at, 'UTC')}"
    skipped = [
        f"`{escape(r.scope)}` ({_why(content, r.last_error)})"
        for r in steps
        if r.state == "skipped"
    ]
    if skipped:
        text += ", skipped " + ", ".join(skipped)
    failed = [f"`{escape(r.scope)}` {r.state}" for r in steps if r.state in ("failed", "unknown")]
    if failed:
        text += ", " + ", ".join(failed)
    return text


def newcomer_line(content: Content, n: Newcomer) -> str:
    """Name (as greeted, escaped: nothing in a name can ping), when welcomed, ticks, the
    journey, and whether they asked for no more tips."""
    who = f"*{escape(clip(n.name, 80))}*" if n.name and n.name != "-" else f"<@{n.user_id}>"
    opted = (
        f"asked for no more tips {date_token(n.stopped_at, 'UTC')}"
        if n.stopped_at is not None
        else "getting tips"
    )
    return (
        f"• {who} · welcomed {date_token(n.welcomed_at, 'UTC')} · "
        f"{n.ticked}/{len(content.checklist)} ticked · {_journey(content, n.steps)} · {opted}"
        # a mention in a Home view notifies nobody; it shows the buddy's current name
        + (f" · buddy <@{n.buddy}>" if n.buddy else "")
    )


def newcomer_blocks(content: Content, f: Funnel) -> list[dict[str, Any]]:
    """Each recent newcomer on a line, newest first; beyond the last twenty, a count."""
    if not f.newcomers:
        return [context("No newcomer was welcomed in the last 30 days.")]
    lines = [newcomer_line(content, n) for n in f.newcomers]
    blocks = []
    for start in range(0, len(lines), PER_SECTION):
        title = "*Recent newcomers*, newest first\n" if start == 0 else ""
        blocks.append(section(clip(title + "\n".join(lines[start : start + PER_SECTION]), 3000)))
    if f.newcomers_more:
        blocks.append(context(f"…and {f.newcomers_more} more welcomed in the last 30 days."))
    return blocks


def failing_feeds_section(f: Funnel) -> dict[str, Any]:
    """A short line per schedule feed whose last check failed (`wgbot feeds list` has more)."""
    lines = [
        f"• `{escape(clip(feed.url, 100))}`: {feed.failures} failed "
        + ("check" if feed.failures == 1 else "checks in a row")
        + (f", next try {date_token(feed.due_at, 'UTC')}" if feed.due_at else "")
        + f" · {escape(clip(feed.last_error, 150))}"
        for feed in f.failing_feeds[:FEEDS_SHOWN]
    ]
    if len(f.failing_feeds) > FEEDS_SHOWN:
        lines.append("…and more: `wgbot feeds list` shows them all")
    # escaping may lengthen hostile text; the section's limit is 3000 characters
    return section(clip("*Schedule feeds failing*\n" + "\n".join(lines), 3000))


def coffee_section(content: Content, coffee: dict[str, Any] | None) -> dict[str, Any]:
    return coffee or section(f"*Lean coffee*\n{content.lean_coffee}")
