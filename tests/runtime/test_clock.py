"""The scheduler's election: only the lease holder works the schedule, and a new holder first
recovers what the last one left half-done, without ever sending a DM twice."""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    JobEvent,
)
from sqlalchemy import select, update

from bot.runtime.lease import lease_for
from bot.runtime.scheduler import OUTBOX_JOB, LeasedScheduler
from bot.store.models import OutboxMessage
from tests.onboarding.conftest import Onboarding


def _clock(bot: Onboarding) -> LeasedScheduler:
    return LeasedScheduler(lease_for(bot.store), bot.feature)


def test_only_the_holder_delivers(ob: Onboarding):
    a, b = _clock(ob), _clock(ob)
    a.campaign()
    b.campaign()
    assert (a.holds, b.holds) == (True, False)
    ob.join("U0ONE")
    b.held(ob.feature.sender.drain)()  # a job on the process without the lease
    assert ob.slack.calls_to("chat.postMessage") == []
    a.held(ob.feature.sender.drain)()
    assert len(ob.slack.calls_to("chat.postMessage")) == 1
    a.lease.release()
    b.campaign()
    assert b.holds
    b.lease.release()


def test_a_new_holder_recovers_what_the_dead_one_left(ob: Onboarding):
    for user in ("U0POST", "U0SEND", "U0WAIT"):
        ob.join(user)
    with ob.store.session() as s:  # the dead holder was posting one and had claimed one
        s.execute(update(OutboxMessage).where(OutboxMessage.user_id == "U0POST").values(
            state="posting"))  # fmt: skip
        s.execute(update(OutboxMessage).where(OutboxMessage.user_id == "U0SEND").values(
            state="sending", claimed_until=ob.clock() + dt.timedelta(minutes=2)))  # fmt: skip
    clock = _clock(ob)
    clock.campaign()  # takes the lease and recovers at once, not when the claims expire
    ob.drain()
    assert {r.user_id: r.state for r in ob.rows()} == {
        "U0POST": "unknown",
        "U0SEND": "sent",
        "U0WAIT": "sent",
    }
    sent_to = [c.params["channel"] for c in ob.slack.calls_to("chat.postMessage")]
    assert sorted(sent_to) == ["D0SEND", "D0WAIT"]
    clock.lease.release()


def test_a_sender_that_lost_its_row_to_a_new_holder_does_not_post_it(ob: Onboarding):
    ob.join("U0RACE")
    release = threading.Event()
    stall = ob.slack.fail("conversations.open", 200, hold=release)  # Slack stalls, then answers
    old = threading.Thread(target=ob.feature.sender.drain, kwargs={"limit": 1})
    old.start()
    assert stall.met.wait(10), "the sender never reached conversations.open"
    with ob.store.session() as s:  # the old sender holds the row, stuck in Slack's call
        assert s.scalar(select(OutboxMessage.state)) == "sending"
    ob.feature.sender.recover()  # meanwhile a new holder took over and re-queued it
    release.set()  # the old sender carries on with what it had in hand
    old.join(10)
    assert not old.is_alive()
    assert ob.slack.calls_to("chat.postMessage") == []
    assert ob.row("U0RACE").state == "pending"
    ob.drain()
    assert ob.row("U0RACE").state == "sent"
    assert len(ob.slack.calls_to("chat.postMessage")) == 1


def test_the_journey_job_is_scheduled_and_only_the_holder_owes_steps(ob: Onboarding):
    a, b = _clock(ob), _clock(ob)
    a.campaign()
    b.campaign()
    ob.join("U0ONE", "One")
    ob.drain()
    b.held(ob.feature.owe_journey_steps)()
    assert ob.rows(kind="step") == []
    a.held(ob.feature.owe_journey_steps)()
    a.held(ob.feature.owe_journey_steps)()  # every ten minutes: still one row per step
    assert [r.scope for r in ob.rows(kind="step")] == [
        "propose_an_idea",
        "read_first",
        "next_meeting",
    ]
    a.lease.release()


def test_a_process_without_the_lease_still_warms_its_own_catalog(ob: Onboarding):
    holder = _clock(ob)
    holder.campaign()
    warmed = threading.Event()
    other = LeasedScheduler(lease_for(ob.store), ob.feature, warm=warmed.set).start()
    try:
        assert warmed.wait(30), "the warm job ran at start"
        assert not other.holds  # it is every process's job, not the holder's
    finally:
        other.stop()
        holder.lease.release()


def test_a_long_drain_does_not_make_the_scheduler_warn(ob: Onboarding, caplog):
    """While a drain waits on a slow Slack, the ticks and nudges that fall due are answered by
    the drain in progress, without APScheduler's "maximum number of running instances" warning."""
    caplog.set_level(logging.WARNING, logger="apscheduler")
    stalled = threading.Event()
    ob.slack.fail("chat.postMessage", 500, applied=True, hold=stalled)  # Slack stalls on the DM
    clock = LeasedScheduler(lease_for(ob.store), ob.feature)
    clock.campaign()  # this process holds the lease
    runs: queue.Queue[JobEvent] = queue.Queue()
    clock.scheduler.add_listener(
        lambda e: runs.put(e) if e.job_id == OUTBOX_JOB else None,
        EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MAX_INSTANCES,
    )
    clock.start()
    try:
        ob.join("U0SLOW")  # owes the welcome and nudges the drain
        ob.slack.wait_for("chat.postMessage")  # the drain is now waiting on Slack
        while not runs.empty():  # runs before this one (a catch-up at start) say nothing
            runs.get_nowait()
        for _ in range(3):  # more joins nudge the drain
            ob.feature.sender.nudge()
            event = runs.get(timeout=30)
            assert event.code == EVENT_JOB_EXECUTED, event
    finally:
        stalled.set()
        clock.stop()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("apscheduler")] == []


def test_the_clock_purges_delivered_dms_past_the_retention_but_keeps_who_was_welcomed(
    ob: Onboarding,
):
    ob.join("U0OLD", "Old")
    ob.feature.owe_answer("T0001", "U0OLD", "D0OLD")  # an answer in the Messages tab
    ob.feature.resend("T0001", "U0OLD")  # /welcome: the welcome again
    ob.drain()
    assert {r.state for r in ob.rows()} == {"sent"}
    clock = _clock(ob)
    assert clock.purge() == 0  # within the retention: nothing goes
    ob.clock.advance(days=ob.feature.settings.outbox_retention_days + 1)
    ob.join("U0NEW", "New")  # owed, not sent: never purged
    assert clock.purge() == 2
    # the first welcome stays: it is what keeps a second one from being owed
    assert sorted((r.user_id, r.kind, r.scope) for r in ob.rows()) == [
        ("U0NEW", "welcome", "first"),
        ("U0OLD", "welcome", "first"),
    ]
    assert ob.feature.owe_welcome("T0001", "U0OLD", "workspace") is False
