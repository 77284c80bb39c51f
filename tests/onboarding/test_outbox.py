"""The outbox under a misbehaving Slack: 429 with Retry-After, 5xx, dropped connections, a
crashed sender. The clock is moved by hand, so retries fall due without sleeping."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import update

from bot.delivery.outbox import MAX_ATTEMPTS
from bot.delivery.slack_calls import BACKOFF_CAP
from bot.store.models import Journey, OutboxMessage
from tests.onboarding.conftest import T0, dm_of


@pytest.mark.parametrize("method", ["conversations.open", "chat.postMessage"])
def test_429_then_500_then_recovery_sends_exactly_one_dm(ob, slack, method):
    ob.join("U0EVE", "Eve")
    slack.fail(method, 429, retry_after=30)
    slack.fail(method, 500)

    assert ob.drain() == 1
    row = ob.row("U0EVE")
    assert (row.state, row.attempts, row.last_error) == ("pending", 1, "ratelimited")
    assert row.due_at == T0 + dt.timedelta(seconds=30)  # Retry-After honoured
    assert row.claimed_until is None
    assert [c.method for c in slack.refused] == [method]
    assert slack.calls_to("chat.postMessage") == []

    # before Retry-After has passed, nothing goes to Slack
    ob.clock.advance(seconds=29)
    assert ob.drain() == 0
    assert len(slack.refused) == 1 and slack.calls_to("chat.postMessage") == []

    # at 30 s it is tried again, meets the 500 and backs off
    ob.clock.advance(seconds=1)
    assert ob.drain() == 1
    row = ob.row("U0EVE")
    assert (row.state, row.attempts, row.last_error) == ("pending", 2, "internal_error")
    assert row.due_at > ob.clock.now
    assert [c.method for c in slack.refused] == [method, method]
    assert ob.drain() == 0  # not due yet

    # once the back-off has passed, it goes out
    ob.clock.now = row.due_at
    assert ob.drain() == 1
    row = ob.row("U0EVE")
    assert (row.state, row.attempts, row.last_error) == ("sent", 3, "")
    (post,) = slack.calls_to("chat.postMessage")
    assert post.params["channel"] == dm_of("U0EVE")
    assert row.message_ts == post.answer["ts"] and row.channel_id == dm_of("U0EVE")
    assert row.sent_at == ob.clock.now
    # the DM channel was opened once: a retry after a failed post reuses it
    assert len(slack.calls_to("conversations.open")) == 1

    for _ in range(3):  # and never again
        ob.clock.advance(hours=1)
        assert ob.drain() == 0
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_a_429_pauses_the_whole_sender_until_retry_after(ob, slack):
    for user in ("U0EVE", "U0FAY", "U0GUS"):
        ob.join(user, user)
    slack.fail("chat.postMessage", 429, retry_after=30)
    assert ob.drain() == 1  # Eve met the 429; the others are not even tried
    assert {r.user_id: (r.state, r.attempts) for r in ob.rows()} == {
        "U0EVE": ("pending", 1),
        "U0FAY": ("pending", 0),
        "U0GUS": ("pending", 0),
    }
    ob.clock.advance(seconds=29)
    assert ob.drain() == 0
    assert slack.calls_to("chat.postMessage") == []
    ob.clock.advance(seconds=1)
    assert ob.drain() == 3
    assert sorted(c.params["channel"] for c in slack.calls_to("chat.postMessage")) == [
        dm_of("U0EVE"),
        dm_of("U0FAY"),
        dm_of("U0GUS"),
    ]
    assert {r.state for r in ob.rows()} == {"sent"}


def test_back_off_grows_until_the_row_fails(ob, slack):
    ob.join("U0EVE", "Eve")
    slack.fail("conversations.open", 503, times=MAX_ATTEMPTS + 5)
    delays = []
    for _ in range(MAX_ATTEMPTS):
        assert ob.drain() == 1
        row = ob.row("U0EVE")
        if row.state == "failed":
            break
        delays.append((row.due_at - ob.clock.now).total_seconds())
        ob.clock.now = row.due_at
    row = ob.row("U0EVE")
    assert (row.state, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert delays == sorted(delays) and delays[0] == 5.0 and max(delays) == BACKOFF_CAP
    assert len(slack.refused) == MAX_ATTEMPTS
    ob.clock.advance(days=1)
    assert ob.drain() == 0
    assert ob.sent() == []


def test_a_refusal_that_retrying_cannot_fix_fails_at_once(ob, slack):
    ob.join("U0EVE", "Eve")
    slack.fail("chat.postMessage", 400)
    ob.drain()
    row = ob.row("U0EVE")
    assert (row.state, row.attempts) == ("failed", 1)
    ob.clock.advance(days=1)
    assert ob.drain() == 0 and slack.calls_to("chat.postMessage") == []


def test_network_errors_before_posting_are_retried_later(ob, slack):
    ob.join("U0EVE", "Eve")
    # the sender's client never retries by itself: the outbox decides when to try again
    slack.fail("conversations.open", 0)
    assert ob.drain() == 1
    row = ob.row("U0EVE")
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.last_error and row.due_at == T0 + dt.timedelta(seconds=5)
    assert ob.drain() == 0
    ob.clock.advance(seconds=5)
    assert ob.drain() == 1
    assert ob.row("U0EVE").state == "sent"
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_a_lost_answer_to_chat_post_message_is_found_in_the_dm_and_never_posted_again(ob, slack):
    ob.join("U0EVE", "Eve")
    slack.fail("chat.postMessage", 0, applied=True)  # Slack posted; the answer was lost
    ob.drain()
    ob.clock.advance(days=1)
    ob.drain()
    (post,) = slack.calls_to("chat.postMessage")
    (look,) = slack.calls_to("conversations.history")
    assert look.params["channel"] == dm_of("U0EVE")
    row = ob.row("U0EVE")
    # recorded as the message that is there, and the journey begins as after any welcome
    assert (row.state, row.message_ts) == ("sent", post.ts)
    assert post.params["metadata"]["event_payload"] == {"key": f"dm:{row.id}"}
    with ob.store.session() as s:
        assert s.get(Journey, (row.team_id, "U0EVE")) is not None


def test_a_dm_whose_post_never_reached_slack_is_looked_for_then_sent_once(ob, slack):
    ob.join("U0EVE", "Eve")
    slack.fail("chat.postMessage", 0)  # the connection dropped before Slack posted anything
    ob.drain()
    ob.drain()
    assert len(slack.calls_to("conversations.history")) == 1
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert ob.row("U0EVE").state == "sent"


def test_a_dm_left_posting_by_a_dead_sender_is_checked_then_sent_once(ob, slack):
    """Two of fifty newcomers got nothing when their sender died mid-post: the row is now
    looked for in the DM channel and sent when it is not there, by whichever sender takes it."""
    ob.join("U0POST", "Posting")
    claim = T0 + dt.timedelta(minutes=2)
    with ob.store.session() as s:
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.user_id == "U0POST")
            .values(state="posting", claimed_until=claim, attempts=1, channel_id=dm_of("U0POST"))
        )
    assert ob.drain() == 0  # its sender may still be at it
    ob.clock.now = claim + dt.timedelta(seconds=1)
    assert ob.drain() == 1
    ob.clock.advance(days=1)
    assert ob.drain() == 0
    (look,) = slack.calls_to("conversations.history")
    assert look.params["channel"] == dm_of("U0POST")
    assert [c.params["channel"] for c in slack.calls_to("chat.postMessage")] == [dm_of("U0POST")]
    assert ob.row("U0POST").state == "sent"


def test_a_failed_look_for_a_lost_dm_is_tried_again_without_sending(ob, slack):
    ob.join("U0EVE", "Eve")
    slack.fail("chat.postMessage", 0, applied=True)
    slack.fail("conversations.history", 500)
    ob.drain()
    row = ob.row("U0EVE")
    assert row.state == "unknown" and row.due_at > T0
    ob.clock.now = row.due_at
    ob.drain()
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert ob.row("U0EVE").state == "sent"


def test_a_sender_that_died_before_posting_is_replaced_and_one_that_died_posting_is_not(ob, slack):
    ob.join("U0OPEN", "Opening")
    ob.join("U0POST", "Posting")
    ob.join("U0LIVE", "Live")
    claim = T0 + dt.timedelta(minutes=2)
    with ob.store.session() as s:
        for user, state, until in [
            ("U0OPEN", "sending", claim),  # died while opening the DM
            ("U0POST", "posting", claim),  # died after asking Slack to post
            ("U0LIVE", "sending", T0 + dt.timedelta(hours=1)),  # another sender, still at it
        ]:
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.user_id == user)
                .values(state=state, claimed_until=until, attempts=1)
            )
    assert ob.drain() == 0  # claims still held
    ob.clock.now = claim + dt.timedelta(seconds=1)
    assert ob.drain() == 1
    assert {r.user_id: r.state for r in ob.rows()} == {
        "U0OPEN": "sent",
        "U0POST": "unknown",
        "U0LIVE": "sending",
    }
    assert ob.row("U0OPEN").attempts == 2
    assert [c.params["channel"] for c in slack.calls_to("chat.postMessage")] == [dm_of("U0OPEN")]


def test_drain_in_two_threads_of_one_process_sends_once(ob, slack):
    for i in range(5):
        ob.join(f"U0PAR{i}", f"Par {i}")
    start = threading.Barrier(3)
    results: list[int] = []

    def run() -> None:
        start.wait(timeout=5)
        results.append(ob.drain())

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sum(results) == 5
    assert len(slack.calls_to("chat.postMessage")) == 5


def test_a_dm_left_unknown_before_dms_carried_metadata_is_found_by_its_text(ob, slack):
    """A DM lost mid-post by an older version (no metadata on it) that did arrive is not sent
    again: its exact text in the DM channel is taken as proof."""
    ob.join("U0OLD", "Old")
    slack.fail("chat.postMessage", 0, applied=True)
    slack.fail("conversations.history", 500)  # not looked for yet
    ob.drain()
    (post,) = slack.calls_to("chat.postMessage")
    del post.params["metadata"]  # as an older version posted it
    row = ob.row("U0OLD")
    ob.clock.now = row.due_at
    ob.drain()
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert (ob.row("U0OLD").state, ob.row("U0OLD").message_ts) == ("sent", post.ts)


@pytest.mark.parametrize(("per_minute", "gap"), [(None, 1.5), (120, 0.5)])
def test_dms_keep_their_pace_on_the_senders_clock(make_onboarding_app, slack, per_minute, gap):
    """40 DMs a minute by default (under conversations.open's tier-3 limit), or as set: each
    DM after the first waits its gap on the sender's clock before its conversations.open."""
    ob = make_onboarding_app(**({"dms_per_minute": per_minute} if per_minute else {}))
    for n in range(3):
        ob.join(f"U0PACE{n}", f"Pace {n}")
    assert ob.drain() == 3
    # each wait, with the DMs opened when it began: one gap before the second and the third
    assert ob.feature.sender.pacer.waits == [(gap, 1), (gap, 2)]
    assert len(slack.calls_to("chat.postMessage")) == 3
    # the next one owed later still keeps its distance from the last
    ob.join("U0PACE3", "Pace 3")
    assert ob.drain() == 1
    assert ob.feature.sender.pacer.waits[-1] == (gap, 3)
