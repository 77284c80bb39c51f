"""Two apps on one database, as two `wgbot serve` replicas are, with a Slack that fails and
stalls on demand: every post the group relies on is delivered once, however often Slack
refuses it first; what a message shows is what the database holds, whichever app changed it;
a slow response_url holds up no transition."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from sqlalchemy import select

from bot import metrics
from bot.coffee import meeting_views as mv
from bot.coffee import posts, views
from bot.delivery import slack_calls
from bot.delivery.channel import Courier
from bot.sandbox.web_api import Call
from bot.store import Store
from bot.store.models import ChannelMessage
from tests.coffee.conftest import (
    CHANNEL,
    COLLECT,
    MEETUP,
    ORGANISER,
    SCHEDULE,
    VOTE,
    Bot,
    build,
    shown,
)
from tests.coffee.meeting_helpers import board, boxes, facilitate, thread, vote_message
from tests.conftest import DB_TIMEOUT

TITLES = ["Golden paths at scale", "Platform as a product"]


@pytest.fixture
def second_store(db_url):
    """Another connection pool on the same database, as a second process would have."""
    s = Store(db_url, timeout=DB_TIMEOUT)
    yield s
    s.dispose()


def other_app(bot: Bot, settings, second_store, **kw) -> Bot:
    app, coffee = build(settings, second_store, bot.clock, bot.background, **kw)
    return Bot(app, coffee, bot.slack, second_store, bot.clock, bot.background)


def courier(bot: Bot) -> Courier:
    return bot.coffee.meetup_runner.courier


def keys_posted(bot: Bot) -> list[str]:
    return [c.params["metadata"]["event_payload"]["key"] for c in bot.posts()]


def later(bot: Bot, clock_holder: Bot) -> None:
    """Time passes and the elected clock (the other app) drains, as it does every second:
    the back-off after each refusal runs out."""
    bot.settle()
    for _ in range(3):
        bot.clock.now += dt.timedelta(seconds=30)
        courier(clock_holder).drain()


def refuse_next_post(bot: Bot) -> None:
    """Two 500s in a row: the answer a transition's post meets (the client once retried a
    5xx, so two lost it for good)."""
    bot.slack.fail("chat.postMessage", 500, times=2)


def test_a_post_slack_refuses_at_every_transition_is_delivered_later_once(
    bot, coffee_settings, second_store
):
    clock_holder = other_app(bot, coffee_settings, second_store)
    bot.schedule(SCHEDULE + " remind 1h")

    # ---- the call for topics ---------------------------------------------------------------
    refuse_next_post(bot)
    bot.move_to(COLLECT + dt.timedelta(minutes=1))
    assert bot.coffee.meetup_runner.tick() == 1
    assert bot.posts() == []
    later(bot, clock_holder)
    (collect,) = bot.posts()
    assert "Topic collection is open" in shown(collect)
    meetup_id = bot.meetup_id()
    assert bot.meetups()[0].message_ts == collect.answer["ts"]
    for n, title in enumerate(TITLES, start=1):
        assert bot.command(f"propose {title}", user=f"UPROP{n}")[0] == 200

    # ---- the voting message ----------------------------------------------------------------
    refuse_next_post(bot)
    bot.move_to(VOTE + dt.timedelta(minutes=1))
    assert bot.coffee.meetup_runner.tick() == 1
    assert len(bot.posts()) == 1
    later(bot, clock_holder)
    voting = bot.posts()[-1]
    assert views.VOTE in str(voting.params["blocks"])
    # the call for topics now points on to the vote
    pointer = [c for c in bot.updates() if c.params["ts"] == collect.answer["ts"]][-1]
    assert "voting is open below" in shown(pointer)
    bot.vote(bot.topics(meetup_id)[1].id, "U1")

    # ---- the reminder ------------------------------------------------------------------------
    refuse_next_post(bot)
    bot.move_to(MEETUP - dt.timedelta(minutes=59))
    assert bot.coffee.meetup_runner.tick() == 0
    assert len(bot.posts()) == 2
    later(bot, clock_holder)
    assert len(bot.posts()) == 3
    assert bot.posts()[-1].params["metadata"]["event_payload"]["key"].startswith("coffee.reminder")

    # ---- the agenda: the meeting begins on it once it is in the channel -------------------------
    refuse_next_post(bot)
    bot.move_to(MEETUP + dt.timedelta(minutes=1))
    assert bot.coffee.meetup_runner.tick() == 1
    assert len(bot.posts()) == 3
    assert bot.meetups()[0].meeting == ""  # no board without its agenda
    later(bot, clock_holder)
    agenda = bot.posts()[-1]
    assert agenda.params["text"].startswith("Lean coffee agenda")
    assert bot.coffee.meetup_runner.tick() == 0  # the meeting begins: the agenda is the board
    assert "The meeting is on." in shown(board(bot, meetup_id))

    # ---- the Roman vote, in the board's thread -----------------------------------------------
    facilitate(bot, meetup_id, mv.NEXT)
    refuse_next_post(bot)
    bot.clock.now += dt.timedelta(minutes=8, seconds=5)
    bot.coffee.meetup_runner.tick()
    assert thread(bot, meetup_id) == []
    later(bot, clock_holder)
    (vote,) = thread(bot, meetup_id)
    assert vote.params["text"].startswith("Time is up for topic")
    (box,) = boxes(bot)
    assert box.vote_ts == vote.answer["ts"]

    # ---- the summary, in the thread ------------------------------------------------------------
    refuse_next_post(bot)
    bot.organise("end")
    assert len(thread(bot, meetup_id)) == 1
    later(bot, clock_holder)
    summary = thread(bot, meetup_id)[-1]
    assert summary.params["text"].startswith("Lean coffee summary")

    # each post once, whatever drained, however often
    later(bot, clock_holder)
    bot.coffee.meetup_runner.tick()
    clock_holder.coffee.meetup_runner.tick()
    keys = keys_posted(bot)
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    assert len(keys) == 6
    assert len(bot.slack.refused) == 12  # two refusals each
    with bot.store.session() as db:
        states = set(db.scalars(select(ChannelMessage.state)).all())
    assert states == {"sent"}


def test_a_refusal_that_cannot_succeed_fails_at_once(bot):
    bot.schedule()
    bot.slack.answer("chat.postMessage", {"ok": False, "error": "not_in_channel"})
    bot.move_to(COLLECT + dt.timedelta(minutes=1))
    assert bot.coffee.meetup_runner.tick() == 1
    bot.slack.answer("chat.postMessage", None)
    later(bot, bot)
    (tried,) = bot.posts()  # tried once, never again
    assert tried.answer == {"ok": False, "error": "not_in_channel"}
    with bot.store.session() as db:
        row = db.scalars(select(ChannelMessage)).one()
    assert (row.state, row.attempts, row.last_error) == ("failed", 1, "not_in_channel")
    # and an operator sees it
    metrics.watch_outbox(bot.store, bot.clock)
    assert 'wgbot_channel_messages{state="failed"} 1.0' in metrics.exposition().decode()


def test_a_post_whose_answer_was_lost_is_found_in_the_channel_not_posted_again(bot):
    bot.schedule()
    bot.slack.fail("chat.postMessage", 0, applied=True)  # Slack posted; the answer was lost
    bot.move_to(COLLECT + dt.timedelta(minutes=1))
    assert bot.coffee.meetup_runner.tick() == 1
    later(bot, bot)
    (collect,) = bot.slack.calls_to("chat.postMessage")
    (look,) = bot.slack.calls_to("conversations.history")
    assert look.params["channel"] == collect.params["channel"]
    assert bot.meetups()[0].message_ts == collect.ts  # recorded as the message that is there


def test_a_lost_post_is_looked_for_page_by_page_since_it_was_owed(bot):
    """The channel talked a lot while the answer to a post was being lost: the post is found
    on the second page of the messages since it was owed (Slack's `oldest`), not posted
    again."""
    bot.schedule()
    answer = threading.Event()
    # Slack posts it; the answer is held, then lost
    bot.slack.fail("chat.postMessage", 0, applied=True, hold=answer)
    bot.move_to(COLLECT + dt.timedelta(minutes=1))
    # the tick posts what its transition owes before it returns
    ticking = threading.Thread(target=bot.coffee.meetup_runner.tick)
    ticking.start()
    (collect,) = bot.slack.wait_for("chat.postMessage")
    for n in range(slack_calls.PAGE + 50):  # meanwhile the channel goes on talking
        bot.slack.say(collect.params["channel"], f"message {n}")
    answer.set()
    ticking.join()
    later(bot, bot)
    first, second = bot.slack.calls_to("conversations.history")
    with bot.store.session() as db:
        owed_at = db.scalars(select(ChannelMessage.created_at)).one()
    assert float(first.params["oldest"]) == (owed_at - slack_calls.SKEW).timestamp()
    assert "cursor" not in first.params and second.params["cursor"]
    assert len(bot.slack.calls_to("chat.postMessage")) == 1  # not again
    assert bot.meetups()[0].message_ts == collect.ts


def test_a_post_left_posting_by_a_process_that_died_is_checked_then_posted_once(
    bot, coffee_settings, second_store
):
    other = other_app(bot, coffee_settings, second_store)
    bot.schedule()
    bot.slack.fail("chat.postMessage", 500)  # the post stays owed
    bot.move_to(COLLECT + dt.timedelta(minutes=1))
    assert bot.coffee.meetup_runner.tick() == 1
    bot.settle()
    with bot.store.session() as db:  # as a process killed inside chat.postMessage leaves it
        row = db.scalars(select(ChannelMessage)).one()
        row.state, row.claimed_until = "posting", bot.clock.now + dt.timedelta(minutes=1)
        row.channel_id = "C0WGPLAT"
    assert courier(other).drain() == 0  # its claim still holds
    bot.clock.now += dt.timedelta(minutes=2)
    courier(other).drain()
    courier(bot).drain()
    assert len(bot.slack.calls_to("conversations.history")) == 1
    assert len(bot.slack.calls_to("chat.postMessage")) == 1
    assert bot.meetups()[0].message_ts == bot.slack.calls_to("chat.postMessage")[0].ts


def caught_up(bot: Bot) -> None:
    """What a throttle held back, drawn by the clock's drain once it has passed."""
    bot.settle()
    bot.clock.now += dt.timedelta(seconds=2)
    courier(bot).drain()


def _roman_vote_open(bot: Bot) -> tuple[int, int]:
    meetup_id, ids = bot.to_voting(TITLES)
    bot.vote(ids[0], "U1")
    bot.move_to(MEETUP + dt.timedelta(minutes=1))
    bot.coffee.meetup_runner.tick()
    caught_up(bot)
    facilitate(bot, meetup_id, mv.NEXT)
    caught_up(bot)
    bot.clock.now += dt.timedelta(minutes=8, seconds=5)
    bot.coffee.meetup_runner.tick()
    caught_up(bot)
    (box,) = boxes(bot)
    assert box.vote_ts
    return meetup_id, box.id


def test_thumbs_changed_through_alternating_apps_end_drawn_as_stored(
    bot, coffee_settings, second_store
):
    other = other_app(bot, coffee_settings, second_store)
    meetup_id, box_id = _roman_vote_open(bot)
    for n, (app, choice) in enumerate([(bot, "up"), (other, "down"), (bot, "up")] * 3):
        assert app.click(mv.ROMAN, f"{meetup_id}:{box_id}:{choice}", user="U1") == 200
        if n % 2:
            other.settle()
    bot.settle()
    (box,) = boxes(bot)
    assert "👍 1  👎 0" in vote_message(bot, box.vote_ts)
    with bot.store.session() as db:
        rows = db.scalars(select(ChannelMessage).where(ChannelMessage.group_key != "")).all()
        assert [(r.key, r.wanted) for r in rows if r.drawn != r.wanted] == []


def test_two_apps_send_no_more_redraws_than_one(bot, coffee_settings, second_store):
    """The throttle is decided in the database: clicks through both apps within it become one
    chat.update, sent by whichever drains once it has passed, showing the last click."""
    bot = other_app(bot, coffee_settings, bot.store, redraw_delay=1.5)
    other = other_app(bot, coffee_settings, second_store, redraw_delay=1.5)
    meetup_id, box_id = _roman_vote_open(bot)
    (box,) = boxes(bot)
    before = len(bot.updates())
    choices = ["up", "down", "side", "up", "down", "up"]
    for n, choice in enumerate(choices):
        app = (bot, other)[n % 2]
        assert app.click(mv.ROMAN, f"{meetup_id}:{box_id}:{choice}", user=f"U{n}") == 200
        if n == 0:  # drawn at once: the vote was posted longer ago than the throttle
            (first,) = bot.updates()[before:]
            assert first.params["ts"] == box.vote_ts
            assert "👍 1  👎 0" in shown(first)
    bot.settle()
    assert len(bot.updates()) == before + 1  # the other five wait for the throttle
    bot.clock.now += dt.timedelta(seconds=2)
    courier(other).drain()
    courier(bot).drain()
    (last,) = bot.updates()[before + 1 :]
    assert last.params["ts"] == box.vote_ts
    assert "👍 3  👎 2  ✋ 1" in shown(last)
    assert courier(other).drain() == courier(bot).drain() == 0  # drawn as stored


def wait_for_board(bot: Bot) -> Call:
    """The first drawing of the board (the agenda redrawn, or posted as the board when the
    meeting began first), waiting on the calls as they reach Slack."""

    def board_in(calls: list[Call]) -> Call | None:
        for call in calls:
            if call.method in ("chat.postMessage", "chat.update") and "The meeting is on." in (
                shown(call)
            ):
                return call
        return None

    found = bot.slack.wait_until(board_in, timeout=60)
    assert found is not None, "the board was never drawn"
    return found


def test_a_slow_response_url_does_not_hold_up_a_transition(bot):
    """Sixty vote notes wait on a response_url that does not answer: `/coffee start` still
    posts the board, and the notes go out once Slack answers."""
    _, ids = bot.to_voting(TITLES)
    stall = threading.Event()
    bot.slack.fail("response_url", 500, times=1000, hold=stall)
    try:
        for n in range(60):
            assert bot.vote(ids[n % 2], f"UV{n:02d}") == 200
        status, _ = bot.command("start", user=ORGANISER)
        assert status == 200
        # the board reaches the channel while every note is still stalled
        board_drawn = wait_for_board(bot)
        assert not stall.is_set()
        assert board_drawn.params["channel"] == CHANNEL
    finally:
        stall.set()
    bot.settle()
    assert len(bot.slack.refused) >= 60  # every note did reach the (stalled) response_url


def test_delivered_posts_are_purged_after_the_retention_period(bot):
    bot.schedule()
    bot.move_to(COLLECT + dt.timedelta(minutes=1))
    assert bot.coffee.meetup_runner.tick() == 1
    bot.settle()
    c = courier(bot)
    assert c.purge(dt.timedelta(days=30)) == 0
    bot.clock.now += dt.timedelta(days=31)
    assert c.purge(dt.timedelta(days=30)) == 1
    assert bot.count(ChannelMessage) == 0


# ---- a change and the redraw it owes commit together -------------------------------------------
def owed(bot: Bot) -> list[str]:
    """The channel messages that owe a redraw (a change they do not show yet)."""
    m = ChannelMessage
    with bot.store.session() as db:
        return sorted(db.scalars(select(m.key).where(m.wanted > m.drawn)).all())


def dies_after_the_ack(bot: Bot) -> None:
    """From here on this app's courier never runs: as if its process were killed the moment
    a request's ack went out."""
    bot.settle()
    assert courier(bot).close()


def drawn_by_another(bot: Bot, coffee_settings, second_store, ts: str) -> str:
    """Another process drains what the first one owed; what the message at `ts` shows now."""
    other = other_app(bot, coffee_settings, second_store)
    before = len(bot.updates())
    assert courier(other).drain() >= 1
    assert owed(bot) == []
    (update,) = [c for c in bot.updates()[before:] if c.params["ts"] == ts]
    return shown(update)


def test_a_vote_owes_its_redraw_with_the_click(bot, coffee_settings, second_store):
    meetup_id, ids = bot.to_voting(TITLES, text=SCHEDULE + " shown")
    caught_up(bot)
    assert owed(bot) == []
    dies_after_the_ack(bot)
    assert bot.vote(ids[0], "U1") == 200
    assert f"{posts.VOTING}:{meetup_id}" in owed(bot)
    ts = bot.meetups()[0].message_ts
    assert "*1* vote" in drawn_by_another(bot, coffee_settings, second_store, ts)


def test_a_thumb_owes_its_redraw_with_the_click(bot, coffee_settings, second_store):
    meetup_id, box_id = _roman_vote_open(bot)
    (box,) = boxes(bot)
    assert owed(bot) == []
    dies_after_the_ack(bot)
    assert bot.click(mv.ROMAN, f"{meetup_id}:{box_id}:up", user="U7") == 200
    assert f"{posts.ROMAN}:{box_id}" in owed(bot)
    assert "👍 1  👎 0" in drawn_by_another(bot, coffee_settings, second_store, box.vote_ts)


def test_a_proposal_owes_its_redraw_with_the_topic(bot, coffee_settings, second_store):
    meetup_id = bot.to_collecting()
    bot.command("propose Golden paths at scale", user="UPROP1")
    caught_up(bot)
    assert owed(bot) == []
    with bot.store.session() as db:
        ts = db.scalar(
            select(ChannelMessage.ts).where(ChannelMessage.key == f"{posts.COLLECT}:{meetup_id}")
        )
    assert ts
    dies_after_the_ack(bot)
    status, ack = bot.command("propose Platform as a product", user="UPROP2")
    assert status == 200 and ack["text"].startswith("Added"), ack
    assert f"{posts.COLLECT}:{meetup_id}" in owed(bot)
    assert "Platform as a product" in drawn_by_another(bot, coffee_settings, second_store, ts)
