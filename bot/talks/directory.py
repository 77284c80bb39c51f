"""Who speaks, for whom: speakers, companies and their talks in memory, found by word prefix.

A name filter ("speaker abby bang", "company syntasso") resolves here to talk ids before any
SQL runs, already in schedule order, so the database only fetches the page's rows; and the words
must all belong to one person or one company, not to two co-speakers. Loaded once per catalog
revision, on the first query that names someone: a few MB for 50,000 talks.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from bot.store import Db
from bot.store.models import Company, Speaker, Talk, TalkSpeaker
from bot.talks.talk_table import STREAM, Texts
from bot.text import words


def _sized(ids: array[int], id_: int) -> array[int]:
    """`ids`, long enough to be indexed by `id_` (-1 where none)."""
    if id_ >= len(ids):
        ids.extend(array("i", [-1]) * (id_ + 1 - len(ids)))
    return ids


class Names:
    """Names as written, by id: packed as UTF-8 (Texts), where a dict of str costs about 110
    bytes a name more."""

    def __init__(self) -> None:
        self._texts = Texts()
        self._at: array[int] = array("i")  # id -> where its name is in _texts (-1: none)

    def add(self, id_: int, name: str) -> None:
        _sized(self._at, id_)[id_] = len(self._texts)
        self._texts.append(name)

    def __getitem__(self, id_: int) -> str:
        at = self._at[id_] if 0 <= id_ < len(self._at) else -1
        if at < 0:
            raise KeyError(id_)
        return str(self._texts[at])


class NameIndex:
    """Names by id, found by every query word being the start of one of the name's words."""

    def __init__(self, names: dict[int, str]) -> None:
        self.names = Names()  # id -> name as written
        self.folded: dict[str, int] = {}  # folded full name -> id, for "did you mean"
        # id -> its folded name's index in `choices` (the strings are held once, there)
        self._choice_of: array[int] = array("i")
        postings: dict[str, array[int]] = {}  # 4 bytes an id: a set costs ~30
        for id_, name in names.items():
            self.names.add(id_, name)
            folded = words(name)
            whole = " ".join(folded)
            first = self.folded.setdefault(whole, id_)
            choice = len(self.folded) - 1 if first == id_ else self._choice_of[first]
            _sized(self._choice_of, id_)[id_] = choice
            for word in folded:
                postings.setdefault(word, array("i")).append(id_)
        self._words = sorted(postings)
        self._ids = [postings[w] for w in self._words]
        self.choices = list(self.folded)  # built once: rapidfuzz scans it on every near miss

    def written(self, folded: str) -> str:
        """A folded full name (one of `choices`) as the catalog writes it."""
        return self.names[self.folded[folded]]

    def _prefixed(self, prefix: str) -> set[int]:
        found: set[int] = set()
        for k in range(bisect_left(self._words, prefix), len(self._words)):
            if not self._words[k].startswith(prefix):
                break
            found.update(self._ids[k])
        return found

    def sharing_a_word(self, query: list[str], most: int = 2000) -> list[str]:
        """Folded full names holding one of these words whole (a misspelt name mostly keeps
        one); none when no name does, or when so many do that scanning them all is as quick."""
        ids: set[int] = set()
        for word in set(query):
            k = bisect_left(self._words, word)
            if k < len(self._words) and self._words[k] == word:
                ids.update(self._ids[k])
        if len(ids) > most:
            return []
        return list({self.choices[self._choice_of[i]] for i in ids})

    def find(self, query: list[str]) -> set[int]:
        """Ids whose name has a word starting with each query word (folded words)."""
        result: set[int] | None = None
        for word in sorted(set(query), key=len, reverse=True):  # longest: the fewest ids
            ids = self._prefixed(word)
            result = ids if result is None else result & ids
            if not result:
                return set()
        return result or set()


class Packed:
    """Ids by an id, packed into two arrays: `get(key)` is the key's ids, ascending, without
    repeats. 4 bytes an id and 4 a key, where a dict of arrays costs ~150 bytes a key."""

    def __init__(self, pairs: Iterable[tuple[int, int]]) -> None:
        # each pair as one 64-bit number, sorted (grouped by key), repeats dropped as they come
        # straight into arrays: no second list of them (4 MB at once for 100,000 pairs)
        merged = sorted(key << 32 | value for key, value in pairs)
        self._values, keys = array("i"), array("i")
        last = -1  # every pair is >= 0
        for m in merged:
            if m != last:
                self._values.append(m & 0xFFFFFFFF)
                keys.append(m >> 32)
                last = m
        del merged
        # key -> where its ids start in _values; the next key's start is where they end
        self._starts = array("i", [0]) * ((keys[-1] if keys else 0) + 2)
        for k in keys:
            self._starts[k + 1] += 1
        for k in range(1, len(self._starts)):
            self._starts[k] += self._starts[k - 1]

    def get(self, key: int) -> array[int]:
        if not 0 <= key < len(self._starts) - 1:
            return array("i")
        return self._values[self._starts[key] : self._starts[key + 1]]


@dataclass(frozen=True)
class Directory:
    speakers: NameIndex
    companies: NameIndex
    speakers_of: Packed  # company id -> speakers who spoke for it
    companies_by: Packed  # speaker id -> companies they spoke for
    talks_of_speaker: Packed
    talks_of_company: Packed
    position: array[int]  # talk id -> its place in schedule order

    def speakers_matching(self, query: list[str]) -> set[int]:
        """Speakers by their name, or by a company they spoke for."""
        found = self.speakers.find(query)
        for company in self.companies.find(query):
            found.update(self.speakers_of.get(company))
        return found

    def companies_of(self, speaker_id: int) -> list[str]:
        """The names of the companies this speaker spoke for, sorted."""
        names = self.companies.names
        return sorted({names[c] for c in self.companies_by.get(speaker_id)})

    def talks_by(self, speaker: list[str], company: list[str]) -> set[int]:
        """Talks with a speaker named `speaker` (if given) and one from `company` (if given)."""
        result: set[int] | None = None
        for query, names, talks_of in (
            (speaker, self.speakers, self.talks_of_speaker),
            (company, self.companies, self.talks_of_company),
        ):
            if query:
                found: set[int] = set()
                for id_ in names.find(query):
                    found.update(talks_of.get(id_))
                result = found if result is None else result & found
        return result or set()

    def in_schedule_order(self, talk_ids: set[int]) -> list[int]:
        return sorted(talk_ids, key=self.position.__getitem__)


def _names(db: Db, named: type[Speaker] | type[Company], on_talks: Select[tuple[int]]) -> NameIndex:
    """The names of `named` whose ids `on_talks` lists, read a few thousand at a time."""
    rows = db.execute(
        select(named.id, named.name).where(named.id.in_(on_talks)).execution_options(**STREAM)
    )
    return NameIndex({i: n for i, n in rows})


def load_directory(db: Db) -> Directory:
    """Only people and companies that appear on a talk: a removed talk's speaker is not found."""
    speakers = _names(db, Speaker, select(TalkSpeaker.speaker_id))
    companies = _names(db, Company, select(TalkSpeaker.company_id))
    # read once, into arrays: (talk, speaker, company) of every talk's speaker
    talks, speakers_, companies_ = array("i"), array("i"), array("i")
    for talk_id, speaker_id, company_id in db.execute(
        select(
            TalkSpeaker.talk_id, TalkSpeaker.speaker_id, TalkSpeaker.company_id
        ).execution_options(**STREAM)
    ):
        talks.append(talk_id)
        speakers_.append(speaker_id)
        companies_.append(-1 if company_id is None else company_id)
    links = range(len(talks))
    represented_by = array("i", (k for k in links if companies_[k] >= 0))  # not a list of ints
    # 4 bytes a talk, not a dict's ~100
    position = array("i", [0]) * ((db.scalar(select(func.max(Talk.id))) or 0) + 1)
    for n, talk_id in enumerate(
        db.scalars(select(Talk.id).order_by(Talk.sort_key, Talk.id).execution_options(**STREAM))
    ):
        if talk_id >= len(position):  # imported between the two statements
            position.extend(array("i", [0]) * (talk_id + 1 - len(position)))
        position[talk_id] = n
    return Directory(
        speakers,
        companies,
        Packed((companies_[k], speakers_[k]) for k in represented_by),
        Packed((speakers_[k], companies_[k]) for k in represented_by),
        Packed((speakers_[k], talks[k]) for k in links),
        Packed((companies_[k], talks[k]) for k in represented_by),
        position,
    )
