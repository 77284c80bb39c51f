"""Who speaks, for whom: speakers, companies and their talks in memory, found by word prefix.

A name filter ("speaker abby bang", "company syntasso") resolves here to talk ids before any
SQL runs, already in schedule order, so the database only fetches the page's rows; and the words
must all belong to one person or one company, not to two co-speakers. Loaded once per catalog
revision, on the first query that names someone: a few MB for 50,000 talks.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from dataclasses import dataclass

from sqlalchemy import select

from bot.store import Db
from bot.store.models import Company, Speaker, Talk, TalkSpeaker
from bot.text import words


class NameIndex:
    """Names by id, found by every query word being the start of one of the name's words."""

    def __init__(self, names: dict[int, str]) -> None:
        self.names = names  # id -> name as written
        self.folded: dict[str, int] = {}  # folded full name -> id, for "did you mean"
        self._folded_of: dict[int, str] = {}  # and back (the strings are shared)
        postings: dict[str, array[int]] = {}  # 4 bytes an id: a set costs ~30
        for id_, name in names.items():
            folded = words(name)
            whole = " ".join(folded)
            self.folded.setdefault(whole, id_)
            self._folded_of[id_] = whole
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
        return list({self._folded_of[i] for i in ids})

    def find(self, query: list[str]) -> set[int]:
        """Ids whose name has a word starting with each query word (folded words)."""
        result: set[int] | None = None
        for word in sorted(set(query), key=len, reverse=True):  # longest: the fewest ids
            ids = self._prefixed(word)
            result = ids if result is None else result & ids
            if not result:
                return set()
        return result or set()


@dataclass(frozen=True)
class Directory:
    speakers: NameIndex
    companies: NameIndex
    speakers_of: dict[int, set[int]]  # company id -> speakers who spoke for it
    companies_of: dict[int, list[str]]  # speaker id -> company names, sorted
    talks_of_speaker: dict[int, array[int]]
    talks_of_company: dict[int, array[int]]
    position: array[int]  # talk id -> its place in schedule order

    def speakers_matching(self, query: list[str]) -> set[int]:
        """Speakers by their name, or by a company they spoke for."""
        found = self.speakers.find(query)
        for company in self.companies.find(query):
            found |= self.speakers_of.get(company, set())
        return found

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
                    found.update(talks_of.get(id_, ()))
                result = found if result is None else result & found
        return result or set()

    def in_schedule_order(self, talk_ids: set[int]) -> list[int]:
        return sorted(talk_ids, key=self.position.__getitem__)


def load_directory(db: Db) -> Directory:
    """Only people and companies that appear on a talk: a removed talk's speaker is not found."""
    linked = select(TalkSpeaker.speaker_id)
    speakers = {
        i: n for i, n in db.execute(select(Speaker.id, Speaker.name).where(Speaker.id.in_(linked)))
    }
    represented = select(TalkSpeaker.company_id)
    companies = {
        i: n
        for i, n in db.execute(select(Company.id, Company.name).where(Company.id.in_(represented)))
    }
    speakers_of: dict[int, set[int]] = {}
    companies_of: dict[int, set[str]] = {}
    # arrays: 4 bytes a talk, where a list holds an 8-byte pointer to a 28-byte int
    talks_of_speaker: dict[int, array[int]] = {}
    talks_of_company: dict[int, array[int]] = {}
    for talk_id, speaker_id, company_id in db.execute(
        select(TalkSpeaker.talk_id, TalkSpeaker.speaker_id, TalkSpeaker.company_id)
    ):
        talks_of_speaker.setdefault(speaker_id, array("i")).append(talk_id)
        if company_id is not None:
            speakers_of.setdefault(company_id, set()).add(speaker_id)
            companies_of.setdefault(speaker_id, set()).add(companies[company_id])
            talks_of_company.setdefault(company_id, array("i")).append(talk_id)
    order = db.scalars(select(Talk.id).order_by(Talk.sort_key, Talk.id)).all()
    position = array(
        "l", bytes(8 * (max(order, default=0) + 1))
    )  # 8 bytes a talk, not a dict's ~100
    for n, talk_id in enumerate(order):
        position[talk_id] = n
    return Directory(
        NameIndex(speakers),
        NameIndex(companies),
        speakers_of,
        {sid: sorted(names) for sid, names in companies_of.items()},
        talks_of_speaker,
        talks_of_company,
        position,
    )
