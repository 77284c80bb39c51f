"""A burst of joins (a conference day, an invite wave): every ack is quick and sends nothing,
and the outbox then delivers exactly one DM to each person."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from tests.onboarding.conftest import dm_of, envelope, newcomer, team_join

JOINS = 200


def test_two_hundred_concurrent_joins_make_two_hundred_dms(ob, slack):
    users = [f"U0LOAD{i:03d}" for i in range(JOINS)]
    bodies = [envelope(team_join(newcomer(u, f"Newcomer {u}"))) for u in users]
    ob.post_event(bodies[0])  # Bolt's first request runs auth.test; keep it out of the timing

    def deliver(body: str) -> tuple[int, float]:
        start = time.perf_counter()
        status = ob.post_event(body).status
        return status, time.perf_counter() - start

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(deliver, bodies))
    assert [status for status, _ in results] == [200] * JOINS
    # Slack wants an ack within 3 s; recording a join must stay far below that
    assert max(elapsed for _, elapsed in results) < 2.5
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
