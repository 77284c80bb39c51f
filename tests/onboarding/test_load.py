"""A burst of joins (a conference day, an invite wave): every ack is answered and sends
nothing, and the outbox then delivers exactly one DM to each person. How quick the acks are is
measured by bench/bench_joins.py, not here: a test passes or fails on behaviour, not on the
machine's speed."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.onboarding.conftest import dm_of, envelope, newcomer, team_join

JOINS = 200


@pytest.mark.slow
def test_two_hundred_concurrent_joins_make_two_hundred_dms(ob, slack):
    users = [f"U0LOAD{i:03d}" for i in range(JOINS)]
    bodies = [envelope(team_join(newcomer(u, f"Newcomer {u}"))) for u in users]
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda body: ob.post_event(body).status, bodies))
    assert statuses == [200] * JOINS  # every ack answered, none refused or lost
    assert ob.sent() == []  # nothing reached Slack before the drain
    rows = ob.rows()
    assert len(rows) == JOINS and {r.state for r in rows} == {"pending"}

    assert ob.drain() == JOINS
    posts = slack.calls_to("chat.postMessage")
    channels = Counter(p.params["channel"] for p in posts)
    assert len(posts) == JOINS and set(channels.values()) == {1}
    assert set(channels) == {dm_of(u) for u in users}
    assert len(slack.calls_to("conversations.open")) == JOINS
    assert slack.calls_to("users.info") == []  # names came with the events
    rows = ob.rows()
    assert {r.state for r in rows} == {"sent"} and {r.attempts for r in rows} == {1}
    assert len({r.message_ts for r in rows}) == JOINS
    assert ob.drain() == 0
