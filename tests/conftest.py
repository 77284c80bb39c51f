"""Fixtures: a store on SQLite (default) or PostgreSQL (WGBOT_TEST_DATABASE_URL), a fake Slack,
and the Bolt app wired to both."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.app import build_app
from bot.bootstrap import import_file
from bot.config import IsolatedSettings, Settings, shipped_data_dir
from bot.store import Store, normalize_url
from bot.testing.fake_slack import FakeSlack
from tests.background import Background

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-test-token"
CATALOG = shipped_data_dir() / "catalog" / "kubecon-eu-2024.yaml"
# real public exports and the seed article, with their sources (tests/samples/SOURCES.md)
SAMPLES = Path(__file__).resolve().parent / "samples"
# A fixed "now" during the conference: Thursday 21 March 2024, 10:00 in Paris.
NOW = dt.datetime(2024, 3, 21, 9, 0, tzinfo=dt.UTC)


def _fresh_postgres(url: str) -> None:
    engine = create_engine(normalize_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = os.environ.get("WGBOT_TEST_DATABASE_URL")
    if url:
        _fresh_postgres(url)
        return url
    return f"sqlite:///{tmp_path / 'wgbot.db'}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    s.upgrade()
    yield s
    s.dispose()


@pytest.fixture
def seeded(store: Store) -> Store:
    import_file(store, CATALOG)
    return store


@pytest.fixture(autouse=True)
def slack_refused_nothing() -> Iterator[list[FakeSlack]]:
    """Fail any test whose fake Slack was sent a payload the real Slack would refuse (the
    fake answers `invalid_blocks`, as Slack does, and keeps the reason)."""
    fakes: list[FakeSlack] = []
    yield fakes
    refused = [str(v) for fake in fakes for v in fake.invalid]
    if refused:
        pytest.fail("Slack would have refused:\n" + "\n".join(refused), pytrace=False)


@pytest.fixture
def slack(slack_refused_nothing: list[FakeSlack]) -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        slack_refused_nothing.append(fake)
        yield fake


@pytest.fixture
def background(slack: FakeSlack) -> Iterator[Background]:
    """The work after acks of the apps a test builds; finished before the fake Slack stops."""
    work = Background()
    yield work
    work.settle()
    work.shutdown()


@pytest.fixture
def settings(slack: FakeSlack, db_url: str, tmp_path: Path) -> Settings:
    return IsolatedSettings(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.api_url,
        DATABASE_URL=db_url,
        WGBOT_STATE_DIR=tmp_path,
    )


@pytest.fixture
def app(settings: Settings, seeded: Store, background: Background):
    return background.track_app(build_app(settings, seeded, clock=lambda: NOW))
