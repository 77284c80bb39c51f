"""Fixtures: a store on SQLite (default) or PostgreSQL (WGBOT_TEST_DATABASE_URL), a fake Slack,
and the Bolt app wired to both."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import Features, build_app
from bot.bootstrap import import_file
from bot.config import IsolatedSettings, Settings, shipped_data_dir
from bot.sandbox.web_api import WebApi
from bot.store import Store
from tests.background import Background
from tests.databases import (
    Kind,
    PostgresResets,
    SqliteCopies,
    drop_worker_database,
    worker_database,
)

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-test-token"
CATALOG = shipped_data_dir() / "catalog" / "kubecon-eu-2024.yaml"
# real public exports and the seed article, with their sources (tests/samples/SOURCES.md)
SAMPLES = Path(__file__).resolve().parent / "samples"
# A fixed "now" during the conference: Thursday 21 March 2024, 10:00 in Paris.
NOW = dt.datetime(2024, 3, 21, 9, 0, tzinfo=dt.UTC)
# The one setting the test run takes from its caller (the README's PostgreSQL command), read
# once here, before every test clears the bot's settings from the environment.
TEST_DATABASE_URL = os.environ.get("WGBOT_TEST_DATABASE_URL", "")
BOT_SETTINGS = ("SLACK_", "WGBOT_", "DATABASE_URL", "LOG_LEVEL", "LOG_FORMAT", "PORT")


# Tests that use these fixtures are marked for them, wherever they live: the browser's are the
# sandbox page's, the others' need PostgreSQL (skipped on SQLite, saying so)
MARKED_BY_FIXTURE = {
    "browser": "browser",
    "pg_url": "postgres",
    "postgres_url": "postgres",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            if fixture in MARKED_BY_FIXTURE:
                item.add_marker(MARKED_BY_FIXTURE[fixture])
        if item.get_closest_marker("browser"):
            # one worker drives the one browser (a session fixture) through all of them,
            # rather than each worker starting a Chromium of its own (pytest -n)
            item.add_marker(pytest.mark.xdist_group("browser"))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and not TEST_DATABASE_URL:
        pytest.skip("needs PostgreSQL: set WGBOT_TEST_DATABASE_URL")


@pytest.fixture(autouse=True)
def hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never see the shell's bot settings, nor a .env in the working directory."""
    for name in list(os.environ):
        if name.startswith(BOT_SETTINGS):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _seed(store: Store) -> None:
    import_file(store, CATALOG)


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteCopies | PostgresResets]:
    if not TEST_DATABASE_URL:
        # tmp_path_factory gives each parallel worker a folder of its own
        copies = SqliteCopies(tmp_path_factory.mktemp("databases"), _seed)
        yield copies
        copies.close()
        return
    # run in parallel (pytest -n), each worker has a database of its own beside the given one
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = worker_database(TEST_DATABASE_URL, worker) if worker else TEST_DATABASE_URL
    resets = PostgresResets(url, _seed)
    yield resets
    resets.close()
    if worker:
        drop_worker_database(TEST_DATABASE_URL, url)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, databases, tmp_path: Path) -> str:
    """A database of the test's own: migrated when the test uses `store`, seeded too when it
    uses `seeded`, empty otherwise (a test of migrating, say); see tests/databases.py."""
    names = request.fixturenames
    kind: Kind = "seeded" if "seeded" in names else "migrated" if "store" in names else "empty"
    return databases.fresh(kind, tmp_path)


# Every wait on the database in tests is bounded by this, not by the 2 s a request gets in
# production: on a busy shared machine a burst of hundreds of clicks may queue longer than that,
# and no test may pass or fail by timing. The tests of the timeouts themselves make their own
# store with a short one, where a held lock (not the machine's speed) decides.
DB_TIMEOUT = 60.0


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url, timeout=DB_TIMEOUT)  # migrated already (db_url)
    yield s
    s.dispose()


@pytest.fixture
def seeded(store: Store) -> Store:
    """The store with the seed catalog imported (db_url copies it so)."""
    return store


@pytest.fixture(autouse=True)
def slack_refused_nothing() -> Iterator[list[WebApi]]:
    """Fail any test whose fake Slack was sent a payload the real Slack would refuse (the
    fake answers `invalid_blocks`, as Slack does, and keeps the reason)."""
    fakes: list[WebApi] = []
    yield fakes
    refused = [str(v) for fake in fakes for v in fake.invalid]
    if refused:
        pytest.fail("Slack would have refused:\n" + "\n".join(refused), pytrace=False)


@pytest.fixture
def slack(slack_refused_nothing: list[WebApi]) -> Iterator[WebApi]:
    with WebApi() as fake:
        slack_refused_nothing.append(fake)
        yield fake


@pytest.fixture
def background(slack: WebApi) -> Iterator[Background]:
    """The work after acks of the apps a test builds; finished before the fake Slack stops."""
    work = Background()
    yield work
    work.settle()
    work.shutdown()


@pytest.fixture
def settings(slack: WebApi, db_url: str, tmp_path: Path) -> Settings:
    return IsolatedSettings(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.api_url,
        DATABASE_URL=db_url,
        WGBOT_STATE_DIR=tmp_path,
    )


@pytest.fixture
def app(settings: Settings, seeded: Store, background: Background):
    features = background.track(Features(settings, seeded, lambda: NOW))
    return build_app(settings, seeded, features=features)
