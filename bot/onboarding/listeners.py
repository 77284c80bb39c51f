"""Joins, the checklist buttons, the journey's stop button, the App Home (organisers' part
included), /welcome and messages written to the bot.

Nothing here calls Slack before the ack: a join (or a message to the bot) only records the DM
it owes (one indexed insert) and nudges the sender, which delivers from the scheduler's thread.
Buttons and the Home tab record or read state at once and publish through the Web API in lazy
listeners. The buttons of an organiser's preview record nothing.

Listeners are plain functions: the app's OnboardingFeature reaches them through Bolt's context
(under FEATURE, put there by the app's assembly), so each can be called alone in a test.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, cast

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.onboarding import funnel, service, views
from bot.onboarding.feature import OnboardingFeature
from bot.onboarding.journey import tz_of
from bot.onboarding.newcomers import INVITED, Home
from bot.onboarding.outbox import INVITE_RECHECK, display_name
from bot.slack.blocks import context as context_block
from bot.slack.blocks import fit
from bot.slack.command_text import people, readable
from bot.slack.dates import date_token
from bot.slack.mrkdwn import clip, escape
from bot.slack.replies import SORRY

log = logging.getLogger(__name__)

FEATURE = "onboarding"  # the context key the app's assembly puts the OnboardingFeature under


def _feature(context: BoltContext) -> OnboardingFeature:
    return cast(OnboardingFeature, context[FEATURE])


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


def ack_only(ack: Ack) -> None:
    ack()


# ---- joins and messages to the bot ---------------------------------------------------------
def team_join(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    feature = _feature(context)
    user = event.get("user") or {}
    if not feature.settings.welcome_on_team_join or not user.get("id"):
        return
    if user["id"] == context.bot_user_id:
        return
    home, team, user_id = _home(body, context), _team(body, context), user["id"]
    why = feature.dms.not_for(user, home.team_id, home.enterprise_id)
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
        feature.owe_welcome(team, user_id, "workspace", display_name(user), tz_of(user), wake=True)


def joined_channel(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    feature = _feature(context)
    channel, user_id = event.get("channel", ""), event.get("user", "")
    if channel not in feature.settings.welcome_channel_ids or not user_id:
        return
    if user_id == context.bot_user_id:
        return
    # bots, guests, other organisations and invitations are told apart at delivery, with
    # users.info (never before the ack); someone welcomed already gets nothing more
    feature.owe_welcome(_team(body, context), user_id, f"channel:{channel}")


def message(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    # every message event is acknowledged (Bolt acks events); only a person writing to
    # the bot gets an answer, and other subtypes are deliberately ignored
    if written_to_bot(event, context.bot_user_id):
        _feature(context).owe_answer(_team(body, context), event["user"], event["channel"])


def publish_home(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    if event.get("tab", "home") != "home":
        return
    user_id = event.get("user") or (body.get("user") or {}).get("id")
    if user_id:
        _feature(context).publish_home(client, _team(body, context), user_id)


# ---- the checklist ---------------------------------------------------------------------------
def tick(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    ack()
    if _is_preview(body):
        return  # a click in /welcome preview: shown, never recorded
    feature = _feature(context)
    verb, _, key = str(action.get("value", "")).partition(":")
    # a button from an older checklist records nothing, but its message is redrawn as the
    # checklist reads now
    known = verb in ("tick", "untick") and feature.content().item(key) is not None
    team_id, user_id = _team(body, context), body["user"]["id"]
    with feature.store.session() as s:
        # owed first (the courier's lock order), in the tick's own transaction
        feature.owe_redraws(s, team_id, user_id, _clicked(body))
        if known:
            service.set_tick(s, team_id, user_id, key, verb == "tick", feature.clock())
    feature.nudge()


def _clicked(body: dict[str, Any]) -> dict[str, Any] | None:
    """The message the button was in, when it was a message (not the Home)."""
    container = body.get("container") or {}
    if container.get("type") != "message":
        return None
    blocks = (body.get("message") or {}).get("blocks") or []
    return {
        "channel": container.get("channel_id") or "",
        "ts": container.get("message_ts") or "",
        "is_welcome": any(b.get("type") == "header" for b in blocks),
        "user_name": body["user"].get("name", ""),
    }


def refresh(
    body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    if _is_preview(body):
        preview_note(respond)
        return
    # the DMs are redrawn by the courier; the Home is a view, published as it stands now
    _feature(context).publish_home(client, _team(body, context), body["user"]["id"])


def preview_note(respond: Respond) -> None:
    # a new ephemeral message through response_url: chat.update cannot reach an ephemeral
    respond(response_type="ephemeral", replace_original=False, text=views.PREVIEW_NOTE)


# ---- the journey's "no more of these" --------------------------------------------------------
def stop(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    """Honoured before the ack: no step goes out after the click. The step's DM owes its
    redraw without the button in the same transaction, and the courier sends it."""
    if not _is_preview(body):
        container = body.get("container") or {}
        _feature(context).stop_journey(
            _team(body, context),
            body["user"]["id"],
            str(action.get("value") or ""),
            container.get("channel_id") or "",
            container.get("message_ts") or "",
        )
    ack()


def stopped_note(body: dict[str, Any], respond: Respond) -> None:
    if _is_preview(body):
        preview_note(respond)


# ---- organisers' Home: retry or mark sent a failed or unknown DM -----------------------------
def outbox_fix(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    feature = _feature(context)
    team_id, user_id = _team(body, context), body["user"]["id"]
    value = str(action.get("value", ""))
    if not feature.is_organiser(client, user_id):
        log.warning("%s is not an organiser; %s ignored", user_id, action.get("action_id"))
    elif value.isdigit():
        with feature.store.session() as s:
            if action.get("action_id") == views.ORGANISER_RETRY:
                changed = funnel.retry(s, team_id, int(value), feature.clock())
            else:
                changed = funnel.mark_sent(s, team_id, int(value), user_id, feature.clock())
        if changed and action.get("action_id") == views.ORGANISER_RETRY:
            feature.sender.nudge()
    feature.publish_home(client, team_id, user_id)  # what it is now, for anyone


# ---- /welcome --------------------------------------------------------------------------------
def welcome_ack(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    # should_escape is on: people arrive as <@U…|name>, and nothing else may ping
    text = readable(command.get("text")).strip().lower()
    if text == "preview":
        ack(response_type="ephemeral", text="Preparing the preview…")
        return
    if text.split()[:1] == ["buddies"]:
        problem = buddies_problem(command.get("text") or "")
        if problem:
            ack(response_type="ephemeral", text=problem)
        else:
            ack()  # the answer follows: adding and removing need an organiser check
        return
    if text not in ("", "me", "again"):
        ack(response_type="ephemeral", text=WELCOME_USAGE)
        return
    try:
        refused_until = _feature(context).resend(command.get("team_id", ""), command["user_id"])
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
    if readable(command.get("text")).strip().lower() != "preview":
        return
    feature = _feature(context)
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
    respond(response_type="ephemeral", text=reply.text, blocks=fit([note, *reply.blocks]))


def welcome_buddies(
    command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    raw = command.get("text") or ""
    words = readable(raw).strip().lower().split()
    if words[:1] != ["buddies"] or buddies_problem(raw):
        return
    feature = _feature(context)
    verb = words[1] if len(words) > 1 else "list"
    user_id = command["user_id"]
    team_id = command.get("team_id") or context.team_id or ""
    if verb in ("add", "remove") and not feature.is_organiser(client, user_id):
        respond(
            response_type="ephemeral",
            text="Only organisers can add or remove buddies. `/welcome buddies list` shows "
            "who they are.",
        )
        return
    answer = feature.buddies(team_id, user_id, verb, people(raw))
    reply = views.buddies_answer(answer, feature.is_organiser(client, user_id))
    respond(response_type="ephemeral", text=reply.text, blocks=reply.blocks)


def buddy_pick(
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    user_id, picked = body["user"]["id"], action.get("selected_user") or ""
    if not picked:
        return
    feature = _feature(context)
    if not feature.is_organiser(client, user_id):
        respond(
            response_type="ephemeral",
            replace_original=False,
            text="Only organisers can add or remove buddies.",
        )
        return
    answer = feature.buddies(_team(body, context), user_id, "add", [picked])
    reply = views.buddies_answer(answer, True)
    respond(replace_original=True, text=reply.text, blocks=reply.blocks)


WELCOME_USAGE = (
    "`/welcome` sends you the welcome DM again; organisers can see it with `/welcome preview`. "
    "`/welcome buddies list` shows the volunteer buddies, and organisers add or remove one "
    "with `/welcome buddies add @someone` or `remove @someone`."
)


def buddies_problem(raw: str) -> str:
    """What is wrong with a `/welcome buddies …` command, answered at once; "" when fine."""
    words = readable(raw).strip().split()
    verb = words[1].lower() if len(words) > 1 else "list"
    if verb == "list":
        return ""
    if verb not in ("add", "remove"):
        return f"I don't know `buddies {escape(clip(verb, 40))}`. {WELCOME_USAGE}"
    if not people(raw):
        given = escape(clip(" ".join(words[2:]), 80))
        return f"`/welcome buddies {verb}` needs a person: type @ and pick them from the list" + (
            f" (“{given}” is not a person)." if given else "."
        )
    return ""


def register(app: App) -> None:
    app.event("team_join")(team_join)
    app.event("member_joined_channel")(joined_channel)
    app.event("message")(message)
    app.event("app_home_opened")(ack=ack_only, lazy=[publish_home])
    app.action(views.TICK)(ack=tick, lazy=[refresh])
    app.action(views.PREVIEW_TICK)(ack=ack_only, lazy=[preview_note])
    app.action(views.JOURNEY_STOP)(ack=stop, lazy=[stopped_note])
    # a link button opens its URL in Slack; the click still arrives and wants its ack
    app.action(views.COFFEE_LINK)(ack_only)
    app.action(views.ORGANISER_RETRY)(ack=ack_only, lazy=[outbox_fix])
    app.action(views.ORGANISER_MARK_SENT)(ack=ack_only, lazy=[outbox_fix])
    app.action(views.BUDDY_PICK)(ack=ack_only, lazy=[buddy_pick])
    app.command("/welcome")(ack=welcome_ack, lazy=[welcome_preview, welcome_buddies])


def resend_refused(until: dt.datetime) -> str:
    at = date_token(until, "UTC", "{time}", "%H:%M")
    return (
        "I sent you the welcome less than an hour ago, and one resend an hour is plenty: "
        f"you can ask again from {at}. Meanwhile the Home tab of this app keeps your checklist."
    )
