"""The schema's revisions, numbered in order (Alembic skips this file)."""
