"""Benchmark: lean-coffee vote clicks against bare Bolt, one at a time and in a burst.

    python bench/bench_votes.py [--voters 300] [--threads 32] [--database-url URL]

A meetup in its voting phase with 12 topics. First, signed vote clicks one after the other
(Vote, then Take one back: each click writes), interleaved with the same clicks to a bare Bolt
app whose handler only acks, and with one plain statement writing a vote row and committing,
which no click that records its vote durably can beat: the bot's median against bare Bolt
plus that write (target: at most 2x).

Then a burst: every voter spends 3 votes at once from a pool of threads
(as a WSGI server would): the ack latency's median, p99 and max (target: max under 1 s, far
from Slack's 3 s), how many voters were asked to try again, and the stored totals.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import func, select

from bench.baseline import SECRET, bare_bolt, held_back
from bot.app import Features, build_app
from bot.coffee.dots import BUSY
from bot.config import Settings
from bot.sandbox.web_api import WebApi
from bot.store import Store
from bot.store.models import ChannelMessage, CoffeeMeetup, CoffeeSeries, CoffeeTopic, CoffeeVote
from bot.store.states import OutboxState
from tests.support.requests import action_body, bolt_request

FORM = "application/x-www-form-urlencoded"


def setup(store: Store, now: dt.datetime) -> tuple[int, list[int]]:
    with store.session() as db:
        series = CoffeeSeries(
            team_id="T0001",
            channel_id=f"C{uuid.uuid4().hex[:10].upper()}",  # a new series each run
            timezone="Europe/London",
            weekday=now.weekday(),
            at="16:00",
            every_weeks=2,
            anchor=now.date(),
            collect_hours=72,
            vote_hours=24,
            votes_per_person=3,
            multi_dots=False,
            hide_counts=True,
        )
        db.add(series)
        db.flush()
        s = CoffeeMeetup(
            series_id=series.id,
            starts_at=now + dt.timedelta(hours=2),
            collect_at=now - dt.timedelta(days=2),
            vote_at=now - dt.timedelta(hours=20),
            state="voting",
            votes_per_person=3,
            multi_dots=False,
            hide_counts=True,
            message_ts="1700000000.000100",
        )
        db.add(s)
        db.flush()
        topics = [
            CoffeeTopic(
                meetup_id=s.id, user_id=f"UP{n}", title=f"Topic {n}", state="open",
                discussed=False, created_at=now,
            )
            for n in range(12)
        ]  # fmt: skip
        db.add_all(topics)
        db.flush()
        # the voting message, in the channel: each click owes it a redraw
        db.add(
            ChannelMessage(
                key=f"coffee.voting:{s.id}", kind="coffee.voting", ref=str(s.id),
                group_key=f"coffee:{s.id}", thread_key="", channel_id=series.channel_id,
                ts="1700000000.000100", state=OutboxState.SENT, attempts=1, due_at=now,
                last_error="", created_at=now, sent_at=now, wanted=0, drawn=0, shape="", body="",
            )
        )  # fmt: skip
        db.flush()
        return s.id, [t.id for t in topics]


def durable_write(store: Store, meetup_id: int, topic_id: int, add: bool) -> float:
    """The least a recorded vote costs the database: one plain statement on a pooled
    connection, committing itself as a click does (adding a row, then deleting it)."""
    conn = store.engine.raw_connection()
    driver = conn.driver_connection
    postgres = store.dialect == "postgresql"
    if postgres:
        driver.autocommit = True  # one round trip, as the click's own statement
    try:
        where = f"meetup_id = {meetup_id} AND user_id = 'UFLOOR'"
        sql = (
            "INSERT INTO coffee_votes (meetup_id, user_id, slot, topic_id, repeat, cast_at) "
            f"VALUES ({meetup_id}, 'UFLOOR', 1, {topic_id}, 0, CURRENT_TIMESTAMP)"
            if add
            else f"DELETE FROM coffee_votes WHERE {where}"
        )
        t0 = time.perf_counter()
        driver.execute(sql)
        if not postgres:
            driver.commit()
        return time.perf_counter() - t0
    finally:
        if postgres:
            driver.autocommit = False
        conn.close()


def click(app: App, body: str) -> float:
    req = bolt_request(SECRET, body, content_type=FORM)
    t0 = time.perf_counter()
    resp = app.dispatch(req)
    elapsed = time.perf_counter() - t0
    assert resp.status == 200, resp.body
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voters", type=int, default=300)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{tmp.name}/votes.db"
    store = Store(url)  # the request timeout, as in production
    store.upgrade()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    meetup_id, topic_ids = setup(store, now)
    # the fake runs in this process: its Block Kit checks would take the GIL from the app
    with WebApi(check_blocks=False) as slack:
        settings = Settings(
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_API_URL=slack.api_url,
            DATABASE_URL=url,
        )
        features = Features(settings, store, redraw_delay=1.5)
        coffee = features.coffee
        bot = build_app(settings, store, features=features)
        bare = bare_bolt(client=WebClient(token="xoxb-bench", base_url=slack.api_url))

        @bare.action("coffee_vote")
        def _ack(ack) -> None:
            ack()

        @bare.action("coffee_unvote")
        def _ack_back(ack) -> None:
            ack()

        def body(user: str, topic: int, action: str = "coffee_vote") -> str:
            return action_body(
                action,
                f"{meetup_id}:{topic}",
                user_id=user,
                response_url=slack.response_url(user),
            )

        # one at a time, each click writing: a round of Vote clicks adds a dot for each of 40
        # voters, the next round of Take one back clicks takes it back
        voters = [(f"US{n}", topic_ids[n % 12]) for n in range(40)]
        rounds = [
            [
                body(user, topic, "coffee_vote" if r % 2 == 0 else "coffee_unvote")
                for user, topic in voters
            ]
            for r in range(12)
        ]
        for singles in rounds[:2]:
            for b in singles:
                click(bare, b)
                click(bot, b)
        bare_t, bot_t, baseline_t = [], [], []
        for singles in rounds[2:]:
            for b in singles:
                bare_t.append(click(bare, b))
                bot_t.append(click(bot, b))
                # let the click's follow-ups (the voter's note and the redraw, sent to the fake
                # Slack in this same process) finish, so each click is timed alone, as people
                # click
                coffee.after_ack.wait_idle(10)
                features.courier.wait_idle(10)
                baseline_t.append(  # alone too, after that follow-up
                    durable_write(store, meetup_id, topic_ids[0], len(baseline_t) % 2 == 0)
                )
        med_bare, med_bot = statistics.median(bare_t), statistics.median(bot_t)
        med_write = statistics.median(baseline_t)
        floor = med_bare + med_write
        print(f"vote click, one at a time ({store.dialect}, {len(bot_t)} clicks, each writing):")
        print(
            f"  bare Bolt median {med_bare * 1e3:.3f} ms, one committed write of a vote row "
            f"{med_write * 1e3:.3f} ms, bot median {med_bot * 1e3:.3f} ms"
        )
        print(
            f"  ratio to bare Bolt plus one committed write: {med_bot / floor:.1f}x "
            f"(target: at most 2x); to bare Bolt alone: {med_bot / med_bare:.1f}x\n"
        )
        held_back(features)

        burst = [
            body(f"UB{v}", topic_ids[(v + k) % 12]) for v in range(args.voters) for k in range(3)
        ]
        slack.reset()
        with ThreadPoolExecutor(args.threads) as pool:
            times = list(pool.map(lambda b: click(bot, b), burst))
        coffee.after_ack.wait_idle(60)
        q = statistics.quantiles(times, n=100)
        print(f"burst: {len(burst)} votes ({args.voters} voters x 3) from {args.threads} threads")
        print(
            f"  ack median {statistics.median(times) * 1e3:.1f} ms, p95 {q[94] * 1e3:.1f} ms, "
            f"p99 {q[98] * 1e3:.1f} ms, max {max(times) * 1e3:.1f} ms (target: max under 1 s)"
        )
        notes = [c.params.get("text", "") for c in slack.calls_to("response_url")]
        busy = sum(1 for t in notes if t.startswith(BUSY))
        print(f"  answered: {len(notes)} of {len(burst)}; asked to try again: {busy}")
        with store.session() as db:
            stored = db.scalar(
                select(func.count())
                .select_from(CoffeeVote)
                .where(CoffeeVote.meetup_id == meetup_id, CoffeeVote.user_id.like("UB%"))
            )
            over = db.scalar(
                select(func.count()).select_from(
                    select(CoffeeVote.user_id)
                    .where(CoffeeVote.meetup_id == meetup_id)
                    .group_by(CoffeeVote.user_id)
                    .having(func.count() > 3)
                    .subquery()
                )
            )
        print(f"  stored: {stored} of {len(burst)} votes; voters over budget: {over}")
        held_back(features)  # the coalesced redraw, before the fake goes away
    store.dispose()


if __name__ == "__main__":
    main()
