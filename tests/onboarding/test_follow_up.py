"""The one optional follow-up: days after a welcome, only to people who ticked nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from bot.onboarding import service
from bot.store.models import OutboxMessage
from tests.blocks import all_text, assert_valid_blocks
from tests.onboarding.conftest import T0, TEAM, checklist_state, dm_of

AFTER = dt.timedelta(days=3)


def owe_follow_ups(ob, now: dt.datetime) -> list[str]:
    """Run it, then return who is owed a follow-up (from the table, not the return value)."""
    with ob.store.session() as s:
        service.owe_follow_ups(s, now, AFTER)
    return [r.user_id for r in ob.rows(kind="follow_up")]


def test_a_quiet_newcomer_gets_exactly_one_follow_up(ob, slack):
    ob.join("U0QUIET", "Quiet & shy")
    ob.command("", user_id="U0QUIET", user_name="quiet")  # a second welcome, on request
    ob.drain()
    assert len(slack.calls_to("chat.postMessage")) == 2

    # not yet: the welcome is younger than `after`
    assert owe_follow_ups(ob, T0 + AFTER - dt.timedelta(seconds=1)) == []
    now = ob.clock.advance(days=4)
    assert owe_follow_ups(ob, now) == ["U0QUIET"]  # one, though welcomed twice
    assert owe_follow_ups(ob, now) == ["U0QUIET"]  # the scheduler runs it hourly: still one
    assert owe_follow_ups(ob, now + dt.timedelta(days=30)) == ["U0QUIET"]
    (row,) = ob.rows(kind="follow_up")
    assert (row.scope, row.state, row.team_id) == ("once", "pending", TEAM)

    assert ob.drain() == 1
    post = slack.calls_to("chat.postMessage")[-1]
    assert post.params["channel"] == dm_of("U0QUIET")
    blocks = post.params["blocks"]
    assert_valid_blocks(blocks)
    assert all(b["type"] != "header" for b in blocks)
    assert "A few days ago I sent you a welcome" in all_text(blocks)
    assert "Quiet & shy" not in all_text(blocks) + post.params["text"]
    assert checklist_state(blocks) == dict.fromkeys(
        ["introduced", "whitepaper", "meeting", "community"], False
    )
    assert ob.row("U0QUIET", kind="follow_up").state == "sent"
    # and nothing more, ever
    ob.clock.advance(days=10)
    assert owe_follow_ups(ob, ob.clock()) == ["U0QUIET"]
    assert ob.drain() == 0 and len(slack.calls_to("chat.postMessage")) == 3


def test_someone_who_ticked_anything_gets_no_follow_up(ob, slack):
    ob.join("U0BUSY", "Busy")
    ob.join("U0QUIET", "Quiet")
    ob.drain()
    with ob.store.session() as s:
        service.set_tick(s, TEAM, "U0BUSY", "introduced", True, ob.clock())
        service.set_tick(s, "T0OTHER", "U0QUIET", "introduced", True, ob.clock())  # elsewhere
    assert owe_follow_ups(ob, ob.clock.advance(days=4)) == ["U0QUIET"]
    ob.drain()
    assert [c.params["channel"] for c in slack.calls_to("chat.postMessage")][-1] == "D0QUIET"
    assert len(slack.calls_to("chat.postMessage")) == 3


def test_only_sent_welcomes_count(ob, slack):
    ob.join("U0SENT", "Sent")
    ob.join("U0PEND", "Pending")
    ob.join("U0FAIL", "Failed")
    slack.users["U0SKIP"] = {"is_bot": True}
    ob.event({"type": "member_joined_channel", "user": "U0SKIP", "channel": "C0WGPLAT"})
    ob.drain()
    with ob.store.session() as s:
        for user, state in [("U0PEND", "pending"), ("U0FAIL", "failed")]:
            s.execute(
                update(OutboxMessage).where(OutboxMessage.user_id == user).values(state=state)
            )
    assert ob.row("U0SKIP").state == "skipped"
    assert owe_follow_ups(ob, ob.clock.advance(days=4)) == ["U0SENT"]


def test_the_feature_uses_the_configured_days(make_onboarding_app, slack):
    off = make_onboarding_app()  # follow_up_days=0: never
    off.join("U0QUIET", "Quiet")
    off.drain()
    off.clock.advance(days=30)
    off.feature.owe_follow_ups()
    assert off.rows(kind="follow_up") == []

    on = make_onboarding_app(follow_up_days=3, clock=off.clock)
    on.feature.owe_follow_ups()
    on.feature.owe_follow_ups()
    assert [r.user_id for r in on.rows(kind="follow_up")] == ["U0QUIET"]


def test_owe_follow_ups_counts_what_it_owed_and_nudges_the_sender(make_onboarding_app, slack):
    ob = make_onboarding_app(follow_up_days=3)
    ob.join("U0QUIET", "Quiet")
    ob.join("U0SHY", "Shy")
    ob.drain()
    nudges: list[int] = []
    ob.feature.sender.nudge = lambda: nudges.append(1)
    ob.clock.advance(days=4)
    with ob.store.session() as s:
        assert service.owe_follow_ups(s, ob.clock(), AFTER) == 2
        assert service.owe_follow_ups(s, ob.clock(), AFTER) == 0
    ob.join("U0LATE", "Late")
    ob.drain()
    ob.clock.advance(days=4)
    assert ob.feature.owe_follow_ups() == 1
    assert ob.feature.owe_follow_ups() == 0
    assert len(nudges) == 2  # the join, then the follow-up
