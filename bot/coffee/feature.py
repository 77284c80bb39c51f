"""The lean-coffee feature object: what the coffee listeners share (the store, the clock, the
meetup runner, the organisers, the notes pool), and the answers several of them give. The
listeners reach it through Bolt's context, under FEATURE (put there by the app's assembly)."""

from __future__ import annotations

from typing import Any, Self, cast

from slack_bolt import BoltContext
from slack_sdk.webhook import WebhookClient

from bot.coffee import feed, meeting, service, topics, views
from bot.coffee.runner import MeetupRunner
from bot.coffee.voices import RUNNING
from bot.slack.after_ack import AfterAck
from bot.slack.blocks import section
from bot.slack.mrkdwn import escape
from bot.slack.organisers import Organisers
from bot.slack.replies import Reply
from bot.store import Store
from bot.store.models import CoffeeMeetup, CoffeeSeries
from bot.times import Clock

FEATURE = "coffee"  # the context key the app's assembly puts the CoffeeFeature under


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

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        # Bolt hands lazy listeners a deep copy of the request's context, where the app puts
        # this feature: it is shared by every request, never copied
        return self

    def answer(self, url: str | None, text: str, replace: bool, meetup_id: int | None) -> None:
        """The meetup's messages owe a redraw, and a private answer goes through response_url
        (a slow one holds up only other notes)."""
        if meetup_id:  # its redraw was owed with the change
            self.meetup_runner.nudge()
        if url:
            WebhookClient(url, timeout=10).send(
                response_type="ephemeral", replace_original=replace, text=text
            )

    def current(self, db: Any, channel_id: str) -> tuple[CoffeeSeries | None, CoffeeMeetup | None]:
        series = service.series_for(db, channel_id)
        if series is None:
            return None, None
        return series, service.ensure_next_meetup(db, series, self.clock())

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
            series, s = self.current(db, channel_id)
            if s is None or series is None:
                return views.plain("No lean coffee is set up in this channel yet."), None
            live = meeting.live(db, series.id, self.clock())
            # while the meeting runs (and the next meetup takes no topics yet), a topic is
            # squeezed into the meeting
            if s.state not in ("collecting", "voting") and live and live.meeting == RUNNING:
                s = live
            try:
                self.meetup_runner.changed(db, s.id)
                topic_id = topics.propose(db, s, user_id, text, self.clock())
            except service.CoffeeError as exc:
                return views.plain(escape(str(exc))), None
            return self.confirmation(db, s.id, topic_id), s.id

    def confirmation(self, db: Any, meetup_id: int, topic_id: int) -> Reply:
        """What a proposer alone sees: their topic's number, with Edit and Withdraw."""
        line = next(t for t in topics.topics(db, meetup_id) if t.id == topic_id)
        s = db.get(CoffeeMeetup, meetup_id)
        if s is not None and s.state == "closed":  # the meeting under way: no more edits
            text = (
                f"Added *{line.number}.* {escape(line.title)} to the meeting under way: it joins "
                "the end of the list on the board."
            )
            return Reply(text, [section(text)])
        return views.proposed(line.number, line.title, topic_id)


def feature_of(context: BoltContext) -> CoffeeFeature:
    return cast(CoffeeFeature, context[FEATURE])
