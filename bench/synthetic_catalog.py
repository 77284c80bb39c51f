"""A synthetic conference catalog for the benchmarks: titles and abstracts drawn with Zipf's
law from real words and made-up ones, speakers with made-up names and companies, twenty
conferences of ten events each."""

from __future__ import annotations

import datetime as dt
import itertools
import random

from bot.importers.records import Catalog, ConferenceRecord, EventRecord, SpeakerRecord, TalkRecord

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
