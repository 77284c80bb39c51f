"""Lean coffee as Block Kit: the channel message in each state, the agenda, the modal, /coffee.

Topics are user text: every one goes through escape(), and proposers are never @-mentioned
(a channel message would ping them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from bot.coffee.dots import VoteResult
from bot.coffee.schedule import SeriesSettings
from bot.coffee.service import MAX_TOPIC, TopicLine
from bot.slack.blocks import MAX_BLOCKS, actions, button, context, header, section
from bot.slack.mrkdwn import clip, escape
from bot.slack.replies import Reply
from bot.store.models import CoffeeSession

PROPOSE = "coffee_propose"  # button: open the modal
PROPOSE_MODAL = "coffee_propose_modal"  # view submission
VOTE = "coffee_vote"  # value: topic id; adds a dot (or takes it back, one dot per topic)
UNVOTE = "coffee_unvote"  # value: topic id; takes one dot back
WITHDRAW = "coffee_withdraw"  # value: topic id
EDIT = "coffee_edit"  # value: topic id; opens the modal with the topic's words
TIE_BREAK = "Ties go to the topic proposed first."


def when(moment: dt.datetime, timezone: str) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo(timezone)).strftime("%a %-d %b, %H:%M")


def _title(s: CoffeeSession, tz: str) -> str:
    return f"Lean coffee · {when(s.starts_at, tz)} ({tz})"


def _line(n: int, t: TopicLine, counts: bool) -> str:
    dots = f"  ·  *{t.votes}* vote{'s' if t.votes != 1 else ''}" if counts else ""
    return f"*{n}.* {escape(clip(t.title, MAX_TOPIC))}{dots}"


def numbers(lines: list[TopicLine]) -> dict[int, int]:
    """A topic's number is its place in order of proposal: stable while votes move it."""
    return {t.id: t.number for t in lines}


def session_message(s: CoffeeSession, tz: str, lines: list[TopicLine]) -> Reply:
    """The one channel message of a meetup, redrawn in place as topics and votes arrive."""
    nums = numbers(lines)
    by_number = sorted(lines, key=lambda t: nums[t.id])
    blocks: list[dict[str, Any]] = [header(_title(s, tz))]
    if s.state == "collecting":
        blocks.append(
            section(
                f"Topic collection is open until voting starts ({when(s.vote_at, tz)}). "
                "Propose what you would like to talk about: one line each."
            )
        )
        blocks += [section(_line(nums[t.id], t, False)) for t in by_number[: MAX_BLOCKS - 5]]
        blocks.append(actions(button("Propose a topic", PROPOSE, str(s.id), style="primary")))
    elif s.state == "voting":
        budget = s.votes_per_person
        rule = "several on one topic allowed" if s.multi_dots else "one per topic"
        counts = not s.hide_counts
        blocks.append(
            section(
                f"Voting is open until the meetup starts. You have *{budget}* votes ({rule}); "
                "click a topic to vote, click again to take the vote back."
                + ("" if counts else " Counts stay hidden until voting closes.")
            )
        )
        for t in by_number[: MAX_BLOCKS - 5]:
            block = section(_line(nums[t.id], t, counts))
            block["accessory"] = button("Vote", VOTE, f"{s.id}:{t.id}")
            blocks.append(block)
        blocks.append(actions(button("Propose a topic", PROPOSE, str(s.id))))
    elif s.state == "closed":
        blocks.append(section("Voting has closed; the agenda is below in the channel."))
        blocks += [section(_line(nums[t.id], t, True)) for t in lines[: MAX_BLOCKS - 3]]
    else:
        blocks.append(section("This meetup was cancelled."))
    if not lines and s.state in ("collecting", "voting"):
        blocks.insert(2, context("No topics yet: be the first."))
    return Reply(f"Lean coffee on {when(s.starts_at, tz)}: {len(lines)} topics", blocks)


def agenda(s: CoffeeSession, tz: str, lines: list[TopicLine]) -> Reply:
    """The ranked agenda: most votes first, a stated tie-break, nothing cut off silently."""
    nums = numbers(lines)
    text = [
        f"{rank}. {escape(clip(t.title, MAX_TOPIC))} · *{t.votes}* "
        f"vote{'s' if t.votes != 1 else ''} (#{nums[t.id]})"
        for rank, t in enumerate(lines, start=1)
    ]
    blocks: list[dict[str, Any]] = [header(f"Agenda · {when(s.starts_at, tz)} ({tz})")]
    if not text:
        blocks.append(section("No topics were proposed for this meetup."))
    chunk: list[str] = []
    for line in text:  # sections of up to 3000 characters, as many as it takes
        if sum(len(c) + 1 for c in chunk) + len(line) > 2900:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    blocks.append(context(f"Ranked by votes. {TIE_BREAK}"))
    return Reply(f"Lean coffee agenda for {when(s.starts_at, tz)}: {len(lines)} topics", blocks)


def propose_modal(session_id: int, initial: str = "", topic_id: int | None = None) -> dict:
    """The topic modal: a new topic, or (with topic_id) the proposer's edit of theirs."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "topic",
        "max_length": MAX_TOPIC,
        "placeholder": {"type": "plain_text", "text": "e.g. Golden paths that teams actually use"},
    }
    if initial:
        element["initial_value"] = initial[:MAX_TOPIC]
    return {
        "type": "modal",
        "callback_id": PROPOSE_MODAL,
        "private_metadata": f"{session_id}:{topic_id or ''}",
        "title": {"type": "plain_text", "text": "Lean coffee topic"},
        "submit": {"type": "plain_text", "text": "Save" if topic_id else "Propose"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "topic",
                "label": {"type": "plain_text", "text": "What would you like to discuss?"},
                "element": element,
            }
        ],
    }


def vote_feedback(session_id: int, topic_id: int, result: VoteResult) -> Reply:
    """What the voter alone sees after a click: what happened and the votes left."""
    topic = f"“{escape(clip(result.topic, 120))}”" if result.topic else "that topic"
    if result.done == "added":
        head = f"Vote added to {topic}."
    elif result.done == "removed":
        head = f"Vote taken back from {topic}."
    else:
        head = escape(result.message)
    if result.budget:
        head += f" You have *{result.left}* of {result.budget} votes left."
    block = section(head)
    if result.on_topic:
        # one dot per topic: clicking the topic again takes it back; stacked dots need this
        block["accessory"] = button("Take one back", UNVOTE, f"{session_id}:{topic_id}")
    return Reply(head, [block])


def proposed(n: int, title: str, topic_id: int) -> Reply:
    text = f"Added *{n}.* {escape(title)}"
    buttons = actions(
        button("Edit", EDIT, str(topic_id)), button("Withdraw it", WITHDRAW, str(topic_id))
    )
    return Reply(text, [section(text), buttons])


def status(
    settings: SeriesSettings | None,
    s: CoffeeSession | None,
    lines: list[TopicLine],
    tz: str,
) -> Reply:
    if settings is None or s is None:
        text = (
            "No lean coffee is set up in this channel yet. An organiser can start one with "
            "`/coffee schedule every 2 weeks tuesday 16:00 Europe/London`."
        )
        return Reply(text, [section(text)])
    states = {
        "scheduled": f"Topic collection opens {when(s.collect_at, tz)}.",
        "collecting": f"Collecting topics until {when(s.vote_at, tz)}: `/coffee propose <topic>`.",
        "voting": f"Voting is open until {when(s.starts_at, tz)}.",
        "closed": "This meetup's voting has closed.",
        "cancelled": "This meetup was cancelled.",
    }
    blocks = [
        section(
            f"*Next lean coffee:* {when(s.starts_at, tz)} ({tz})\n{states.get(s.state, '')}\n"
            f"{len(lines)} topic{'s' if len(lines) != 1 else ''} so far."
        ),
        context(f"Series: {escape(settings.describe())}"),
        context(
            "`/coffee propose <topic>` · `/coffee mine` · organisers: `/coffee schedule …`, "
            "`open`, `vote`, `close`, `cancel`, `remove <n>`, `merge <n> into <m>`, "
            "`done <n>`, `carry`"
        ),
    ]
    return Reply(f"Next lean coffee: {when(s.starts_at, tz)} ({tz})", blocks)


def plain(text: str) -> Reply:
    """A short answer whose text is already safe mrkdwn."""
    return Reply(text, [section(text)])
