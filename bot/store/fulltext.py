"""Ranked full-text matching over talk_search, for SQLite (FTS5) and PostgreSQL (tsvector).

Terms are folded words ([a-z0-9]+), so nothing a user types can reach either query syntax.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Subquery, bindparam, column, func, literal_column, select, table, text

# column name -> PostgreSQL weight letter given by the migration
WEIGHTS = {"title": "A", "people": "B", "companies": "C", "body": "D"}


@dataclass(frozen=True)
class Term:
    word: str
    column: str | None = None  # restrict to one column of talk_search
    prefix: bool = True


def _sqlite_query(terms: list[Term]) -> str:
    parts = []
    for t in terms:
        quoted = f'"{t.word}"' + ("*" if t.prefix else "")
        parts.append(f"{t.column} : {quoted}" if t.column else quoted)
    return " AND ".join(parts)


def _pg_query(terms: list[Term]) -> str:
    parts = []
    for t in terms:
        suffix = (":*" if t.prefix else ":") + (WEIGHTS[t.column] if t.column else "")
        parts.append(t.word + (suffix if suffix != ":" else ""))
    return " & ".join(parts)


def fts_param(dialect: str, terms: list[Term]) -> str:
    """The value bound to :fts_query for match()."""
    return _sqlite_query(terms) if dialect == "sqlite" else _pg_query(terms)


def match(dialect: str) -> Subquery:
    """Talks matching :fts_query, as a subquery (talk_id, rank); a lower rank is better."""
    if dialect == "sqlite":
        fts = table("talk_fts", column("rowid"))
        return (
            select(
                fts.c.rowid.label("talk_id"),
                literal_column("bm25(talk_fts, 10.0, 6.0, 4.0, 1.0)").label("rank"),
            )
            .where(text("talk_fts MATCH :fts_query"))
            .subquery("hits")
        )
    search = table("talk_search", column("talk_id"), column("document"))
    tsq = func.to_tsquery(literal_column("'simple'"), bindparam("fts_query"))
    return (
        select(search.c.talk_id, (-func.ts_rank(search.c.document, tsq)).label("rank"))
        .where(search.c.document.op("@@")(tsq))
        .subquery("hits")
    )
