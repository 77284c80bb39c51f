"""One welcome per person whatever triggers fire, then the journey: steps at a local hour in the
person's Slack time zone, once each, skipped when done, stopped at once on request."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.onboarding import service, views
from bot.onboarding.content import default_content
from bot.onboarding.journey import due_at, tz_of
from bot.store.models import ChannelMessage
from tests.blocks import all_text, assert_valid_blocks
from tests.onboarding.conftest import (
    CHANNEL,
    ManualClock,
    channel_join,
    checklist_state,
    dm_of,
    envelope,
    joined,
    newcomer,
    team_join,
)

LONDON = "Europe/London"
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.mark.parametrize("order", ["workspace first", "channel first"])
def test_joining_the_workspace_and_the_channel_gets_one_welcome(ob, slack, order):
    in_workspace = joined("U0EVE", "Eve", tz=LONDON, event_id="Ev0TEAMJOIN")
    in_channel = envelope(channel_join("U0EVE"), event_id="Ev0CHANJOIN")
    bodies = (
        [in_workspace, in_channel] if order == "workspace first" else [in_channel, in_workspace]
    )
    for body in bodies:
        assert ob.post_event(body).status == 200
        assert ob.post_event(body, headers=RETRY).status == 200  # Slack's retry
    # a second delivery of each under new event ids, and the channel joined again later
    ob.event(team_join(newcomer("U0EVE", "Eve", tz=LONDON)))
    ob.event(channel_join("U0EVE"))
    (row,) = ob.rows()
    assert (row.kind, row.scope) == ("welcome", "first")
    assert row.body == ("workspace" if order == "workspace first" else f"channel:{CHANNEL}")
    assert ob.drain() == 1
    ob.clock.advance(hours=2)
    ob.event(channel_join("U0EVE"))
    assert ob.drain() == 0
    (post,) = slack.calls_to("chat.postMessage")
    assert post.params["channel"] == dm_of("U0EVE")
    assert ob.row("U0EVE").state == "sent"


def welcomed(ob, slack, user_id: str = "U0EVE", **fields) -> dict:
    ob.join(user_id, "Eve", **fields)
    assert ob.drain() == 1
    return slack.calls_to("chat.postMessage")[-1].params


def test_the_first_welcome_begins_a_journey_whose_steps_are_owed_once_at_local_hours(ob, slack):
    welcome = welcomed(ob, slack, tz="America/New_York")
    assert ob.rows(kind="step") == []  # owed by the scheduler's job, not at the ack
    assert ob.feature.owe_journey_steps() == 3
    assert ob.feature.owe_journey_steps() == 0  # the job runs every few minutes: still three
    steps = ob.rows(kind="step")
    # 25 Nov 2026 is a Wednesday; 10:00 in New York is 15:00 UTC in winter
    assert [(r.scope, r.due_at) for r in steps] == [
        ("propose_an_idea", at(2026, 11, 27, 15)),
        ("read_first", at(2026, 11, 29, 15)),
        ("next_meeting", at(2026, 12, 2, 15)),
    ]
    # straight into the welcome's DM: no conversations.open for a step
    assert {r.channel_id for r in steps} == {welcome["channel"]}

    ob.clock.now = at(2026, 11, 27, 14, 59)
    assert ob.drain() == 0
    ob.clock.now = at(2026, 11, 27, 15)
    assert ob.drain() == 1
    (post,) = slack.calls_to("chat.postMessage")[1:]
    assert post.params["channel"] == welcome["channel"]
    blocks = post.params["blocks"]
    assert_valid_blocks(blocks)
    assert "*Proposing an idea*" in all_text(blocks)
    stop = blocks[-1]["elements"][0]
    assert (stop["action_id"], stop["value"]) == (views.JOURNEY_STOP, "propose_an_idea")
    assert len(slack.calls_to("conversations.open")) == 1
    ob.clock.advance(hours=1)
    assert ob.drain() == 0  # once each


def test_a_step_whose_item_is_done_is_skipped(ob, slack):
    welcome = welcomed(ob, slack, tz=LONDON)
    ob.feature.owe_journey_steps()
    ob.click(
        "U0EVE",
        "tick:whitepaper",
        channel=welcome["channel"],
        ts=slack.calls_to("chat.postMessage")[0].answer["ts"],
        blocks=welcome["blocks"],
    )
    ob.settle()
    ob.clock.now = at(2026, 11, 29, 10)  # day 4, 10:00 London: read_first (skip_if whitepaper)
    assert ob.drain() == 2  # day 2's step, and day 4's looked at
    row = ob.row("U0EVE", kind="step", scope="read_first")
    assert (row.state, row.last_error) == ("skipped", "already done: whitepaper")
    sent = [c.params["blocks"][0]["text"]["text"] for c in slack.calls_to("chat.postMessage")[1:]]
    assert len(sent) == 1 and "how ideas become work" in sent[0]


def test_no_more_of_these_is_honoured_at_once(ob, slack):
    welcomed(ob, slack, tz=LONDON)
    ob.feature.owe_journey_steps()
    ob.clock.now = at(2026, 11, 27, 10)
    assert ob.drain() == 1
    step = slack.calls_to("chat.postMessage")[-1]
    response = ob.click(
        "U0EVE",
        "propose_an_idea",
        action_id=views.JOURNEY_STOP,
        channel=step.params["channel"],
        ts=step.answer["ts"],
        blocks=step.params["blocks"],
    )
    assert response.status == 200
    # recorded before the ack: the rest of the journey is off already
    assert {r.scope: (r.state, r.last_error) for r in ob.rows(kind="step")} == {
        "propose_an_idea": ("sent", ""),
        "read_first": ("skipped", service.STOPPED),
        "next_meeting": ("skipped", service.STOPPED),
    }
    (update,) = slack.wait_for("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (
        step.params["channel"],
        step.answer["ts"],
    )
    blocks = update.params["blocks"]
    assert_valid_blocks(blocks)
    assert all(b.get("block_id") != views.STOP_BLOCK for b in blocks)
    assert views.STOP_NOTE in all_text(blocks)
    ob.clock.advance(days=30)
    assert ob.feature.owe_journey_steps() == 0  # nor owed again by the job
    assert ob.drain() == 0
    assert len(slack.calls_to("chat.postMessage")) == 2


def test_the_step_redrawn_after_no_more_of_these_is_owed_and_retried(ob, slack):
    """The step's DM loses its button through the same owed redraw as a tick's checklist:
    503s on chat.update leave it owed in the database, and the courier sends it after the
    back-off (5 s, then 10 s), however long Slack takes to answer again."""
    welcomed(ob, slack, tz=LONDON)
    ob.feature.owe_journey_steps()
    ob.clock.now = at(2026, 11, 27, 10)
    assert ob.drain() == 1
    step = slack.calls_to("chat.postMessage")[-1]
    where = {"channel": step.params["channel"], "ts": step.answer["ts"]}
    slack.fail("chat.update", 503, times=2)
    ob.click(
        "U0EVE",
        "propose_an_idea",
        action_id=views.JOURNEY_STOP,
        blocks=step.params["blocks"],
        **where,
    )
    ob.settle()
    assert [c.method for c in slack.refused] == ["chat.update"]
    assert slack.calls_to("chat.update") == []
    with ob.store.session() as s:
        (row,) = s.scalars(select(ChannelMessage).where(ChannelMessage.ts == where["ts"])).all()
    assert row.wanted > row.drawn and row.last_error == "internal_error"  # owed, due later
    courier = ob.feature.courier
    assert courier is not None
    ob.clock.advance(seconds=5)  # the first back-off
    courier.drain(wait=True)
    assert [c.method for c in slack.refused] == ["chat.update"] * 2
    assert slack.calls_to("chat.update") == []
    ob.clock.advance(seconds=10)  # the second
    courier.drain(wait=True)
    (update,) = slack.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (where["channel"], where["ts"])
    blocks = update.params["blocks"]
    assert all(b.get("block_id") != views.STOP_BLOCK for b in blocks)
    assert views.STOP_NOTE in all_text(blocks)
    assert "how ideas become work" in all_text(blocks)  # the step's own words stay
    with ob.store.session() as s:
        row = s.get_one(ChannelMessage, row.id)
    assert row.wanted == row.drawn and row.last_error == ""


def test_due_times_keep_the_local_hour_across_a_dst_change(make_onboarding_app, slack):
    """London moves to BST on 28 March 2027: 10:00 local is 10:00 UTC before, 09:00 after."""
    ob = make_onboarding_app(clock=ManualClock(at(2027, 3, 26, 12)))
    welcomed(ob, slack, "U0LDN", tz=LONDON)
    slack.users["U0IND"] = {"tz": "", "tz_offset": 19800}  # only an offset: India, +5:30
    ob.event(channel_join("U0IND"))
    assert ob.drain() == 1
    ob.feature.owe_journey_steps()
    due = {(r.user_id, r.scope): r.due_at for r in ob.rows(kind="step")}
    assert due[("U0LDN", "propose_an_idea")] == at(2027, 3, 28, 9)  # Sunday 28th, 10:00 BST
    assert due[("U0LDN", "next_meeting")] == at(2027, 4, 2, 9)
    assert due[("U0IND", "propose_an_idea")] == at(2027, 3, 28, 4, 30)  # 10:00 at +5:30

    step = default_content().journey[0]
    before_dst = due_at(at(2027, 3, 19, 12), step, LONDON)
    assert before_dst == at(2027, 3, 21, 10)  # 10:00 GMT
    # the calendar day is the person's own: late evening in Los Angeles is still the 26th there
    assert due_at(at(2027, 3, 27, 5), step, "America/Los_Angeles") == at(2027, 3, 28, 17)


def test_time_zones_from_slack_user_objects():
    assert tz_of({"tz": LONDON, "tz_offset": 0}) == LONDON
    assert tz_of({"tz": "Not/AZone", "tz_offset": -18000}) == "-18000"
    assert tz_of({"tz_offset": 19800}) == "+19800"
    assert tz_of({}) == ""
    assert tz_of({"tz": "../../etc/passwd"}) == ""


def test_a_step_added_later_reaches_journeys_whose_day_is_still_ahead(ob, slack):
    content = default_content()
    welcomed(ob, slack, "U0OLD", tz=LONDON)
    ob.clock.advance(days=5)
    welcomed(ob, slack, "U0NEW", tz=LONDON)
    extra = content.journey[0].model_copy(update={"id": "day_six", "day": 6})
    more = content.model_copy(update={"journey": [*content.journey[:2], extra, content.journey[2]]})
    ob.feature.content = lambda: more
    ob.feature.owe_journey_steps()
    owed = {(r.user_id, r.scope) for r in ob.rows(kind="step")}
    assert ("U0NEW", "day_six") in owed
    # U0OLD's day 6 is tomorrow: still ahead, owed; their day 2 and 4 are long past: never
    assert ("U0OLD", "day_six") in owed
    assert ("U0OLD", "propose_an_idea") not in owed and ("U0OLD", "read_first") not in owed


def test_a_tick_anywhere_updates_the_dm_and_the_home(ob, slack):
    welcome = welcomed(ob, slack, tz=LONDON)
    ts = slack.calls_to("chat.postMessage")[0].answer["ts"]
    # in the Home tab: the welcome DM is redrawn too
    ob.click("U0EVE", "tick:meeting", home=True)
    (update,) = slack.wait_for("chat.update")
    (publish,) = slack.wait_for("views.publish")
    assert (update.params["channel"], update.params["ts"]) == (welcome["channel"], ts)
    assert checklist_state(update.params["blocks"]) == checklist_state(
        publish.params["view"]["blocks"]
    )
    assert checklist_state(update.params["blocks"])["meeting"] is True
    assert update.params["blocks"][0]["type"] == "header" and "Hi Eve!" in all_text(
        update.params["blocks"]
    )
    # in the DM: the Home is republished too
    ob.click(
        "U0EVE", "tick:introduced", channel=welcome["channel"], ts=ts, blocks=welcome["blocks"]
    )
    update = slack.wait_for("chat.update", 2)[1]
    publish = slack.wait_for("views.publish", 2)[1]
    assert publish.params["user_id"] == "U0EVE"
    dm_state = checklist_state(update.params["blocks"])
    assert dm_state == checklist_state(publish.params["view"]["blocks"])
    assert (dm_state["meeting"], dm_state["introduced"]) == (True, True)
    ob.settle()
    assert len(slack.calls_to("chat.update")) == 2  # one message each time, never doubled


def test_a_step_removed_from_the_content_is_skipped_at_once_not_retried(ob, slack):
    """Removed between being owed and falling due: it cannot succeed, so it is not tried for
    hours; the steps still in the content go out."""
    content = default_content()
    welcomed(ob, slack, tz=LONDON)
    ob.feature.owe_journey_steps()
    gone = content.journey[0].id
    fewer = content.model_copy(update={"journey": content.journey[1:]})
    ob.feature.content = ob.feature.dms.content = lambda: fewer
    ob.clock.now = at(2026, 11, 29, 10)  # day 4: day 2's step and day 4's are due
    ob.drain()
    row = ob.row("U0EVE", kind="step", scope=gone)
    assert (row.state, row.attempts, row.last_error) == ("skipped", 1, "no longer in the content")
    assert ob.drain() == 0
    assert len(slack.calls_to("chat.postMessage")) == 2  # the welcome and day 4's step
