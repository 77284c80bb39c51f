"""Organisers see in the App Home whether onboarding works: who was welcomed this week and month,
how far they got, which DMs failed or are unknown (with a retry and a "mark as sent"), and the
outbox. Nobody else sees it, or can use its buttons."""

from __future__ import annotations

from bot.onboarding import views
from tests.blocks import all_text, assert_valid_view
from tests.onboarding.conftest import ORGANISER, dm_of

ANN, BEN, FAIL, LOST = "U0ANN", "U0BEN", "U0FAIL", "U0LOST"


def home_opened(user_id: str) -> dict:
    return {"type": "app_home_opened", "user": user_id, "channel": dm_of(user_id), "tab": "home"}


def onboarding_with_troubles(ob, slack) -> None:
    """Ann and Ben welcomed (Ann ticked two items), one DM refused by Slack, one whose answer
    was lost while posting (and Slack could not be asked whether it arrived); Ann welcomed over
    a month ago does not count."""
    ob.join("U0OLD", "Old")
    ob.drain()
    ob.clock.advance(days=31)
    ob.join(ANN, "Ann")
    ob.drain()
    ob.clock.advance(days=10)
    ob.join(BEN, "Ben")
    ob.drain()
    for item in ("introduced", "meeting"):
        ob.click(ANN, f"tick:{item}", home=True)
    ob.settle()
    ob.join(FAIL, "Fail")
    slack.answer("conversations.open", {"ok": False, "error": "cannot_dm_bot"})
    ob.drain()
    slack.answer("conversations.open", None)
    ob.join(LOST, "Lost")
    slack.fail("chat.postMessage", 0, applied=True)
    slack.fail("conversations.history", 500)  # and the look for it failed: unknown for now
    ob.drain()
    slack.reset()


def organiser_part(view: dict) -> list[dict]:
    blocks = view["blocks"]
    starts = [i for i, b in enumerate(blocks) if b["type"] == "divider"]
    return blocks[starts[0] :] if starts else []


def test_an_organiser_sees_the_funnel_the_failures_and_the_outbox(ob, slack):
    onboarding_with_troubles(ob, slack)
    ob.event(home_opened(ORGANISER))
    (publish,) = slack.wait_for("views.publish")
    view = publish.params["view"]
    assert_valid_view(view)
    part = organiser_part(view)
    text = all_text(part)
    assert "Onboarding (organisers only)" in text
    # Ben this week; Ann and Ben in the last 30 days (the failed and lost DMs began no journey)
    assert "*Welcomed:* *1* in the last 7 days, *2* in the last 30" in text
    assert "Introduced myself in #wg-platforms: *1*" in text
    assert "Joined a working group call: *1*" in text
    assert "Read the Platforms white paper: *0*" in text
    assert "0/4: *1* · 1/4: *0* · 2/4: *1*" in text
    assert "*Outbox:* failed *1* · sent *3* · unknown *1*" in text
    # each failure: who (a mention, never a raw name), what went wrong, and two buttons
    assert f"*failed*: welcome to <@{FAIL}> · `cannot_dm_bot`" in text
    assert f"*unknown*: welcome to <@{LOST}>" in text
    buttons = [e for b in part if b["type"] == "actions" for e in b["elements"]]
    assert {(b["action_id"], b["text"]["text"]) for b in buttons} == {
        (views.ORGANISER_RETRY, "Retry"),
        (views.ORGANISER_MARK_SENT, "Mark as sent"),
    }
    assert len(buttons) == 4


def test_nobody_else_sees_it(ob, slack):
    onboarding_with_troubles(ob, slack)
    slack.users[ANN] = {"is_admin": False, "is_owner": False}
    ob.event(home_opened(ANN))
    (publish,) = slack.wait_for("views.publish")
    view = publish.params["view"]
    assert_valid_view(view)
    assert organiser_part(view) == []
    assert "organisers only" not in all_text(view["blocks"])
    assert FAIL not in str(view)


def row_button(ob, user_id: str) -> str:
    return str(ob.row(user_id).id)


def test_retry_sends_a_failed_dm_and_mark_sent_settles_an_unknown_one(ob, slack):
    onboarding_with_troubles(ob, slack)
    assert ob.feature.owe_journey_steps() == 3  # Ben's (Ann's days are long past)
    ob.click(ORGANISER, row_button(ob, FAIL), home=True, action_id=views.ORGANISER_RETRY)
    slack.wait_for("views.publish")
    row = ob.row(FAIL)
    assert (row.state, row.attempts) == ("pending", 0)
    assert ob.drain() == 1
    (post,) = slack.calls_to("chat.postMessage")
    assert post.params["channel"] == dm_of(FAIL)
    assert ob.row(FAIL).state == "sent"

    ob.click(ORGANISER, row_button(ob, LOST), home=True, action_id=views.ORGANISER_MARK_SENT)
    slack.wait_for("views.publish", 2)
    row = ob.row(LOST)
    assert (row.state, row.last_error) == ("sent", f"marked sent by {ORGANISER}")
    assert ob.drain() == 0  # never posted again
    # both began their journey, as a first welcome that went out does
    assert ob.feature.owe_journey_steps() == 6
    assert {r.user_id for r in ob.rows(kind="step")} == {BEN, FAIL, LOST}
    publish = slack.wait_for("views.publish", 2)[1]
    assert "No DM has failed or ended unknown." in all_text(organiser_part(publish.params["view"]))


def test_the_buttons_do_nothing_for_anyone_else(ob, slack):
    onboarding_with_troubles(ob, slack)
    slack.users[ANN] = {"is_admin": False, "is_owner": False}
    for action in (views.ORGANISER_RETRY, views.ORGANISER_MARK_SENT):
        ob.click(ANN, row_button(ob, FAIL), home=True, action_id=action)
    publishes = slack.wait_for("views.publish", 2)
    assert all(organiser_part(p.params["view"]) == [] for p in publishes)
    assert ob.row(FAIL).state == "failed"
    assert ob.drain() == 0
    assert slack.calls_to("chat.postMessage") == []


def organiser_home(ob, slack, count: int = 1) -> dict:
    ob.event(home_opened(ORGANISER))
    publish = slack.wait_for("views.publish", count)[count - 1]
    view = publish.params["view"]
    assert_valid_view(view)
    return view


def newcomer_lines(view: dict) -> list[str]:
    text = all_text(organiser_part(view))
    return [
        line for line in text.splitlines() if line.startswith("• ") and "welcomed <!date^" in line
    ]


def test_organisers_see_each_newcomer_by_name_with_ticks_tips_and_who_opted_out(ob, slack):
    ob.join(ANN, "Ann <!here>")
    ob.drain()
    ob.clock.advance(hours=1)
    ob.join(BEN, "Ben")
    ob.drain()
    assert ob.feature.owe_journey_steps() == 6
    ob.click(ANN, "tick:whitepaper", home=True)
    ob.click(ANN, "tick:introduced", home=True)
    ob.settle()
    ob.clock.advance(days=2, hours=1)  # day 2's tip goes out to both
    assert ob.drain() == 2
    ben_tip = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == dm_of(BEN)][
        -1
    ]
    ob.click(
        BEN,
        "propose_an_idea",
        action_id=views.JOURNEY_STOP,
        channel=dm_of(BEN),
        ts=ben_tip.answer["ts"],
        blocks=ben_tip.params["blocks"],
    )
    ob.clock.advance(days=2)  # day 4: Ann's reading tip is skipped, she ticked the paper
    ob.drain()
    slack.reset()

    view = organiser_home(ob, slack)
    ben, ann = newcomer_lines(view)  # newest first
    # names as greeted, escaped: nothing in a name pings anyone
    assert ann.startswith("• *Ann &lt;!here&gt;* · welcomed <!date^")
    assert "<!here>" not in str(view)
    assert "2/4 ticked" in ann and "getting tips" in ann
    assert "tips 1/3 sent (last `propose_an_idea`)" in ann
    assert "next `next_meeting` <!date^" in ann
    assert "skipped `read_first` (they had ticked “Read the Platforms white paper” already)" in ann
    assert ben.startswith("• *Ben* · welcomed <!date^")
    assert "0/4 ticked" in ben and "asked for no more tips <!date^" in ben
    assert "skipped `read_first` (asked for no more), `next_meeting` (asked for no more)" in ben
    # "skipped 3" in the outbox line comes with what and why
    text = all_text(organiser_part(view))
    assert "skipped *3*" in text
    assert "*Skipped, and why*" in text
    assert "• tip `read_first` ×1: they had ticked “Read the Platforms white paper” already" in text
    assert "• tip `next_meeting` ×1: asked for no more" in text


def test_the_newcomer_list_is_bounded_and_counts_the_rest(ob, slack):
    for i in range(27):
        ob.join(f"U0N{i:02d}", f"Newcomer {i:02d}")
        ob.clock.advance(minutes=1)
    ob.drain()
    view = organiser_home(ob, slack)
    lines = newcomer_lines(view)
    assert len(lines) == 20
    assert lines[0].startswith("• *Newcomer 26*") and lines[-1].startswith("• *Newcomer 07*")
    assert "…and 7 more welcomed in the last 30 days." in all_text(organiser_part(view))
    assert len(view["blocks"]) <= 100
