"""Benchmark: what running as a deployed process adds to /talks (the metrics and the clock).

    python bench/bench_running.py [--rounds 300] [--database-url URL]

One run, on the shipped catalog, in interleaved blocks so the machine's noise hits all alike:
a bare Bolt app that only acks, the bot without its metrics' middleware (no metrics), and the
bot as `wgbot serve` runs it (metrics on), first alone and then while the elected clock holds
its lease and runs its jobs in the same process. Each is reported as a ratio to bare Bolt; the
last three should agree within the noise.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult

from bot.app import Features, build_app
from bot.bootstrap import open_store
from bot.config import Settings
from bot.runtime.lease import lease_for
from bot.runtime.scheduler import LeasedScheduler
from bot.sandbox.web_api import WebApi
from tests.support.requests import bolt_request, command_body

SECRET = "bench-signing-secret-0123456789abcdef"
QUERIES = ["platform-day", "day 1", "speaker abby", "company syntasso", "platform engineering"]
IDENTITY = AuthorizeResult(
    enterprise_id=None, team_id="T0001", bot_user_id="UBOT", bot_id="B1", bot_token="xoxb-bench"
)


def timed(app: App, body: str) -> float:
    req = bolt_request(SECRET, body)
    started = time.perf_counter()
    response = app.dispatch(req)
    elapsed = time.perf_counter() - started
    assert response.status == 200, response.body
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{tmp.name}/running.db"
    with WebApi(check_blocks=False) as slack:
        settings = Settings(
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_API_URL=slack.api_url,
            DATABASE_URL=url,
            WGBOT_STATE_DIR=tmp.name,
        )
        store = open_store(settings)
        features = Features(settings, store)
        measured = build_app(settings, store, identity=IDENTITY, features=features)
        unmeasured = build_app(settings, store, identity=IDENTITY, measured=False)
        bare = App(
            signing_secret=SECRET,
            authorize=lambda **_: IDENTITY,
            process_before_response=True,
            token_verification_enabled=False,
        )
        bare.command("/talks")(lambda ack: ack("ok"))
        bodies = [command_body("/talks", q) for q in QUERIES]

        def rounds(apps: dict[str, App]) -> dict[str, list[float]]:
            times: dict[str, list[float]] = {name: [] for name in apps}
            for _ in range(args.rounds):
                for body in bodies:
                    for name, app in apps.items():
                        times[name].append(timed(app, body))
            return times

        apps = {"bare": bare, "no metrics": unmeasured, "as served": measured}
        rounds(apps)  # warm every cache alike
        alone = rounds(apps)
        scheduler = LeasedScheduler(lease_for(store), features.onboarding, features.coffee).start()
        try:
            if not scheduler.holds:
                scheduler.campaign()
            held = scheduler.holds
            with_lease = rounds({"bare": bare, "as served, lease held": measured})
        finally:
            scheduler.stop()

    baseline = statistics.median(alone["bare"])
    baseline_leased = statistics.median(with_lease["bare"])
    print(f"/talks on the shipped catalog ({store.dialect}), {args.rounds} rounds of {QUERIES}")
    print(f"  bare Bolt median {baseline * 1e3:.3f} ms")
    for name in ("no metrics", "as served"):
        med = statistics.median(alone[name])
        print(f"  {name:<22} median {med * 1e3:.3f} ms  {med / baseline:.2f}x bare Bolt")
    med = statistics.median(with_lease["as served, lease held"])
    print(
        f"  {'as served, lease held':<22} median {med * 1e3:.3f} ms  "
        f"{med / baseline_leased:.2f}x bare Bolt (its own bare run: {baseline_leased * 1e3:.3f} ms)"
    )
    print(f"  the clock's lease was {'held' if held else 'NOT held'} while measuring")


if __name__ == "__main__":
    main()
