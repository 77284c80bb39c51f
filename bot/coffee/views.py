"""Lean coffee as Block Kit: the channel message in each state, the agenda, the modal, /coffee.

Topics are user text: every one goes through escape(), and proposers are never @-mentioned
(a channel message would ping them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.coffee.dots import VoteResult
from bot.coffee.schedule import SeriesSettings
from bot.coffee.service import MAX_DESCRIPTION, MAX_TOPIC
from bot.coffee.topics import Ballot, NotTakingTopics, TopicLine
from bot.slack.blocks import (
    BLOCKS_TEXT,
    MAX_BLOCKS,
    actions,
    button,
    context,
    pages,
    section,
    text_length,
)
from bot.slack.dates import date_token, local
from bot.slack.mrkdwn import clip, escape, link
from bot.slack.replies import Reply
from bot.store.models import CoffeeMeetup

PROPOSE = "coffee_propose"  # button: open the modal
PROPOSE_MODAL = "coffee_propose_modal"  # view submission
# the board's "Add a topic": the same form, for the meeting under way
MEETING_TOPIC = "coffee_meet_add_topic"  # button; value: meetup id
MEETING_TOPIC_MODAL = "coffee_meet_topic_modal"  # view submission
VOTE = "coffee_vote"  # value: "meetup:topic" ids; adds a dot (or takes it back, one dot per topic)
UNVOTE = "coffee_unvote"  # value: "meetup:topic" ids; takes one dot back
VOTE_NOTE = "coffee_vote_note"  # block_id of the voter's private note after a click
WITHDRAW = "coffee_withdraw"  # value: topic id
EDIT = "coffee_edit"  # value: topic id; opens the modal with the topic's words
MY_VOTES = "coffee_my_votes"  # value: meetup id; shows the voter their ballot, privately
OUT_OF_DATE = "That button is out of date; `/coffee` shows the next lean coffee."
TIE_BREAK = "Ties go to the topic proposed first."
SHOWN = MAX_BLOCKS - 7  # topic blocks in a channel message, around its header and buttons


def when(moment: dt.datetime, timezone: str) -> str:
    """A time every reader sees in their own zone (mrkdwn and notification text only)."""
    return date_token(moment, timezone)


def _title(s: CoffeeMeetup, tz: str) -> dict[str, Any]:
    # a header is plain_text, where date tokens do not render: the title is bold mrkdwn
    return section(f"*Lean coffee · {when(s.starts_at, tz)}*")


# (title, description) lengths, longest first: a meetup's message takes the first at which its
# blocks' text fits one Slack message (every topic shown, descriptions go first)
SHORTER = ((MAX_TOPIC, 600), (MAX_TOPIC, 200), (MAX_TOPIC, 0), (80, 0), (40, 0))


def _line(
    n: int,
    t: TopicLine,
    counts: bool,
    names: dict[str, str] | None = None,
    lengths: tuple[int, int] = SHORTER[0],
) -> str:
    title, described = lengths
    dots = f"  ·  *{t.votes}* vote{'s' if t.votes != 1 else ''}" if counts else ""
    by = f"  ·  _{escape(names.get(t.user_id, t.user_id))}_" if names is not None else ""
    line = f"*{n}.* {escape(clip(t.title, title))}{dots}{by}"
    if t.description and described:
        line += "\n>" + escape(clip(t.description, described)).replace("\n", "\n>")
    return line


def numbers(lines: list[TopicLine]) -> dict[int, int]:
    """A topic's number is its place in order of proposal: stable while votes move it."""
    return {t.id: t.number for t in lines}


def join(url: str) -> list[dict[str, Any]]:
    """The meeting link, on every message about a meetup (none when the series has none)."""
    return [context(f"Meeting link: {link(url, url)}")] if url else []


def meetup_message(
    s: CoffeeMeetup,
    tz: str,
    lines: list[TopicLine],
    names: dict[str, str] | None = None,
    url: str = "",
    *,
    voters: int = 0,
) -> Reply:
    """The one channel message of a meetup, redrawn in place as topics and votes arrive.
    Every topic is shown: the cap on topics (carried ones included) keeps them in one message,
    their descriptions and then their titles shortened when all at length would not fit."""
    for lengths in SHORTER:
        blocks = _meetup_blocks(s, tz, lines, names, url, voters, lengths)
        if text_length(blocks) <= BLOCKS_TEXT:
            break
    return Reply(f"Lean coffee on {when(s.starts_at, tz)}: {count_topics(len(lines))}", blocks)


def _meetup_blocks(
    s: CoffeeMeetup,
    tz: str,
    lines: list[TopicLine],
    names: dict[str, str] | None,
    url: str,
    voters: int,
    lengths: tuple[int, int],
) -> list[dict[str, Any]]:
    nums = numbers(lines)
    by_number = sorted(lines, key=lambda t: nums[t.id])
    shown = by_number[:SHOWN]
    blocks: list[dict[str, Any]] = [_title(s, tz)]
    if s.state == "collecting":
        blocks.append(
            section(
                f"Topic collection is open until voting starts ({when(s.vote_at, tz)}). "
                "Propose what you would like to talk about: one line each."
            )
        )
        blocks += [section(_line(nums[t.id], t, False, names, lengths)) for t in shown]
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
        for t in shown:
            block = section(_line(nums[t.id], t, counts, names, lengths))
            block["accessory"] = button("Vote", VOTE, f"{s.id}:{t.id}")
            blocks.append(block)
        people = f"{voters} {'person has' if voters == 1 else 'people have'} voted so far."
        blocks.append(context(people))
        blocks.append(
            actions(
                button("My votes", MY_VOTES, str(s.id)),
                button("Propose a topic", PROPOSE, str(s.id)),
            )
        )
    elif s.state == "closed":
        blocks.append(section("Voting has closed; the agenda is below in the channel."))
        blocks += [section(_line(nums[t.id], t, True, names, lengths)) for t in lines[:SHOWN]]
    else:
        blocks.append(section("This meetup was cancelled."))
    if len(lines) > SHOWN:  # only topics stored before the cap counted carried ones
        blocks.append(context(f"{len(lines) - SHOWN} more topics: `/coffee` lists them all."))
    if not lines and s.state in ("collecting", "voting"):
        blocks.insert(2, context("No topics yet: be the first."))
    blocks += join(url)
    return blocks


def agenda(
    s: CoffeeMeetup,
    tz: str,
    lines: list[TopicLine],
    names: dict[str, str] | None = None,
    url: str = "",
    hosting: list[dict[str, Any]] | None = None,  # who hosts, or "I'll host"
) -> list[Reply]:
    """The ranked agenda: most votes first, each topic under its one number, with who proposed
    it; titles shortened when all at length would not fit one message, and as many messages
    as it takes past that, no topic left out."""
    for title, _ in SHORTER[2:]:
        blocks = _agenda_blocks(s, tz, lines, names or {}, url, title)
        blocks[1:1] = hosting or []
        if len(blocks) <= MAX_BLOCKS and text_length(blocks) <= BLOCKS_TEXT:
            break
    summary = f"Lean coffee agenda for {when(s.starts_at, tz)}: {count_topics(len(lines))}"
    return [Reply(summary, page) for page in pages(blocks)]


def _agenda_blocks(
    s: CoffeeMeetup,
    tz: str,
    lines: list[TopicLine],
    names: dict[str, str],
    url: str,
    title: int,
) -> list[dict[str, Any]]:
    most = max((t.votes for t in lines), default=0)
    text = [
        f"*{t.number}.* {escape(clip(t.title, title))} · {bar(t.votes, most)}*{t.votes}* "
        f"vote{'s' if t.votes != 1 else ''} · _{escape(names.get(t.user_id, t.user_id))}_"
        for t in lines
    ]
    blocks: list[dict[str, Any]] = [section(f"*Agenda · {when(s.starts_at, tz)}*")]
    if not text:
        blocks.append(section("No topics were proposed for this meetup."))
    chunk: list[str] = []
    for line in text:  # sections of up to 3000 characters, as many as it takes
        if chunk and sum(len(c) + 1 for c in chunk) + len(line) > 2900:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    blocks.append(context(f"Ranked by votes; topics keep their numbers. {TIE_BREAK}"))
    blocks += join(url)
    return blocks


BAR = "▇"
BAR_WIDTH = 10  # the longest bar: past 10 votes the bars are drawn to scale


def bar(votes: int, most: int) -> str:
    """A topic's votes as a bar before its count ("▇▇▇▇ *4* votes"), the longest topic's
    at most BAR_WIDTH blocks; a topic with votes always shows one."""
    if votes <= 0 or most <= 0:
        return ""
    width = votes if most <= BAR_WIDTH else max(1, int(votes * BAR_WIDTH / most + 0.5))
    return BAR * width + " "


def propose_modal(
    meetup_id: int,
    initial: str = "",
    topic_id: int | None = None,
    description: str = "",
    callback_id: str = PROPOSE_MODAL,  # MEETING_TOPIC_MODAL: for the meeting under way
) -> dict[str, Any]:
    """The topic modal: a new topic, or (with topic_id) the proposer's edit of theirs."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "topic",
        "max_length": MAX_TOPIC,
        "placeholder": {"type": "plain_text", "text": "e.g. Golden paths that teams actually use"},
    }
    if initial:
        element["initial_value"] = initial[:MAX_TOPIC]
    details: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "description",
        "multiline": True,
        "max_length": MAX_DESCRIPTION,
        "placeholder": {
            "type": "plain_text",
            "text": "Why it matters, what you would like to hear",
        },
    }
    if description:
        details["initial_value"] = description[:MAX_DESCRIPTION]
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": f"{meetup_id}:{topic_id or ''}",
        "title": {"type": "plain_text", "text": "Lean coffee topic"},
        "submit": {"type": "plain_text", "text": "Save" if topic_id else "Propose"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "topic",
                "label": {"type": "plain_text", "text": "What would you like to discuss?"},
                "element": element,
            },
            {
                "type": "input",
                "block_id": "description",
                "optional": True,
                "label": {"type": "plain_text", "text": "Details"},
                "element": details,
            },
        ],
    }


def vote_feedback(meetup_id: int, topic_id: int, result: VoteResult) -> Reply:
    """What the voter alone sees after a click: what happened and the votes left."""
    topic = f"“{escape(clip(result.topic, 120))}”" if result.topic else "that topic"
    if result.done == "added":
        head = f"Vote added to {topic}."
    elif result.done == "removed":
        head = f"Vote taken back from {topic}."
    elif result.done == "already":  # a second Vote click never takes the vote back
        head = f"You have a vote on {topic} already."
    else:
        head = escape(result.message)
    if result.budget:
        head += f" You have *{result.left}* of {result.budget} votes left."
    block = section(head)
    block["block_id"] = VOTE_NOTE  # a click in this note updates it in place
    if result.on_topic:
        # one dot per topic: clicking the topic again takes it back; stacked dots need this
        block["accessory"] = button("Take one back", UNVOTE, f"{meetup_id}:{topic_id}")
    return Reply(head, [block])


def proposed(n: int, title: str, topic_id: int, verb: str = "Added") -> Reply:
    text = f"{verb} *{n}.* {escape(title)}" if verb else f"*{n}.* {escape(title)}"
    buttons = actions(
        button("Edit", EDIT, str(topic_id)), button("Withdraw it", WITHDRAW, str(topic_id))
    )
    return Reply(text, [section(text), buttons])


def count_topics(n: int) -> str:
    """ "no topics", "1 topic", "5 topics"."""
    return "no topics" if n == 0 else f"{n} topic{'s' if n != 1 else ''}"


def mine(own: list[TopicLine]) -> Reply:
    """A person's own topics, each under its number with Edit and Withdraw."""
    count = f"{len(own)} topics" if len(own) != 1 else "topic"
    blocks: list[dict[str, Any]] = [section(f"*Your {count} for the next lean coffee:*")]
    for t in own[: (MAX_BLOCKS - 1) // 2]:  # the per-person cap keeps this well inside
        blocks += proposed(t.number, t.title, t.id, verb="").blocks
    return Reply(f"Your {count} for the next lean coffee", blocks)


def status(
    settings: SeriesSettings | None,
    s: CoffeeMeetup | None,
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
            f"*Next lean coffee:* {when(s.starts_at, tz)}\n{states.get(s.state, '')}\n"
            f"{count_topics(len(lines)).capitalize()} so far."
        ),
        context(f"Series: {escape(settings.describe())}"),
        context(
            "`/coffee propose <topic>` · `/coffee mine` · `/coffee summary [last|24 march]` · "
            "`/coffee actions` · "
            "organisers: `/coffee schedule …`, `open`, `vote`, `close`, `cancel`, `remove <n>`, "
            "`merge <n> into <m>`, `start`, `done <n>`, `end`, `carry`"
        ),
    ]
    return Reply(f"Next lean coffee: {when(s.starts_at, tz)}", blocks)


def reminder(
    s: CoffeeMeetup, tz: str, minutes: int, topics: int, url: str = "", voters: int = 0
) -> Reply:
    """The channel's reminder before a meetup: what to do now, and when it starts."""
    at = when(s.starts_at, tz)
    if s.state == "voting":
        people = f"{voters} {'person has' if voters == 1 else 'people have'} voted so far"
        text = (
            f"Lean coffee starts {at}; voting closes then: {count_topics(topics)}, cast your "
            f"votes above ({people})."
        )
    else:
        text = (
            f"Lean coffee starts {at}; topics are open until {when(s.vote_at, tz)}, then voting: "
            "`/coffee propose <topic>`."
        )
    return Reply(text, [section(text), *join(url)])


def my_votes(meetup_id: int, b: Ballot) -> Reply:
    """A voter's own ballot: the topics they voted for, each with a button to take one back."""
    left = b.budget - b.used
    head = f"You have *{left}* of {b.budget} votes left."
    if not b.mine:
        return Reply(
            f"You have not voted yet. {head}", [section(f"You have not voted yet. {head}")]
        )
    blocks: list[dict[str, Any]] = [section(f"*Your votes.* {head}")]
    for t, dots in b.mine[: MAX_BLOCKS - 1]:
        times = f" ×{dots}" if dots > 1 else ""
        block = section(f"*{t.number}.* {escape(clip(t.title, MAX_TOPIC))}{times}")
        block["accessory"] = button("Take one back", UNVOTE, f"{meetup_id}:{t.id}")
        blocks.append(block)
    return Reply(f"Your votes: {count_topics(len(b.mine))}. {head}", blocks)


def peek(lines: list[TopicLine], voters: int) -> str:
    """The counts as they stand, for an organiser's eyes only."""
    text = [f"*{t.number}.* {escape(clip(t.title, MAX_TOPIC))} · *{t.votes}*" for t in lines]
    people = f"{voters} {'person has' if voters == 1 else 'people have'} voted"
    return "\n".join([f"*Votes so far* (only you see this; {people}):", *text])


def plain(text: str) -> Reply:
    """A short answer whose text is already safe mrkdwn."""
    return Reply(text, [section(text)])


def not_taking(refusal: NotTakingTopics, *, plain_text: bool = False) -> str:
    """When topic collection opens next: a date token each reader sees in their own zone, or
    (for plain_text, where tokens do not render, e.g. a modal's error) the series' own time."""
    opens = (
        local(refusal.opens, refusal.timezone)
        if plain_text
        else date_token(refusal.opens, refusal.timezone)
    )
    return f"Topics are not being collected right now: collection opens {opens}."


def as_plain_text(text: str) -> str:
    """An answer written for mrkdwn, for a plain_text place (a modal's error): no `code`
    marks, which plain_text shows as they are."""
    return text.replace("`", "")
