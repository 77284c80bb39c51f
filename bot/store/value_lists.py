"""`column IN (values)` with the values in one bound parameter, however many there are.

An expanding IN makes one SQL parameter per value (SQLite stops at 32,766) and rewrites the
statement on every execution; a JSON array (SQLite's json_each) or a native array
(PostgreSQL's ANY) is one parameter of one cached statement.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute


def in_list(
    column: ColumnElement[Any] | InstrumentedAttribute[Any], name: str, dialect: str
) -> ColumnElement[bool]:
    if dialect == "sqlite":
        each = func.json_each(bindparam(name)).table_valued("value")
        return column.in_(select(each.c.value))
    return column == any_(bindparam(name, type_=ARRAY(column.type)))


def list_param(dialect: str, values: Iterable[int | str | dt.date]) -> object:
    """The value to bind for in_list(); SQLite stores dates as ISO text, so JSON holds them so."""
    ordered = sorted(values)
    if dialect != "sqlite":
        return ordered
    return json.dumps([v.isoformat() if isinstance(v, dt.date) else v for v in ordered])
