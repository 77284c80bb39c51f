"""The catalog's search engine: which talks hold which words, and in which of their columns,
in memory, built once per catalog revision from the talks themselves.

A talk's words are its folded title, speakers' names, their companies, and the rest (summary,
event, format, room); a query's terms match word prefixes. Every free-word answer is found and
ranked here, by the columns its words are in, the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator

from sqlalchemy import select

from bot.store import Db
from bot.store.models import Event, Talk, TalkSpeaker
from bot.talks.talk_table import STREAM, TalkRow, TalkTable
from bot.text import fold

# Terms this short match whole words only: "ai" is not "airlines", "na" not "native"
# (as a prefix they would match far too much to mean anything).
WHOLE_WORD = 2


def as_prefix(term: str) -> bool:
    """Whether a query term matches the words it starts, or only itself."""
    return len(term) > WHOLE_WORD


# a word in a talk's title weighs most, then in its speakers' names, their companies, the rest
BITS = (1, 2, 4, 8)
WEIGHTS = (10, 6, 4, 1)
# the weight of the best column in a set of them (a bit mask)
_BEST = tuple(
    max((w for bit, w in zip(BITS, WEIGHTS, strict=True) if mask & bit), default=0)
    for mask in range(16)
)


class WordIndex:
    def __init__(self, postings: dict[str, tuple[array[int], bytearray]]) -> None:
        self._words = sorted(postings)
        # 4 bytes a posting and 1 for its columns: a set would cost ~50
        self._ids = [postings[w][0] for w in self._words]  # ascending
        self._columns = [bytes(postings[w][1]) for w in self._words]
        self._size = max((ids[-1] + 1 for ids in self._ids if ids), default=0)  # ids < this

    @classmethod
    def of(cls, postings: dict[str, tuple[list[int], list[int]]]) -> WordIndex:
        """From plain lists (talk ids ascending, and the columns' bits of each)."""
        return cls({w: (array("i", ids), bytearray(bits)) for w, (ids, bits) in postings.items()})

    @classmethod
    def load(
        cls, db: Db, table: TalkTable | None = None, slugs: dict[int, str] | None = None
    ) -> WordIndex:
        """From the database, or from the talks' rows already in memory (`table`, with the
        events' slugs by id), which spares reading every summary twice."""
        # built straight into arrays: lists of ints would cost four times as much at the peak
        postings: dict[str, tuple[array[int], bytearray]] = {}
        for talk_id, *texts in documents(db, table, slugs):
            held: dict[str, int] = {}  # this talk's words -> the columns holding them
            for bit, text in zip(BITS, texts, strict=True):
                for word in text.split():
                    held[word] = held.get(word, 0) | bit
            for word, mask in held.items():
                found = postings.get(word)
                if found is None:
                    found = postings[word] = (array("i"), bytearray())
                found[0].append(talk_id)
                found[1].append(mask)
        return cls(postings)

    def common(self, least: int, most: int) -> list[str]:
        """Up to `most` words held by more than `least` talks, the commonest first."""
        held = [(len(ids), w) for w, ids in zip(self._words, self._ids, strict=True)
                if len(ids) > least]  # fmt: skip
        return [w for _, w in sorted(held, reverse=True)[:most]]

    def _starting(self, prefix: str) -> range:
        """Where the words starting with `prefix` are."""
        words = self._words
        first = k = bisect_left(words, prefix)
        if not as_prefix(prefix):
            return range(first, first + 1 if k < len(words) and words[k] == prefix else first)
        while k < len(words) and words[k].startswith(prefix):
            k += 1
        return range(first, k)

    def holds_all(self, terms: list[str]) -> bool:
        """Whether every term starts a word of some talk (a cheap no for most near misses)."""
        return all(self._starting(t) for t in terms)

    def matching(self, terms: list[str]) -> set[int]:
        """Talks with, for every term, a word starting with it."""
        spans = sorted(
            ([self._ids[k] for k in self._starting(t)] for t in set(terms)),
            key=lambda s: sum(map(len, s)),
        )
        if not spans or not all(spans):
            return set()
        result: set[int] = set().union(*spans[0])  # the rarest term's talks
        for lists in spans[1:]:
            narrowed: set[int] = set()
            for ids in lists:  # no set of a common word's talks is built
                narrowed |= result.intersection(ids)
            result = narrowed
            if not result:
                break
        return result

    def weights(self, term: str) -> bytearray:
        """For each talk id, the weight of the best column holding a word that starts with
        the term (0: none), a byte a talk: `scores` of every talk holding it, for one term."""
        best = bytearray(self._size)
        for k in self._starting(term):
            for talk_id, mask in zip(self._ids[k], self._columns[k], strict=True):
                weight = _BEST[mask]
                if weight > best[talk_id]:
                    best[talk_id] = weight
        return best

    def scores(self, terms: list[str], among: set[int]) -> dict[int, int]:
        """For each talk of `among`, the sum over the terms of the weight of the best column
        holding a word that starts with the term (higher is better)."""
        total = dict.fromkeys(among, 0) if len(set(terms)) > 1 else {}
        for term in set(terms):
            best = dict.fromkeys(among, 0)
            for k in self._starting(term):
                ids, columns = self._ids[k], self._columns[k]
                if len(ids) <= 8 * len(among):  # short: walk it
                    for talk_id, mask in zip(ids, columns, strict=True):
                        weight = _BEST[mask]
                        if talk_id in best and weight > best[talk_id]:
                            best[talk_id] = weight
                else:  # a common word's: look each talk up in it
                    for talk_id in among:
                        j = bisect_left(ids, talk_id)
                        if j < len(ids) and ids[j] == talk_id:
                            best[talk_id] = max(best[talk_id], _BEST[columns[j]])
            if len(set(terms)) == 1:  # one term: its weights are the sums (no second dict)
                return best
            for talk_id, weight in best.items():
                total[talk_id] += weight
        return total


def documents(
    db: Db, table: TalkTable | None = None, slugs: dict[int, str] | None = None
) -> Iterator[tuple[int, str, str, str, str]]:
    """Each talk's words by column, folded: (talk id, title, people, companies, the rest),
    in talk id order."""
    talks: Iterable[tuple[int, str, str, str, str, str, str | None]]
    if table is None or slugs is None:
        talks = db.execute(
            select(
                Talk.id, Talk.title, Talk.summary, Event.name, Event.slug, Talk.format, Talk.room
            )
            .join(Event, Event.id == Talk.event_id)
            .order_by(Talk.id)
            .execution_options(**STREAM)
        )
    else:  # the rows in memory, with the summaries they do not hold
        rows, event_of, place = table.rows, table.event_of, table.place
        summaries = db.execute(
            select(Talk.id, Talk.summary).order_by(Talk.id).execution_options(**STREAM)
        )
        talks = (
            (r.id, r.title, summary, r.event_name, slugs[event_of[n]], r.format, r.room)
            for r, n, summary in _with_summaries(
                ((rows.build(place[i]), place[i]) for i in table.ids()), summaries
            )
        )
    links = db.execute(
        select(TalkSpeaker.talk_id, TalkSpeaker.name, TalkSpeaker.company_name)
        .order_by(TalkSpeaker.talk_id, TalkSpeaker.position)
        .execution_options(**STREAM)
    )
    # both in talk id order: each talk takes its speakers as the two advance together
    speakers = itertools.groupby(links, key=lambda r: r[0])
    talk_id, given = next(speakers, (None, iter(())))
    for tid, title, summary, event_name, event_slug, format_, room in talks:
        while talk_id is not None and talk_id < tid:  # a link to no talk: none, but be safe
            talk_id, given = next(speakers, (None, iter(())))
        names: list[str] = []
        companies: list[str] = []
        if talk_id == tid:
            for _, name, company in given:
                names.append(name)
                companies.append(company or "")
            talk_id, given = next(speakers, (None, iter(())))
        body = " ".join([summary, event_name, event_slug, format_, room or ""])
        yield tid, fold(title), fold(" ".join(names)), fold(" ".join(companies)), fold(body)


def _with_summaries(
    rows: Iterator[tuple[TalkRow, int]], summaries: Iterable[tuple[int, str]]
) -> Iterator[tuple[TalkRow, int, str]]:
    """Each (row, place) with its summary; both in talk id order, advancing together (a talk
    imported or withdrawn since the table was read has none, or is left out)."""
    read = iter(summaries)
    talk_id, summary = next(read, (None, ""))
    for row, n in rows:
        while talk_id is not None and talk_id < row.id:
            talk_id, summary = next(read, (None, ""))
        yield row, n, summary if talk_id == row.id else ""
