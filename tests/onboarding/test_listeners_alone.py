"""The onboarding listeners are plain functions: called alone, with the context Bolt would hand
them (the feature under its key), they record what the app would."""

from __future__ import annotations

import json

from slack_bolt import Ack, BoltContext

from bot.onboarding import listeners, service
from tests.onboarding.conftest import TEAM, Onboarding


def _context(ob: Onboarding) -> BoltContext:
    return BoltContext({listeners.FEATURE: ob.feature, "bot_user_id": "UBOT", "team_id": TEAM})


def test_a_message_to_the_bot_owes_one_answer(ob: Onboarding):
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "D0ADA",
        "user": "U0ADA",
        "text": "hello?",
    }
    listeners.message(event, {"team_id": TEAM}, _context(ob))
    row = ob.row("U0ADA")
    assert (row.kind, row.channel_id, row.state) == (service.DM_ANSWER, "D0ADA", "pending")
    # the bot's own message owes nothing
    listeners.message({**event, "user": "UBOT"}, {"team_id": TEAM}, _context(ob))
    assert len(ob.rows()) == 1


def test_welcome_answers_inside_its_ack_and_owes_the_dm(ob: Onboarding):
    ack = Ack()
    command = {"text": "", "team_id": TEAM, "user_id": "U0ADA"}
    listeners.welcome_ack(ack, command, _context(ob))
    assert ack.response is not None
    assert json.loads(ack.response.body)["text"].startswith("On its way")
    assert ob.row("U0ADA").kind == service.WELCOME
