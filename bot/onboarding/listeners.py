"""Joins, the checklist buttons, the App Home and /welcome.

Nothing here calls Slack before the ack: a join only records the DM it owes (one indexed
insert) and nudges the sender, which delivers from the scheduler's thread. Buttons and the
Home tab record or read state at once and publish through the Web API in lazy listeners.
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
from bot.onboarding.outbox import Sender, display_name
from bot.slack.blocks import context
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

    def owe_welcome(self, team_id: str, user_id: str, scope: str, name: str = "") -> bool:
        with self.store.session() as s:
            owed = service.owe(
                s,
                team_id=team_id,
                user_id=user_id,
                kind=service.WELCOME,
                scope=scope,
                name=name,
                now=self.clock(),
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


def register(app: App, feature: OnboardingFeature) -> None:
    settings = feature.settings

    @app.event("team_join")
    def team_join(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        user = event.get("user") or {}
        if not settings.welcome_on_team_join or not user.get("id"):
            return
        if user["id"] == context.bot_user_id or feature.sender.not_for(user):
            return
        feature.owe_welcome(_team(body, context), user["id"], "workspace", display_name(user))

    @app.event("member_joined_channel")
    def joined_channel(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        channel, user_id = event.get("channel", ""), event.get("user", "")
        if channel not in settings.welcome_channel_ids or not user_id:
            return
        if user_id == context.bot_user_id:
            return
        # bots and guests are told apart at delivery, with users.info (never before the ack)
        feature.owe_welcome(_team(body, context), user_id, f"channel:{channel}")

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
        verb, _, key = str(action.get("value", "")).partition(":")
        if verb not in ("tick", "untick") or feature.content().item(key) is None:
            return  # a button from an older checklist: nothing to record
        with feature.store.session() as s:
            service.set_tick(
                s, _team(body, context), body["user"]["id"], key, verb == "tick", feature.clock()
            )

    def refresh(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
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

    def welcome_ack(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        text = (command.get("text") or "").strip().lower()
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
        if (command.get("text") or "").strip().lower() != "preview":
            return
        if not feature.is_organiser(client, command["user_id"]):
            respond(
                response_type="ephemeral",
                text="Only organisers can preview the welcome. `/welcome` sends it to you.",
            )
            return
        reply = views.welcome(feature.content(), command.get("user_name", ""), set())
        note = context("Preview: this is what a newcomer gets, with their own name.")
        respond(response_type="ephemeral", text=reply.text, blocks=[note, *reply.blocks])

    app.command("/welcome")(ack=welcome_ack, lazy=[welcome_preview])
