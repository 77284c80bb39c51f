"""Joins as Slack delivers them (signed Events API envelopes) -> one welcome DM, and only one."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from bot.onboarding import service
from bot.onboarding.views import TICK
from bot.store import Store
from tests.blocks import all_text, assert_valid_blocks
from tests.conftest import DB_TIMEOUT
from tests.onboarding.conftest import (
    CHANNEL,
    T0,
    TEAM,
    channel_join,
    checklist_state,
    dm_of,
    joined,
    newcomer,
    team_join,
)

HOSTILE = "<!channel> Eve & co"
HOSTILE_ESCAPED = "&lt;!channel&gt; Eve &amp; co"


def test_team_join_records_before_the_ack_and_drain_sends_one_escaped_welcome(ob, slack):
    response = ob.join("U0EVE", HOSTILE)
    assert response.status == 200
    # the ack only recorded what is owed: nothing went to Slack yet
    assert ob.sent() == []
    (row,) = ob.rows()
    assert (row.team_id, row.user_id) == (TEAM, "U0EVE")
    assert (row.kind, row.scope, row.body) == ("welcome", "first", "workspace")
    assert (row.state, row.attempts, row.name) == ("pending", 0, HOSTILE)  # stored as given

    assert ob.drain() == 1
    # the name came with the event: no users.info, one DM opened, one message posted
    assert [c.method for c in ob.sent()] == ["conversations.open", "chat.postMessage"]
    (opened,) = slack.calls_to("conversations.open")
    assert opened.params["users"] == "U0EVE"
    (post,) = slack.calls_to("chat.postMessage")
    assert post.params["channel"] == dm_of("U0EVE")
    assert post.token == "xoxb-test-token"
    blocks = post.params["blocks"]
    assert_valid_blocks(blocks)
    text = all_text(blocks)
    assert f"Hi {HOSTILE_ESCAPED}!" in text
    assert HOSTILE_ESCAPED in post.params["text"]
    # the raw name never reaches Slack, anywhere in the call
    assert "<!channel>" not in json.dumps(post.params, ensure_ascii=False)
    assert "Eve & co" not in json.dumps(post.params, ensure_ascii=False)
    assert blocks[0]["type"] == "header" and "WG-Platforms" in blocks[0]["text"]["text"]
    assert checklist_state(blocks) == dict.fromkeys(
        ["introduced", "whitepaper", "meeting", "community"], False
    )
    buttons = [b["accessory"] for b in blocks if "accessory" in b]
    assert {b["action_id"] for b in buttons} == {TICK}

    row = ob.row("U0EVE")
    assert row.state == "sent" and row.attempts == 1
    assert row.channel_id == dm_of("U0EVE")
    assert row.message_ts and row.message_ts == post.answer["ts"]
    assert row.sent_at == T0 and row.claimed_until is None and row.last_error == ""
    # draining again sends nothing more
    assert ob.drain() == 0
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_name_falls_back_to_the_real_name(ob, slack):
    ob.join("U0RAY", "", profile={"display_name": "", "real_name": "Ray Real"})
    ob.drain()
    (post,) = slack.calls_to("chat.postMessage")
    assert "Hi Ray Real!" in all_text(post.params["blocks"])
    assert slack.calls_to("users.info") == []


def test_a_newcomer_without_any_name_is_looked_up_then_welcomed(ob, slack):
    user = newcomer("U0ANON", "", real_name="", name="", profile={})
    assert ob.event(team_join(user)).status == 200
    ob.drain()
    (info,) = slack.calls_to("users.info")
    assert info.params["user"] == "U0ANON"
    (post,) = slack.calls_to("chat.postMessage")
    assert "Hi User U0ANON!" in all_text(post.params["blocks"])
    assert ob.row("U0ANON").name == "User U0ANON"


def test_the_same_event_twice_and_slacks_retry_make_one_welcome(ob, slack):
    body = joined("U0DUP", "Dup", event_id="Ev0DUPLICATE")
    assert ob.post_event(body).status == 200
    assert ob.post_event(body).status == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert ob.post_event(body, headers=retry).status == 200
    # a second delivery under a new event id (Slack does that too) is still the same join
    assert ob.event(team_join(newcomer("U0DUP", "Dup"))).status == 200
    assert len(ob.rows()) == 1
    ob.drain()
    ob.clock.advance(hours=1)
    ob.drain()
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert len(slack.calls_to("conversations.open")) == 1
    assert ob.row("U0DUP").state == "sent"


def test_a_new_welcome_nudges_the_sender_once_and_a_duplicate_does_not(ob):
    """The scheduler's nudge is what makes a welcome go out at once rather than at the next tick."""
    nudges: list[str] = []
    ob.feature.sender.nudge = lambda: nudges.append("drain now")
    body = joined("U0EVE", "Eve")
    ob.post_event(body)
    ob.post_event(body)
    ob.event(channel_join("U0EVE"))  # the other trigger: the same person, no second welcome
    assert len(ob.rows()) == 1
    assert nudges == ["drain now"]


def test_owe_tells_a_new_debt_from_a_duplicate(ob):
    args = {"team_id": TEAM, "user_id": "U0EVE", "kind": "welcome", "scope": "first"}
    with ob.store.session() as s:
        assert service.owe(s, now=T0, name="Eve", **args) is True
    with ob.store.session() as s:
        assert service.owe(s, now=T0, name="Eve again", **args) is False
    assert ob.row("U0EVE").name == "Eve"


def test_two_processes_receiving_the_same_events_at_once_welcome_each_person_once(
    ob, make_onboarding_app, db_url, slack
):
    """Two App instances, each with its own engine, on one database; events and drains race."""
    other_store = Store(db_url, timeout=DB_TIMEOUT)
    try:
        other = make_onboarding_app(on=other_store, clock=ob.clock)
        users = [f"U0RACE{i:02d}" for i in range(12)]
        bodies = [joined(u, f"Racer {u}") for u in users]
        barrier = threading.Barrier(2)

        def deliver(app_index: int) -> list[int]:
            target = (ob, other)[app_index]
            statuses = []
            for body in bodies:
                barrier.wait(timeout=10)
                statuses.append(target.post_event(body).status)
            return statuses

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(deliver, [0, 1]))
        assert results == [[200] * len(users)] * 2
        assert sorted(r.user_id for r in ob.rows()) == users
        assert ob.sent() == []

        # both senders drain at the same moment: each row is claimed by one of them
        barrier = threading.Barrier(2)

        def drain(target) -> int:
            barrier.wait(timeout=10)
            return target.drain()

        with ThreadPoolExecutor(2) as pool:
            handled = list(pool.map(drain, [ob, other]))
        assert sum(handled) == len(users)
        posts = slack.calls_to("chat.postMessage")
        assert sorted(p.params["channel"] for p in posts) == sorted(dm_of(u) for u in users)
        assert {r.state for r in ob.rows()} == {"sent"}
    finally:
        other_store.dispose()


def test_bots_the_bot_itself_deleted_users_and_guests_get_nothing(ob, slack):
    ob.join("U0BOT2", "Helper", is_bot=True)
    ob.join("USLACKBOT", "Slackbot")
    ob.join("UBOT", "wgbot")  # the bot's own user (auth.test says UBOT)
    ob.join("U0GONE", "Gone", deleted=True)
    ob.join("U0GUEST", "Guest", is_restricted=True)
    ob.join("U0SCG", "Single-channel guest", is_restricted=True, is_ultra_restricted=True)
    assert ob.rows() == []
    assert ob.drain() == 0
    assert ob.sent() == []


def test_guests_are_welcomed_when_configured(make_onboarding_app, slack):
    ob = make_onboarding_app(welcome_guests=True)
    ob.join("U0GUEST", "Guest", is_restricted=True)
    ob.join("U0SCG", "Single", is_restricted=True, is_ultra_restricted=True)
    ob.join("U0BOT2", "Helper", is_bot=True)  # still not bots
    assert ob.drain() == 2
    assert sorted(c.params["channel"] for c in slack.calls_to("chat.postMessage")) == [
        dm_of("U0GUEST"),
        dm_of("U0SCG"),
    ]


def test_team_join_is_ignored_when_switched_off(make_onboarding_app, slack):
    ob = make_onboarding_app(welcome_on_team_join=False)
    assert ob.join("U0EVE", "Eve").status == 200
    assert ob.rows() == []
    assert ob.drain() == 0 and ob.sent() == []


def test_joining_a_configured_channel_welcomes_after_a_users_info_check(ob, slack):
    assert ob.event(channel_join("U0BOB")).status == 200
    assert ob.sent() == []  # users.info waits for the sender, after the ack
    row = ob.row("U0BOB")
    assert (row.scope, row.body, row.name) == ("first", f"channel:{CHANNEL}", "")
    assert row.state == "pending"
    ob.drain()
    assert [c.method for c in ob.sent()] == ["users.info", "conversations.open", "chat.postMessage"]
    (post,) = slack.calls_to("chat.postMessage")
    assert post.params["channel"] == dm_of("U0BOB")
    assert "Hi User U0BOB!" in all_text(post.params["blocks"])
    assert ob.row("U0BOB").state == "sent"
    # a second join of the same channel (left and came back) is not a second welcome
    ob.event(channel_join("U0BOB"))
    ob.drain()
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_other_channels_and_the_bot_joining_are_ignored(ob, slack):
    ob.event(channel_join("U0BOB", channel="C0RANDOM"))
    ob.event(channel_join("UBOT"))
    assert ob.rows() == []
    assert ob.drain() == 0 and ob.sent() == []


def test_channel_joins_by_bots_deleted_users_and_guests_are_skipped_at_delivery(ob, slack):
    slack.users.update(
        {
            "U0BOT2": {"is_bot": True},
            "U0GONE": {"deleted": True},
            "U0GUEST": {"is_restricted": True},
            "U0SCG": {"is_restricted": True, "is_ultra_restricted": True},
        }
    )
    for user in slack.users:
        ob.event(channel_join(user))
    assert ob.drain() == 4
    assert {r.user_id: r.state for r in ob.rows()} == dict.fromkeys(slack.users, "skipped")
    assert {r.last_error for r in ob.rows()} == {"a bot", "a deleted user", "a guest"}
    assert slack.calls_to("conversations.open") == [] and slack.calls_to("chat.postMessage") == []


def test_channel_join_of_a_guest_is_welcomed_when_guests_are(make_onboarding_app, slack):
    ob = make_onboarding_app(welcome_guests=True)
    slack.users["U0GUEST"] = {"is_restricted": True, "profile": {"display_name": "Gus"}}
    ob.event(channel_join("U0GUEST"))
    ob.drain()
    (post,) = slack.calls_to("chat.postMessage")
    assert "Hi Gus!" in all_text(post.params["blocks"])


def test_nothing_is_welcomed_without_a_configured_channel(make_onboarding_app, slack):
    ob = make_onboarding_app(welcome_channels="")
    ob.event(channel_join("U0BOB"))
    assert ob.rows() == [] and ob.drain() == 0
