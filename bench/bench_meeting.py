"""Benchmark: a lean-coffee meeting of 300 people: thumbs on a Roman vote and takeaways.

    python bench/bench_meeting.py [--people 300] [--notes 100] [--threads 32] [--database-url URL]

A meeting under way, its topic's timebox run out and its Roman vote posted. First, signed thumb
clicks one after the other, interleaved with the same clicks to a bare Bolt app whose handler
only acks: the median ratio. Then bursts from a pool of threads (as a WSGI server would): every
person clicks a thumb (target: all within 5 s), every person changes it, and 100 takeaways are
submitted through the modal (target: within 10 s); for each, the ack latency's median, p99 and
max (target: p99 under 1 s) and what was stored (every click counted once). Last, the redraws:
how many chat.update calls each message got and the shortest gap between two of them (target:
at least 1.5 s, one redraw per 1.5 s a meetup).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import func, select

from bench.baseline import clock_drains, held_back
from bot.app import Features, build_app
from bot.coffee import meeting_views as mv
from bot.coffee import posts
from bot.config import Settings
from bot.sandbox.web_api import WebApi
from bot.store import Store
from bot.store.models import (
    ChannelMessage,
    CoffeeMeetup,
    CoffeeRomanVote,
    CoffeeSeries,
    CoffeeTakeaway,
    CoffeeTimebox,
    CoffeeTopic,
)
from tests.support.requests import action_body, bolt_request

SECRET = "bench-signing-secret-0123456789abcdef"
FORM = "application/x-www-form-urlencoded"
BOARD_TS, VOTE_TS = "1700000000.000100", "1700000000.000200"


def setup(store: Store, now: dt.datetime) -> tuple[int, int, int]:
    """A meeting under way: (meetup id, topic under discussion, its run-out timebox)."""
    with store.session() as db:
        series = CoffeeSeries(
            team_id="T0001", channel_id=f"C{uuid.uuid4().hex[:10].upper()}",
            timezone="Europe/London", weekday=now.weekday(), at="16:00", every_weeks=2,
            anchor=now.date(), collect_hours=72, vote_hours=24, votes_per_person=3,
            multi_dots=False, hide_counts=True,
        )  # fmt: skip
        db.add(series)
        db.flush()
        s = CoffeeMeetup(
            series_id=series.id, starts_at=now - dt.timedelta(minutes=10),
            collect_at=now - dt.timedelta(days=3), vote_at=now - dt.timedelta(days=1),
            state="closed", votes_per_person=3, multi_dots=False, hide_counts=True,
            message_ts="1700000000.000050", agenda_ts=BOARD_TS, meeting="running",
            facilitator="UFAC", began_at=now - dt.timedelta(minutes=10),
        )  # fmt: skip
        db.add(s)
        db.flush()
        topics = [
            CoffeeTopic(
                meetup_id=s.id, user_id=f"UP{n}", title=f"Topic {n} & more", state="open",
                discussed=False, created_at=now, description="Why it matters" if n == 0 else "",
            )
            for n in range(12)
        ]  # fmt: skip
        db.add_all(topics)
        db.flush()
        current = topics[0]
        current.discussing_at = now - dt.timedelta(minutes=9)
        s.current_topic_id = current.id
        box = CoffeeTimebox(
            topic_id=current.id, round=0, starts_at=now - dt.timedelta(minutes=9),
            ends_at=now - dt.timedelta(minutes=1), expired=True, vote_ts=VOTE_TS, outcome="",
        )  # fmt: skip
        db.add(box)
        db.flush()
        # the board and the vote as the courier left them: in the channel, drawn
        for key, kind, ref, ts in (
            (posts.agenda_key(s.id), posts.AGENDA, str(s.id), BOARD_TS),
            (f"{posts.ROMAN}:{box.id}", posts.ROMAN, str(box.id), VOTE_TS),
        ):
            db.add(
                ChannelMessage(
                    key=key,
                    kind=kind,
                    ref=ref,
                    group_key=posts.group(s.id),
                    channel_id=series.channel_id,
                    ts=ts,
                    state="sent",
                    due_at=now,
                    created_at=now,
                    sent_at=now,
                )
            )
        return s.id, current.id, box.id


def timed(app: App, body: str) -> float:
    req = bolt_request(SECRET, body, content_type=FORM)
    t0 = time.perf_counter()
    resp = app.dispatch(req)
    elapsed = time.perf_counter() - t0
    assert resp.status == 200, resp.body
    return elapsed


def note_body(user: str, meetup_id: int, topic_id: int, n: int) -> str:
    kind = "action" if n % 4 == 0 else "takeaway"
    values: dict[str, Any] = {
        "kind": {"kind": {"type": "radio_buttons", "selected_option": {"value": kind}}},
        "text": {"text": {"type": "plain_text_input", "value": f"Note {n}: <!here> & more"}},
        "owner": {"owner": {"type": "users_select", "selected_user": "UOWN" if n % 4 else None}},
    }
    payload = {
        "type": "view_submission",
        "team": {"id": "T0001", "domain": "bench"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0001"},
        "api_app_id": "A0WGBOT",
        "token": "legacy-unused",
        "trigger_id": "1337.42.note",
        "view": {
            "id": "VNOTE",
            "team_id": "T0001",
            "type": "modal",
            "callback_id": mv.NOTE_MODAL,
            "private_metadata": f"{meetup_id}:{topic_id}",
            "state": {"values": values},
            "hash": "1700000000.abcd",
        },
    }
    return urlencode({"payload": json.dumps(payload)})


def burst(
    name: str, app: App, bodies: list[str], threads: int, target: float, wait: Callable
) -> None:
    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        times = list(pool.map(lambda b: timed(app, b), bodies))
    wall = time.perf_counter() - t0
    wait()
    q = statistics.quantiles(times, n=100)
    print(f"{name}: {len(bodies)} from {threads} threads in {wall:.2f} s (target: {target:.0f} s)")
    print(
        f"  ack median {statistics.median(times) * 1e3:.1f} ms, p99 {q[98] * 1e3:.1f} ms, "
        f"max {max(times) * 1e3:.1f} ms (target: p99 under 1 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--notes", type=int, default=100)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{tmp.name}/meeting.db"
    store = Store(url)
    store.upgrade()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    meetup_id, topic_id, box_id = setup(store, now)
    with WebApi(check_blocks=False) as slack:
        settings = Settings(
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_API_URL=slack.api_url,
            DATABASE_URL=url,
        )
        features = Features(settings, store, redraw_delay=1.5)
        coffee = features.coffee
        # when each chat.update left the bot, by message
        updates: list[tuple[str, float]] = []
        lock = threading.Lock()
        client = features.courier.client
        sent = client.chat_update

        def chat_update(**kwargs: Any) -> Any:
            with lock:
                updates.append((kwargs["ts"], time.monotonic()))
            return sent(**kwargs)

        client.chat_update = chat_update  # type: ignore[method-assign]
        bot = build_app(settings, store, features=features)
        bare = App(
            signing_secret=SECRET,
            client=WebClient(token="xoxb-bench", base_url=slack.api_url),
            process_before_response=True,
            token_verification_enabled=False,
        )

        @bare.action(mv.ROMAN)
        def _ack(ack) -> None:
            ack()

        def thumb(user: str, choice: str) -> str:
            return action_body(
                mv.ROMAN, f"{meetup_id}:{box_id}:{choice}", user_id=user,
                response_url=slack.response_url(user),
            )  # fmt: skip

        def settle() -> None:
            coffee.after_ack.wait_idle(60)
            features.courier.wait_idle(60)

        clock_drains(features)

        singles = [thumb(f"US{n % 40}", ("up", "down", "side")[n % 3]) for n in range(40)]
        for b in singles:
            timed(bare, b)
            timed(bot, b)
        bare_t, bot_t = [], []
        for _ in range(5):
            for b in singles:
                bare_t.append(timed(bare, b))
                bot_t.append(timed(bot, b))
        med_bare, med_bot = statistics.median(bare_t), statistics.median(bot_t)
        print(f"thumb click, one at a time ({store.dialect}, {len(bot_t)} clicks):")
        print(f"  bare Bolt median {med_bare * 1e3:.3f} ms, bot median {med_bot * 1e3:.3f} ms")
        print(f"  ratio {med_bot / med_bare:.1f}x\n")
        held_back(features)
        with lock:
            updates.clear()

        people = [f"UB{n}" for n in range(args.people)]
        first = [thumb(u, ("up", "down", "side")[n % 3]) for n, u in enumerate(people)]
        burst("thumbs", bot, first, args.threads, 5, settle)
        changed = [thumb(u, "down") for u in people]
        burst("thumbs changed to 👎", bot, changed, args.threads, 5, settle)
        with store.session() as db:
            rows = db.execute(
                select(CoffeeRomanVote.choice, func.count())
                .where(CoffeeRomanVote.timebox_id == box_id, CoffeeRomanVote.user_id.like("UB%"))
                .group_by(CoffeeRomanVote.choice)
            ).all()
        print(f"  stored: {dict(rows)} (want {{'down': {args.people}}}: one thumb a person)\n")

        notes = [note_body(f"UN{n}", meetup_id, topic_id, n) for n in range(args.notes)]
        burst("takeaways", bot, notes, args.threads, 10, settle)
        with store.session() as db:
            stored = db.scalar(
                select(func.count())
                .select_from(CoffeeTakeaway)
                .where(CoffeeTakeaway.meetup_id == meetup_id)
            )
        print(f"  stored: {stored} of {args.notes} takeaways\n")

        held_back(features)
        with lock:
            seen = list(updates)
        for name, ts in (("board", BOARD_TS), ("Roman vote", VOTE_TS)):
            at = [t for m, t in seen if m == ts]
            gaps = [b - a for a, b in itertools.pairwise(at)]
            shortest = f"{min(gaps):.2f} s" if gaps else "none (one redraw)"
            print(f"redraws of the {name}: {len(at)}; shortest gap {shortest} (target: >= 1.5 s)")
        last = [c for c in slack.calls_to("chat.update") if c.params["ts"] == VOTE_TS][-1]
        counts = last.params["blocks"][0]["text"]["text"].splitlines()[-1]
        print(f"  the vote shows: {counts} (the {args.people} people, and 40 from the first run)")
    store.dispose()


if __name__ == "__main__":
    main()
