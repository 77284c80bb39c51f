"""The talk table holds no summaries; an answer that shows a few talks in full reads theirs."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.slack.mrkdwn import clip, escape
from bot.store import Store
from bot.store.models import Talk, TalkSpeaker
from tests.conftest import SIGNING_SECRET
from tests.support.requests import bolt_request, command_body


def texts(blocks: object) -> str:
    """Every text of these blocks, as Slack shows them."""
    if isinstance(blocks, dict):
        return "\n".join(
            v if k == "text" and isinstance(v, str) else texts(v) for k, v in blocks.items()
        )
    if isinstance(blocks, list):
        return "\n".join(texts(b) for b in blocks)
    return ""


def test_an_answer_of_a_few_talks_shows_each_summary(app, seeded: Store):
    with seeded.session() as db:
        # a speaker of exactly one talk with a summary: the answer shows that talk in full
        talk_id, name = db.execute(
            select(Talk.id, TalkSpeaker.name)
            .join(TalkSpeaker, TalkSpeaker.talk_id == Talk.id)
            .where(Talk.summary != "")
            .order_by(Talk.id)
        ).first()
        summary = db.scalar(select(Talk.summary).where(Talk.id == talk_id))
    response = app.dispatch(bolt_request(SIGNING_SECRET, command_body("/talks", str(talk_id))))
    assert response.status == 200
    assert escape(clip(summary, 1500))[:80] in texts(json.loads(response.body)["blocks"])
    response = app.dispatch(bolt_request(SIGNING_SECRET, command_body("/talks", f"speaker {name}")))
    assert escape(clip(summary, 300))[:80] in texts(json.loads(response.body)["blocks"]), name
