"""Alembic environment: runs on the engine the Store hands over (no alembic.ini needed)."""

from alembic import context

from bot.store.models import Base
from bot.store.schema import include_object

target_metadata = Base.metadata
engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,  # autogenerate leaves the full-text machinery alone
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
