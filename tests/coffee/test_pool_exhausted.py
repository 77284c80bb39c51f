"""Requests beyond the database pool wait a bounded time and are answered politely (never a
trace, never silence); the connections a deployment opens stay under PostgreSQL's default
max_connections."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from bot.coffee.dots import BUSY
from bot.slack.replies import SORRY
from bot.store import Store
from bot.store.engine import CONNECTIONS_AT_START, CONNECTIONS_PER_PROCESS, POOL_OVERFLOW, POOL_SIZE
from tests.coffee.conftest import Bot, build

TITLES = ["Golden paths", "Platform as a product"]


@pytest.fixture
def one_connection(coffee_settings, db_url, store, slack, clock, background) -> Iterator[Bot]:
    """The bot on a pool of one connection, which the test can hold; the test reads the
    database through the suite's own store."""
    small = Store(db_url, pool_size=1, max_overflow=0)
    app, coffee = build(coffee_settings, small, clock, background)
    yield Bot(app, coffee, slack, store, clock, background)
    background.settle()
    small.dispose()


def test_with_every_connection_in_use_a_vote_and_a_command_are_told_to_try_again(
    one_connection,
):
    bot = one_connection
    meetup_id, (a, _) = bot.to_voting(TITLES)
    bot.settle()
    with bot.coffee.store.engine.connect() as held:  # the pool's only connection
        held.execute(text("SELECT 1"))
        # each waits for a connection as long as the pool allows, then is answered
        assert bot.vote(a, "U1", reply="crowded", meetup_id=meetup_id) == 200
        status, ack = bot.command("", user="U2")
        assert status == 200
        assert ack["text"] == SORRY
    assert bot.reply("crowded").params["text"] == BUSY
    assert bot.votes_by_user() == {}
    # the connection is back: the same click now counts
    assert bot.vote(a, "U1", reply="after", meetup_id=meetup_id) == 200
    assert bot.reply("after").params["text"].startswith("Vote added to “Golden paths”")
    assert bot.votes_by_user() == {"U1": 1}


def test_three_replicas_and_a_clock_fit_postgresql_default_max_connections():
    """100 connections, 3 kept for superusers: what four processes open, each with its pool,
    its clock lease and (starting together) its turn at the migration lock, fits."""
    assert CONNECTIONS_PER_PROCESS == POOL_SIZE + POOL_OVERFLOW + 1
    assert 4 * CONNECTIONS_AT_START + 1 <= 100 - 3
