"""A meetup is called a meetup in the schema too, never a "session" (a word SQLAlchemy uses).

- coffee_sessions -> coffee_meetups, with its indexes (ix_coffee_meetups_state,
  ux_coffee_meetups_one_active) and, on PostgreSQL, its primary key, unique constraint,
  foreign key and id sequence named after the new table, as a fresh database names them.
- session_id -> meetup_id in coffee_topics, coffee_votes and coffee_takeaways, with the
  indexes ix_coffee_topics_meetup and ix_coffee_takeaways_meetup and, on PostgreSQL, the
  foreign keys' names.
- Stored strings are left as they are: no delivery key, group, kind or ref holds the word
  (channel messages are keyed "coffee.collect:12", "coffee.agenda:12", grouped "coffee:12";
  the notes to proposers "coffee:carried:7"), so nothing owed changes its key.

SQLite renames tables and columns in place (ALTER TABLE ... RENAME, which also rewrites the
other tables' foreign keys), inside batch operations that never copy a table: a copy would drop
the old table, and with foreign keys on that deletes every topic, dot and takeaway by cascade.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

ACTIVE = "state IN ('scheduled', 'collecting', 'voting')"  # as 0006 made it
CHILDREN = ("coffee_topics", "coffee_votes", "coffee_takeaways")
# (table, old index, new index, columns) with the table and columns as they are after upgrade
INDEXES = (
    ("coffee_meetups", "ix_coffee_sessions_state", "ix_coffee_meetups_state", ["state"]),
    ("coffee_topics", "ix_coffee_topics_session", "ix_coffee_topics_meetup", ["meetup_id"]),
    (
        "coffee_takeaways",
        "ix_coffee_takeaways_session",
        "ix_coffee_takeaways_meetup",
        ["meetup_id"],
    ),
)
ONE_ACTIVE = ("ux_coffee_sessions_one_active", "ux_coffee_meetups_one_active")


def upgrade() -> None:
    _rename("coffee_sessions", "coffee_meetups", "session_id", "meetup_id", forward=True)


def downgrade() -> None:
    _rename("coffee_meetups", "coffee_sessions", "meetup_id", "session_id", forward=False)


def _rename(table: str, new_table: str, column: str, new_column: str, *, forward: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # SQLite cannot rename an index: drop them before, create them under the new names after
        for owner, old, new, _ in INDEXES:
            op.drop_index(old if forward else new, table_name=_old_table(owner, forward))
        op.drop_index(ONE_ACTIVE[0] if forward else ONE_ACTIVE[1], table_name=table)
    op.rename_table(table, new_table)
    for child in CHILDREN:
        with op.batch_alter_table(child, recreate="never") as batch:
            batch.alter_column(column, new_column_name=new_column)
    if sqlite:
        for owner, old, new, columns in INDEXES:
            cols = columns if forward else [_old_column(c) for c in columns]
            op.create_index(new if forward else old, _new_table(owner, forward), cols)
        op.create_index(
            ONE_ACTIVE[1] if forward else ONE_ACTIVE[0],
            new_table,
            ["series_id"],
            unique=True,
            sqlite_where=sa.text(ACTIVE),
        )
        return
    for _, old, new, _ in INDEXES:
        op.execute(f"ALTER INDEX {old if forward else new} RENAME TO {new if forward else old}")
    op.execute(
        f"ALTER INDEX {ONE_ACTIVE[0] if forward else ONE_ACTIVE[1]} "
        f"RENAME TO {ONE_ACTIVE[1] if forward else ONE_ACTIVE[0]}"
    )
    # the names PostgreSQL gave when the tables were made (coffee_sessions_pkey,
    # coffee_topics_session_id_fkey, ...) follow the new names, as a fresh database has them
    for owner in (new_table, *CHILDREN):
        for name in _constraints(owner):
            renamed = name.replace(table + "_", new_table + "_").replace(column, new_column)
            if renamed != name:
                op.execute(f'ALTER TABLE {owner} RENAME CONSTRAINT "{name}" TO "{renamed}"')
    op.execute(f"ALTER SEQUENCE IF EXISTS {table}_id_seq RENAME TO {new_table}_id_seq")


def _constraints(table: str) -> Iterator[str]:
    rows = op.get_bind().execute(
        sa.text(
            "SELECT conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE t.relname = :table AND t.relnamespace = to_regnamespace(current_schema()) "
            "ORDER BY conname"
        ),
        {"table": table},
    )
    yield from rows.scalars().all()


def _old_table(name: str, forward: bool) -> str:
    """An index's table as it is named before this step (upgrade or downgrade) runs."""
    if name == "coffee_meetups" and forward:
        return "coffee_sessions"
    return name


def _new_table(name: str, forward: bool) -> str:
    """An index's table as it is named once this step has run."""
    if name == "coffee_meetups" and not forward:
        return "coffee_sessions"
    return name


def _old_column(name: str) -> str:
    return "session_id" if name == "meetup_id" else name
