"""The meeting as Block Kit: the live board, a timebox's Roman vote, the takeaway modal, and
the summary (also as Markdown, for the meeting notes).

Topics, descriptions and takeaways are user text: every piece goes through escape(). People
are named, never @-mentioned: a channel message would ping them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.coffee.board_state import Board, Box, Note
from bot.coffee.meeting import ENDED
from bot.coffee.service import MAX_TOPIC
from bot.coffee.topics import TopicLine
from bot.coffee.voices import CHOICES, MAX_TAKEAWAY, RUNNING
from bot.slack.blocks import (
    BLOCKS_TEXT,
    MAX_BLOCKS,
    Block,
    actions,
    button,
    context,
    pages,
    section,
    text_length,
)
from bot.slack.dates import date_token
from bot.slack.mrkdwn import clip, escape, link
from bot.slack.replies import Reply

NEXT = "coffee_meet_next"  # value: meetup id:current topic id ("" for none)
PICK = "coffee_meet_pick"  # a select; each option's value: meetup id:current topic id:topic id
EXTEND = "coffee_meet_extend"  # value: meetup id:timebox id
MOVE_ON = "coffee_meet_move_on"  # value: meetup id:timebox id
DONE = "coffee_meet_done"  # value: meetup id:topic id
MEETING_TOPIC = "coffee_meet_add_topic"  # value: meetup id; the propose form, for the meeting
HOST = "coffee_meet_host"  # value: meetup id; "I'll host" on the agenda
NOTE = "coffee_meet_note"  # value: meetup id:topic id; opens the takeaway modal
NOTE_MODAL = "coffee_meet_note_modal"
ROMAN = "coffee_roman"  # value: meetup id:timebox id:choice
THUMBS = {"up": "👍 keep going", "down": "👎 move on", "side": "✋ either way"}
# how a settled Roman vote ended (its timebox's outcome)
SETTLED = {"extended": "extended", "moved on": "moved on", ENDED: "the meeting ended"}
SECTION_CHARS = 2900  # lines gathered into sections of at most this many characters


def _name(names: dict[str, str], user_id: str) -> str:
    return escape(names.get(user_id, user_id))


def _topic(t: TopicLine, names: dict[str, str], limit: int = MAX_TOPIC) -> str:
    return f"*{t.number}.* {escape(clip(t.title, limit))} · _{_name(names, t.user_id)}_"


def votes_of(t: TopicLine) -> str:
    return f"{t.votes} vote{'s' if t.votes != 1 else ''}"


def spent(minutes: int) -> str:
    """Minutes a discussed topic took, to the nearest minute; never "0 min"."""
    return f"{minutes} min" if minutes > 0 else "under a minute"


def _thumbs(votes: dict[str, int]) -> str:
    return "  ".join(f"{THUMBS[c].split()[0]} {votes.get(c, 0)}" for c in CHOICES)


def _sections(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Lines gathered into as few sections as fit Slack's 3000 characters each."""
    blocks: list[dict[str, Any]] = []
    chunk: list[str] = []
    for line in lines:
        if chunk and sum(len(c) + 1 for c in chunk) + len(line) > SECTION_CHARS:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


def _notes(notes: list[Note], names: dict[str, str]) -> list[str]:
    out = []
    for n in notes:
        owner = f" (owner: {_name(names, n.owner)})" if n.owner else ""
        label = "Action" if n.kind == "action" else "Takeaway"
        out.append(f"• _{label}:_ {escape(n.text)}{owner}")
    return out


def board(b: Board, tz: str, names: dict[str, str], url: str, extensions: tuple[int, ...]) -> Reply:
    """The agenda message once the meeting begins, redrawn in place as it goes."""
    for limit in (MAX_TOPIC, 80, 40):  # shorter lines only if a long agenda would not fit
        blocks = _board_blocks(b, tz, names, url, extensions, limit)
        if len(blocks) <= MAX_BLOCKS and text_length(blocks) <= BLOCKS_TEXT:
            break
    else:  # a meetup stored before the topic cap, or long takeaways: say so (Reply trims)
        blocks = [
            *blocks[: MAX_BLOCKS - 1],
            context("More topics than fit: the summary lists all."),
        ]
    state = "has ended" if b.meeting == ENDED else "is on"
    return Reply(f"Lean coffee {date_token(b.starts_at, tz)}: the meeting {state}", blocks)


def _board_blocks(
    b: Board, tz: str, names: dict[str, str], url: str, extensions: tuple[int, ...], limit: int
) -> list[dict[str, Any]]:
    who = f" Facilitator: {_name(names, b.facilitator)}." if b.facilitator else ""
    if b.host and b.host != b.facilitator:
        who += f" Host: {_name(names, b.host)}."
    if b.meeting == ENDED:
        head = "The meeting has ended; the summary is in the thread."
    else:
        head = f"The meeting is on.{who}"
    blocks: list[dict[str, Any]] = [
        section(f"*Lean coffee · {date_token(b.starts_at, tz)}*\n{head}")
    ]
    if b.meeting == RUNNING:
        blocks.append(section("*Discussing*"))
        if b.current is None:
            blocks.append(section("_No topic yet: the facilitator starts the next one._"))
        else:
            blocks += _discussing(b, b.current, tz, names, extensions)
        waiting = str(b.current.id) if b.current else ""
        buttons = [button("Start next topic", NEXT, f"{b.meetup_id}:{waiting}", style="primary")]
        if b.current is not None and b.box is not None:
            more = b.next_extension(extensions)
            if more:  # no Extend button when the series has extensions off
                buttons.append(button(f"Extend +{more} min", EXTEND, f"{b.meetup_id}:{b.box.id}"))
            buttons += [
                button("Done", DONE, f"{b.meetup_id}:{b.current.id}"),
                button("Add takeaway", NOTE, f"{b.meetup_id}:{b.current.id}"),
            ]
        # anyone may squeeze a topic in: it joins the end of the list
        buttons.append(button("Add a topic", MEETING_TOPIC, str(b.meetup_id)))
        if b.to_discuss:  # the facilitator may take any waiting topic next, not only the top
            buttons.append(_pick(b, waiting, limit))
        blocks.append(actions(*buttons))
    # once the meeting has ended nothing is "to discuss": what is left was not discussed
    left = "Not discussed" if b.meeting == ENDED else "To discuss"
    if b.meeting != ENDED or b.to_discuss:
        blocks.append(section(f"*{left}* ({len(b.to_discuss)})"))
        blocks += _sections(f"{_topic(t, names, limit)} · {votes_of(t)}" for t in b.to_discuss) or [
            context("Nothing left to discuss.")
        ]
    if b.discussed:
        blocks.append(section(f"*Discussed* ({len(b.discussed)})"))
        blocks += _sections(
            f"{_topic(t, names, limit)} · {spent(b.minutes.get(t.id, 0))}" for t in b.discussed
        )
    if b.meeting == RUNNING:
        blocks.append(
            context("Only the host, the facilitator or an organiser moves the meeting on.")
        )
    if url:
        blocks.append(context(f"Meeting link: {link(url, url)}"))
    return blocks


def _pick(b: Board, waiting: str, limit: int) -> dict[str, Any]:
    options = [
        {
            "text": {"type": "plain_text", "text": _option_text(f"{t.number}. {t.title}")},
            "value": f"{b.meetup_id}:{waiting}:{t.id}",
        }
        for t in b.to_discuss[:100]  # Slack's limit on a select's options
    ]
    return {
        "type": "static_select",
        "action_id": PICK,
        "placeholder": {"type": "plain_text", "text": "Pick next topic"},
        "options": options,
    }


def hosting(meetup_id: int, host: str, names: dict[str, str], volunteers: bool) -> list[Block]:
    """Who hosts the meetup, named (never pinged: the agenda is a channel message); with no
    host yet and a series that lets anyone host, the "I'll host" button."""
    if host:
        return [context(f"Host: {_name(names, host)}")]
    if volunteers:
        return [
            actions(button("I'll host", HOST, str(meetup_id))),
            context(
                "Anyone may host this meetup: the host runs the meeting as an organiser would."
            ),
        ]
    return []


def _option_text(text: str) -> str:
    """A select option's words: escaped like any text Slack shows, at most 75 characters."""
    room = 75
    while len(escape(clip(text, room))) > 75:
        room -= 5
    return escape(clip(text, room))


def _discussing(
    b: Board, t: TopicLine, tz: str, names: dict[str, str], extensions: tuple[int, ...]
) -> list[dict[str, Any]]:
    text = _topic(t, names)
    if t.description:
        text += "\n>" + escape(clip(t.description, 1200)).replace("\n", "\n>")
    blocks = [section(text)]
    if b.box is not None:
        minutes = round((b.box.ends_at - b.box.starts_at).total_seconds() / 60)
        if b.box.expired and not b.box.outcome:
            timing = "Time is up: the Roman vote is in the thread."
        else:
            kind = "timebox" if b.box.round == 0 else f"extension {b.box.round}"
            timing = f"{minutes}-minute {kind}, ends {date_token(b.box.ends_at, tz, '{time}')}."
        blocks.append(context(timing))
    mine = b.notes_on(t.id)
    if mine:
        blocks += _sections(_notes(mine[-10:], names))
        if len(mine) > 10:
            blocks.append(context(f"{len(mine) - 10} more in the summary."))
    return blocks


def roman_vote(meetup_id: int, box: Box, topic: TopicLine, extend_by: int) -> Reply:
    """The vote posted in the board's thread when a timebox runs out; counts redrawn live."""
    title = escape(clip(topic.title, MAX_TOPIC))
    counts = _thumbs(box.votes)
    if box.outcome:  # settled: the buttons are gone, the count stays
        said = SETTLED.get(box.outcome, box.outcome)
        text = f"Time was up for *{topic.number}.* {title}: {said}. {counts}"
        return Reply(text, [section(text)])
    text = (
        f"Time is up for *{topic.number}.* {title}. Keep going? One vote each, change it "
        f"any time.\n{counts}"
    )
    decide = [button("Move on", MOVE_ON, f"{meetup_id}:{box.id}", style="primary")]
    if extend_by:  # 0: the series has extensions off
        decide.insert(0, button(f"Extend +{extend_by} min", EXTEND, f"{meetup_id}:{box.id}"))
    return Reply(
        f"Time is up for topic {topic.number}: keep going?",
        [
            section(text),
            actions(*(button(THUMBS[c], ROMAN, f"{meetup_id}:{box.id}:{c}") for c in CHOICES)),
            actions(*decide),
            context(
                "The facilitator (or an organiser) extends or moves on."
                if extend_by
                else "The facilitator (or an organiser) moves on."
            ),
        ],
    )


def note_modal(meetup_id: int, topic: TopicLine) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": NOTE_MODAL,
        "private_metadata": f"{meetup_id}:{topic.id}",
        "title": {"type": "plain_text", "text": "Takeaway"},
        "submit": {"type": "plain_text", "text": "Add"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "context",
                "elements": [{"type": "plain_text", "text": clip(f"On: {topic.title}", 2000)}],
            },
            {
                "type": "input",
                "block_id": "kind",
                "label": {"type": "plain_text", "text": "What is it?"},
                "element": {
                    "type": "radio_buttons",
                    "action_id": "kind",
                    "initial_option": _option("takeaway", "A takeaway"),
                    "options": [_option("takeaway", "A takeaway"), _option("action", "An action")],
                },
            },
            {
                "type": "input",
                "block_id": "text",
                "label": {"type": "plain_text", "text": "In a sentence or two"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "multiline": True,
                    "max_length": MAX_TAKEAWAY,
                },
            },
            {
                "type": "input",
                "block_id": "owner",
                "optional": True,
                "label": {"type": "plain_text", "text": "Owner (for an action)"},
                "element": {"type": "users_select", "action_id": "owner"},
            },
        ],
    }


def _option(value: str, text: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


# ---- the summary ----------------------------------------------------------------------------


TAKING_PART = 80  # people named under "Taking part"; past this, how many more


def roman_outcome(box: Box) -> str:
    """How a Roman vote ended, in words that stand alone in the summary."""
    if box.outcome == ENDED:
        return "the meeting ended first"
    if box.outcome:
        return SETTLED.get(box.outcome, box.outcome)
    return "no decision yet: the vote is still open"


def summary_lines(b: Board, names: dict[str, str]) -> list[str]:
    """The summary as Slack shows it, a line each: the topics discussed (votes, minutes,
    Roman votes, takeaways and actions), then the topics that carry over. Lists are drawn
    with the bullets Slack itself draws (mrkdwn has no list syntax: "- " stays a hyphen)."""
    out: list[str] = ["*Discussed*"]
    for t in b.discussed:
        by = _name(names, t.user_id)
        out.append(
            f"• *{t.number}. {escape(t.title)}* · _{by}_ · {votes_of(t)} · "
            f"{spent(b.minutes.get(t.id, 0))}"
        )
        for box in b.roman_votes(t.id):
            out.append(
                f"      ◦ Roman vote {box.round + 1}: {_thumbs(box.votes)} → {roman_outcome(box)}"
            )
        for n in b.notes_on(t.id):
            owner = f" (owner: {_name(names, n.owner)})" if n.owner else ""
            label = "Action" if n.kind == "action" else "Takeaway"
            out.append(f"      ◦ _{label}:_ {escape(n.text)}{owner}")
    if not b.discussed:
        out.append("No topic was discussed.")
    left = b.not_discussed
    if left:
        verb = ", carried over to the next meetup" if b.carried else ""
        out.append(f"*Not discussed ({len(left)}){verb}*")
        out += [f"• {t.number}. {escape(t.title)}" for t in left]
    return out


def taking_part(people: list[str], names: dict[str, str]) -> str:
    """Everyone who proposed, voted, thumbed or noted something, by name (a name is not a
    mention: nobody is pinged), sorted; a long list says how many more."""
    shown = sorted((names.get(u, u) for u in people), key=str.casefold)
    kept: list[str] = []
    size = 0
    for name in shown[:TAKING_PART]:  # long names: as many as one section holds
        size += len(escape(clip(name, 80))) + 2
        if size > SECTION_CHARS - 100:
            break
        kept.append(escape(clip(name, 80)))
    text = ", ".join(kept)
    if len(shown) > len(kept):
        text += f" and {len(shown) - len(kept)} more"
    return f"*Taking part ({len(shown)}):* {text}" if shown else "*Taking part:* nobody"


def summary(
    b: Board, tz: str, names: dict[str, str], url: str = "", people: list[str] | None = None
) -> list[Reply]:
    """The summary posted in the board's thread, in as many messages as it takes."""
    head = section(f"*Lean coffee summary · {date_token(b.starts_at, tz)}*")
    blocks = [head, *_sections(summary_lines(b, names))]
    if people is not None:
        blocks.append(section(taking_part(people, names)))
    if url:
        blocks.append(context(f"Meeting link: {link(url, url)}"))
    text = f"Lean coffee summary for {date_token(b.starts_at, tz)}"
    return [Reply(text, page) for page in pages(blocks)]


def plain_reply(text: str) -> Reply:
    """A short answer; `text` is escaped here."""
    return Reply(escape(text), [section(escape(text))])


def more_in_thread() -> dict[str, Any]:
    return context("More in the summary in the board's thread.")
