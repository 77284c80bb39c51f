"""Joins, the checklist buttons, the journey's stop button, the App Home (organisers' part
included), /welcome and messages written to the bot.

Nothing here calls Slack before the ack: a join (or a message to the bot) only records the DM
it owes (one indexed insert) and nudges the sender, which delivers from the scheduler's thread.
Buttons and the Home tab record or read state at once and publish through the Web API in lazy
listeners. The buttons of an organiser's preview record nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.onboarding import service, views
from bot.onboarding.content import Content
from bot.onboarding.journey import tz_of
from bot.onboarding.newcomers import INVITED, Home
from bot.onboarding.outbox import INVITE_RECHECK, Sender, display_name
from bot.slack.blocks import context as context_block
from bot.slack.incoming import slack_text
from bot.slack.organisers import Organisers
from bot.slack.replies import SORRY, Reply
from bot.store import Store
from bot.talks.catalog_index import CatalogCache

log = logging.getLogger(__name__)


class OnboardingFeature:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        sender: Sender,
        content: Callable[[], Content],
        clock: Callable[[], dt.datetime],
        catalog: CatalogCache | None = None,
    ) -> None:
        self.store, self.settings, self.sender = store, settings, sender
        self.content, self.clock = content, clock
        self.catalog = catalog or CatalogCache()
        self.organisers = Organisers(settings.organiser_ids)
        self.coffee_channels = settings.group_coffee_channels

    def owe_welcome(
        self,
        team_id: str,
        user_id: str,
        via: str,
        name: str = "",
        tz: str = "",
        due: dt.datetime | None = None,
        *,
        wake: bool = False,
    ) -> bool:
        """The person's one first welcome; False when it is owed (or sent) already. wake: a
        welcome owed already but waiting for an invited person to join goes now (in the same
        transaction: one commit per join)."""
        # a wave of joins: queue here rather than in SQLite's sleep-and-poll (see Store.writing)
        with self.store.writing(), self.store.session() as s:
            owed = service.owe_first_welcome(
                s,
                team_id=team_id,
                user_id=user_id,
                via=via,
                name=name,
                tz=tz,
                now=self.clock(),
                due=due,
            )
            woken = (
                not owed
                and wake
                and service.wake(
                    s,
                    team_id=team_id,
                    user_id=user_id,
                    kind=service.WELCOME,
                    scope=service.FIRST,
                    now=self.clock(),
                )
            )
        if (owed and due is None) or woken:
            self.sender.nudge()
        return owed

    def resend(self, team_id: str, user_id: str) -> dt.datetime | None:
        """/welcome: None when the welcome is owed again, else when it may next be asked for."""
        with self.store.session() as s:
            refused_until = service.owe_resend(
                s, team_id=team_id, user_id=user_id, now=self.clock()
            )
        if refused_until is None:
            self.sender.nudge()
        return refused_until

    def owe_answer(self, team_id: str, user_id: str, channel_id: str) -> bool:
        """One answer per person per day (UTC), however many messages they write: the answer
        says the bot does not read them, so answering each one would only be noise."""
        now = self.clock()
        with self.store.session() as s:
            owed = service.owe(
                s,
                team_id=team_id,
                user_id=user_id,
                kind=service.DM_ANSWER,
                scope=f"day:{now.astimezone(dt.UTC).date().isoformat()}",
                name="-",  # greets nobody by name: no users.info needed
                now=now,
                channel_id=channel_id,
            )
        if owed:
            self.sender.nudge()
        return owed

    def owe_follow_ups(self) -> int:
        """The optional nudge, days after a welcome, to those who ticked nothing; once ever."""
        days = self.settings.follow_up_days
        if not days:
            return 0
        with self.store.session() as s:
            owed = service.owe_follow_ups(s, self.clock(), dt.timedelta(days=days))
        if owed:
            self.sender.nudge()
        return owed

    def owe_journey_steps(self) -> int:
        """The steps of journeys begun since the last look, and steps organisers added."""
        with self.store.session() as s:
            owed = service.owe_steps(s, self.content(), self.clock())
        if owed:
            self.sender.nudge()
        return owed

    def stop_journey(self, team_id: str, user_id: str) -> int:
        with self.store.session() as s:
            return service.stop_journey(s, team_id, user_id, self.clock())

    def welcome_reply(self, team_id: str, user_id: str, name: str) -> Reply:
        with self.store.session() as s:
            return views.welcome_for(
                s, self.content(), self.coffee_channels, team_id, user_id, name, self.clock(),
                self.settings.public_url,
            )  # fmt: skip

    def home_view(self, team_id: str, user_id: str, organiser: bool = False) -> dict[str, Any]:
        now = self.clock()
        with self.store.session() as s:
            done = service.ticks(s, team_id, user_id)
            index = self.catalog.get(s)
            coffee = views.group_coffee(
                s, team_id, self.coffee_channels, now, self.settings.public_url
            )
            funnel = service.funnel(s, team_id, now) if organiser else None
        events = [(e.slug, e.name) for e in index.events.values() if e.talks]
        return views.home(self.content(), done, events, coffee, funnel)

    def publish_home(self, client: WebClient, team_id: str, user_id: str) -> None:
        """The Home as this person sees it: organisers (only) see how onboarding goes."""
        organiser = self.is_organiser(client, user_id)
        client.views_publish(user_id=user_id, view=self.home_view(team_id, user_id, organiser))

    def redraw_everywhere(
        self, client: WebClient, team_id: str, user_id: str, clicked: dict[str, Any] | None
    ) -> None:
        """After a tick: the message clicked, every welcome and follow-up in the person's DM,
        and their Home all show the same checklist."""
        content, now = self.content(), self.clock()
        with self.store.session() as s:
            rows = service.sent_messages(s, team_id, user_id)
            done = service.ticks(s, team_id, user_id)
            coffee = views.group_coffee(
                s, team_id, self.coffee_channels, now, self.settings.public_url
            )
            fallback_name = service.greeted_as(s, team_id, user_id)
        targets: dict[tuple[str, str], Reply] = {}
        by_place = {(r.channel_id, r.message_ts): r for r in rows}
        if clicked is not None:  # first: the one the person is looking at
            place = (clicked["channel"], clicked["ts"])
            row = by_place.get(place)
            name = row.name if row else fallback_name or clicked["user_name"]
            # a message of ours we know by its row; else the welcome opens with a header
            is_welcome = row.kind == service.WELCOME if row else clicked["is_welcome"]
            if is_welcome:
                targets[place] = views.welcome(content, name, done, coffee)
            else:
                targets[place] = views.follow_up(content, name, done)
        for row in rows:
            place = (row.channel_id, row.message_ts)
            if place not in targets:
                targets[place] = (
                    views.welcome(content, row.name, done, coffee)
                    if row.kind == service.WELCOME
                    else views.follow_up(content, row.name, done)
                )
        for (channel, ts), reply in targets.items():
            try:
                client.chat_update(channel=channel, ts=ts, text=reply.text, blocks=reply.blocks)
            except SlackApiError as exc:  # a message deleted by its reader, say: the rest stand
                log.info("could not redraw %s/%s: %s", channel, ts, exc.response.get("error"))
        self.publish_home(client, team_id, user_id)

    def is_organiser(self, client: WebClient, user_id: str) -> bool:
        return self.organisers.check(client, user_id)


def _team(body: dict[str, Any], context: BoltContext) -> str:
    return context.team_id or body.get("team_id") or (body.get("team") or {}).get("id") or ""


def _home(body: dict[str, Any], context: BoltContext) -> Home:
    """The bot's own workspace and organisation. auth.test's answer (Bolt's authorize result)
    wins over the payload's ids, which in a Slack Connect channel may name the other side."""
    result = context.authorize_result
    if result is not None:
        return Home(result.team_id or _team(body, context), result.enterprise_id or "")
    return Home(_team(body, context), context.enterprise_id or "")


def written_to_bot(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A person's own new message in the bot's Messages tab; not an edit or deletion
    (subtypes), not a bot's post (bot_id, including the bot's own), not a channel message."""
    user = event.get("user")
    return (
        event.get("channel_type") == "im"
        and not event.get("subtype")
        and not event.get("bot_id")
        and bool(user)
        and user != bot_user_id
        and bool(event.get("channel"))
    )


def _is_preview(body: dict[str, Any]) -> bool:
    """A click in an ephemeral message: the welcome is only ever ephemeral as a preview."""
    return bool((body.get("container") or {}).get("is_ephemeral"))


def register(app: App, feature: OnboardingFeature) -> None:
    settings = feature.settings

    @app.event("team_join")
    def team_join(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        user = event.get("user") or {}
        if not settings.welcome_on_team_join or not user.get("id"):
            return
        if user["id"] == context.bot_user_id:
            return
        home, team, user_id = _home(body, context), _team(body, context), user["id"]
        why = feature.sender.not_for(user, home.team_id, home.enterprise_id)
        if why == INVITED:
            # Slack sends team_join when the invitation goes out. No name: the sender asks
            # users.info, which says when they have joined, and waits until then.
            feature.owe_welcome(
                team, user_id, "workspace", tz=tz_of(user), due=feature.clock() + INVITE_RECHECK
            )
        elif why:
            log.info("no welcome for %s: %s", user_id, why)
        else:
            # a duplicate or a channel join first owes nothing more; the join that follows an
            # invitation wakes the welcome that waited for it
            feature.owe_welcome(
                team, user_id, "workspace", display_name(user), tz_of(user), wake=True
            )

    @app.event("member_joined_channel")
    def joined_channel(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        channel, user_id = event.get("channel", ""), event.get("user", "")
        if channel not in settings.welcome_channel_ids or not user_id:
            return
        if user_id == context.bot_user_id:
            return
        # bots, guests, other organisations and invitations are told apart at delivery, with
        # users.info (never before the ack); someone welcomed already gets nothing more
        feature.owe_welcome(_team(body, context), user_id, f"channel:{channel}")

    @app.event("message")
    def message(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        # every message event is acknowledged (Bolt acks events); only a person writing to
        # the bot gets an answer, and other subtypes are deliberately ignored
        if written_to_bot(event, context.bot_user_id):
            feature.owe_answer(_team(body, context), event["user"], event["channel"])

    def publish_home(
        event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = event.get("user") or (body.get("user") or {}).get("id")
        feature.publish_home(client, _team(body, context), user_id)

    app.event("app_home_opened")(ack=lambda ack: ack(), lazy=[publish_home])

    def tick(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        if _is_preview(body):
            return  # a click in /welcome preview: shown, never recorded
        verb, _, key = str(action.get("value", "")).partition(":")
        if verb not in ("tick", "untick") or feature.content().item(key) is None:
            return  # a button from an older checklist: nothing to record
        with feature.store.session() as s:
            service.set_tick(
                s, _team(body, context), body["user"]["id"], key, verb == "tick", feature.clock()
            )

    def refresh(
        body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
    ) -> None:
        if _is_preview(body):
            preview_note(respond)
            return
        container = body.get("container") or {}
        clicked = None
        if container.get("type") == "message":
            blocks = (body.get("message") or {}).get("blocks") or []
            clicked = {
                "channel": container.get("channel_id") or "",
                "ts": container.get("message_ts") or "",
                "is_welcome": any(b.get("type") == "header" for b in blocks),
                "user_name": body["user"].get("name", ""),
            }
        feature.redraw_everywhere(client, _team(body, context), body["user"]["id"], clicked)

    app.action(views.TICK)(ack=tick, lazy=[refresh])

    def preview_note(respond: Respond) -> None:
        # a new ephemeral message through response_url: chat.update cannot reach an ephemeral
        respond(response_type="ephemeral", replace_original=False, text=views.PREVIEW_NOTE)

    app.action(views.PREVIEW_TICK)(ack=lambda ack: ack(), lazy=[preview_note])

    # ---- the journey's "no more of these" ----------------------------------------------------
    def stop(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        if not _is_preview(body):  # honoured before the ack: no step goes out after the click
            feature.stop_journey(_team(body, context), body["user"]["id"])
        ack()

    def stopped_note(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        if _is_preview(body):
            preview_note(respond)
            return
        container, message = body.get("container") or {}, body.get("message") or {}
        client.chat_update(
            channel=container.get("channel_id"),
            ts=container.get("message_ts"),
            text=message.get("text") or views.STOP_NOTE,
            blocks=views.stopped(message.get("blocks") or []),
        )

    app.action(views.JOURNEY_STOP)(ack=stop, lazy=[stopped_note])
    # a link button opens its URL in Slack; the click still arrives and wants its ack
    app.action(views.COFFEE_LINK)(lambda ack: ack())

    # ---- organisers' Home: retry or mark sent a failed or unknown DM ---------------------------
    def outbox_fix(
        body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        team_id, user_id = _team(body, context), body["user"]["id"]
        value = str(action.get("value", ""))
        if not feature.is_organiser(client, user_id):
            log.warning("%s is not an organiser; %s ignored", user_id, action.get("action_id"))
        elif value.isdigit():
            with feature.store.session() as s:
                if action.get("action_id") == views.ORGANISER_RETRY:
                    changed = service.retry(s, team_id, int(value), feature.clock())
                else:
                    changed = service.mark_sent(s, team_id, int(value), user_id, feature.clock())
            if changed and action.get("action_id") == views.ORGANISER_RETRY:
                feature.sender.nudge()
        feature.publish_home(client, team_id, user_id)  # what it is now, for anyone

    for action_id in (views.ORGANISER_RETRY, views.ORGANISER_MARK_SENT):
        app.action(action_id)(ack=lambda ack: ack(), lazy=[outbox_fix])

    # ---- /welcome ----------------------------------------------------------------------------
    def welcome_ack(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        text = slack_text(command.get("text")).strip().lower()
        if text == "preview":
            ack(response_type="ephemeral", text="Preparing the preview…")
            return
        if text not in ("", "me", "again"):
            ack(
                response_type="ephemeral",
                text="`/welcome` sends you the welcome DM again; organisers can see it with "
                "`/welcome preview`.",
            )
            return
        try:
            refused_until = feature.resend(command.get("team_id", ""), command["user_id"])
        except Exception:
            log.exception("could not record /welcome for %s", command.get("user_id"))
            ack(response_type="ephemeral", text=SORRY)
            return
        if refused_until is not None:
            ack(response_type="ephemeral", text=resend_refused(refused_until))
            return
        ack(response_type="ephemeral", text="On its way: look for a DM from me in a moment.")

    def welcome_preview(
        command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
    ) -> None:
        if slack_text(command.get("text")).strip().lower() != "preview":
            return
        user_id = command["user_id"]
        # one users.info: who may preview, and the display name the DM would greet
        user = client.users_info(user=user_id)["user"]
        if not feature.organisers.allows(user):
            respond(
                response_type="ephemeral",
                text="Only organisers can preview the welcome. `/welcome` sends it to you.",
            )
            return
        # exactly the DM this organiser would get: their display name, their ticks
        name = display_name(user)
        team_id = command.get("team_id") or context.team_id or ""
        reply = feature.welcome_reply(team_id, user_id, name)
        note = context_block("Preview: this is what a newcomer gets, with their own name.")
        respond(response_type="ephemeral", text=reply.text, blocks=[note, *reply.blocks])

    app.command("/welcome")(ack=welcome_ack, lazy=[welcome_preview])


def resend_refused(until: dt.datetime) -> str:
    aware = until if until.tzinfo else until.replace(tzinfo=dt.UTC)
    at = f"<!date^{int(aware.timestamp())}^{{time}}|{aware:%H:%M} UTC>"
    return (
        "I sent you the welcome less than an hour ago, and one resend an hour is plenty: "
        f"you can ask again from {at}. Meanwhile the Home tab of this app keeps your checklist."
    )
