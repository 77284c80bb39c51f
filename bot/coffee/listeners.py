"""/coffee: everyone's words answer in the ack; organisers' words (and the summary) after it,
through response_url, because checking who is an organiser may need users.info.

Listeners are plain functions: the app's CoffeeFeature reaches them through Bolt's context
(under FEATURE, put there by the app's assembly)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.coffee import meeting, organise, service, topics, views
from bot.coffee.feature import CoffeeFeature, feature_of
from bot.coffee.schedule import ScheduleError
from bot.slack.command_text import readable
from bot.slack.incoming import slack_text
from bot.slack.mrkdwn import escape
from bot.slack.replies import SORRY, Reply

log = logging.getLogger(__name__)

HELP = (
    "`/coffee` shows the next lean coffee; `/coffee propose <topic>` adds a topic "
    "(the Propose button also takes details); `/coffee mine` lists yours; "
    "`/coffee summary [last | 24 march]` shows a past meeting's summary (`summary markdown` "
    "for the notes); `/coffee actions` lists open actions. Organisers: "
    "`/coffee schedule …`, `open`, `vote`, `close`, `cancel`, `remove <n>`, "
    "`merge <n> into <m>`, `host @someone`, `start` (the meeting, now), `next <n>` (which "
    "topic comes next), `done <n>` (discussed), `end`, `carry`, `peek` (the hidden counts, "
    "privately). A meetup's host may `start`, `next`, `done` and `end` it."
)


def _status(feature: CoffeeFeature, channel: str, user: str, rest: str) -> tuple[Reply, int | None]:
    return feature.status(channel), None


def _propose(
    feature: CoffeeFeature, channel: str, user: str, rest: str
) -> tuple[Reply, int | None]:
    return feature.propose(channel, user, rest)


def _mine(feature: CoffeeFeature, channel: str, user: str, rest: str) -> tuple[Reply, int | None]:
    with feature.store.session() as db:
        _, s = feature.current(db, channel)
        if s is None:
            return views.plain("No lean coffee is set up in this channel yet."), None
        lines = topics.topics(db, s.id)
    nums = views.numbers(lines)
    own = [t for t in lines if t.user_id == user]
    if not own:
        return views.plain("You have no topics for the next lean coffee."), None
    return views.mine(sorted(own, key=lambda t: nums[t.id])), None


# everyone's words answer in the ack; organisers' words after it (they may need users.info),
# through response_url; `summary` and `actions` are summary_listeners.py's
EVERYONE: dict[str, Callable[[CoffeeFeature, str, str, str], tuple[Reply, int | None]]] = {
    "": _status,
    "status": _status,
    "next": _status,
    "propose": _propose,
    "mine": _mine,
}


def _said(word: str) -> str:
    """The command word for the log when it is one of ours: a log keeps ids and words, never
    what a person typed."""
    return repr(word) if word in EVERYONE or word in organise.WORDS else "?"


def _words(command: dict[str, Any]) -> tuple[str, str, str]:
    """The command word, the rest as plain words (a mention as @name, never a ping when shown
    again), and the rest as Slack sent it (for the ids of the people it names)."""
    raw = str(command.get("text") or "").strip()
    word, _, rest_raw = raw.partition(" ")
    word = readable(word).lower()
    # a schedule's link may arrive as <https://…|label>, which the schedule reads itself
    rest = slack_text(rest_raw) if word == "schedule" else readable(rest_raw)
    if word == "next" and rest.strip():  # `/coffee next 3`: the facilitator's pick
        word = "pick"
    return word, rest, rest_raw


def _outcome(text: str) -> dict[str, Any]:
    """The answer takes the place of the ack's "Working on it…", so no stale line stays."""
    return {"response_type": "ephemeral", "replace_original": True, "text": text}


def command_ack(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    feature = feature_of(context)
    word, rest, _ = _words(command)
    channel, user = command.get("channel_id", ""), command.get("user_id", "")
    try:
        if word in organise.WORDS:
            ack(response_type="ephemeral", text="Working on it…")
        elif word in EVERYONE:
            reply, meetup_id = EVERYONE[word](feature, channel, user, rest)
            ack(response_type="ephemeral", text=reply.text, blocks=reply.blocks)
            if meetup_id:  # its redraw was owed with the change
                feature.meetup_runner.nudge()
        else:
            ack(response_type="ephemeral", text=HELP)
    except Exception:
        log.exception("/coffee %s failed for %s in %s", _said(word), user, channel)
        ack(response_type="ephemeral", text=SORRY)


def command_later(
    command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    feature = feature_of(context)
    word, rest, raw = _words(command)
    if word not in organise.WORDS:
        return
    try:
        user, channel = command["user_id"], command.get("channel_id", "")
        if not _hosts(feature, word, channel, user) and not feature.organisers.check(client, user):
            respond(**_outcome("Only organisers can do that. `/coffee` shows what everyone can."))
            return
        team = context.team_id or command.get("team_id", "")
        ask = organise.Ask(
            feature, team, command.get("channel_id", ""), command["user_id"], rest.strip(),
            feature.clock(), raw=raw.strip(),
        )  # fmt: skip
        answer = organise.WORDS[word](ask)
    except (service.CoffeeError, ScheduleError) as exc:
        answer = escape(str(exc))
    except Exception:
        user, channel = command.get("user_id"), command.get("channel_id")
        log.exception("/coffee %s failed for %s in %s", _said(word), user, channel)
        answer = SORRY
    respond(**_outcome(answer))


def _hosts(feature: CoffeeFeature, word: str, channel: str, user: str) -> bool:
    """Whether the asker hosts the channel's meetup and the word is one a host may use."""
    if word not in organise.HOST_WORDS:
        return False
    with feature.store.session() as db:
        series = service.series_for(db, channel)
        return series is not None and meeting.hosts(db, series, user, feature.clock())


def register(app: App) -> None:
    app.command("/coffee")(ack=command_ack, lazy=[command_later])
