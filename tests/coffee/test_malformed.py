"""Lean coffee under signed but malformed payloads: a NUL in a topic, ids that are not ids,
a 40-character user id. Each gets a polite answer or a 400, never a 500, and the database is
left as it was."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from slack_bolt import BoltResponse
from slack_sdk.models.views import View

from bot.coffee import views
from bot.coffee.views import OUT_OF_DATE
from bot.slack.errors import SORRY_SHORT
from bot.slack.payloads import NUL_IN_FIELD, NUL_IN_TEXT
from bot.slack.replies import SORRY
from tests.coffee.conftest import TEAM, Bot
from tests.conftest import SIGNING_SECRET
from tests.db_snapshot import snapshot
from tests.support.requests import action_body, bolt_request

LONG_ID = "U" + "X" * 39
THIRTY_DIGITS = "123456789012345678901234567890"
NOT_IDS = [THIRTY_DIGITS, "²", "١", "-1", "0", "2147483648", " 7", "7 ", "1e3", "", "x"]


def signed(bot: Bot, payload: dict[str, Any]) -> BoltResponse:
    body = urlencode({"payload": json.dumps(payload)})
    return bot.app.dispatch(bolt_request(SIGNING_SECRET, body))


def modal_payload(metadata: str, text: Any, user: str = "U1") -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "cloud-native"},
        "user": {"id": user, "username": "u", "name": "u", "team_id": TEAM},
        "api_app_id": "A0WGBOT",
        "trigger_id": "1337.42.modal",
        "view": {
            "id": "VMODAL",
            "type": "modal",
            "callback_id": views.PROPOSE_MODAL,
            "private_metadata": metadata,
            "state": {"values": {"topic": {"topic": {"type": "plain_text_input", "value": text}}}},
        },
    }


def click_payload(bot: Bot, action_id: str, value: Any, reply: str, user: str = "U1") -> dict:
    raw = action_body(action_id, "v", user_id=user, response_url=bot.slack.response_url(reply))
    payload = json.loads(dict(parse_qsl(raw))["payload"])
    payload["actions"][0]["value"] = value
    return payload


# ---- NUL bytes: PostgreSQL refuses them, so they never reach it -----------------------------


def test_a_nul_in_a_proposed_topic_is_refused_politely_and_stores_nothing(bot):
    meetup_id = bot.to_collecting()
    bot.settle()  # what earlier requests owe the channel is delivered
    before = snapshot(bot.store)
    status, ack = bot.command("propose golden\x00paths", user="U1")
    assert (status, ack) == (200, {"response_type": "ephemeral", "text": NUL_IN_TEXT})
    # the modal says so beside the field, and stays open
    response = bot.submit_modal(f"{meetup_id}:", "golden\x00paths", user="U2")
    assert response.status == 200
    assert json.loads(response.body) == {
        "response_action": "errors",
        "errors": {"topic": NUL_IN_FIELD},
    }
    assert snapshot(bot.store) == before
    # the same words without it are taken
    _, ack = bot.command("propose golden paths", user="U1")
    assert ack["text"].startswith("Added *1.*")


def test_a_nul_in_an_edited_topic_leaves_the_topic_as_it_was(bot):
    meetup_id = bot.to_collecting()
    bot.command("propose golden paths", user="U1")
    (topic,) = bot.topics(meetup_id)
    bot.settle()  # what earlier requests owe the channel is delivered
    before = snapshot(bot.store)
    response = bot.submit_modal(f"{meetup_id}:{topic.id}", "\x00", user="U1")
    assert json.loads(response.body)["errors"] == {"topic": NUL_IN_FIELD}
    assert snapshot(bot.store) == before


@pytest.mark.parametrize(
    ("where", "change"),
    [
        ("a NUL in the metadata", lambda p: p["view"].update(private_metadata="1\x00:")),
        ("a NUL in a name", lambda p: p["user"].update(name="u\x00")),
        ("a NUL in the input and the metadata", lambda p: (
            p["view"].update(private_metadata="1\x00:"),
            p["view"]["state"]["values"]["topic"]["topic"].update(value="a\x00b"))),
        ("a NUL in the user id", lambda p: p["user"].update(id="U1\x00")),
        ("a 40-character user id", lambda p: p["user"].update(id=LONG_ID)),
        ("no user", lambda p: p.pop("user")),
        ("a topic that is a list", lambda p: p["view"]["state"]["values"]["topic"].update(
            topic={"type": "plain_text_input", "value": ["golden paths"]})),
        ("values that are a list", lambda p: p["view"]["state"].update(values=[])),
        ("no view", lambda p: p.pop("view")),
        ("metadata of 4000 characters", lambda p: p["view"].update(private_metadata="1" * 4000)),
    ],
)  # fmt: skip
def test_a_malformed_modal_submission_is_a_400_and_stores_nothing(bot, where, change):
    meetup_id = bot.to_collecting()
    payload = modal_payload(f"{meetup_id}:", "golden paths")
    change(payload)
    bot.settle()  # what earlier requests owe the channel is delivered
    before = snapshot(bot.store)
    response = signed(bot, payload)
    assert (response.status, response.body) == (400, "malformed payload")
    assert snapshot(bot.store) == before


# ---- ids that are not ids --------------------------------------------------------------------


@pytest.mark.parametrize("bad", NOT_IDS)
def test_modal_metadata_that_is_not_an_id_says_the_form_is_out_of_date(bot, bad):
    meetup_id = bot.to_collecting()
    bot.settle()  # what earlier requests owe the channel is delivered
    before = snapshot(bot.store)
    for metadata in (f"{bad}:", f"{meetup_id}:{bad}" if bad else f"{meetup_id}:x"):
        response = signed(bot, modal_payload(metadata, "golden paths"))
        assert response.status == 200
        errors = json.loads(response.body)["errors"]
        assert errors["topic"] in (
            "This form is out of date; please open it again.",
            "That meetup is gone.",
        ), metadata
    assert snapshot(bot.store) == before


@pytest.mark.parametrize("bad", NOT_IDS)
def test_a_vote_on_ids_that_are_not_ids_is_answered_and_counts_nothing(bot, bad):
    meetup_id, topics = bot.to_voting(["golden paths", "platform as product"])
    bot.settle()  # what earlier requests owe the channel is delivered
    before = snapshot(bot.store)
    for n, value in enumerate((f"{meetup_id}:{bad}", f"{bad}:{topics[0]}", bad)):
        payload = click_payload(bot, views.VOTE, value, reply=f"v{n}")
        assert signed(bot, payload).status == 200
        assert bot.reply(f"v{n}").params["text"] == OUT_OF_DATE
    assert snapshot(bot.store) == before


@pytest.mark.parametrize("bad", NOT_IDS)
def test_withdraw_and_edit_of_ids_that_are_not_ids_are_answered(bot, bad):
    meetup_id = bot.to_collecting()
    bot.command("propose golden paths", user="U1")
    bot.settle()  # what earlier requests owe the channel is delivered
    before = snapshot(bot.store)
    assert signed(bot, click_payload(bot, views.WITHDRAW, bad, reply="w")).status == 200
    assert bot.reply("w").params["text"] == OUT_OF_DATE
    assert signed(bot, click_payload(bot, views.EDIT, bad, reply="e")).status == 200
    assert bot.reply("e").params["text"].startswith("Only the proposer can edit")
    assert signed(bot, click_payload(bot, views.PROPOSE, bad, reply="p")).status == 200
    assert bot.reply("p").params["text"] == OUT_OF_DATE
    assert bot.slack.calls_to("views.open") == []
    assert snapshot(bot.store) == before
    assert [t.title for t in bot.topics(meetup_id)] == ["golden paths"]


@pytest.mark.parametrize("bad", ["²", "١٢", THIRTY_DIGITS, "-3"])
def test_an_organiser_removing_a_topic_that_is_not_a_number_is_told_how(bot, bad):
    bot.to_collecting()
    bot.command("propose golden paths", user="U1")
    bot.settle()  # what earlier requests owe the channel is delivered
    before = snapshot(bot.store)
    answer = bot.organise(f"remove {bad}")
    assert answer.params["text"] in (
        "Give the topic's number, as the list shows it: `remove 3`.",
        f"There is no topic {bad} on the list.",
    )
    assert answer.params["text"] != SORRY
    assert snapshot(bot.store) == before


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.update(actions=[]),
        lambda p: p["user"].update(id=LONG_ID),
        lambda p: p["actions"][0].update(value=12),
        lambda p: p["actions"][0].update(value=int(THIRTY_DIGITS)),
        lambda p: p["actions"][0].update(value=["1:1"]),
        lambda p: p["actions"][0].update(value="1\x00:1"),
        lambda p: p.pop("user"),
    ],
    ids=["no actions", "40-char user", "number", "30 digits", "list", "NUL", "no user"],
)
def test_a_malformed_vote_is_a_400_and_counts_nothing(bot, change):
    meetup_id, topics = bot.to_voting(["golden paths"])
    payload = click_payload(bot, views.VOTE, f"{meetup_id}:{topics[0]}", reply="bad")
    change(payload)
    bot.settle()  # what earlier requests owe the channel is delivered
    before = snapshot(bot.store)
    response = signed(bot, payload)
    assert (response.status, response.body) == (400, "malformed payload")
    assert snapshot(bot.store) == before
    # and the well-formed click still counts
    assert bot.vote(topics[0], "U1", reply="good") == 200
    assert bot.votes_by_user() == {"U1": 1}
    assert bot.reply("good").params["text"].startswith("Vote added")
    assert not [c for c in bot.slack.calls_to("response_url") if c.path.endswith("/bad")]


# ---- an error no listener caught ---------------------------------------------------------------


def test_a_modal_whose_save_fails_shows_an_apology_beside_the_field(bot, monkeypatch, caplog):
    meetup_id = bot.to_collecting()
    bot.settle()  # what earlier requests owe the channel is delivered
    before = snapshot(bot.store)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr("bot.coffee.topics.propose", fail)
    response = bot.submit_modal(f"{meetup_id}:", "golden paths", user="U2")
    assert response.status == 200
    assert json.loads(response.body) == {
        "response_action": "errors",
        "errors": {"topic": SORRY_SHORT},
    }
    assert snapshot(bot.store) == before
    (record,) = [r for r in caplog.records if r.name == "bot.slack.errors"]
    assert record.getMessage() == "unhandled error answering a view_submission payload"
    assert record.exc_info is not None


def test_a_modal_without_fields_whose_save_fails_is_replaced_by_an_apology(bot, monkeypatch):
    meetup_id = bot.to_collecting()

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr("bot.coffee.topics.propose", fail)
    payload = modal_payload(f"{meetup_id}:", None)
    del payload["view"]["state"]
    response = signed(bot, payload)
    assert response.status == 200
    answer = json.loads(response.body)
    assert answer["response_action"] == "update"
    assert View(**answer["view"]).to_dict() == answer["view"]  # valid as Slack checks it
    assert SORRY in json.dumps(answer["view"])
    assert bot.topics(meetup_id) == []
