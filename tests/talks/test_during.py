"""During a conference: `/talks now`, `/talks next`, `/talks mine`, and the reminder DM ten
minutes before a followed talk, driven by signed requests and the elected clock."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, update

from bot.runtime.lease import lease_for
from bot.runtime.scheduler import REMINDERS_JOB, LeasedScheduler
from bot.store.models import CatalogState, Conference, Talk
from bot.talks import views
from tests.blocks import all_text, assert_valid_blocks
from tests.conftest import SIGNING_SECRET
from tests.importers.support import FIXTURES, run
from tests.onboarding.conftest import ManualClock, Onboarding
from tests.support.requests import action_body, bolt_request, command_body

SHAPES = FIXTURES / "sched-shapes.ics"  # 24 March 2026, times in UTC
BANKING = "Banking on Kubernetes"  # 10:00Z
OPERATOR = "Maintaining the Operator"  # 09:00Z, till 09:30Z


@pytest.fixture
def during(make_onboarding_app, store) -> Onboarding:
    run(store, SHAPES)
    return make_onboarding_app(clock=ManualClock(dt.datetime(2026, 3, 24, 9, 5, tzinfo=dt.UTC)))


def talks(bot: Onboarding, text: str, user: str = "U0ADA") -> str:
    body = command_body("/talks", text, user_id=user)
    response = bot.app.dispatch(bolt_request(SIGNING_SECRET, body))
    assert response.status == 200
    blocks = json.loads(response.body)["blocks"]
    assert_valid_blocks(blocks)
    return all_text(blocks)


def talk_id(bot: Onboarding, title: str) -> str:
    with bot.store.session() as s:
        return str(s.scalar(select(Talk.id).where(Talk.title == title)))


def follow(bot: Onboarding, title: str, user: str = "U0ADA") -> None:
    body = action_body(views.FOLLOW, talk_id(bot, title), user_id=user)
    assert bot.app.dispatch(bolt_request(SIGNING_SECRET, body)).status == 200
    bot.settle()


def test_now_and_next(during: Onboarding):
    now = talks(during, "now")
    assert OPERATOR in now and BANKING not in now
    assert "for on now" in now
    nxt = talks(during, "next")
    assert BANKING in nxt and OPERATOR not in nxt
    # a date token; the fallback is the conference's local time with its zone
    assert "<!date^1774346400^{date_short_pretty}, {time}|Tue 24 Mar 2026, 10:00 UTC>" in nxt


def test_now_outside_any_conference_says_which_is_next(during: Onboarding):
    during.clock.now = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    shown = talks(during, "now")
    assert "none in the catalog runs today" in shown
    assert "The next one is *ShapeCon Europe 2026*" in shown and "`/talks shapecon26`" in shown
    # no hints meant for a search ("fewer words", "speaker <name>") where none was made
    assert "No talks for" not in shown and "fewer words" not in shown
    during.clock.now = dt.datetime(2026, 5, 5, 9, 0, tzinfo=dt.UTC)
    assert "The latest was *ShapeCon Europe 2026*" in talks(during, "next")


def test_now_during_a_quiet_hour_of_a_running_conference_points_to_today(during: Onboarding):
    during.clock.now = dt.datetime(2026, 3, 24, 23, 0, tzinfo=dt.UTC)
    shown = talks(during, "now")
    assert "No talk is on right now at *ShapeCon Europe 2026*" in shown
    assert "`/talks today`" in shown


def test_now_looks_at_the_conferences_own_date_not_utcs(during: Onboarding):
    with during.store.sessions() as s, s.begin():
        s.execute(update(Conference).values(timezone="America/Los_Angeles"))
        s.execute(update(CatalogState).values(revision=CatalogState.revision + 1))
    # the conference ends on 25 March; 26 March, 05:00 UTC is 25 March, 22:00 in Los Angeles
    during.clock.now = dt.datetime(2026, 3, 26, 5, 0, tzinfo=dt.UTC)
    assert "No talk is on right now at *ShapeCon Europe 2026*" in talks(during, "now")
    during.clock.now = dt.datetime(2026, 3, 26, 8, 0, tzinfo=dt.UTC)  # 26 March there too: over
    assert "The latest was *ShapeCon Europe 2026*" in talks(during, "now")


def test_mine_lists_the_talks_i_follow_and_only_mine(during: Onboarding):
    assert "You follow no talks yet" in talks(during, "mine")
    follow(during, BANKING)
    follow(during, OPERATOR, user="U0BOB")
    mine = talks(during, "mine")
    assert BANKING in mine and OPERATOR not in mine
    assert "1 talk* for followed by you" in mine
    assert OPERATOR in talks(during, "mine", user="U0BOB")


def _reminders(bot: Onboarding) -> list:
    return [
        c for c in bot.slack.calls_to("chat.postMessage") if "Starting soon" in c.params["text"]
    ]


def test_a_followed_talk_sends_one_dm_ten_minutes_before(during: Onboarding):
    follow(during, BANKING)
    clock = LeasedScheduler(lease_for(during.store), during.feature)
    clock.campaign()  # the elected holder
    tick = clock.held(clock.reminders.tick)
    during.clock.now = dt.datetime(2026, 3, 24, 9, 45, tzinfo=dt.UTC)
    tick()
    during.drain()
    assert _reminders(during) == []  # 15 minutes before: not yet
    during.clock.now = dt.datetime(2026, 3, 24, 9, 51, tzinfo=dt.UTC)
    tick()
    during.drain()
    (dm,) = _reminders(during)
    assert dm.params["channel"] == "D0ADA"
    assert BANKING in dm.params["text"]
    assert "Jane Doe (Banque Exemple &amp; Cie SA), Bo Li (Beta)" in dm.params["text"]  # escaped
    assert "<!date^1774346400^" in dm.params["text"]
    # ticks go on: still one DM
    during.clock.now = dt.datetime(2026, 3, 24, 9, 55, tzinfo=dt.UTC)
    tick()
    during.drain()
    assert len(_reminders(during)) == 1
    clock.lease.release()


def test_a_reminder_is_never_sent_once_the_talk_has_begun(during: Onboarding):
    follow(during, BANKING)
    clock = LeasedScheduler(lease_for(during.store), during.feature)
    clock.campaign()
    during.clock.now = dt.datetime(2026, 3, 24, 9, 55, tzinfo=dt.UTC)
    clock.held(clock.reminders.tick)()
    during.clock.now = dt.datetime(2026, 3, 24, 10, 0, tzinfo=dt.UTC)  # the sender was late
    during.drain()
    assert _reminders(during) == []
    assert during.row("U0ADA", kind="talk_reminder").state == "skipped"
    clock.lease.release()


def test_only_the_clock_holder_owes_reminders(during: Onboarding):
    follow(during, BANKING)
    during.clock.now = dt.datetime(2026, 3, 24, 9, 52, tzinfo=dt.UTC)
    holder = LeasedScheduler(lease_for(during.store), during.feature)
    other = LeasedScheduler(lease_for(during.store), during.feature)
    holder.campaign()
    other.campaign()
    other.held(other.reminders.tick)()
    assert during.rows(kind="talk_reminder") == []
    holder.held(holder.reminders.tick)()
    assert len(during.rows(kind="talk_reminder")) == 1
    assert REMINDERS_JOB == "talk-reminders"
    holder.lease.release()
