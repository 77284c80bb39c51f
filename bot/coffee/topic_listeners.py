"""Topics through buttons and the modal: proposing (with details), withdrawing, editing, and a
voter's own ballot (My votes)."""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.coffee import notices, service, topics, views
from bot.coffee.feature import feature_of
from bot.coffee.voices import RUNNING
from bot.slack.after_ack import opens_at_once
from bot.slack.mrkdwn import escape
from bot.slack.payloads import parse_row_id
from bot.slack.replies import SORRY, say_privately
from bot.store.models import CoffeeMeetup, CoffeeTopic

log = logging.getLogger(__name__)


# ---- proposing through the modal ------------------------------------------------------------
def open_modal(
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    feature = feature_of(context)
    # however old the button, the form proposes to the meetup taking topics now
    meetup_id, answer = parse_row_id(action.get("value")), views.OUT_OF_DATE
    if meetup_id is not None:
        try:
            with feature.store.session() as db:
                meetup_id = topics.proposing_to(db, meetup_id, feature.clock()).id
            client.views_open(trigger_id=body["trigger_id"], view=views.propose_modal(meetup_id))
            return
        except topics.NotTakingTopics as refusal:
            answer = views.not_taking(refusal)
        except service.CoffeeError as exc:
            answer = escape(str(exc))
    if body.get("response_url"):
        say_privately(respond, answer)
    else:  # a button on the App Home: no message to answer under, so a DM
        client.chat_postMessage(channel=body["user"]["id"], text=answer)


def my_votes(
    body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    feature = feature_of(context)
    meetup_id = parse_row_id(action.get("value"))
    with feature.store.session() as db:
        s = db.get(CoffeeMeetup, meetup_id) if meetup_id else None
        if s is None or s.state != "voting":
            reply = views.plain("Voting is not open for this meetup.")
        else:
            reply = views.my_votes(s.id, topics.ballot(db, s, body["user"]["id"]))
    respond(response_type="ephemeral", replace_original=False, text=reply.text, blocks=reply.blocks)


def modal_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    feature = feature_of(context)
    values = view.get("state", {}).get("values", {})
    # modal values arrive as typed: no entity decoding here
    text = (values.get("topic", {}).get("topic", {}) or {}).get("value") or ""
    details = (values.get("description", {}).get("description", {}) or {}).get("value")
    meetup_part, _, topic_part = (view.get("private_metadata") or "").partition(":")
    meetup_id, topic_id = parse_row_id(meetup_part), parse_row_id(topic_part)
    user = body["user"]["id"]
    try:
        if meetup_id is None or (topic_part and topic_id is None):
            raise service.CoffeeError("This form is out of date; please open it again.")
        with feature.store.session() as db:
            s = db.get(CoffeeMeetup, meetup_id)
            if s is None:
                raise service.CoffeeError("That meetup is gone.")
            if view.get("callback_id") == views.MEETING_TOPIC_MODAL:  # squeezed into the meeting
                feature.meetup_runner.changed(db, meetup_id)
                topic_id = topics.propose(
                    db, s, user, text, feature.clock(), description=details or ""
                )
                confirm = feature.confirmation(db, meetup_id, topic_id)
            elif topic_id:  # the proposer's edit of their own topic
                feature.meetup_runner.changed(db, meetup_id)
                topics.edit(db, topic_id, user, text, description=details or "")
                confirm = None
            else:  # to the meetup taking topics now, if the form's has closed since
                s = topics.proposing_to(db, meetup_id, feature.clock())
                meetup_id = s.id
                feature.meetup_runner.changed(db, meetup_id)
                topic_id = topics.propose(
                    db, s, user, text, feature.clock(), description=details or ""
                )
                confirm = feature.confirmation(db, meetup_id, topic_id)
    except topics.NotTakingTopics as refusal:
        ack(
            response_action="errors",
            errors={"topic": views.not_taking(refusal, plain_text=True)[:150]},
        )
        return
    except service.CoffeeError as exc:
        field = "description" if str(exc).startswith("That description") else "topic"
        ack(response_action="errors", errors={field: views.as_plain_text(str(exc))[:150]})
        return
    ack()
    if confirm is not None:  # the same private confirmation as `/coffee propose`
        feature.after_ack.submit(
            feature.meetup_runner.tell, meetup_id, user, confirm.text, confirm.blocks
        )
    feature.meetup_runner.nudge()


def withdraw(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    feature = feature_of(context)
    # the withdrawal is stored before the ack; the answer and the redraw follow it
    meetup_id, answer, replace = None, "Topic withdrawn.", True
    topic_id = parse_row_id(action.get("value"))
    try:
        if topic_id is None:
            raise service.CoffeeError(views.OUT_OF_DATE)
        with feature.store.session() as db:
            topic = db.get(CoffeeTopic, topic_id)
            meetup_id = topic.meetup_id if topic else None
            if meetup_id:
                feature.meetup_runner.changed(db, meetup_id)
            back = topics.withdraw(db, topic_id, body["user"]["id"])
            if topic is not None:  # its other voters are told, by DM, that their dots are back
                series = service.series_of(db, service.meetup(db, topic.meetup_id))
                notices.votes_returned(db, series, topic, back, body["user"]["id"], feature.clock())
            if back.get(body["user"]["id"]):
                answer = "Topic withdrawn; your vote on it is back with you."
    except service.CoffeeError as exc:
        meetup_id, answer, replace = None, escape(str(exc)), False
    except Exception:  # the database did not answer in time, or went away
        log.exception("withdrawing topic %r failed", action.get("value"))
        meetup_id, answer, replace = None, SORRY, False
    ack()
    feature.after_ack.submit(feature.answer, body.get("response_url"), answer, replace, meetup_id)


def open_meeting_topic(
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """The board's "Add a topic": the propose form, for the meeting under way."""
    feature = feature_of(context)
    meetup_id = parse_row_id(action.get("value"))
    with feature.store.session() as db:
        s = db.get(CoffeeMeetup, meetup_id) if meetup_id else None
        on = s is not None and s.state == "closed" and s.meeting == RUNNING
    if meetup_id is None or not on:
        say_privately(
            respond, "That meeting is over; `/coffee propose` adds a topic to the next meetup."
        )
        return
    modal = views.propose_modal(meetup_id, callback_id=views.MEETING_TOPIC_MODAL)
    client.views_open(trigger_id=body["trigger_id"], view=modal)


def open_edit(
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    feature = feature_of(context)
    topic_id = parse_row_id(action.get("value"))
    with feature.store.session() as db:
        topic = db.get(CoffeeTopic, topic_id) if topic_id else None
        if topic is None or topic.user_id != body["user"]["id"] or topic.state != "open":
            say_privately(respond, "Only the proposer can edit a topic that is still on the list.")
            return
        modal = views.propose_modal(topic.meetup_id, topic.title, topic.id, topic.description)
    client.views_open(trigger_id=body["trigger_id"], view=modal)


def _notes(context: BoltContext) -> Executor:
    return feature_of(context).after_ack


def ack_only(ack: Ack) -> None:
    ack()


def register(app: App) -> None:
    app.action(views.PROPOSE)(opens_at_once(open_modal, _notes))
    app.action(views.MY_VOTES)(ack=ack_only, lazy=[my_votes])
    app.view(views.PROPOSE_MODAL)(modal_submit)
    app.action(views.MEETING_TOPIC)(opens_at_once(open_meeting_topic, _notes))
    app.view(views.MEETING_TOPIC_MODAL)(modal_submit)
    app.action(views.WITHDRAW)(withdraw)
    app.action(views.EDIT)(opens_at_once(open_edit, _notes))
