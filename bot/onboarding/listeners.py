"""Joins, the checklist buttons, the App Home, /welcome and messages written to the bot.

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

from bot.config import Settings
from bot.onboarding import service, views
from bot.onboarding.content import Content
from bot.onboarding.newcomers import INVITED, Home
from bot.onboarding.outbox import INVITE_RECHECK, Sender, display_name
from bot.slack.blocks import context
from bot.slack.incoming import slack_text
from bot.slack.organisers import Organisers
from bot.slack.replies import SORRY
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

    def owe_welcome(
        self,
        team_id: str,
        user_id: str,
        scope: str,
        name: str = "",
        due: dt.datetime | None = None,
    ) -> bool:
        with self.store.session() as s:
            owed = service.owe(
                s,
                team_id=team_id,
                user_id=user_id,
                kind=service.WELCOME,
                scope=scope,
                name=name,
                now=self.clock(),
                due=due,
            )
        if owed and due is None:
            self.sender.nudge()
        return owed

    def welcome_now(self, team_id: str, user_id: str, scope: str) -> None:
        """Someone whose welcome waits for them to join has joined: send it without waiting."""
        with self.store.session() as s:
            woken = service.wake(
                s,
                team_id=team_id,
                user_id=user_id,
                kind=service.WELCOME,
                scope=scope,
                now=self.clock(),
            )
        if woken:
            self.sender.nudge()

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

    def home_view(self, team_id: str, user_id: str) -> dict[str, Any]:
        with self.store.session() as s:
            done = service.ticks(s, team_id, user_id)
            index = self.catalog.get(s)
            coffee = views.next_coffee(s, team_id)
        events = [(e.slug, e.name) for e in index.events.values() if e.talks]
        return views.home(self.content(), done, events, coffee)

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
            feature.owe_welcome(team, user_id, "workspace", due=feature.clock() + INVITE_RECHECK)
        elif why:
            log.info("no welcome for %s: %s", user_id, why)
        elif not feature.owe_welcome(team, user_id, "workspace", display_name(user)):
            # a duplicate, or the join that follows an invitation: its welcome waits no longer
            feature.welcome_now(team, user_id, "workspace")

    @app.event("member_joined_channel")
    def joined_channel(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        channel, user_id = event.get("channel", ""), event.get("user", "")
        if channel not in settings.welcome_channel_ids or not user_id:
            return
        if user_id == context.bot_user_id:
            return
        # bots, guests, other organisations and invitations are told apart at delivery, with
        # users.info (never before the ack)
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
        client.views_publish(user_id=user_id, view=feature.home_view(_team(body, context), user_id))

    app.event("app_home_opened")(ack=lambda ack: ack(), lazy=[publish_home])

    def tick(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        if _is_preview(body):
            return  # a preview shown before preview buttons had their own action_id
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
        team_id, user_id = _team(body, context), body["user"]["id"]
        container = body.get("container") or {}
        if container.get("type") == "view":
            client.views_publish(user_id=user_id, view=feature.home_view(team_id, user_id))
            return
        with feature.store.session() as s:
            done = service.ticks(s, team_id, user_id)
            name = service.greeted_as(s, team_id, user_id) or body["user"].get("name", "")
            coffee = views.next_coffee(s, team_id)
        blocks = (body.get("message") or {}).get("blocks") or []
        # the welcome opens with a header; the follow-up does not
        if any(b.get("type") == "header" for b in blocks):
            reply = views.welcome(feature.content(), name, done, coffee)
        else:
            reply = views.follow_up(feature.content(), name, done)
        client.chat_update(
            channel=container.get("channel_id"),
            ts=container.get("message_ts"),
            text=reply.text,
            blocks=reply.blocks,
        )

    app.action(views.TICK)(ack=tick, lazy=[refresh])

    def preview_note(respond: Respond) -> None:
        # a new ephemeral message through response_url: chat.update cannot reach an ephemeral
        respond(response_type="ephemeral", replace_original=False, text=views.PREVIEW_NOTE)

    app.action(views.PREVIEW_TICK)(ack=lambda ack: ack(), lazy=[preview_note])

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
            feature.owe_welcome(
                command.get("team_id", ""),
                command["user_id"],
                f"request:{command.get('trigger_id', '')}",
                command.get("user_name", ""),
            )
        except Exception:
            log.exception("could not record /welcome for %s", command.get("user_id"))
            ack(response_type="ephemeral", text=SORRY)
            return
        ack(response_type="ephemeral", text="On its way: look for a DM from me in a moment.")

    def welcome_preview(command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        if slack_text(command.get("text")).strip().lower() != "preview":
            return
        if not feature.is_organiser(client, command["user_id"]):
            respond(
                response_type="ephemeral",
                text="Only organisers can preview the welcome. `/welcome` sends it to you.",
            )
            return
        reply = views.welcome(feature.content(), command.get("user_name", ""), set(), preview=True)
        note = context("Preview: this is what a newcomer gets, with their own name.")
        respond(response_type="ephemeral", text=reply.text, blocks=[note, *reply.blocks])

    app.command("/welcome")(ack=welcome_ack, lazy=[welcome_preview])
