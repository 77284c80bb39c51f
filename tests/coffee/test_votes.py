"""Dots: the budget holds under bursts of parallel clicks, and stacking works in multi mode."""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, select

from bot.coffee import dots, posts, views
from bot.store import Store
from bot.store.models import ChannelMessage, CoffeeVote
from tests.coffee.conftest import (
    SCHEDULE,
    Bot,
    build,
    button_ids,
    shown,
)

TITLES = [
    "Golden paths",
    "Platform as a product",
    "Developer portals",
    "Paved roads vs guard rails",
    "Measuring platform adoption",
    "Team topologies",
]


@pytest.fixture
def busy_bot(coffee_settings, store, slack, clock, background) -> Bot:
    """Redraws coalesced as in production, so a burst of votes is a handful of chat.updates."""
    app, coffee = build(coffee_settings, store, clock, background, redraw_delay=0.2)
    return Bot(app, coffee, slack, store, clock, background)


def counts_shown(text: str) -> dict[str, int]:
    """{title: votes} from a redrawn channel message that shows counts."""
    return {title: int(n) for title, n in re.findall(r"\*\d+\.\* (.+?)  ·  \*(\d+)\* votes?", text)}


@pytest.mark.slow
def test_a_burst_of_900_votes_counts_exactly_and_nobody_overspends(busy_bot):
    bot = busy_bot
    _, topic_ids = bot.to_voting(TITLES, text=SCHEDULE + " shown")
    voters = [f"UV{n:03d}" for n in range(300)]
    # each voter takes three different topics, spread so that totals are known in advance
    plan = [
        (user, topic_ids[(n + k) % 5], f"{user}-{k}")
        for n, user in enumerate(voters)
        for k in range(3)
    ]
    expected = {t: 0 for t in topic_ids[:5]}
    for _, topic, _ in plan:
        expected[topic] += 1

    with ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(lambda p: bot.vote(p[1], p[0], reply=p[2]), plan))
    assert statuses == [200] * len(plan)

    assert bot.count(CoffeeVote) == 900
    assert bot.votes_by_topic() == expected
    assert set(bot.votes_by_user().values()) == {3}
    # every voter heard back, and no click went wrong
    bot.settle()
    texts = [c.params["text"] for c in bot.slack.calls_to("response_url") if "/UV" in c.path]
    assert len(texts) == 900
    assert not [t for t in texts if "went wrong" in t or "Too many clicks" in t]
    assert not [t for t in texts if t.startswith("You have used all")]


def test_each_counted_vote_is_confirmed_and_the_message_catches_up(busy_bot):
    bot = busy_bot
    meetup_id, topic_ids = bot.to_voting(TITLES[:4], text=SCHEDULE + " shown")
    voters = [f"UC{n:02d}" for n in range(40)]
    plan = [
        (user, topic_ids[(n + k) % 4], f"{user}-{k}")
        for n, user in enumerate(voters)
        for k in range(3)
    ]
    drawn = len(bot.updates())
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert set(pool.map(lambda p: bot.vote(p[1], p[0], reply=p[2]), plan)) == {200}
    for user in voters:
        texts = [bot.reply(f"{user}-{k}").params["text"] for k in range(3)]
        assert all(t.startswith("Vote added to “") for t in texts), texts
        left = sorted(re.search(r"You have \*(\d)\* of 3 votes left", t).group(1) for t in texts)
        assert left == ["0", "1", "2"]
    confirmation = bot.reply(f"{voters[0]}-0")
    (take_back,) = [b["accessory"] for b in confirmation.params["blocks"] if "accessory" in b]
    assert (take_back["action_id"], take_back["value"]) == (
        views.UNVOTE,
        f"{meetup_id}:{topic_ids[0]}",
    )
    # the channel message, redrawn at most once per throttle: what the burst held back, the
    # clock's drain sends once the throttle has passed, with the exact totals
    bot.settle()
    bot.clock.now += dt.timedelta(seconds=1)
    bot.coffee.meetup_runner.courier.drain()
    titles = {t.id: t.title for t in bot.topics(meetup_id)}
    want = {titles[t]: n for t, n in bot.votes_by_topic().items()}
    assert sum(want.values()) == 120
    assert counts_shown(shown(bot.updates()[-1])) == want  # the last redraw read them all
    assert len(bot.updates()) - drawn <= 2  # the clock stood still: at most the burst's first
    # drawing and the clock's one


@pytest.mark.slow
def test_six_clicks_at_once_on_a_budget_of_three_leave_exactly_three(busy_bot):
    bot = busy_bot
    _, topic_ids = bot.to_voting(TITLES)
    voters = [f"UX{n:02d}" for n in range(50)]
    plan = [(user, topic, f"{user}-{topic}") for user in voters for topic in topic_ids]
    with ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(lambda p: bot.vote(p[1], p[0], reply=p[2]), plan))
    assert statuses == [200] * len(plan)

    assert bot.votes_by_user() == {user: 3 for user in voters}
    assert bot.count(CoffeeVote) == 150
    bot.settle()
    for user in voters:
        texts = [bot.reply(f"{user}-{topic}").params["text"] for topic in topic_ids]
        refused = [t for t in texts if t.startswith("You have used all 3 of your votes")]
        assert len(refused) == 3, texts
        assert not [t for t in texts if "went wrong" in t or "Too many clicks" in t]
    # and the three dots each sit on a different topic, one per topic
    with bot.store.session() as db:
        rows = db.query(CoffeeVote.user_id, CoffeeVote.topic_id).all()
    assert len(set(rows)) == 150


def test_a_vote_over_budget_is_refused_and_a_take_back_frees_it(bot):
    meetup_id, (a, b, c, d) = bot.to_voting(TITLES[:4])
    for topic in (a, b, c):
        assert bot.vote(topic, "U1") == 200
    assert bot.vote(d, "U1", reply="over") == 200
    over = bot.reply("over").params["text"]
    assert over.startswith("You have used all 3 of your votes")
    assert "You have *0* of 3 votes left." in over
    assert bot.votes_by_user() == {"U1": 3}
    assert d not in bot.votes_by_topic()

    assert bot.click(views.UNVOTE, f"{meetup_id}:{b}", user="U1", reply="back") == 200
    assert "You have *1* of 3 votes left." in bot.reply("back").params["text"]
    assert bot.vote(d, "U1") == 200
    assert bot.votes_by_topic() == {a: 1, c: 1, d: 1}


def test_multi_mode_stacks_dots_up_to_the_budget_and_takes_them_back_one_at_a_time(bot):
    meetup_id, (a, b) = bot.to_voting(TITLES[:2], text=SCHEDULE + " multi shown")
    vote_post = bot.posts()[-1]
    assert "You have *3* votes (several on one topic allowed)" in shown(vote_post)

    for _ in range(3):
        assert bot.vote(a, "U1") == 200
    assert bot.votes_by_topic() == {a: 3}
    with bot.store.session() as db:
        slots = db.query(CoffeeVote.slot, CoffeeVote.repeat).filter_by(user_id="U1").all()
    assert sorted(slots) == [(1, 1), (2, 2), (3, 3)]

    assert bot.vote(b, "U1", reply="full") == 200
    full = bot.reply("full").params["text"]
    assert full.startswith("You have used all 3 of your votes")
    assert "You have *0* of 3 votes left." in full
    assert bot.votes_by_topic() == {a: 3}

    # "Take one back" removes one dot, not all of them; a second Vote click adds, not removes
    bot.settle()  # one redraw in flight at a time, so the last one drawn is the latest
    assert bot.click(views.UNVOTE, f"{meetup_id}:{a}", user="U1", reply="back") == 200
    back = bot.reply("back")
    assert back.params["text"] == (
        "Vote taken back from “Golden paths”. You have *1* of 3 votes left."
    )
    assert button_ids(back.params["blocks"]) == [views.UNVOTE]  # two dots still there
    assert bot.votes_by_topic() == {a: 2}
    bot.settle()
    assert "*1.* Golden paths  ·  *2* votes" in shown(bot.updates()[-1])  # counts shown
    assert bot.vote(b, "U1") == 200
    assert bot.votes_by_topic() == {a: 2, b: 1}
    assert bot.click(views.UNVOTE, f"{meetup_id}:{a}", user="U1") == 200
    bot.settle()
    assert bot.click(views.UNVOTE, f"{meetup_id}:{a}", user="U1", reply="last") == 200
    assert button_ids(bot.reply("last").params["blocks"]) == []  # none left on that topic
    assert bot.votes_by_topic() == {b: 1}
    assert bot.click(views.UNVOTE, f"{meetup_id}:{a}", user="U1", reply="none") == 200
    assert bot.reply("none").params["text"].startswith("You have no vote on that topic.")
    assert bot.votes_by_topic() == {b: 1}
    bot.settle()
    assert "*1.* Golden paths  ·  *0* votes" in shown(bot.updates()[-1])


def test_forged_or_stray_vote_values_count_for_nothing(bot):
    meetup_id, (a, b) = bot.to_voting(TITLES[:2])
    for value in ("not a vote", f"{meetup_id}:99999", f"99999:{a}", f"{meetup_id}:{a}:1", ""):
        assert bot.click(views.VOTE, value, user="U1") == 200
    # a topic that belongs to another meetup cannot be voted through this one
    other_meetup = meetup_id + 1000
    assert bot.click(views.VOTE, f"{other_meetup}:{a}", user="U1") == 200
    bot.settle()
    assert bot.count(CoffeeVote) == 0
    # a topic that was withdrawn takes no new dots
    assert bot.click(views.WITHDRAW, str(b), user="UPROP2", reply="wd") == 200
    assert bot.vote(b, "U1", reply="gone") == 200
    assert bot.reply("gone").params["text"].startswith("That topic is no longer on the list.")
    assert bot.count(CoffeeVote) == 0


def owing(bot: Bot) -> list[str]:
    """The channel messages that owe a redraw (a change they do not show yet)."""
    m = ChannelMessage
    with bot.store.session() as db:
        return sorted(db.scalars(select(m.key).where(m.wanted > m.drawn)).all())


def test_the_first_redraw_after_a_post_goes_at_once_and_a_burst_waits_for_the_throttle(
    busy_bot,
):
    """The throttle is decided in the database (when the message was last redrawn): the first
    vote after the voting message was posted is drawn at once, though the post is a moment
    old; a vote right after that redraw is held back, and the elected clock's drain draws it
    once the throttle (0.2 s here, on the injected clock) has passed, showing both votes.
    After a quiet spell longer than the throttle, a vote is drawn at once again."""
    bot = busy_bot
    meetup_id, (a, b) = bot.to_voting(TITLES[:2], text=SCHEDULE + " shown")
    assert owing(bot) == []  # the channel shows what the database holds
    drawn = len(bot.updates())
    courier = bot.coffee.meetup_runner.courier
    assert bot.vote(a, "U1") == 200
    bot.settle()
    (first,) = bot.updates()[drawn:]  # at once: no clock moved
    assert "*1.* Golden paths  ·  *1* vote" in shown(first)
    assert first.params["ts"] == bot.meetups()[0].message_ts
    voting = f"{posts.VOTING}:{meetup_id}"
    # (the call for topics was redrawn as voting began, on this clock: it waits its turn)
    assert voting not in owing(bot)
    assert bot.vote(b, "U2") == 200
    bot.settle()
    assert len(bot.updates()) == drawn + 1  # a burst: held back by the throttle
    held = [f"{posts.COLLECT}:{meetup_id}", f"{posts.VOTING}:{meetup_id}"]
    assert owing(bot) == held  # the vote bumped the meetup's messages; both are held back
    assert courier.drain() == 0
    assert owing(bot) == held
    bot.clock.now += dt.timedelta(seconds=0.2)
    # the voting message, and the call for topics (drawn the same: no chat.update)
    assert courier.drain() == 2
    (redraw,) = bot.updates()[drawn + 1 :]
    assert "*1* vote" in shown(redraw) and shown(redraw).count("*1* vote") == 2
    assert owing(bot) == []
    assert courier.drain() == 0  # drawn as stored: nothing more owed
    # a quiet spell longer than the throttle: the next vote is drawn at once
    bot.clock.now += dt.timedelta(minutes=5)
    assert bot.vote(a, "U3") == 200
    bot.settle()
    (after_quiet,) = bot.updates()[drawn + 2 :]
    assert "*2* votes" in shown(after_quiet)
    assert voting not in owing(bot)


@pytest.mark.postgres  # round trips are a PostgreSQL matter
def test_a_vote_on_postgresql_is_one_short_transaction(bot, tmp_path):
    """No liveness ping: BEGIN, one read that also locks the meetup's messages (shared:
    they owe their redraw already), one write and COMMIT, four answers from the server
    (libpq's own trace of the wire protocol counts them), so the locks are held for as short
    a time as can be."""
    meetup_id, (a, b) = bot.to_voting(TITLES[:2])
    group = posts.group(meetup_id)
    bot.settle()
    assert owing(bot) == []
    traced = Store(bot.store.url)
    path = tmp_path / "libpq.trace"
    trace = path.open("w")
    # traced from the moment each connection opens, so a ping at checkout would show too
    event.listen(traced.engine, "connect", lambda conn, _: conn.pgconn.trace(trace.fileno()))

    def answers() -> int:
        trace.flush()
        return sum(1 for line in path.open() if "\tB\t" in line and "ReadyForQuery" in line)

    try:
        # psycopg prepares a statement it has run a few times: one extra round trip, once
        for n in range(16):  # add a, add b, take a back, take b back, ...
            topic = (a, b)[n % 2]
            dots.vote(traced, meetup_id, topic, "U1", bot.clock(), add=n % 4 < 2, group=group)
        for topic, done in ((a, "added"), (a, "removed"), (b, "added"), (b, "removed")):
            before = answers()
            adding = done == "added"  # Vote only adds; Take one back takes back
            done_now = dots.vote(
                traced, meetup_id, topic, "U2", bot.clock(), add=adding, group=group
            )
            assert done_now.done == done
            assert answers() - before == 4, done
    finally:
        traced.dispose()
        trace.close()
    assert bot.votes_by_user() == {}  # each dot added was taken back again
    # and the same statement owed the voting message its redraw (nothing nudged a courier)
    assert f"{posts.VOTING}:{meetup_id}" in owing(bot)
