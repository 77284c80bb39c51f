"""Proposers' names: asked of Slack once per person, remembered for an hour (renames show after
that), failures asked again after a minute rather than on every redraw, and a bounded memory."""

from __future__ import annotations

import pytest

from bot.coffee.names import KEPT, RETRY, Names
from bot.config import IsolatedSettings
from bot.sandbox.web_api import WebApi
from bot.slack.clients import make_client
from tests.conftest import BOT_TOKEN


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


def names_for(slack: WebApi, ticks: Ticks, **kw: int) -> Names:
    """Names as the bot's own client asks them (429s waited out, a 5xx retried once)."""
    client = make_client(IsolatedSettings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack.api_url))
    return Names(client, clock=ticks, **kw)


def asked(slack: WebApi) -> list[str]:
    return sorted(c.params["user"] for c in slack.calls_to("users.info"))


def test_each_person_is_asked_once_and_remembered(slack, ticks):
    names = names_for(slack, ticks)
    slack.users["U2"] = {"profile": {"display_name": ""}, "real_name": "Real Two"}
    people = ["U1", "U2", "U3", "U1"]
    assert names.of(people) == {"U1": "User U1", "U2": "Real Two", "U3": "User U3"}
    assert asked(slack) == ["U1", "U2", "U3"]
    ticks.now += KEPT - 1
    assert names.of(people)["U1"] == "User U1"
    assert names.of(["U3"]) == {"U3": "User U3"}
    assert asked(slack) == ["U1", "U2", "U3"]  # redraws within the hour ask nothing


def test_a_rename_shows_once_the_name_has_expired(slack, ticks):
    names = names_for(slack, ticks)
    assert names.of(["U1"]) == {"U1": "User U1"}
    slack.users["U1"] = {"profile": {"display_name": "Ada"}}
    ticks.now += KEPT - 1
    assert names.of(["U1"]) == {"U1": "User U1"}
    ticks.now += 1
    assert names.of(["U1"]) == {"U1": "Ada"}
    assert asked(slack) == ["U1", "U1"]


def test_a_failure_is_asked_again_after_a_minute_not_on_every_redraw(slack, ticks):
    names = names_for(slack, ticks)
    slack.answer("users.info", {"ok": False, "error": "user_not_found"})
    assert names.of(["U1", "U2"]) == {"U1": "U1", "U2": "U2"}  # the id stands in
    for _ in range(5):  # redraws within the minute
        ticks.now += RETRY / 10
        assert names.of(["U1", "U2"]) == {"U1": "U1", "U2": "U2"}
    assert asked(slack) == ["U1", "U2"]
    slack.answer("users.info", None)  # Slack answers again
    ticks.now += RETRY / 2
    assert names.of(["U1", "U2"]) == {"U1": "User U1", "U2": "User U2"}
    assert asked(slack) == ["U1", "U1", "U2", "U2"]


def test_a_failed_refresh_keeps_the_name_last_given(slack, ticks):
    names = names_for(slack, ticks)
    assert names.of(["U1"]) == {"U1": "User U1"}
    ticks.now += KEPT
    slack.fail("users.info", 500, times=2)  # the client retries a 5xx once
    assert names.of(["U1"]) == {"U1": "User U1"}
    assert len(slack.refused) == 2
    ticks.now += RETRY / 2
    assert names.of(["U1"]) == {"U1": "User U1"}  # not asked again yet
    assert len(slack.refused) == 2 and asked(slack) == ["U1"]


def test_the_memory_is_bounded_and_forgets_the_longest_unused(slack, ticks):
    names = names_for(slack, ticks, remembered=3)
    assert names.of(["U1", "U2", "U3"])["U3"] == "User U3"
    names.of(["U1"])  # used again: U2 is now the longest unused
    names.of(["U4"])
    assert asked(slack) == ["U1", "U2", "U3", "U4"]
    names.of(["U1", "U3", "U4"])
    assert asked(slack) == ["U1", "U2", "U3", "U4"]  # all three still remembered
    names.of(["U2"])
    assert asked(slack) == ["U1", "U2", "U2", "U3", "U4"]  # U2 was forgotten


def test_a_drawing_with_more_people_than_remembered_still_names_them_all(slack, ticks):
    names = names_for(slack, ticks, remembered=2)
    people = [f"U{n}" for n in range(10)]
    assert names.of(people) == {u: f"User {u}" for u in people}
    assert asked(slack) == people
