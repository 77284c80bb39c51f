"""Start-up: bring the schema up to date and seed an empty catalog from data/."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.config import ConfigError, Settings
from bot.importers.apply import ImportReport
from bot.importers.pipeline import import_files
from bot.onboarding.content import ContentError, content_at
from bot.store import Store
from bot.store.engine import REQUEST_TIMEOUT
from bot.store.models import Conference

log = logging.getLogger(__name__)


def import_file(store: Store, path: Path, *, dry_run: bool = False) -> ImportReport:
    """Import one file as `wgbot import` does (the same checks, the same write, one diff)."""
    (result,) = import_files(store, [path], dry_run=dry_run)
    return result.report


def open_store(
    settings: Settings, *, seed: bool = True, timeout: float | None = REQUEST_TIMEOUT
) -> Store:
    """Check the content can be read, migrate, and seed an empty catalog from it.

    `timeout` bounds each wait on the database (requests: ~2 s); `wgbot import` passes None.
    """
    if seed:
        settings.check_content()
        try:
            content_at(settings.welcome_file)  # read once now: a broken file stops the start
        except ContentError as exc:
            raise ConfigError(f"The onboarding content is broken: {exc}") from None
    store = Store(
        settings.db_url,
        timeout=timeout,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    try:
        store.upgrade()
        if seed:
            # a large catalog may take longer than a request's budget: seed without one
            loader = Store(settings.db_url, timeout=None) if timeout is not None else store
            try:
                seed_if_empty(loader, settings.catalog_dir)
            finally:
                if loader is not store:
                    loader.dispose()
    except BaseException:
        store.dispose()  # a start that failed (the database unreachable) leaves no pool open
        raise
    return store


def seed_if_empty(store: Store, catalog_dir: Path) -> list[ImportReport]:
    with store.session() as session:
        if session.scalar(select(func.count()).select_from(Conference)):
            return []
    reports = []
    for path in sorted(catalog_dir.glob("*.yaml")):
        try:
            reports.append(import_file(store, path))
        except IntegrityError:
            # another process seeding the same empty store got there first: its rows stand
            log.info("%s was seeded by another process", path.name)
            continue
        log.info("seeded %s", reports[-1].summary())
    return reports
