"""Every request is routed by Bolt itself: /talks and /speakers are app.command listeners and a
vote click an app.action listener, reached after every global middleware like any other
request, and each listener can be called alone with what Bolt would hand it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult

from bot.app import Provide
from bot.talks import listeners as talks
from bot.talks.listeners import TalksFeature
from tests.blocks import all_text
from tests.conftest import NOW
from tests.support.requests import bolt_request, command_body

SECRET = "routing-signing-secret"


def _bare_app(feature: TalksFeature) -> tuple[App, list[str]]:
    """A plain Bolt app with only the talks listeners, and a global middleware registered after
    them that notes every command it sees on the way to the listeners."""
    app = App(
        signing_secret=SECRET,
        authorize=lambda **_: AuthorizeResult(
            enterprise_id=None, team_id="T0001", bot_user_id="UBOT", bot_token="xoxb-routing"
        ),
        process_before_response=True,
        token_verification_enabled=False,
    )
    app.use(Provide({talks.FEATURE: feature}))
    talks.register(app)
    seen: list[str] = []

    def noted(req: BoltRequest, next: Callable[[], BoltResponse]) -> None:
        seen.append(req.body.get("command", ""))
        next()

    app.use(noted)
    return app, seen


def test_talks_and_speakers_are_answered_by_their_command_listeners(seeded):
    app, seen = _bare_app(TalksFeature(seeded, lambda: NOW))
    response = app.dispatch(bolt_request(SECRET, command_body("/talks", "platform-day")))
    assert response.status == 200
    answer = json.loads(response.body)
    assert answer["response_type"] == "ephemeral"
    assert "14 talks" in all_text(answer["blocks"])
    response = app.dispatch(bolt_request(SECRET, command_body("/speakers", "whitney lee")))
    assert response.status == 200
    assert "Whitney Lee" in all_text(json.loads(response.body)["blocks"])
    # nothing answered them from the middleware chain: the last middleware saw both
    assert seen == ["/talks", "/speakers"]


def test_an_unsigned_talks_command_reaches_no_listener(seeded):
    app, seen = _bare_app(TalksFeature(seeded, lambda: NOW))
    forged = bolt_request("not-the-secret", command_body("/talks", "platform-day"))
    assert app.dispatch(forged).status == 401
    assert seen == []


def test_the_talks_listener_answers_alone_inside_its_ack(seeded):
    ack = Ack()
    context = BoltContext({talks.FEATURE: TalksFeature(seeded, lambda: NOW)})
    command: dict[str, Any] = {"text": "platform-day", "team_id": "T0001", "user_id": "U1"}
    talks.talks_command(ack, command, context)
    assert ack.response is not None and ack.response.status == 200
    answer = json.loads(ack.response.body)
    assert answer["response_type"] == "ephemeral"
    assert "14 talks" in all_text(answer["blocks"])
