"""A database outage does not make `wgbot serve` look dead: /healthz answers at once however
many requests wait on the database, and a replica started while the database cannot be reached
stays up, unready, and becomes ready when the database appears."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sandbox.web_api import WebApi
from tests.db_faults import Proxy
from tests.onboarding.conftest import joined
from tests.processes import (
    HANG,
    Served,
    bot_env,
    free_port,
    ran_out_of_time,
    serve,
    wait_for,
    wait_until_up,
)
from tests.support.requests import command_body

pytestmark = pytest.mark.slow  # processes, and a database that goes away


@pytest.fixture
def pg_url(db_url: str) -> str:
    if not db_url.startswith("postgres"):
        pytest.skip("a relay that can silence the database stands before PostgreSQL")
    return db_url


@pytest.fixture
def proxy(pg_url: str) -> Iterator[Proxy]:
    relay = Proxy.to(pg_url)
    yield relay
    relay.close()


def _stopped_cleanly(served: Served) -> None:
    """SIGTERM, then the process exiting: with 0, having finished its work inside its own stop
    budget."""
    assert served.stop(signal.SIGTERM) == 0
    assert "Traceback" not in served.output(), served.output()
    assert ran_out_of_time(served.output()) == []


def test_a_serve_started_while_the_database_cannot_be_reached_waits_unready(
    pg_url: str, proxy: Proxy, slack: WebApi, tmp_path: Path
):
    proxy.frozen.set()  # connections are accepted and never answered
    env = bot_env(slack.api_url, proxy.url(pg_url), tmp_path)
    served = serve(env, tmp_path / "serve.log")
    try:
        # it keeps trying, and meanwhile it is alive but not ready
        wait_for(lambda: served.output().count("trying again") >= 2, "a second try")
        assert served.proc.poll() is None
        assert served.get("/healthz") == (200, "ok\n")
        status, why = served.get("/readyz")
        assert status == 503 and "the database cannot be reached" in why
        assert served.post(command_body("/talks", "platform-day")) == 503

        proxy.frozen.clear()  # the database appears
        wait_until_up(served)
        assert served.post(command_body("/talks", "platform-day")) == 200
        assert "Traceback" not in served.output()
        _stopped_cleanly(served)
    finally:
        if served.proc.poll() is None:
            served.proc.kill()
            served.proc.wait()


def test_healthz_answers_while_every_request_waits_on_a_silent_database(
    pg_url: str, proxy: Proxy, slack: WebApi, tmp_path: Path
):
    env = bot_env(slack.api_url, proxy.url(pg_url), tmp_path)
    served = serve(env, tmp_path / "serve.log")
    try:
        wait_until_up(served)
        proxy.frozen.set()
        answered: list[int] = []
        posts = [
            threading.Thread(
                target=lambda n=n: answered.append(
                    served.post(joined(f"U0OUT{n:02d}"), "application/json")
                ),
                daemon=True,
            )
            for n in range(24)  # more than the database pool's connections
        ]
        for post in posts:
            post.start()
        # the requests reached the database, which keeps them waiting: as many at once as the
        # pool holds (the rest wait for a connection)
        wait_for(lambda: proxy.stalled >= 16, "requests waiting on the silent database")
        assert served.get("/healthz") == (200, "ok\n")
        assert answered == [], "/healthz was answered only after requests that wait on the db"
        for post in posts:
            post.join(HANG)
        assert len(answered) == 24  # each gave up on the database in its time and answered
        assert served.stop(signal.SIGTERM) == 0
    finally:
        if served.proc.poll() is None:
            served.proc.kill()
            served.proc.wait()


def test_a_serve_waiting_for_the_database_stops_at_once_on_sigterm(slack: WebApi, tmp_path: Path):
    nobody_listens = f"postgresql://postgres@127.0.0.1:{free_port()}/none"
    env = bot_env(slack.api_url, nobody_listens, tmp_path)
    served = serve(env, tmp_path / "serve.log")
    try:
        wait_for(lambda: "trying again" in served.output(), "a first failed try")
        status, why = served.get("/readyz")
        assert status == 503 and "Connection refused" in why
        _stopped_cleanly(served)
        assert "stopping" in served.output()
    finally:
        if served.proc.poll() is None:
            served.proc.kill()
            served.proc.wait()
