"""Benchmark: a wave of joins across both triggers, with duplicates, against bare Bolt.

    python bench/bench_joins.py [--joins 500] [--threads 16] [--database-url URL]

Each newcomer joins the workspace (team_join) and the group's channel (member_joined_channel),
and one event in ten arrives twice more (Slack's retry, and a second delivery under a new
event id), all shuffled and dispatched in-process from a pool of threads, as a WSGI server
would. The bot only records the owed DM before acking; delivery happens after, from the outbox.
Prints the ack latency distribution of both, and the slowest ack as a share of the 3 s Slack
waits (the figure the test suite leaves to this benchmark: tests/onboarding/test_load.py only
checks that every ack is answered and every DM owed once), then drains the outbox into a fake
Slack (paced at a fast test rate, to show the spacing holds) and checks that every newcomer got
exactly one first DM, then runs the journey job and checks the day-2 step is scheduled for each.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import func, select

from bench.baseline import SECRET, bare_bolt
from bot.app import Features, build_app
from bot.config import IsolatedSettings
from bot.sandbox.web_api import WebApi
from bot.store import Store
from bot.store.models import OutboxMessage
from tests.support.requests import bolt_request

CHANNEL = "C0WGPLAT"
SLACK_ACK = 3.0  # seconds Slack waits for an ack before it retries and the person sees a failure
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def envelope(event: dict, event_id: str) -> str:
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0001",
            "api_app_id": "A0WGBOT",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
        }
    )


def joins(n: int) -> list[tuple[str, dict[str, str]]]:
    """(body, headers) for one newcomer: both triggers, and for one in ten, duplicates."""
    user = {
        "id": f"UJ{n:05d}",
        "name": f"newcomer{n}",
        "real_name": f"Newcomer {n}",
        "profile": {"display_name": f"Newcomer {n}"},
        "tz": ("Europe/London", "America/New_York", "Asia/Kolkata")[n % 3],
        "is_bot": False,
        "deleted": False,
    }
    channel = {"type": "member_joined_channel", "user": user["id"], "channel": CHANNEL}
    out = [
        (envelope({"type": "team_join", "user": user}, f"EvT{n:05d}"), {}),
        (envelope(channel, f"EvC{n:05d}"), {}),
    ]
    if n % 10 == 0:
        out += [
            (envelope({"type": "team_join", "user": user}, f"EvT{n:05d}"), RETRY),
            (envelope(channel, f"EvC{n:05d}x"), {}),
        ]
    return out


def acks(app: App, events: list[tuple[str, dict[str, str]]], threads: int) -> list[float]:
    def one(event: tuple[str, dict[str, str]]) -> float:
        body, headers = event
        req = bolt_request(SECRET, body, content_type="application/json", headers=headers)
        t0 = time.perf_counter()
        resp = app.dispatch(req)
        elapsed = time.perf_counter() - t0
        assert resp.status == 200, resp.body
        return elapsed

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, events))


def warm(store: Store) -> None:
    with store.session() as s:
        s.execute(select(1))


def summary(name: str, times: list[float]) -> str:
    q = statistics.quantiles(times, n=100)
    return (
        f"{name:<9} median {statistics.median(times) * 1e3:7.2f} ms   p95 {q[94] * 1e3:7.2f} ms"
        f"   p99 {q[98] * 1e3:7.2f} ms   max {max(times) * 1e3:7.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--joins", type=int, default=500)
    parser.add_argument("--threads", type=int, default=16)  # twice the server's 8
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{tmp.name}/joins.db"
    store = Store(url)
    store.upgrade()
    events = [e for n in range(args.joins) for e in joins(n)]
    random.Random(7).shuffle(events)
    with WebApi() as slack:
        settings = IsolatedSettings(
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_API_URL=slack.api_url,
            DATABASE_URL=url,
            WGBOT_WELCOME_CHANNELS=CHANNEL,
            WGBOT_DMS_PER_MINUTE=6000,  # 10 ms apart: the spacing is measured below
        )
        features = Features(settings, store)
        onboarding = features.onboarding
        bot = build_app(settings, store, features=features)
        bare = bare_bolt(client=WebClient(token="xoxb-bench", base_url=slack.api_url))

        @bare.event("team_join")
        def _ignore() -> None:
            pass

        @bare.event("member_joined_channel")
        def _ignore_too() -> None:
            pass

        # a running process has its connections open: open them as the first requests would
        with ThreadPoolExecutor(args.threads) as pool:
            list(pool.map(lambda _: warm(store), range(args.threads)))
        bare_t = acks(bare, events, args.threads)
        bot_t = acks(bot, events, args.threads)
        print(
            f"{args.joins} newcomers: {len(events)} events (team_join and member_joined_channel, "
            f"duplicates included) from {args.threads} threads, {store.dialect}\n"
        )
        print(summary("bare Bolt", bare_t))
        print(summary("bot", bot_t))
        slow = sum(1 for t in bot_t if t >= 1.0)
        print(
            f"\nmedian ratio {statistics.median(bot_t) / statistics.median(bare_t):.1f}x; "
            f"slowest ack {max(bot_t) * 1e3:.0f} ms, {max(bot_t) / SLACK_ACK:.0%} of the "
            f"{SLACK_ACK:.0f} s Slack waits for an ack; acks of 1 s or more: {slow}"
        )
        before = len(slack.calls_to("chat.postMessage"))
        opened: list[float] = []
        open_dm = onboarding.sender.client.conversations_open

        def timed_open(**kw: object) -> object:
            opened.append(time.monotonic())
            return open_dm(**kw)

        onboarding.sender.client.conversations_open = timed_open  # type: ignore[method-assign]
        t0 = time.perf_counter()
        onboarding.sender.drain()
        took = time.perf_counter() - t0
        sent = slack.calls_to("chat.postMessage")
        per_person = Counter(c.params["channel"] for c in sent)
        gaps = [b - a for a, b in itertools.pairwise(opened)]
        print(
            f"DMs sent before any ack: {before}; after draining: {len(sent)} to "
            f"{len(per_person)} people, most to one person: {max(per_person.values())}, "
            f"in {took:.1f} s"
        )
        print(
            f"conversations.open spacing: min {min(gaps) * 1e3:.1f} ms for a configured "
            f"{onboarding.sender.interval * 1e3:.0f} ms; at the default 40/min that is 1.5 s, "
            f"so {args.joins} first DMs take {args.joins * 1.5 / 60:.1f} min "
            "(tier 3 allows 50+/min)"
        )
        onboarding.owe_journey_steps()
        with store.session() as s:
            day2 = s.scalar(
                select(func.count()).where(
                    OutboxMessage.kind == "step",
                    OutboxMessage.scope == "propose_an_idea",
                    OutboxMessage.state == "pending",
                )
            )
            users = s.scalar(select(func.count(func.distinct(OutboxMessage.user_id))))
        print(f"day-2 step scheduled for {day2} of {users} newcomers")
    store.dispose()


if __name__ == "__main__":
    main()
