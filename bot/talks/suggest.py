"""Near misses: when a query finds nothing, find what the user most likely meant."""

from __future__ import annotations

from dataclasses import replace

from rapidfuzz import fuzz, process

from bot.store import Db
from bot.talks.catalog_index import CatalogIndex, key_of
from bot.talks.directory import NameIndex
from bot.talks.query import TalkQuery
from bot.talks.word_index import as_prefix

NAME_CUTOFF = 80  # a whole name or slug with a typo or two
WORD_CUTOFF = 75  # a single word


def best_match(query: str, choices: list[str], cutoff: int) -> str | None:
    if not query or not choices:
        return None
    found = process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
    return found[0] if found else None


def closest_name(query: str, names: NameIndex) -> str | None:
    """The folded full name most like `query`, or None. Scored first among the names that
    hold one of its words whole (a typo mostly spares a word), then among all of them."""
    near = names.sharing_a_word(query.split())
    found = best_match(query, near, NAME_CUTOFF) if near else None
    return found or best_match(query, names.choices, NAME_CUTOFF)


def suggest(db: Db, q: TalkQuery, index: CatalogIndex) -> tuple[TalkQuery, str] | None:
    """A corrected query and a label for what it now means, or None when nothing is close."""
    # the start of a name, all of it ("kubecon eu" is not the kubecon event and "eu")
    found = index.starting_with(q.raw)
    if found and not (q.speaker or q.company):
        kind, id_ = found
        if kind == "event":
            return TalkQuery(q.raw, event_ids={id_}), index.events[id_].name
        return TalkQuery(q.raw, conference_ids={id_}), index.conferences[id_].name
    directory = index.directory(db)
    people, companies = directory.speakers, directory.companies
    if q.speaker:
        best = closest_name(" ".join(q.speaker), people)
        if best and best.split() != q.speaker:
            return replace(q, speaker=best.split()), f"speaker {people.written(best)}"
    if q.company:
        best = closest_name(" ".join(q.company), companies)
        if best and best.split() != q.company:
            return replace(q, company=best.split()), f"company {companies.written(best)}"
    if not q.words:
        return None
    phrase = " ".join(q.words)
    # the start of a name ("kubecon eu", "backstage") before a typo of one
    found = index.starting_with(q.free_text or phrase)
    key = best_match(key_of(q.free_text or phrase), list(index.names), NAME_CUTOFF)
    hit = found or (index.names[key] if key else None)
    if hit:
        kind, id_ = hit
        if kind == "event":
            ev = index.events[id_]
            return replace(q, words=[], event_ids=q.event_ids | {id_}), ev.name
        conf = index.conferences[id_]
        return replace(q, words=[], conference_ids=q.conference_ids | {id_}), conf.name
    best = closest_name(phrase, people)
    if best:
        return replace(q, words=[], speaker=best.split()), people.written(best)
    best = closest_name(phrase, companies)
    if best:
        return replace(q, words=[], company=best.split()), companies.written(best)
    terms = index.terms(db)
    known = set(terms)
    # a short word is taken as typed: "na" is no typo of "nat"
    fixed = [
        w if w in known or not as_prefix(w) else (best_match(w, terms, WORD_CUTOFF) or w)
        for w in q.words
    ]
    if fixed != q.words:
        return replace(q, words=fixed), " ".join(fixed)
    return None
