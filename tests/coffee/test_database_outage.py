"""When the database is slow or drops connections, a vote is answered within its time budget
with a polite "try again", nothing is half-written, no vote that was confirmed is lost, and the
next clicks work again without a restart."""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select

from bot.coffee.dots import BUSY
from bot.slack.errors import SORRY_SHORT
from bot.slack.replies import SORRY
from bot.store import Store
from bot.store.models import CoffeeTopic, CoffeeVote
from tests.coffee.conftest import CHANNEL, ORGANISER, TEAM, Bot, build
from tests.conftest import SIGNING_SECRET
from tests.db_faults import Proxy, kill_bot_connections, tables_locked
from tests.support.requests import bolt_request, command_body

HUNG = 60.0  # seconds
TITLES = ["Golden paths", "Platform as a product", "Developer portals", "Team topologies"]


@pytest.fixture
def hurried(coffee_settings, db_url, store, slack, clock, background) -> Iterator[Bot]:
    """The bot on a store with the request timeout it has in production; the test reads the
    database through the suite's own store, which waits as long as it must."""
    fast = Store(db_url)
    app, coffee = build(coffee_settings, fast, clock, background)
    yield Bot(app, coffee, slack, store, clock, background)
    background.settle()
    fast.dispose()


@pytest.fixture
def postgres_url(db_url: str) -> str:
    if not db_url.startswith("postgres"):
        pytest.skip("killing server connections needs PostgreSQL")
    return db_url


def test_a_vote_stuck_behind_a_lock_is_answered_try_again_and_writes_nothing(hurried, db_url):
    bot = hurried
    meetup_id, (a, b, *_) = bot.to_voting(TITLES)
    assert bot.vote(a, "U1", reply="before", meetup_id=meetup_id) == 200
    with tables_locked(db_url, "coffee_votes"):
        # the ack still goes out: the statement gave up at the store's timeout
        assert bot.vote(b, "U1", reply="stuck", meetup_id=meetup_id) == 200
    assert bot.reply("stuck").params["text"] == BUSY
    assert bot.reply("before").params["text"].startswith("Vote added to “Golden paths”")
    assert bot.votes_by_user() == {"U1": 1}  # only the vote that was confirmed
    # the lock is gone and so is the trouble: the same click now counts
    assert bot.vote(b, "U1", reply="after", meetup_id=meetup_id) == 200
    assert bot.reply("after").params["text"].startswith("Vote added to “Platform as a product”")
    assert bot.votes_by_topic() == {a: 1, b: 1}


@pytest.mark.slow
def test_proposals_and_withdrawals_stuck_behind_a_lock_apologise_and_change_nothing(
    hurried, db_url
):
    bot = hurried
    meetup_id, (a, *_) = bot.to_voting(TITLES)
    with tables_locked(db_url, "coffee_topics"):
        _, ack = bot.command("propose Something new", user="U2")
        modal = bot.submit_modal(f"{meetup_id}:", "Something else", user="U3")
        assert bot.click("coffee_withdraw", str(a), user="UPROP1", reply="wd") == 200
    assert ack["text"] == SORRY
    assert modal.status == 200 and modal.body
    assert '"errors"' in modal.body and SORRY_SHORT in modal.body
    assert bot.reply("wd").params["text"] == SORRY
    assert [t.title for t in bot.topics(meetup_id)] == TITLES  # nothing added, none withdrawn
    assert bot.count(CoffeeTopic) == len(TITLES)


# ---- connections killed under the bot (PostgreSQL) ---------------------------------------------
def test_killed_connections_cost_a_try_again_at_most_and_lose_no_confirmed_vote(
    hurried, postgres_url
):
    bot = hurried
    meetup_id, topics = bot.to_voting(TITLES)
    voters = [f"UK{n:03d}" for n in range(100)]
    plan = [
        (user, topics[(n + k) % len(topics)], f"{user}-{k}")
        for n, user in enumerate(voters)
        for k in range(3)
    ]
    clicked, killed = itertools.count(1), []
    lock = threading.Lock()

    def click(step: tuple[str, int, str]) -> int:
        user, topic, name = step
        status = bot.vote(topic, user, reply=name, meetup_id=meetup_id)
        with lock:
            if next(clicked) % 75 == 0:  # four times, with clicks in flight on other threads
                killed.append(kill_bot_connections(postgres_url))
        return status

    with ThreadPoolExecutor(max_workers=8) as pool:  # as many as the server's threads
        statuses = list(pool.map(click, plan))
    assert statuses == [200] * len(plan)  # every click was acknowledged
    assert len(killed) == 4 and all(killed), killed

    bot.settle()
    notes = {
        c.path.rsplit("/", 1)[-1]: c.params["text"] for c in bot.slack.calls_to("response_url")
    }
    with bot.store.session() as db:
        stored = {tuple(r) for r in db.execute(select(CoffeeVote.user_id, CoffeeVote.topic_id))}
    confirmed = [(u, t) for u, t, name in plan if notes[name].startswith("Vote added to")]
    asked_again = [name for _, _, name in plan if notes[name] == BUSY]
    assert len(confirmed) + len(asked_again) == len(plan), "every voter heard one or the other"
    assert set(confirmed) <= stored  # a vote that was confirmed is in the database

    # the pool holds connections the server closed: the next clicks still just work
    kill_bot_connections(postgres_url)
    for n, topic in enumerate(topics):
        assert bot.vote(topic, f"UAFTER{n}", reply=f"after{n}", meetup_id=meetup_id) == 200
        assert bot.reply(f"after{n}").params["text"].startswith("Vote added to")


def unless_hung(fn: Callable[..., int], *args: Any, **kwargs: Any) -> int:
    """Call fn, failing the test (rather than hanging the suite) if it never returns; a guard
    far beyond the few seconds the store's timeouts allow, not a measure of them."""
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(fn(*args, **kwargs)), daemon=True)
    worker.start()
    worker.join(HUNG)
    if worker.is_alive():
        pytest.fail(f"the request was still waiting on the database after {HUNG} s")
    assert result, "the request failed instead of answering"
    return result[0]


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[Proxy]:
    relay = Proxy.to(postgres_url)
    yield relay
    relay.close()


def test_a_database_that_stops_answering_costs_a_try_again_not_a_hung_request(
    bot, proxy, postgres_url, coffee_settings, clock, background
):
    meetup_id, (a, b, *_) = bot.to_voting(TITLES)
    through = Store(proxy.url(postgres_url))  # the request timeout, as in production
    app, coffee = build(coffee_settings, through, clock, background)
    relayed = Bot(app, coffee, bot.slack, bot.store, clock, background)
    try:
        assert relayed.vote(a, "U1", reply="fine", meetup_id=meetup_id) == 200
        assert relayed.reply("fine").params["text"].startswith("Vote added to “Golden paths”")

        proxy.frozen.set()
        # its pooled connection: the statement goes out and no answer ever comes back
        assert unless_hung(relayed.vote, b, "U1", reply="pooled", meetup_id=meetup_id) == 200
        # a new connection: accepted, and then not a word
        assert unless_hung(relayed.vote, b, "U2", reply="fresh", meetup_id=meetup_id) == 200
        assert relayed.reply("pooled").params["text"] == BUSY
        assert relayed.reply("fresh").params["text"] == BUSY
        assert bot.votes_by_user() == {"U1": 1}
    finally:
        background.settle()
        through.dispose()


# ---- what a failure leaves in the log -----------------------------------------------------------
SECRET = "our salary bands leaked"  # what people type is theirs, not the log's


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every line logged, with its traceback, as a log file would hold them."""
    return "\n".join(
        r.getMessage() + "\n" + (logging.Formatter().formatException(r.exc_info) if r.exc_info
                                 else "")
        for r in caplog.records
    )  # fmt: skip


def test_a_command_that_fails_logs_its_word_and_ids_never_its_text(hurried, db_url, caplog):
    caplog.set_level(logging.DEBUG)
    bot = hurried
    meetup_id = bot.to_collecting()
    with tables_locked(db_url, "coffee_topics", "coffee_series"):
        _, ack = bot.command(f"propose {SECRET}", user="U2")
        answer = bot.organise(f"schedule every 3 weeks link https://zoom.us/j/{SECRET[:3]}999")
    assert ack["text"] == SORRY  # the person still hears a polite answer
    assert answer.params["text"] == SORRY
    assert bot.topics(meetup_id) == []
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert f"/coffee 'propose' failed for U2 in {CHANNEL}" in failures, failures
    assert f"/coffee 'schedule' failed for {ORGANISER} in {CHANNEL}" in failures, failures
    logged = _logged(caplog)
    assert SECRET not in logged and "our999" not in logged and "salary" not in logged


def test_a_command_during_an_outage_leaves_none_of_its_text_in_the_log(
    bot, proxy, postgres_url, coffee_settings, clock, background, caplog
):
    caplog.set_level(logging.DEBUG)
    bot.to_collecting()
    through = Store(proxy.url(postgres_url))  # the request timeout, as in production
    app, coffee = build(coffee_settings, through, clock, background)
    relayed = Bot(app, coffee, bot.slack, bot.store, clock, background)
    try:
        proxy.frozen.set()
        _, ack = unless_hung(lambda: relayed.command(f"propose {SECRET}", user="U3"))
        body = command_body("/talks", SECRET, user_id="U4", team_id=TEAM)
        talks = unless_hung(lambda: app.dispatch(bolt_request(SIGNING_SECRET, body)))
    finally:
        background.settle()
        through.dispose()
    assert ack["text"] == SORRY
    assert talks.status == 200 and SORRY in talks.body
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) >= 2
    logged = _logged(caplog)
    assert SECRET not in logged and "salary" not in logged
