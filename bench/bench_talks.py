"""Benchmark: /talks against bare Bolt, in-process on 50,000 talks and over HTTP on ~1,700.

    python bench/bench_talks.py [--talks 50000] [--speakers 30000] [--database-url URL]
                                [--http-talks 1700] [--concurrency 8]

In-process: both apps receive the same signed slash commands, dispatched in interleaved blocks,
so the machine's noise hits both alike; each kind of query cycles through 20 different queries.
Reports the median and p99 of each, their ratio, and the process's peak RSS. The floor is a
Bolt app with process_before_response=True whose handler only acks.

Over HTTP: both apps are served by `wgbot serve`'s server (bot/web/server.py: the same WSGI
routes, waitress and thread count) on a catalog of about 1,700 talks, and receive signed
/talks commands from `--concurrency` clients at once, alternating between the two servers in
blocks. Reports each one's median and p99 and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import logging
import multiprocessing
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult

from bot.app import build_app
from bot.config import Settings
from bot.importers.apply import apply_catalog
from bot.importers.records import (
    Catalog,
    ConferenceRecord,
    EventRecord,
    SpeakerRecord,
    TalkRecord,
)
from bot.store import Store
from bot.testing.requests import bolt_request, command_body, sign

SECRET = "bench-signing-secret-0123456789abcdef"
SYLLABLES = [
    "ka",
    "to",
    "ri",
    "men",
    "sol",
    "var",
    "len",
    "dor",
    "is",
    "ne",
    "bra",
    "qu",
    "ze",
    "lo",
    "pa",
    "tur",
    "vik",
    "an",
    "ell",
    "os",
    "har",
    "mi",
    "gu",
    "ster",
]
FIRST = [
    "Abby",
    "Colin",
    "Mads",
    "Edgaras",
    "Sébastien",
    "Oleg",
    "Whitney",
    "Nicki",
    "Avni",
    "Leila",
    "Jorge",
    "Aparna",
    "Kirsten",
    "Marvin",
    "Hans",
    "Lize",
    "Thomas",
    "Yao",
    "Zoë",
    "Łukasz",
    "Anaïs",
    "Søren",
    "José",
    "Chloé",
    "Dagný",
    "Mateusz",
    "Priya",
    "Kenji",
]
LAST = [
    "Bangser",
    "Griffin",
    "Høgstedt",
    "Petovradžius",
    "Guilloux",
    "Šelajev",
    "Lee",
    "Watt",
    "Sharma",
    "Vayghan",
    "Lainfiesta",
    "Subramanian",
    "Schwarzer",
    "Beckers",
    "Flaatten",
]
HEAD = [
    "platform",
    "engineering",
    "developer",
    "experience",
    "kubernetes",
    "golden",
    "paths",
    "internal",
    "portal",
    "backstage",
    "gitops",
    "argo",
    "crossplane",
    "policy",
    "security",
    "observability",
    "cost",
    "finops",
    "tenancy",
    "operators",
    "controllers",
    "api",
    "maturity",
    "product",
    "thinking",
    "adoption",
    "teams",
    "self",
    "service",
    "infrastructure",
    "templates",
    "scorecards",
    "paved",
    "road",
    "ai",
    "ml",
    "data",
    "pipelines",
    "resilience",
    "chaos",
    "testing",
    "migration",
    "legacy",
    "cloud",
    "native",
    "serverless",
    "wasm",
    "edge",
]
FORMATS = ["talk"] * 8 + ["lightning", "panel", "keynote", "workshop"]


def pseudo_words(rng: random.Random, n: int, parts: int = 3) -> list[str]:
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, parts))))
    return sorted(out)


def vocabulary() -> list[str]:
    return HEAD + pseudo_words(random.Random(11), 4000)


class Zipf:
    """Words drawn with Zipf's law, as real titles and abstracts use them."""

    def __init__(self, vocabulary: list[str], rng: random.Random) -> None:
        self.vocabulary, self.rng = vocabulary, rng
        self.weights = list(itertools.accumulate(1 / (r + 1) for r in range(len(vocabulary))))

    def words(self, k: int) -> list[str]:
        return self.rng.choices(self.vocabulary, cum_weights=self.weights, k=k)


def people(rng: random.Random, speakers: int) -> list[SpeakerRecord]:
    firsts = FIRST + [w.title() for w in pseudo_words(rng, 150, 2)]
    lasts = LAST + [w.title() for w in pseudo_words(rng, 300, 3)]
    names = [f"{f} {last}" for f in firsts for last in lasts]
    rng.shuffle(names)
    companies = [
        f"{w.title()} {rng.choice(['Labs', 'GmbH', 'Inc', 'Group', 'Cloud'])}"
        for w in pseudo_words(rng, 2000, 3)
    ]
    return [SpeakerRecord(n, companies[i % len(companies)]) for i, n in enumerate(names[:speakers])]


def authorize(**_kwargs: object) -> AuthorizeResult:
    return AuthorizeResult(
        enterprise_id=None,
        team_id="T0001",
        bot_token="xoxb-bench",
        bot_user_id="UBOT",
        bot_id="BBOT",
    )


def synthetic(talks: int, speakers: list[SpeakerRecord], rng: random.Random) -> list[Catalog]:
    text = Zipf(vocabulary(), rng)
    conferences, per_conf = [], talks // 20
    for c in range(20):
        start = dt.date(2020, 1, 1) + dt.timedelta(days=60 * c)
        events = [EventRecord("main", "Main conference", "main")]
        events += [EventRecord(f"event-{c}-{e}", f"Colocated Event {c}-{e}") for e in range(9)]
        catalog = Catalog(
            ConferenceRecord(
                f"conf-{c}",
                f"Conference {c}",
                "Europe/Paris",
                starts=start,
                ends=start + dt.timedelta(days=3),
                day_one=start + dt.timedelta(1),
            ),
            events,
        )
        for t in range(per_conf):
            n = c * per_conf + t
            catalog.talks.append(
                TalkRecord(
                    source_id=f"s{n}",
                    title=" ".join(text.words(7)).capitalize(),
                    event=rng.choice(events).slug,
                    format=rng.choice(FORMATS),
                    day=start + dt.timedelta(days=rng.randrange(4)),
                    url=f"https://example.org/talk/{n}",
                    summary=" ".join(text.words(25)),
                    speakers=tuple(
                        {speakers[rng.randrange(len(speakers))] for _ in range(rng.randint(1, 3))}
                    ),
                )
            )
        conferences.append(catalog)
    return conferences


def build(url: str, args: argparse.Namespace, talks: int | None = None) -> None:
    store = Store(url)
    rng = random.Random(7)
    speakers = people(rng, args.speakers)
    for catalog in synthetic(talks or args.talks, speakers, rng):
        with store.session() as session:
            apply_catalog(session, catalog)
    store.dispose()


def measure(app: App, bodies: list[str], rounds: int) -> list[float]:
    """Dispatch `rounds` requests, cycling through the bodies."""
    out = []
    for n in range(rounds):
        req = bolt_request(SECRET, bodies[n % len(bodies)])
        t0 = time.perf_counter()
        resp = app.dispatch(req)
        out.append(time.perf_counter() - t0)
        assert resp.status == 200, resp.body
    return out


def query_sets(speakers: list[SpeakerRecord], n: int = 20) -> dict[str, list[str]]:
    """n different queries of each kind, so no answer is ever asked twice in a row."""
    people = speakers[1000 : 1000 + n]
    others = speakers[4000 : 4000 + n]
    # free text: pairs of words of the kind people search for, each in roughly 1% of talks
    words = [w for w in vocabulary() if len(w) > 4][200 : 200 + 2 * n]
    return {
        "event": [f"event-{c}-{c % 9}" for c in range(n)],
        "speaker": [f"speaker {p.name}" for p in people],
        "company": [f"company {p.company}" for p in people],
        "free text": [f"{a} {b}" for a, b in zip(words[::2], words[1::2], strict=True)],
        "typo": [p.name[:3] + p.name[4:] for p in others],  # one letter dropped
    }


def serve(app: App, store: Store) -> tuple[str, int]:
    """The app behind `wgbot serve`'s server, in a thread; (host, port)."""
    from bot.web.server import Server

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "queue depth" on every burst
    server = Server(app, store, SECRET, "127.0.0.1", 0)
    threading.Thread(target=server.server.run, name="bench-server", daemon=True).start()
    return server.server.effective_host, server.server.effective_port


def http_round(
    address: tuple[str, int], bodies: list[str], requests: int, clients: int
) -> list[float]:
    """`requests` signed commands from `clients` keep-alive connections at once; latencies."""
    per_client = requests // clients

    def client(k: int) -> list[float]:
        conn = http.client.HTTPConnection(*address, timeout=30)
        out = []
        for n in range(per_client):
            body = bodies[(k * per_client + n) % len(bodies)]
            headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
            t0 = time.perf_counter()
            conn.request("POST", "/slack/events", body=body.encode(), headers=headers)
            resp = conn.getresponse()
            resp.read()
            out.append(time.perf_counter() - t0)
            assert resp.status == 200, resp.status
        conn.close()
        return out

    with ThreadPoolExecutor(clients) as pool:
        return [t for times in pool.map(client, range(clients)) for t in times]


def http_bench(args: argparse.Namespace, speakers: list[SpeakerRecord]) -> None:
    tmp = tempfile.TemporaryDirectory()
    url = f"sqlite:///{tmp.name}/http.db"
    store = Store(url)
    store.upgrade()
    child = multiprocessing.get_context("spawn").Process(
        target=build, args=(url, args, args.http_talks)
    )
    child.start()
    child.join()
    settings = Settings(SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN="xoxb-bench", DATABASE_URL=url)
    bot = serve(build_app(settings, store, authorize=authorize), store)
    bare_app = App(
        signing_secret=SECRET,
        authorize=authorize,
        process_before_response=True,
        token_verification_enabled=False,
    )

    @bare_app.command("/talks")
    def _ack(ack) -> None:
        ack()

    bare = serve(bare_app, store)
    texts = [q for qs in query_sets(speakers).values() for q in qs]
    bodies = [command_body("/talks", q) for q in texts]
    for address in (bare, bot):  # warm up
        http_round(address, bodies, 160, args.concurrency)
    bare_t, bot_t = [], []
    for _ in range(args.rounds // 40):
        bare_t += http_round(bare, bodies, 8 * args.concurrency, args.concurrency)
        bot_t += http_round(bot, bodies, 8 * args.concurrency, args.concurrency)
    med_bare, med_bot = statistics.median(bare_t), statistics.median(bot_t)
    p99_bare = statistics.quantiles(bare_t, n=100)[98]
    p99_bot = statistics.quantiles(bot_t, n=100)[98]
    print(
        f"\nover HTTP, {args.http_talks:,} talks, concurrency {args.concurrency}, "
        f"{len(bot_t)} requests each:"
    )
    print(f"  bare Bolt: median {med_bare * 1e3:.2f} ms, p99 {p99_bare * 1e3:.2f} ms")
    print(f"  bot:       median {med_bot * 1e3:.2f} ms, p99 {p99_bot * 1e3:.2f} ms")
    print(
        f"median /talks over HTTP = {med_bot / med_bare:.1f}x bare Bolt (target 2x, stretch "
        f"1.5x); p99 {p99_bot * 1e3:.1f} ms (target < 30 ms)"
    )
    store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--talks", type=int, default=50_000)
    parser.add_argument("--speakers", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--http-talks", type=int, default=1700)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--http-only", action="store_true", help="skip the in-process part")
    args = parser.parse_args()
    if args.http_only:
        http_bench(args, people(random.Random(7), args.speakers))
        return

    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{tmp.name}/bench.db"
    store = Store(url)
    store.upgrade()
    t0 = time.perf_counter()
    # Build in a child process, so the peak RSS reported is the bot's, not the generator's.
    child = multiprocessing.get_context("spawn").Process(target=build, args=(url, args))
    child.start()
    child.join()
    rng = random.Random(7)
    speakers = people(rng, args.speakers)
    print(
        f"catalog: {args.talks:,} talks, {args.speakers:,} speakers "
        f"built in {time.perf_counter() - t0:.1f} s on {store.dialect}"
    )

    settings = Settings(SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN="xoxb-bench", DATABASE_URL=url)
    bot = build_app(settings, store, authorize=authorize)
    bare = App(
        signing_secret=SECRET,
        authorize=authorize,
        process_before_response=True,
        token_verification_enabled=False,
    )

    @bare.command("/talks")
    def _ack(ack) -> None:
        ack()

    queries = query_sets(speakers)
    # a word in about half of all talks: reported, not counted in the target
    worst = {"common word": [HEAD[0]]}
    bodies = {
        kind: [command_body("/talks", q) for q in texts]
        for kind, texts in {**queries, **worst}.items()
    }
    for kind_bodies in bodies.values():  # warm caches and the query planner on both
        measure(bare, kind_bodies, 40)
        measure(bot, kind_bodies, 40)

    print(f"\n{'query':<10} {'bare median':>12} {'bot median':>11} {'ratio':>6} {'bot p99':>9}")
    all_bot, all_bare = [], []
    for name, body in bodies.items():
        bare_t, bot_t = [], []
        for _ in range(args.rounds // 20):  # interleave so noise hits both alike
            bare_t += measure(bare, body, 20)
            bot_t += measure(bot, body, 20)
        if name in queries:
            all_bare += bare_t
            all_bot += bot_t
        med_bare, med_bot = statistics.median(bare_t), statistics.median(bot_t)
        p99 = statistics.quantiles(bot_t, n=100)[98]
        print(
            f"{name:<10} {med_bare * 1e3:>9.3f} ms {med_bot * 1e3:>8.3f} ms "
            f"{med_bot / med_bare:>5.1f}x {p99 * 1e3:>6.2f} ms"
        )
    med_bare, med_bot = statistics.median(all_bare), statistics.median(all_bot)
    p99 = statistics.quantiles(all_bot, n=100)[98]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{'all':<10} {med_bare * 1e3:>9.3f} ms {med_bot * 1e3:>8.3f} ms "
        f"{med_bot / med_bare:>5.1f}x {p99 * 1e3:>6.2f} ms"
    )
    print(
        f"\nmedian /talks = {med_bot / med_bare:.1f}x bare Bolt (target 5x; free text 10x, "
        f"typos 20x, a very common word under 10 ms); p99 {p99 * 1e3:.1f} ms; "
        f"peak RSS {rss:.0f} MB (target < 150 MB)"
    )
    store.dispose()
    http_bench(args, speakers)


if __name__ == "__main__":
    main()
