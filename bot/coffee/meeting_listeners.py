"""The meeting's buttons and modal: the facilitator's Start next / Extend / Done / Move on, the
Roman vote's thumbs, and takeaways.

A thumb is recorded before the ack (one short transaction), so a click that got its ack is a
click that counted; the vote's message is redrawn after, through the throttle. The
facilitator's buttons ack at once and act after (checking for an organiser may need users.info).
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.coffee import meeting, topics, voices
from bot.coffee import meeting_views as mv
from bot.coffee.feature import feature_of
from bot.coffee.service import CoffeeError
from bot.coffee.views import OUT_OF_DATE
from bot.slack.after_ack import opens_at_once
from bot.slack.mrkdwn import escape
from bot.slack.payloads import parse_row_id
from bot.slack.replies import SORRY, say_privately
from bot.store.models import CoffeeMeetup

log = logging.getLogger(__name__)

ONLY_FACILITATOR = "Only the host, the facilitator or an organiser moves the meeting on."


def _picked(value: object) -> tuple[int, int | None, int] | None:
    """ "meetup:current:topic" from the Pick next select; current may be empty."""
    first, second, third = [*str(value or "").split(":"), "", "", ""][:3]
    meetup_id, current, topic_id = parse_row_id(first), parse_row_id(second), parse_row_id(third)
    if meetup_id is None or topic_id is None or (second and current is None):
        return None
    return meetup_id, current, topic_id


def _pair(value: object) -> tuple[int, int | None] | None:
    """ "meetup:other" from a button; other may be empty (no topic yet)."""
    first, _, second = str(value or "").partition(":")
    meetup_id, other = parse_row_id(first), parse_row_id(second)
    if meetup_id is None or (second and other is None):
        return None
    return meetup_id, other


# ---- the facilitator's buttons ----------------------------------------------------------
def facilitate(
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    feature = feature_of(context)
    kind, user = action.get("action_id"), body["user"]["id"]
    pick: int | None = None
    if kind == mv.PICK:  # a select: the value is the chosen option's
        picked = _picked((action.get("selected_option") or {}).get("value"))
        parsed = (picked[0], picked[1]) if picked else None
        pick = picked[2] if picked else None
    else:
        parsed = _pair(action.get("value"))
    try:
        if parsed is None or (kind not in (mv.NEXT, mv.PICK) and parsed[1] is None):
            raise CoffeeError(OUT_OF_DATE)
        meetup_id, other = parsed
        with feature.store.session() as db:
            s = db.get(CoffeeMeetup, meetup_id)
            runs = {s.facilitator, s.host} - {""} if s is not None else set()
        if user not in runs and not feature.organisers.check(client, user):
            say_privately(respond, ONLY_FACILITATOR)
            return
        now = feature.clock()
        with feature.store.session() as db:
            feature.meetup_runner.changed(db, meetup_id)  # first: see MeetupRunner.changed
            if kind in (mv.NEXT, mv.PICK):
                over = meeting.start_next(db, meetup_id, now, other, pick) is None
            elif kind == mv.DONE:
                over = meeting.done(db, meetup_id, other or 0, now)
            elif kind == mv.EXTEND:
                meeting.extend(db, meetup_id, other or 0, now)
                over = False
            else:
                over = meeting.move_on(db, meetup_id, other or 0, now) is None
        if over:
            feature.meetup_runner.channel_meeting.finish(meetup_id)
        feature.meetup_runner.nudge()
    except CoffeeError as exc:
        say_privately(respond, escape(str(exc)))
    except Exception:
        log.exception("meeting button %s %r failed", kind, action.get("value"))
        say_privately(respond, SORRY)


# ---- "I'll host" ------------------------------------------------------------------------------
def volunteer(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    # recorded before the ack (one conditional update); the answer and the redraw follow
    feature = feature_of(context)
    meetup_id, user = parse_row_id(action.get("value")), body["user"]["id"]
    owed: int | None = None
    try:
        if meetup_id is None:
            raise CoffeeError(OUT_OF_DATE)
        with feature.store.session() as db:
            feature.meetup_runner.changed(db, meetup_id)  # first: see MeetupRunner.changed
            host = meeting.volunteer(db, meetup_id, user)
        owed = meetup_id
        answer = (
            "You are hosting this lean coffee: you can start it, move it on and end it, as "
            "an organiser would."
            if host == user
            else f"<@{host}> offered to host first."
        )
    except CoffeeError as exc:
        answer = escape(str(exc))
    except Exception:
        log.exception("volunteering to host %r failed", action.get("value"))
        answer = SORRY
    ack()
    feature.after_ack.submit(feature.answer, body.get("response_url"), answer, False, owed)


# ---- the Roman vote ---------------------------------------------------------------------
def thumb(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    feature = feature_of(context)
    parts = str(action.get("value") or "").split(":")
    meetup_id = parse_row_id(parts[0]) if len(parts) == 3 else None
    box_id = parse_row_id(parts[1]) if len(parts) == 3 else None
    answer = ""
    try:
        if meetup_id is None or box_id is None:
            answer = OUT_OF_DATE
        else:
            # SQLite: queue on the process's write lock rather than poll for the file's
            with feature.store.writing(), feature.store.session() as db:
                feature.meetup_runner.changed(db, meetup_id)  # a thumb too late is drawn the same
                counted = voices.roman(db, box_id, body["user"]["id"], parts[2], feature.clock())
            if not counted:
                answer = "That vote is over; the board shows where the meeting is."
    except CoffeeError as exc:
        answer = escape(str(exc))
    except Exception:
        log.exception("Roman vote %r failed", action.get("value"))
        answer = SORRY
    ack()
    if answer:
        feature.after_ack.submit(feature.answer, body.get("response_url"), answer, False, None)
    elif meetup_id:
        feature.meetup_runner.nudge()


# ---- takeaways --------------------------------------------------------------------------
def open_note(
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    feature = feature_of(context)
    parsed = _pair(action.get("value"))
    line = None
    if parsed is not None and parsed[1] is not None:
        with feature.store.session() as db:
            line = next((t for t in topics.topics(db, parsed[0]) if t.id == parsed[1]), None)
    if parsed is None or line is None:
        say_privately(respond, OUT_OF_DATE)
        return
    client.views_open(trigger_id=body["trigger_id"], view=mv.note_modal(parsed[0], line))


def note_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    feature = feature_of(context)
    values = view.get("state", {}).get("values", {})
    # modal values arrive as typed: no entity decoding here
    text = (values.get("text", {}).get("text") or {}).get("value")
    kind = ((values.get("kind", {}).get("kind") or {}).get("selected_option") or {}).get(
        "value", "takeaway"
    )
    owner = (values.get("owner", {}).get("owner") or {}).get("selected_user") or ""
    parsed = _pair(view.get("private_metadata"))
    try:
        if parsed is None or parsed[1] is None:
            raise CoffeeError("This form is out of date; please open it again.")
        with feature.store.writing(), feature.store.session() as db:
            feature.meetup_runner.changed(db, parsed[0])
            voices.add_note(
                db, parsed[0], parsed[1], body["user"]["id"], str(kind), text,
                str(owner)[:32], feature.clock(),
            )  # fmt: skip
    except CoffeeError as exc:
        ack(response_action="errors", errors={"text": str(exc)[:150]})
        return
    ack()
    feature.meetup_runner.nudge()


def _notes(context: BoltContext) -> Executor:
    return feature_of(context).after_ack


def ack_only(ack: Ack) -> None:
    ack()


def register(app: App) -> None:
    for action_id in (mv.NEXT, mv.PICK, mv.DONE, mv.EXTEND, mv.MOVE_ON):
        app.action(action_id)(ack=ack_only, lazy=[facilitate])
    app.action(mv.ROMAN)(thumb)
    app.action(mv.HOST)(volunteer)
    app.action(mv.NOTE)(opens_at_once(open_note, _notes))
    app.view(mv.NOTE_MODAL)(note_submit)
