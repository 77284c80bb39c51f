"""Signed payloads that do not have the shape Slack sends: each is refused with a 400 (or, for
a command's text, a polite private answer) before any listener runs, and nothing is written.
An error no listener caught is answered politely, never with a 500 and a trace."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from slack_bolt import BoltResponse

from bot.slack.payloads import NUL_IN_TEXT
from bot.slack.replies import SORRY
from bot.store.models import OutboxMessage, TalkFollow
from bot.talks import views
from tests.conftest import SIGNING_SECRET
from tests.db_snapshot import snapshot
from tests.support.requests import FORM, action_body, bolt_request, command_body

JSON = "application/json"
LONG_ID = "U" + "X" * 39  # 40 characters: the id columns hold 32
THIRTY_DIGITS = "123456789012345678901234567890"
KCP_TALK = "Building a Platform Engineering API Layer with kcp"


def dispatch(app, body: str, content_type: str = FORM) -> BoltResponse:
    return app.dispatch(bolt_request(SIGNING_SECRET, body, content_type=content_type))


def refused(response: BoltResponse) -> bool:
    return response.status == 400 and response.body == "malformed payload"


@pytest.fixture
def talk_id(app) -> str:
    """The Follow button's value for a real talk, read from the answer to `/talks kcp`."""
    response = dispatch(app, command_body("/talks", "kcp"))
    for block in json.loads(response.body)["blocks"]:
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == views.FOLLOW and KCP_TALK in block["text"]["text"]:
            return accessory["value"]
    raise AssertionError("no Follow button for the kcp talk")


@pytest.fixture
def quiet_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def assert_no_trace(caplog: pytest.LogCaptureFixture) -> None:
    """Refusals are one line each, without a traceback."""
    assert [r for r in caplog.records if r.exc_info] == []
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.slack.payloads"]
    assert len(lines) == 1 and lines[0].startswith("refused a malformed"), lines


# ---- button clicks ---------------------------------------------------------------------------


def follow_payload(value: str, response_url: str) -> dict[str, Any]:
    body = action_body(views.FOLLOW, value, response_url=response_url)
    return json.loads(dict(parse_qsl(body))["payload"])


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(payload: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = payload
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value

    return change


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda payload: payload.pop(key)


CLICKS = {
    "actions empty": _set("actions", []),
    "actions missing": _drop("actions"),
    "an action that is a string": _set("actions", [views.FOLLOW]),
    "no user": _drop("user"),
    "user a string": _set("user", "U123"),
    "user id of 40 characters": _set("user.id", LONG_ID),
    "user id of 30 digits": _set("user.id", THIRTY_DIGITS),
    "user id a 30-digit number": _set("user.id", int(THIRTY_DIGITS)),
    "user id lower case": _set("user.id", "u123'; drop table talks"),
    "user id with a NUL": _set("user.id", "U123\x00"),
    "user name with a NUL": _set("user.name", "ada\x00lovelace"),
    "user team id of 40 characters": _set("user.team_id", "T" * 40),
    "value a number": _set("actions.0.value", 5),
    "value a 30-digit number": _set("actions.0.value", int(THIRTY_DIGITS)),
    "value a list": _set("actions.0.value", ["1"]),
    "value with a NUL": _set("actions.0.value", "1\x00"),
    "action_id a list": _set("actions.0.action_id", [views.FOLLOW]),
    "action_ts a number": _set("actions.0.action_ts", 1700000001.0002),
    "team a list": _set("team", ["T0001"]),
    "team id with a NUL": _set("team.id", "T0001\x00"),
    "channel id of 40 characters": _set("channel.id", "C" * 40),
    "a number past 2**53": _set("actions.0.extra", 2**60),
    "trigger_id of 100 characters": _set("trigger_id", "1" * 100),
}


def test_a_well_formed_follow_is_stored(app, seeded, slack, talk_id):
    """The control: the payload the cases below mangle does write, and answers."""
    payload = follow_payload(talk_id, slack.response_url("ok"))
    assert dispatch(app, urlencode({"payload": json.dumps(payload)})).status == 200
    assert len(snapshot(seeded)[TalkFollow.__tablename__]) == 1
    (answer,) = slack.wait_for("response_url")
    assert KCP_TALK in json.dumps(answer.params)


@pytest.mark.parametrize("case", list(CLICKS))
def test_a_malformed_click_is_refused_and_writes_nothing(
    app, seeded, slack, talk_id, quiet_log, case
):
    payload = follow_payload(talk_id, slack.response_url("r"))
    CLICKS[case](payload)
    before = snapshot(seeded)
    quiet_log.clear()
    response = dispatch(app, urlencode({"payload": json.dumps(payload)}))
    assert refused(response), (response.status, response.body)
    assert snapshot(seeded) == before
    assert slack.calls_to("response_url") == []
    assert_no_trace(quiet_log)


def test_a_malformed_click_on_every_button_is_refused(app, seeded, slack, quiet_log):
    """`actions: []` broke Bolt's own action matcher whatever the button."""
    for action_id in (views.MORE_TALKS, views.SHARE_TALKS, views.UNFOLLOW, "coffee_vote", "x"):
        payload = follow_payload("1", slack.response_url("r"))
        payload["actions"][0]["action_id"] = action_id
        empty = {**copy.deepcopy(payload), "actions": []}
        assert refused(dispatch(app, urlencode({"payload": json.dumps(empty)}))), action_id
    assert slack.calls_to("response_url") == []


@pytest.mark.parametrize("value", [THIRTY_DIGITS, "²", "١٢", "-1", "2147483648", "0x10", " 7"])
def test_a_follow_of_a_talk_id_that_is_not_one_answers_that_the_talk_is_gone(
    app, seeded, slack, value
):
    before = snapshot(seeded)
    payload = follow_payload(value, slack.response_url("gone"))
    assert dispatch(app, urlencode({"payload": json.dumps(payload)})).status == 200
    (answer,) = slack.wait_for("response_url")
    assert answer.params["response_type"] == "ephemeral"
    assert answer.params["text"]  # a plain answer, not the apology
    assert answer.params["text"] != SORRY
    assert snapshot(seeded) == before


@pytest.mark.parametrize(
    ("state", "shown"),
    [
        ('{"q":"x","o":1e400}', "Conference talks"),  # int(inf) raised OverflowError
        ('{"q":"k\\u0000cp","o":0}', "Conference talks"),  # a NUL for the database
        ("[1]", "Conference talks"),
        ('{"q":"x","o":1e30}', "No talks for “x”"),  # the offset is clamped, the query kept
    ],
)
def test_a_more_button_with_a_forged_state_is_answered_not_crashed_on(app, slack, state, shown):
    payload = json.loads(dict(parse_qsl(action_body(views.MORE_TALKS, state)))["payload"])
    payload["response_url"] = slack.response_url("more")
    assert dispatch(app, urlencode({"payload": json.dumps(payload)})).status == 200
    (answer,) = slack.wait_for("response_url")
    assert answer.params["text"] != SORRY
    assert shown in json.dumps(answer.params["blocks"], ensure_ascii=False)


# ---- slash commands --------------------------------------------------------------------------


def command(name: str, text: str = "", **fields: str) -> str:
    base = dict(parse_qsl(command_body(name, text)))
    for key, value in fields.items():
        if value is None:
            base.pop(key)
        else:
            base[key] = value
    return urlencode(base)


def test_a_well_formed_welcome_is_recorded(app, seeded):
    """The control: /welcome writes a row, so the refusals below prove something."""
    response = dispatch(app, command("/welcome", user_name="ada"))
    assert response.status == 200
    assert len(snapshot(seeded)[OutboxMessage.__tablename__]) == 1


COMMANDS = {
    "user id of 40 characters": dict(user_id=LONG_ID),
    "user id of 30 digits": dict(user_id=THIRTY_DIGITS),
    "user id with a NUL": dict(user_id="U123\x00"),
    "no user id": dict(user_id=None),
    "user name with a NUL": dict(user_name="ada\x00"),
    "team id with a NUL": dict(team_id="T0001\x00"),
    "channel id of 40 characters": dict(channel_id="C" * 40),
    "trigger id of 100 characters": dict(trigger_id="1" * 100),
    "command with a NUL": dict(command="/welcome\x00"),
    # a NUL in the text is the person's to fix, but not when the name carries one too
    "NUL in the text and the name": dict(text="kcp\x00", user_name="ada\x00"),
}


@pytest.mark.parametrize("case", list(COMMANDS))
@pytest.mark.parametrize("name", ["/welcome", "/talks", "/coffee"])
def test_a_malformed_command_is_refused_and_writes_nothing(app, seeded, quiet_log, name, case):
    fields = {**COMMANDS[case]}
    if "command" in fields:
        fields["command"] = name + "\x00"
    text = fields.pop("text", "")
    before = snapshot(seeded)
    quiet_log.clear()
    response = dispatch(app, command(name, text, **fields))
    assert refused(response), (response.status, response.body)
    assert snapshot(seeded) == before
    assert_no_trace(quiet_log)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("/talks", "kc\x00p"),
        ("/speakers", "\x00"),
        ("/coffee", "propose a\x00b"),
        ("/welcome", "\x00"),
    ],
)
def test_a_nul_byte_in_a_command_text_gets_a_polite_private_answer(
    app, seeded, quiet_log, name, text
):
    before = snapshot(seeded)
    quiet_log.clear()
    response = dispatch(app, command(name, text))
    assert response.status == 200
    assert json.loads(response.body) == {"response_type": "ephemeral", "text": NUL_IN_TEXT}
    assert snapshot(seeded) == before
    assert_no_trace(quiet_log)


# ---- events ----------------------------------------------------------------------------------


def envelope(event: Any, **fields: Any) -> str:
    return json.dumps(
        {
            "token": "legacy-unused",
            "team_id": "T0001",
            "api_app_id": "A0WGBOT",
            "type": "event_callback",
            "event_id": "Ev0001",
            "event_time": 1700000000,
            "event": event,
            **fields,
        }
    )


def team_join(user_id: Any = "U0NEW", **profile: Any) -> dict[str, Any]:
    return {
        "type": "team_join",
        "user": {
            "id": user_id,
            "team_id": "T0001",
            "name": "newcomer",
            "real_name": "New Comer",
            "is_bot": False,
            "profile": {"display_name": "New", "real_name": "New Comer", **profile},
        },
        "event_ts": "1700000000.000100",
    }


def test_a_well_formed_team_join_is_recorded(app, seeded):
    """The control: a join writes a row, so the refusals below prove something."""
    assert dispatch(app, envelope(team_join()), JSON).status == 200
    (row,) = snapshot(seeded)[OutboxMessage.__tablename__]
    assert "U0NEW" in row


EVENTS = {
    "event a list": envelope([]),
    "event missing": json.dumps({"type": "event_callback", "team_id": "T0001"}),
    "event without a type": envelope({"user": "U0NEW"}),
    "user id of 40 characters": envelope(team_join(LONG_ID)),
    "user id a 30-digit number": envelope(team_join(int(THIRTY_DIGITS))),
    "user id with a NUL": envelope(team_join("U0NEW\x00")),
    "display name with a NUL": envelope(team_join(display_name="N\x00ew")),
    "display name a list": envelope(team_join(display_name=["New"])),
    "profile a string": envelope({**team_join(), "user": {**team_join()["user"], "profile": "x"}}),
    "team id of 40 characters": envelope(team_join(), team_id="T" * 40),
    "event_time of 30 digits": envelope(team_join(), event_time=int(THIRTY_DIGITS)),
    "channel join with a NUL channel": envelope(
        {"type": "member_joined_channel", "user": "U0NEW", "channel": "C0WGPLAT\x00"}
    ),
    "home opened by a list": envelope({"type": "app_home_opened", "user": ["U0NEW"]}),
}


@pytest.mark.parametrize("case", list(EVENTS))
def test_a_malformed_event_is_refused_and_writes_nothing(app, seeded, slack, quiet_log, case):
    before = snapshot(seeded)
    quiet_log.clear()
    response = dispatch(app, EVENTS[case], JSON)
    assert refused(response), (response.status, response.body)
    assert snapshot(seeded) == before
    assert [c for c in slack.calls if c.method != "auth.test"] == []
    assert_no_trace(quiet_log)


# ---- errors no listener caught -----------------------------------------------------------------


def test_a_click_whose_listener_fails_is_answered_with_an_apology(
    app, seeded, slack, talk_id, caplog, monkeypatch
):
    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr("bot.talks.follows.follow", fail)
    caplog.set_level(logging.INFO)
    before = snapshot(seeded)
    payload = follow_payload(talk_id, slack.response_url("fail"))
    response = dispatch(app, urlencode({"payload": json.dumps(payload)}))
    assert (response.status, response.body) == (200, "")
    answers = slack.wait_for("response_url", count=2)  # the apology, and the follow state
    assert SORRY in [a.params["text"] for a in answers]
    assert all("database on fire" not in json.dumps(a.params) for a in answers)
    assert snapshot(seeded) == before
    (record,) = [r for r in caplog.records if r.name == "bot.slack.errors"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "unhandled error answering a block_actions payload"
    assert record.exc_info and "database on fire" in str(record.exc_info[1])


def test_a_command_whose_listener_fails_is_answered_privately_with_an_apology(app, caplog):
    # no command of ours lets an error out; a listener with a bug stands in for one that would
    @app.command("/broken")
    def broken(ack: Any) -> None:
        raise KeyError("user_id")

    caplog.set_level(logging.INFO)
    response = dispatch(app, command("/broken", "anything"))
    assert response.status == 200
    assert json.loads(response.body) == {"response_type": "ephemeral", "text": SORRY}
    (record,) = [r for r in caplog.records if r.name == "bot.slack.errors"]
    assert record.levelno == logging.ERROR and record.exc_info


def test_an_event_whose_listener_fails_is_a_bare_500_so_slack_retries(
    app, seeded, caplog, monkeypatch
):
    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr("bot.onboarding.service.owe", fail)
    caplog.set_level(logging.INFO)
    response = dispatch(app, envelope(team_join()), JSON)
    assert (response.status, response.body) == (500, "")
    assert snapshot(seeded)[OutboxMessage.__tablename__] == []
    (record,) = [r for r in caplog.records if r.name == "bot.slack.errors"]
    assert record.getMessage() == "unhandled error answering a event_callback payload"
