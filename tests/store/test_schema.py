"""The models are the schema: a freshly migrated database is exactly what the models declare,
so `alembic revision --autogenerate` proposes nothing (and never drops an index that keeps
/talks fast)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.store import Store
from bot.store.models import Base


@pytest.mark.slow
def test_migrations_build_exactly_what_the_models_declare(store: Store):
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
