"""The working group's call is a recurrence in data/onboarding (every 2 weeks, Tuesday 16:00
Europe/London, from the first call) shown as a Slack date token of the next call wherever it is
mentioned: the welcome's checklist, the Home and the day-7 tip. And what the checklist asks for
comes linked: the white paper and the call."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.onboarding import views
from tests.blocks import all_text, assert_valid_blocks, assert_valid_view
from tests.onboarding.conftest import ManualClock, dm_of

LONDON = ZoneInfo("Europe/London")
FIRST_CALL = dt.date(2024, 5, 14)  # the working group's README: its first call on this cadence
PAPER = "<https://tag-app-delivery.cncf.io/whitepapers/platforms/|Read the paper>"
ZOOM = "<https://zoom-lfx.platform.linuxfoundation.org/meeting/95319413756?password="


def next_call(after: dt.datetime) -> dt.datetime:
    """Worked out here by hand: the first 16:00 London on a fortnightly Tuesday from the first
    call that has not ended (calls last an hour)."""
    day = after.astimezone(LONDON).date()
    while True:
        start = dt.datetime.combine(day, dt.time(16), LONDON)
        if (day - FIRST_CALL).days % 14 == 0 and start + dt.timedelta(hours=1) > after:
            return start
        day += dt.timedelta(days=1)


def token(moment: dt.datetime, fallback: str) -> str:
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def checklist_line(blocks: list[dict], key: str) -> str:
    (block,) = [b for b in blocks if b.get("block_id") == f"check_{key}"]
    return block["text"]["text"]


def test_the_welcome_links_the_paper_and_the_call_and_dates_the_next_call(ob, slack):
    ob.join("U0EVE", "Eve")
    ob.drain()
    (post,) = slack.calls_to("chat.postMessage")
    blocks = post.params["blocks"]
    assert_valid_blocks(blocks)
    assert PAPER in checklist_line(blocks, "whitepaper")
    meeting = checklist_line(blocks, "meeting")
    # 25 Nov 2026 (a Wednesday): the next fortnightly Tuesday is 8 Dec, 16:00 GMT
    call = next_call(ob.clock())
    assert call == dt.datetime(2026, 12, 8, 16, tzinfo=LONDON)
    assert f"{ZOOM}" in meeting and "|Join on Zoom>" in meeting
    assert f"next call {token(call, 'Tue 8 Dec, 16:00 GMT')}" in meeting
    # the other items link nothing they do not ask for
    assert "<https://" not in checklist_line(blocks, "introduced")


def test_the_home_shows_the_next_call_as_a_token_not_static_text(ob, slack):
    ob.event({"type": "app_home_opened", "user": "U0ANN", "channel": dm_of("U0ANN"), "tab": "home"})
    (publish,) = slack.wait_for("views.publish")
    view = publish.params["view"]
    assert_valid_view(view)
    text = all_text(view["blocks"])
    call = token(next_call(ob.clock()), "Tue 8 Dec, 16:00 GMT")
    assert f"*Meetings:* every 2 weeks on Tuesday at 16:00 Europe/London, next {call}" in text
    assert "Every other Tuesday" not in text
    assert f"next call {call}" in checklist_line(view["blocks"], "meeting")


def test_the_day_7_tip_dates_the_call_when_it_is_sent(ob, slack):
    ob.join("U0EVE", "Eve", tz="Asia/Kolkata")
    ob.drain()
    ob.feature.owe_journey_steps()
    ob.clock.advance(days=8)  # every tip is due: day 2, day 4 and day 7
    ob.drain()
    (tip,) = [
        c
        for c in slack.calls_to("chat.postMessage")
        if "*When we meet:*" in all_text(c.params["blocks"])
    ]
    assert_valid_blocks(tip.params["blocks"])
    call = token(next_call(ob.clock()), "Tue 8 Dec, 16:00 GMT")
    assert (
        f"*When we meet:* every 2 weeks on Tuesday at 16:00 Europe/London; the next call is {call}"
    ) in all_text(tip.params["blocks"])


def test_the_call_keeps_its_london_hour_across_summer_time_and_one_under_way_is_next(
    make_onboarding_app, slack
):
    # 8 Jun 2027, 16:30 in London: a call day, half an hour in; 16:00 BST is 15:00 UTC
    ob = make_onboarding_app(clock=ManualClock(dt.datetime(2027, 6, 8, 15, 30, tzinfo=dt.UTC)))
    ob.event({"type": "app_home_opened", "user": "U0ANN", "channel": dm_of("U0ANN"), "tab": "home"})
    (publish,) = slack.wait_for("views.publish")
    text = all_text(publish.params["view"]["blocks"])
    under_way = dt.datetime(2027, 6, 8, 15, tzinfo=dt.UTC)
    assert next_call(ob.clock()) == under_way
    assert f"next {token(under_way, 'Tue 8 Jun, 16:00 BST')}" in text
    ob.clock.advance(hours=1)  # over: the next is a fortnight on
    assert views.call_when(ob.feature.content(), ob.clock()) == token(
        dt.datetime(2027, 6, 22, 15, tzinfo=dt.UTC), "Tue 22 Jun, 16:00 BST"
    )
