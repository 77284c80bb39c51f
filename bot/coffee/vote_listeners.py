"""The vote buttons: a dot is recorded before the ack (one statement on PostgreSQL), so a click
that got its ack is a click that counted; the private "votes left" answer and the redraw follow
on a small thread pool."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.webhook import WebhookClient

from bot.coffee import dots, posts, views
from bot.coffee.feature import CoffeeFeature, feature_of
from bot.slack.payloads import parse_row_id
from bot.slack.replies import SORRY

log = logging.getLogger(__name__)


def _meetup_topic(value: str) -> tuple[int, int] | None:
    meetup_part, _, topic_part = (value or "").partition(":")
    meetup_id, topic_id = parse_row_id(meetup_part), parse_row_id(topic_part)
    return (meetup_id, topic_id) if meetup_id and topic_id else None


def vote_click(body: dict[str, Any], action: dict[str, Any], feature: CoffeeFeature) -> None:
    # recorded before the ack: a click that was acknowledged is a click that counted
    parsed = _meetup_topic(action.get("value", ""))
    if parsed is None:
        feature.after_ack.submit(
            feature.answer, body.get("response_url"), views.OUT_OF_DATE, False, None
        )
        return
    meetup_id, topic_id = parsed
    add = action.get("action_id") == views.VOTE
    try:
        result = dots.vote(
            feature.store,
            meetup_id,
            topic_id,
            body["user"]["id"],
            feature.clock(),
            add=add,
            group=posts.group(meetup_id),
        )
    except Exception:
        log.exception("vote on %s failed", action.get("value"))
        result = dots.VoteResult("refused", 0, 0, SORRY)
    if result.done in ("added", "removed"):  # owed with the click; sent before the voter's note
        feature.meetup_runner.nudge()
    # a click in the voter's own note (Take one back) updates that note in place; a click on
    # the channel's message cannot reach an earlier note, so it gets one (replacing the
    # channel's message is not an option: everyone sees it)
    in_note = action.get("block_id") == views.VOTE_NOTE
    feature.after_ack.submit(
        _tell_voter, body.get("response_url"), meetup_id, topic_id, result, in_note
    )


def _tell_voter(
    response_url: str | None,
    meetup_id: int,
    topic_id: int,
    result: dots.VoteResult,
    in_note: bool = False,
) -> None:
    if response_url:
        reply = views.vote_feedback(meetup_id, topic_id, result)
        WebhookClient(response_url, timeout=10).send(
            response_type="ephemeral",
            replace_original=in_note,
            text=reply.text,
            blocks=reply.blocks,
        )


def vote(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    vote_click(body, action, feature_of(context))
    ack()  # an empty 200, after the click is recorded


def register(app: App) -> None:
    app.action(views.VOTE)(vote)
    app.action(views.UNVOTE)(vote)
