"""/coffee, the propose modal, and the vote buttons.

A vote is recorded before the ack (one read, one write), so a click that got its ack is a
click that counted; the private "votes left" answer and the redrawn channel message follow on
a small thread pool. Organiser commands ack at once and answer through response_url, because
checking who is an organiser may need users.info.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.coffee import (
    feed,
    meeting,
    meeting_listeners,
    organise,
    service,
    summaries,
    topic_listeners,
    topics,
    views,
)
from bot.coffee.runner import MeetupRunner
from bot.coffee.schedule import ScheduleError
from bot.coffee.voices import RUNNING
from bot.slack.after_ack import AfterAck
from bot.slack.blocks import section
from bot.slack.incoming import slack_text, spelled_out
from bot.slack.mrkdwn import escape
from bot.slack.organisers import Organisers
from bot.slack.replies import SORRY, Reply
from bot.store import Store
from bot.store.models import CoffeeMeetup, CoffeeSeries
from bot.times import Clock

log = logging.getLogger(__name__)

HELP = (
    "`/coffee` shows the next lean coffee; `/coffee propose <topic>` adds a topic "
    "(the Propose button also takes details); `/coffee mine` lists yours; "
    "`/coffee summary [last | 24 march]` shows a past meeting's summary (`summary markdown` "
    "for the notes); `/coffee actions` lists open actions. Organisers: "
    "`/coffee schedule …`, `open`, `vote`, `close`, `cancel`, `remove <n>`, "
    "`merge <n> into <m>`, `start` (the meeting, now), `done <n>` (discussed), `end`, `carry`, "
    "`peek` (the hidden counts, privately)."
)


class CoffeeFeature:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        meetup_runner: MeetupRunner,
        organisers: Organisers,
        after_ack: AfterAck,
        *,
        public_url: str = "",  # with it, the status answer offers the calendar feed
    ) -> None:
        self.store, self.clock, self.public_url = store, clock, public_url
        self.meetup_runner, self.organisers = meetup_runner, organisers
        # the app's pool for notes after an ack (response_url, ephemeral): a slow or failing
        # response_url holds up only other notes, never a transition, a post or a modal
        self.after_ack = after_ack

    def answer(self, url: str | None, text: str, replace: bool, session_id: int | None) -> None:
        """The meetup's messages owe a redraw, and a private answer goes through response_url
        (a slow one holds up only other notes)."""
        if session_id:  # its redraw was owed with the change
            self.meetup_runner.nudge()
        if url:
            WebhookClient(url, timeout=10).send(
                response_type="ephemeral", replace_original=replace, text=text
            )

    def current(self, db: Any, channel_id: str) -> tuple[CoffeeSeries | None, CoffeeMeetup | None]:
        series = service.series_for(db, channel_id)
        if series is None:
            return None, None
        return series, service.ensure_next_session(db, series, self.clock())

    def status(self, channel_id: str) -> Reply:
        with self.store.session() as db:
            series, s = self.current(db, channel_id)
            lines = topics.topics(db, s.id) if s else []
            tz = series.timezone if series else "UTC"
            live = meeting.live(db, series.id, self.clock()) if series is not None else None
            on = live is not None and live.meeting == RUNNING
            reply = views.status(service.settings_of(series) if series else None, s, lines, tz)
        subscribe = feed.subscribe_block(self.public_url, channel_id) if series else None
        if subscribe:
            reply = Reply(reply.text, [*reply.blocks, subscribe])
        if on:  # the meeting under way comes first
            note = section("*The meeting is on:* the board is in the channel.")
            return Reply(reply.text, [note, *reply.blocks])
        return reply

    def propose(self, channel_id: str, user_id: str, text: str) -> tuple[Reply, int | None]:
        with self.store.session() as db:
            _, s = self.current(db, channel_id)
            if s is None:
                return views.plain("No lean coffee is set up in this channel yet."), None
            try:
                self.meetup_runner.changed(db, s.id)
                topic_id = topics.propose(db, s, user_id, text, self.clock())
            except service.CoffeeError as exc:
                return views.plain(escape(str(exc))), None
            return self.confirmation(db, s.id, topic_id), s.id

    def summary(self, channel_id: str, rest: str) -> Reply:
        """`/coffee summary [date]`: a past meeting's summary, privately."""
        with self.store.session() as db:
            return summaries.summary_reply(
                db, self.meetup_runner.names, channel_id, rest, self.clock()
            )

    def confirmation(self, db: Any, session_id: int, topic_id: int) -> Reply:
        """What a proposer alone sees: their topic's number, with Edit and Withdraw."""
        line = next(t for t in topics.topics(db, session_id) if t.id == topic_id)
        return views.proposed(line.number, line.title, topic_id)


def register(app: App, feature: CoffeeFeature) -> None:
    store, coffee = feature.store, feature.meetup_runner

    # ---- /coffee ---------------------------------------------------------------------------
    # everyone's words answer in the ack; LATER's and organisers' words after it (they may
    # need users.info), through response_url
    everyone: dict[str, Callable[[str, str, str], tuple[Reply, int | None]]] = {
        "": lambda channel, user, rest: (feature.status(channel), None),
        "status": lambda channel, user, rest: (feature.status(channel), None),
        "next": lambda channel, user, rest: (feature.status(channel), None),
        "propose": feature.propose,
        "mine": lambda channel, user, rest: (_mine(channel, user), None),
    }
    later: dict[str, Callable[[str, str], Reply]] = {"summary": feature.summary}

    def said(word: str) -> str:
        """The command word for the log when it is one of ours: a log keeps ids and words,
        never what a person typed."""
        return repr(word) if word in everyone or word in later or word in organise.WORDS else "?"

    def command_ack(ack: Ack, command: dict[str, Any]) -> None:
        text = slack_text(spelled_out(command.get("text") or "")).strip()
        word, _, rest = text.partition(" ")
        word = word.lower()
        channel, user = command.get("channel_id", ""), command.get("user_id", "")
        try:
            if word in organise.WORDS or word in later:
                ack(response_type="ephemeral", text="Working on it…")
            elif word in everyone:
                reply, session_id = everyone[word](channel, user, rest)
                ack(response_type="ephemeral", text=reply.text, blocks=reply.blocks)
                if session_id:  # its redraw was owed with the change
                    coffee.nudge()
            else:
                ack(response_type="ephemeral", text=HELP)
        except Exception:
            log.exception("/coffee %s failed for %s in %s", said(word), user, channel)
            ack(response_type="ephemeral", text=SORRY)

    def _mine(channel: str, user: str) -> Reply:
        with store.session() as db:
            _, s = feature.current(db, channel)
            if s is None:
                return views.plain("No lean coffee is set up in this channel yet.")
            lines = topics.topics(db, s.id)
        nums = views.numbers(lines)
        own = [t for t in lines if t.user_id == user]
        if not own:
            return views.plain("You have no topics for the next lean coffee.")
        return views.mine(sorted(own, key=lambda t: nums[t.id]))

    def command_later(
        command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
    ) -> None:
        text = slack_text(spelled_out(command.get("text") or "")).strip()
        word, _, rest = text.partition(" ")
        word = word.lower()
        if word in later:
            try:
                reply = later[word](command.get("channel_id", ""), rest.strip())
            except Exception:
                user, channel = command.get("user_id"), command.get("channel_id")
                log.exception("/coffee %s failed for %s in %s", said(word), user, channel)
                reply = views.plain(SORRY)
            respond(response_type="ephemeral", text=reply.text, blocks=reply.blocks)
            return
        if word not in organise.WORDS:
            return
        try:
            if not feature.organisers.check(client, command["user_id"]):
                respond(
                    response_type="ephemeral",
                    text="Only organisers can do that. `/coffee` shows what everyone can.",
                )
                return
            team = context.team_id or command.get("team_id", "")
            ask = organise.Ask(
                feature, team, command.get("channel_id", ""), command["user_id"], rest.strip(),
                feature.clock(),
            )  # fmt: skip
            answer = organise.WORDS[word](ask)
        except (service.CoffeeError, ScheduleError) as exc:
            answer = escape(str(exc))
        except Exception:
            user, channel = command.get("user_id"), command.get("channel_id")
            log.exception("/coffee %s failed for %s in %s", said(word), user, channel)
            answer = SORRY
        respond(response_type="ephemeral", text=answer)

    app.command("/coffee")(ack=command_ack, lazy=[command_later])

    topic_listeners.register(app, feature)
    meeting_listeners.register(app, feature)
