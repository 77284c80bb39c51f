"""No vote is counted without its redraw owed: a drain racing a vote either draws after the
vote's commit or leaves the redraw owed, however the two interleave, and votes, drains and a
transition take their locks in one order (no deadlock on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, select, text

from bot.coffee import dots, posts
from bot.store import Store
from bot.store.models import ChannelMessage, CoffeeVote
from tests.coffee.conftest import SCHEDULE, Bot, build, shown
from tests.coffee.test_votes import TITLES, counts_shown, owing

WAIT = 30  # seconds: only a broken test waits this long; a passing one never does


def voting_shows(bot: Bot, meetup_id: int) -> dict[str, int]:
    """The counts the voting message shows now: its last update, else its post."""
    ts = bot.meetups()[0].message_ts
    drawn = [c for c in bot.calls() if c.method in ("chat.postMessage", "chat.update")]
    mine = [c for c in drawn if c.params.get("ts") == ts or c.ts == ts]
    return counts_shown(shown(mine[-1]))


def stored_counts(bot: Bot, meetup_id: int, titles: dict[int, str]) -> dict[str, int]:
    with bot.store.session() as db:
        topics = db.scalars(select(CoffeeVote.topic_id).where(CoffeeVote.meetup_id == meetup_id))
        counts: dict[str, int] = {}
        for topic in topics:
            counts[titles[topic]] = counts.get(titles[topic], 0) + 1
    return counts


def waiting_on_a_lock(store: Store) -> bool:
    with store.engine.connect() as conn:
        return bool(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            )
        )


def test_a_drain_that_comes_while_a_vote_commits_waits_for_it_and_draws_it(bot):
    """The vote finds the voting message owing a redraw already, unclaimed, so it owes no more;
    a drain that claims the message between that decision and the vote's commit would draw
    without the vote and record it drawn. The vote holds the message's lock until its commit:
    the drain waits on it (seen in pg_stat_activity), then draws the vote."""
    if bot.store.dialect != "postgresql":
        pytest.skip("SQLite has one writer: the drain cannot claim while the vote writes")
    meetup_id, (a, _) = bot.to_voting(TITLES[:2], text=SCHEDULE + " shown")
    group = posts.group(meetup_id)
    bot.settle()
    voting = f"{posts.VOTING}:{meetup_id}"
    assert voting not in owing(bot)
    side, paused = Store(bot.store.url), Store(bot.store.url)
    decided, go = threading.Event(), threading.Event()

    def hold_commit(_conn: object) -> None:  # the vote has decided and written, not committed
        decided.set()
        go.wait(WAIT)

    event.listen(paused.engine, "commit", hold_commit)
    try:
        # a first vote owes the redraw (no courier is nudged: dots alone)
        first = dots.vote(side, meetup_id, a, "U1", bot.clock(), add=True, group=group)
        assert first.done == "added"
        assert voting in owing(bot)
        # and a vote that found it owed: the next vote takes the shared lock, as most of a
        # burst does (after a vote that had to owe one, a vote tries the exclusive lock first)
        assert dots.vote(side, meetup_id, a, "U3", bot.clock(), add=True, group=group).done == (
            "added"
        )
        with ThreadPoolExecutor(2) as pool:
            second = pool.submit(
                dots.vote, paused, meetup_id, a, "U2", bot.clock(), add=True, group=group
            )
            assert decided.wait(WAIT)
            courier = bot.coffee.meetup_runner.courier
            drained = pool.submit(courier.drain, wait=True)
            for _ in range(WAIT * 100):  # until the drain waits on the vote's lock
                if waiting_on_a_lock(bot.store) or drained.done():
                    break
                threading.Event().wait(0.01)
            assert not drained.done()  # it could not claim the message while the vote held it
            assert waiting_on_a_lock(bot.store)
            go.set()
            assert second.result(WAIT).done == "added"
            assert drained.result(WAIT) >= 1
    finally:
        go.set()
        side.dispose()
        paused.dispose()
    bot.settle()
    # drawn after the vote's commit: both votes shown, nothing owed
    assert voting_shows(bot, meetup_id)[TITLES[0]] == 3
    assert voting not in owing(bot)


def wanted(bot: Bot, key: str) -> int:
    with bot.store.session() as db:
        return db.scalar(select(ChannelMessage.wanted).where(ChannelMessage.key == key)) or 0


def test_votes_while_a_redraw_is_sent_owe_one_more_between_them_and_it_shows_them_all(bot):
    """While the courier draws a version (its chat.update stalled in Slack), the first vote
    owes another redraw; the votes after it owe nothing more, since that redraw reads them
    all. When the stalled update lands, the next redraw shows every vote."""
    meetup_id, (a, b) = bot.to_voting(TITLES[:2], text=SCHEDULE + " shown")
    group = posts.group(meetup_id)
    bot.settle()
    voting = f"{posts.VOTING}:{meetup_id}"
    first = dots.vote(bot.store, meetup_id, a, "U1", bot.clock(), add=True, group=group)
    assert first.done == "added" and voting in owing(bot)
    claimed = wanted(bot, voting)
    stall = threading.Event()
    fault = bot.slack.fail("chat.update", 200, hold=stall)
    courier = bot.coffee.meetup_runner.courier
    with ThreadPoolExecutor(1) as pool:
        try:
            drained = pool.submit(courier.drain, wait=True)
            assert fault.met.wait(WAIT)  # claimed and drawn; its update is in Slack
            for user, topic in (("U2", a), ("U3", b), ("U4", a)):
                done = dots.vote(
                    bot.store, meetup_id, topic, user, bot.clock(), add=True, group=group
                )
                assert done.done == "added"
            assert wanted(bot, voting) == claimed + 1  # one more redraw owed, not three
        finally:
            stall.set()
        assert drained.result(WAIT) >= 1
    if voting in owing(bot):  # held back by the redraw throttle: the clock's drain draws it
        bot.move_to(bot.clock() + dt.timedelta(seconds=2))
        courier.drain(wait=True)
    bot.settle()
    assert voting not in owing(bot)
    # the stalled update showed U1's vote alone; the one redraw owed since shows them all
    updates = [c for c in bot.calls() if c.method == "chat.update"]
    assert [counts_shown(shown(c)) for c in updates[-2:]] == [
        {TITLES[0]: 1, TITLES[1]: 0},
        {TITLES[0]: 3, TITLES[1]: 1},
    ]


def test_votes_racing_drains_of_two_processes_are_all_drawn(
    bot, coffee_settings, store, clock, background
):
    """Voters, two processes' couriers draining, all released together by a barrier: every
    vote is recorded (no deadlock answered "try again"), and at every end either the voting
    message shows what the database holds or its redraw is owed."""
    meetup_id, topic_ids = bot.to_voting(TITLES[:3], text=SCHEDULE + " shown")
    titles = dict(zip(topic_ids, TITLES[:3], strict=True))
    group = posts.group(meetup_id)
    bot.settle()
    _, other = build(coffee_settings, store, clock, background)  # a second process
    couriers = [bot.coffee.meetup_runner.courier, other.meetup_runner.courier]
    voters = [f"UR{n:02d}" for n in range(24)]
    start = threading.Barrier(len(voters) + len(couriers))
    votes_done = threading.Event()

    def vote(n: int) -> str:
        start.wait(WAIT)
        topic = topic_ids[n % 3]
        return dots.vote(store, meetup_id, topic, voters[n], clock(), add=True, group=group).done

    def drain(courier) -> int:
        start.wait(WAIT)
        drawn = 0
        while not votes_done.is_set():
            drawn += courier.drain(wait=True)
        return drawn

    with ThreadPoolExecutor(len(voters) + len(couriers)) as pool:
        drains = [pool.submit(drain, c) for c in couriers]
        results = list(pool.map(vote, range(len(voters))))
        votes_done.set()
        for d in drains:
            d.result(WAIT)
    assert results == ["added"] * len(voters)
    bot.settle()
    held = stored_counts(bot, meetup_id, titles)
    assert held == {TITLES[0]: 8, TITLES[1]: 8, TITLES[2]: 8}
    voting = f"{posts.VOTING}:{meetup_id}"
    if voting not in owing(bot):  # drawn: then what it shows is the database's
        assert voting_shows(bot, meetup_id) == held
    couriers[0].drain(wait=True)
    bot.settle()
    assert voting not in owing(bot)
    assert voting_shows(bot, meetup_id) == held
    # and no message was left claimed by a drain that lost a race
    with store.session() as db:
        m = ChannelMessage
        assert db.scalars(select(m.key).where(m.claimed_until.is_not(None))).all() == []


def close_before(store: Store, closer: Store, meetup_id: int, write: str) -> None:
    """Close the meetup's voting from another connection just before `store` runs `write`:
    the click has read voting open (SQLite: outside its write's transaction; PostgreSQL: in
    a snapshot taken before the lock it may wait for)."""

    def close_first(_conn, _cursor, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith(write):
            with closer.session() as db:  # another connection
                db.execute(
                    text("UPDATE coffee_meetups SET state = 'closed' WHERE id = :id"),
                    {"id": meetup_id},
                )

    event.listen(store.engine, "before_cursor_execute", close_first)


def test_a_vote_whose_meetup_closed_after_its_read_is_refused_and_writes_nothing(bot):
    """The insert checks again, as it runs, that voting is open."""
    meetup_id, (a, _) = bot.to_voting(TITLES[:2])
    bot.settle()
    side = Store(bot.store.url)
    close_before(side, bot.store, meetup_id, "INSERT INTO COFFEE_VOTES")
    try:
        result = dots.vote(
            side, meetup_id, a, "U1", bot.clock(), add=True, group=posts.group(meetup_id)
        )
    finally:
        side.dispose()
    assert (result.done, result.message) == ("refused", "Voting has closed for this meetup.")
    assert bot.votes_by_user() == {}


def test_a_take_back_whose_meetup_closed_after_its_read_is_refused_and_keeps_the_vote(bot):
    """So does the take-back: a vote counted when voting closed stays counted."""
    meetup_id, (a, _) = bot.to_voting(TITLES[:2])
    group = posts.group(meetup_id)
    assert dots.vote(bot.store, meetup_id, a, "U1", bot.clock(), add=True, group=group).done == (
        "added"
    )
    bot.settle()
    side = Store(bot.store.url)
    close_before(side, bot.store, meetup_id, "DELETE FROM COFFEE_VOTES")
    try:
        result = dots.vote(side, meetup_id, a, "U1", bot.clock(), add=False, group=group)
    finally:
        side.dispose()
    assert (result.done, result.message) == ("refused", "Voting is not open for this meetup.")
    assert bot.votes_by_user() == {"U1": 1}


def test_votes_racing_an_early_close_are_each_in_the_agenda_or_refused(bot, store, clock):
    """Voters and an organiser closing voting, released together: every click is either
    counted (and the agenda, drawn after the close, counts it) or told voting is closed;
    none is lost, none deadlocks into "try again"."""
    meetup_id, topic_ids = bot.to_voting(TITLES[:3], text=SCHEDULE + " shown")
    titles = dict(zip(topic_ids, TITLES[:3], strict=True))
    group = posts.group(meetup_id)
    bot.settle()
    voters = [f"UC{n:02d}" for n in range(24)]
    start = threading.Barrier(len(voters) + 1)

    def vote(n: int) -> dots.VoteResult:
        start.wait(WAIT)
        topic = topic_ids[n % 3]
        return dots.vote(store, meetup_id, topic, voters[n], clock(), add=True, group=group)

    def close() -> bool:
        start.wait(WAIT)
        return bot.coffee.meetup_runner.move_by_hand(meetup_id, "closed")

    with ThreadPoolExecutor(len(voters) + 1) as pool:
        closed = pool.submit(close)
        results = list(pool.map(vote, range(len(voters))))
        assert closed.result(WAIT)
    refused = [r.message for r in results if r.done != "added"]
    assert all("closed" in m or "not open" in m for m in refused), refused
    held = stored_counts(bot, meetup_id, titles)
    assert sum(held.values()) == len(results) - len(refused)
    bot.settle()
    agenda = shown(bot.posts()[-1])
    assert agenda.startswith("Lean coffee agenda")
    ranked = re.findall(r"\*\d+\.\* (.+?) · (?:▇+ )?\*(\d+)\* votes?", agenda)
    assert {title: int(n) for title, n in ranked} == {t: held.get(t, 0) for t in TITLES[:3]}
