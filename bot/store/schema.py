"""What the schema comparison (autogenerate, and the test that keeps models and migrations
equal) looks at: everything the models declare, but not the full-text machinery, which each
database builds its own way in the migrations: SQLite's FTS5 table `talk_fts` (and its shadow
tables), PostgreSQL's generated tsvector column `talk_search.document` and its GIN index."""

from __future__ import annotations

from typing import Any

FULLTEXT_TABLES = ("talk_fts",)  # and SQLite's shadow tables: talk_fts_data, talk_fts_idx, ...


FULLTEXT_COLUMNS = ("document",)  # on talk_search, PostgreSQL only
FULLTEXT_INDEXES = ("ix_talk_search_document",)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if type_ == "table" and name and name.startswith(FULLTEXT_TABLES):
        return False
    if type_ == "column" and name in FULLTEXT_COLUMNS and obj.table.name == "talk_search":
        return False
    return not (type_ == "index" and name in FULLTEXT_INDEXES)
