"""Benchmark: ack latency of 200 team_join events arriving at once, against bare Bolt.

    python bench/bench_joins.py [--joins 200] [--threads 32] [--database-url URL]

Each join is a signed Events API envelope dispatched in-process from a pool of threads, as a
WSGI server would. The bot only records the owed DM before acking; delivery happens after,
from the outbox. Prints the ack latency distribution of both, then drains the outbox into a
fake Slack and checks that every newcomer got exactly one DM.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import App
from slack_sdk import WebClient

from bot.app import build_app, make_onboarding
from bot.config import Settings
from bot.store import Store
from bot.testing.fake_slack import FakeSlack
from bot.testing.requests import bolt_request

SECRET = "bench-signing-secret-0123456789abcdef"


def envelope(n: int) -> str:
    user = {
        "id": f"UJ{n:05d}",
        "name": f"newcomer{n}",
        "real_name": f"Newcomer {n}",
        "profile": {"display_name": f"Newcomer {n}"},
        "is_bot": False,
        "deleted": False,
    }
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0001",
            "api_app_id": "A0WGBOT",
            "event_id": f"EvJ{n:05d}",
            "event_time": int(time.time()),
            "event": {"type": "team_join", "user": user},
        }
    )


def acks(app: App, bodies: list[str], threads: int) -> list[float]:
    def one(body: str) -> float:
        req = bolt_request(SECRET, body, content_type="application/json")
        t0 = time.perf_counter()
        resp = app.dispatch(req)
        elapsed = time.perf_counter() - t0
        assert resp.status == 200, resp.body
        return elapsed

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, bodies))


def summary(name: str, times: list[float]) -> str:
    q = statistics.quantiles(times, n=100)
    return (
        f"{name:<9} median {statistics.median(times) * 1e3:7.2f} ms   p95 {q[94] * 1e3:7.2f} ms"
        f"   p99 {q[98] * 1e3:7.2f} ms   max {max(times) * 1e3:7.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--joins", type=int, default=200)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{tmp.name}/joins.db"
    store = Store(url)
    store.upgrade()
    with FakeSlack() as slack:
        settings = Settings(
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_API_URL=slack.api_url,
            DATABASE_URL=url,
            WGBOT_DMS_PER_MINUTE=6000,
        )
        onboarding = make_onboarding(settings, store)
        bot = build_app(settings, store, onboarding_feature=onboarding)
        bare = App(
            signing_secret=SECRET,
            client=WebClient(token="xoxb-bench", base_url=slack.api_url),
            process_before_response=True,
            token_verification_enabled=False,
        )

        @bare.event("team_join")
        def _ignore() -> None:
            pass

        bare_t = acks(bare, [envelope(n) for n in range(args.joins)], args.threads)
        bot_t = acks(bot, [envelope(n) for n in range(args.joins)], args.threads)
        print(f"{args.joins} team_join events from {args.threads} threads, {store.dialect}\n")
        print(summary("bare Bolt", bare_t))
        print(summary("bot", bot_t))
        print(
            f"\nmedian ratio {statistics.median(bot_t) / statistics.median(bare_t):.1f}x; "
            f"slowest ack {max(bot_t) * 1e3:.0f} ms (Slack's limit: 3000 ms)"
        )
        before = len(slack.calls_to("chat.postMessage"))
        t0 = time.perf_counter()
        onboarding.sender.drain()
        sent = slack.calls_to("chat.postMessage")
        channels = {c.params["channel"] for c in sent}
        print(
            f"DMs sent before ack: {before}; after draining: {len(sent)} to {len(channels)} "
            f"people in {time.perf_counter() - t0:.1f} s (pacing off)"
        )
    store.dispose()


if __name__ == "__main__":
    main()
