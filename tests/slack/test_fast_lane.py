"""The fast lane answers its actions ahead of every listener, after the signature check, and
lets everything else through to the listeners untouched."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.authorization import AuthorizeResult

from bot.slack.fast_lane import fast_actions, fast_commands
from bot.testing.requests import action_body, bolt_request, command_body

SECRET = "lane-signing-secret"


def _app() -> tuple[App, list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []
    app = App(
        signing_secret=SECRET,
        authorize=lambda **_: AuthorizeResult(
            enterprise_id=None, team_id="T0001", bot_user_id="UBOT", bot_token="xoxb-lane"
        ),
        process_before_response=True,
        token_verification_enabled=False,
    )

    def matcher_seen(body: dict[str, Any]) -> bool:
        seen.append(("matcher", body["actions"][0]["action_id"]))
        return True

    # a listener that would take every click, registered before the lane: the lane still wins
    @app.action({"action_id": "anything"}, matchers=[matcher_seen])
    def anything(ack) -> None:
        ack()

    @app.action("slow_path")
    def slow_path(ack) -> None:
        seen.append(("listener", "slow_path"))
        ack()

    @app.command("/talks")
    def talks(ack) -> None:
        seen.append(("listener", "/talks"))
        ack("talks")

    fast_actions(app, {"hot": lambda body, action: seen.append(("lane", action["value"]))})
    return app, seen


def _send(app: App, body: str, secret: str = SECRET) -> BoltResponse:
    return app.dispatch(bolt_request(secret, body))


def test_a_lane_action_is_handled_by_its_handler_and_acked_with_an_empty_200():
    app, seen = _app()
    response = _send(app, action_body("hot", "7:3"))
    assert (response.status, response.body) == (200, "")
    assert seen == [("lane", "7:3")]  # no listener, no matcher was tried


def test_other_requests_pass_through_to_their_listeners():
    app, seen = _app()
    assert _send(app, action_body("slow_path", "x")).status == 200
    assert _send(app, command_body("/talks", "platform-day")).body == "talks"
    assert ("listener", "slow_path") in seen and ("listener", "/talks") in seen
    assert not [s for s in seen if s[0] == "lane"]


def test_an_unsigned_lane_click_never_reaches_the_handler():
    app, seen = _app()
    response = _send(app, action_body("hot", "7:3"), secret="not-the-secret")
    assert response.status == 401
    assert seen == []


def test_a_body_with_several_actions_is_left_to_the_listeners():
    app, seen = _app()
    body = action_body("hot", "1:1").replace(
        "%5D%7D",  # the end of the actions list: add a second action to it
        "%2C+%7B%22action_id%22%3A+%22hot%22%2C+%22value%22%3A+%222%3A2%22%7D%5D%7D",
    )
    assert body != action_body("hot", "1:1")
    _send(app, body)
    assert not [s for s in seen if s[0] == "lane"]


def _command_lane() -> tuple[App, list[tuple[str, Any]]]:
    app, seen = _app()

    def speakers(command: dict[str, Any]) -> dict[str, Any]:
        seen.append(("lane", command["text"]))
        return {"response_type": "ephemeral", "text": f"about {command['text']}"}

    @app.command("/speakers")
    def speakers_listener(ack) -> None:  # registered, but the lane answers first
        seen.append(("listener", "/speakers"))
        ack("listener")

    fast_commands(app, {"/speakers": speakers})
    return app, seen


def test_a_lane_command_is_answered_with_its_handlers_message_in_the_ack():
    app, seen = _command_lane()
    response = _send(app, command_body("/speakers", "abby"))
    assert response.status == 200
    assert json.loads(response.body) == {"response_type": "ephemeral", "text": "about abby"}
    assert response.headers["content-type"] == ["application/json;charset=utf-8"]
    assert seen == [("lane", "abby")]
    # another command still reaches its listener
    assert _send(app, command_body("/talks", "x")).body == "talks"
    assert seen[-1] == ("listener", "/talks")


def test_an_unsigned_lane_command_never_reaches_the_handler():
    app, seen = _command_lane()
    assert _send(app, command_body("/speakers", "abby"), secret="not-the-secret").status == 401
    assert seen == []
