"""Benchmark: `wgbot import` of a 600-event Sched .ics and a 1,000-event frab XML.

    python bench/bench_import.py [--sched 600] [--frab 1000] [--repeats 5] [--database-url URL]

Both files are synthetic, written to a temporary folder: realistic entries (two or three people
with companies per talk, job titles in keynotes, escaped commas, a paragraph of abstract, a dozen
tracks and rooms, a few breaks). Each repeat starts from an empty store, imports the file (read,
detect, parse, write: the whole of `wgbot import`), then imports it again unchanged. Prints the
median and worst of each; targets: an import under 2 s, an unchanged re-import under 1 s.

--database-url takes a scratch PostgreSQL database: the bench drops and recreates its schema.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.importers.pipeline import import_files
from bot.importers.records import Options
from bot.store import Store, normalize_url

FIRST = ["Abby", "Colin", "Mads", "Edgaras", "Sébastien", "Oleg", "Whitney", "Nicki", "Avni"]
FIRST += ["Leila", "Ana", "Jörg", "Priya", "Kenji", "Zoë", "Marta", "Tomás", "Ngozi", "Lars"]
LAST = ["Fuentes", "Walters", "Petovradžius", "Høgstedt", "Lee", "Sharma", "Kowalski", "Okafor"]
LAST += ["Tanaka", "Müller", "Rossi", "Dubois", "Nakamura", "Silva", "Haddad", "Berg", "Novak"]
COMPANIES = ["Red Hat", "Google", "Solo.io", "Isovalent at Cisco", "Grafana Labs", "Upbound"]
COMPANIES += ["Spotify", "NVIDIA", "Datadog", "Microsoft", "Kubermatic", "SUSE", "Wombat Works"]
TRACKS = ["PLATFORM ENGINEERING", "AI + ML", "SECURITY", "OBSERVABILITY", "CONNECTIVITY"]
TRACKS += ["MAINTAINER TRACK", "🚨 CONTRIBFEST", "📚 TUTORIALS", "KEYNOTE SESSIONS", "EXPERIENCES"]
WORDS = ["platform", "golden", "path", "paved", "road", "developer", "portal", "backstage"]
WORDS += ["crossplane", "gitops", "argo", "flux", "kubernetes", "operator", "controller"]
WORDS += ["policy", "supply", "chain", "observability", "tracing", "cost", "multi", "tenant"]
WORDS += ["cluster", "fleet", "edge", "inference", "scheduling", "gateway", "mesh", "identity"]


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def title(rng: random.Random, i: int) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))).title()
    return f"{words}: Lessons From Talk {i}"


def abstract(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(90)).capitalize() + "."


def sched_ics(path: Path, n: int, rng: random.Random) -> Path:
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "X-WR-CALNAME:benchcon26",
        "METHOD:PUBLISH",
        "CALSCALE:GREGORIAN",
        "PRODID:-//Sched.com BenchCon Europe 2026//EN",
        "X-WR-TIMEZONE:UTC",
    ]
    start = dt.datetime(2026, 3, 23, 7, 0)
    for i in range(n):
        day, slot = divmod(i, 200)
        t = start + dt.timedelta(days=day, minutes=30 * (slot % 20))
        if i % 50 == 0:
            summary, category = "Coffee Break ☕", "BREAKS"
        else:
            category = TRACKS[i % len(TRACKS)]
            if category == "KEYNOTE SESSIONS":
                people = f"{person(rng)}, Principal Engineer, {rng.choice(COMPANIES)}"
            else:
                groups = [
                    " & ".join(person(rng) for _ in range(rng.randint(1, 2)))
                    + f", {rng.choice(COMPANIES)}"
                    for _ in range(rng.randint(1, 3))
                ]
                people = "; ".join(groups) if len(groups) > 2 else " & ".join(groups)
            summary = f"{title(rng, i)} - {people}"
        lines += [
            "BEGIN:VEVENT",
            "DTSTAMP:20260301T120000Z",
            f"DTSTART:{t:%Y%m%dT%H%M%S}Z",
            f"DTEND:{t + dt.timedelta(minutes=30):%Y%m%dT%H%M%S}Z",
            f"SUMMARY:{esc(summary)}",
            f"DESCRIPTION:{esc(abstract(rng))}",
            f"CATEGORIES:{category}",
            f"LOCATION:Hall {i % 12}\\, Amsterdam\\, Netherlands",
            "SEQUENCE:0",
            f"UID:{rng.getrandbits(128):032x}",
            f"URL:https://benchcon26.sched.com/event/{i:05d}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    # fold long lines at 75 octets, as real exports do
    folded = []
    for line in lines:
        raw = line.encode()
        while len(raw) > 75:
            cut = 75
            while raw[cut] & 0xC0 == 0x80:  # not inside a UTF-8 sequence
                cut -= 1
            folded.append(raw[:cut].decode())
            raw = b" " + raw[cut:]
        folded.append(raw.decode())
    path.write_bytes(("\r\n".join(folded) + "\r\n").encode())
    return path


def frab_xml(path: Path, n: int, rng: random.Random) -> Path:
    days, rooms = 4, 10
    per_room = -(-n // (days * rooms))
    out = [
        "<?xml version='1.0' encoding='utf-8' ?>",
        "<schedule>",
        "<version>bench</version>",
        "<conference><acronym>benchfest2026</acronym><title>BenchFest 2026</title>"
        "<start>2026-02-01</start><end>2026-02-04</end><days>4</days>"
        "<time_zone_name>Europe/Brussels</time_zone_name></conference>",
    ]
    i = 0
    for d in range(days):
        date = dt.date(2026, 2, 1) + dt.timedelta(days=d)
        out.append(f"<day date='{date}' index='{d + 1}'>")
        for r in range(rooms):
            out.append(f"<room name='Room {r}'>")
            for s in range(per_room):
                if i >= n:
                    break
                start = dt.datetime.combine(date, dt.time(9)) + dt.timedelta(minutes=35 * s)
                persons = "".join(
                    f"<person id='{rng.randint(1, 10**6)}'>{escape(person(rng))}</person>"
                    for _ in range(rng.randint(1, 3))
                )
                out.append(
                    f"<event guid='{rng.getrandbits(128):032x}' id='{i}'>"
                    f"<date>{start.isoformat()}+01:00</date><start>{start:%H:%M}</start>"
                    f"<duration>00:30</duration><room>Room {r}</room>"
                    f"<title>{escape(title(rng, i))}</title><subtitle></subtitle>"
                    f"<track>{escape(TRACKS[i % len(TRACKS)].title())}</track>"
                    f"<type>{'workshop' if i % 9 == 0 else 'lecture'}</type>"
                    f"<language>en</language>"
                    f"<abstract>{escape('<p>' + abstract(rng) + '</p>')}</abstract>"
                    f"<description></description><persons>{persons}</persons>"
                    f"<url>https://benchfest.example.org/2026/event/{i}/</url><links></links>"
                    "</event>"
                )
                i += 1
            out.append("</room>")
        out.append("</day>")
    out.append("</schedule>")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def fresh_store(url: str | None, folder: Path, n: int) -> Store:
    if url:
        engine = create_engine(normalize_url(url))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{folder / f'bench-{n}.db'}"
    store = Store(url)
    store.upgrade()
    return store


def timed(store: Store, path: Path) -> tuple[float, int, int, int]:
    started = time.perf_counter()
    (result,) = import_files(store, [path], Options())
    seconds = time.perf_counter() - started
    r = result.report
    return seconds, len(r.added), len(r.changed) + len(r.removed), r.unchanged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sched", type=int, default=600)
    parser.add_argument("--frab", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    rng = random.Random(2026)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = [
            ("Sched .ics", sched_ics(folder / "benchcon26.ics", args.sched, rng), args.sched),
            ("frab XML", frab_xml(folder / "benchfest2026.xml", args.frab, rng), args.frab),
        ]
        database = "PostgreSQL" if args.database_url else "SQLite"
        print(f"database: {database}; {args.repeats} repeats, each from an empty store\n")
        header = f"{'file':<11} {'entries':>7} {'size':>8} {'talks':>6}"
        print(f"{header} {'import':>16} {'re-import':>16}  target")
        failed = False
        run = 0
        for label, path, entries in files:
            first, again = [], []
            for _ in range(args.repeats):
                run += 1
                store = fresh_store(args.database_url or None, folder, run)
                seconds, added, _, _ = timed(store, path)
                first.append(seconds)
                seconds, more, touched, unchanged = timed(store, path)
                again.append(seconds)
                assert (more, touched, unchanged) == (0, 0, added), "re-import changed something"
                store.dispose()
            ok = max(first) < 2.0 and max(again) < 1.0
            failed |= not ok
            size = f"{path.stat().st_size / 1024:,.0f} KB"
            print(
                f"{label:<11} {entries:>7} {size:>8} {added:>6} "
                f"{statistics.median(first):>7.3f}s ({max(first):.3f})"
                f" {statistics.median(again):>7.3f}s ({max(again):.3f})  "
                f"{'ok' if ok else 'MISSED'}: < 2 s, < 1 s"
            )
        print("\nmedian (worst) seconds for the whole `wgbot import`: read, parse, write")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
