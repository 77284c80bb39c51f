"""Alembic's environment and the schema's revisions (versions/), run by Store.upgrade()."""
