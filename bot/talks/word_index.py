"""Which talks hold which words, in memory, per catalog revision.

The search documents are already folded words ([a-z0-9]+ separated by spaces), and a query's
terms match word prefixes, so the full-text indexes of both databases match exactly the talks
found here. Asking here first spares the database the search when nothing matches (every
near miss asks that first) and, on PostgreSQL, narrows its ranking to the few talks found
instead of a prefix scan of its whole index.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left

from sqlalchemy import select

from bot.store import Db
from bot.store.models import TalkSearch


class WordIndex:
    def __init__(self, postings: dict[str, list[int]]) -> None:
        self._words = sorted(postings)
        # 4 bytes a posting: a set would cost ~50
        self._ids = [array("i", postings[w]) for w in self._words]

    @classmethod
    def load(cls, db: Db) -> WordIndex:
        postings: dict[str, list[int]] = {}
        columns = (TalkSearch.title, TalkSearch.people, TalkSearch.companies, TalkSearch.body)
        for talk_id, *texts in db.execute(select(TalkSearch.talk_id, *columns)):
            for word in set(" ".join(t or "" for t in texts).split()):
                postings.setdefault(word, []).append(talk_id)
        return cls(postings)

    def _spans(self, prefix: str) -> list[array[int]]:
        """The postings of every word starting with `prefix`."""
        words, out = self._words, []
        for k in range(bisect_left(words, prefix), len(words)):
            if not words[k].startswith(prefix):
                break
            out.append(self._ids[k])
        return out

    def holds_all(self, terms: list[str]) -> bool:
        """Whether every term starts a word of some talk (a cheap no for most near misses)."""
        words = self._words
        for t in terms:
            k = bisect_left(words, t)
            if k == len(words) or not words[k].startswith(t):
                return False
        return True

    def at_most(self, terms: list[str]) -> int:
        """How many talks can match at most: the rarest term's."""
        return min((sum(map(len, self._spans(t))) for t in terms), default=0)

    def matching(self, terms: list[str]) -> set[int]:
        """Talks with, for every term, a word starting with it."""
        spans = sorted((self._spans(t) for t in set(terms)), key=lambda s: sum(map(len, s)))
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
