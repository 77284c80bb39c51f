"""The server over real HTTP: every connection has a thread of its own, so /healthz never
waits behind requests in flight, and past its bound a request is turned away at once rather
than queued."""

from __future__ import annotations

import http.client
import queue
import threading
from collections.abc import Iterator

import pytest
from slack_bolt import Ack, App
from slack_bolt.authorization import AuthorizeResult

from bot.store import Store
from bot.web.server import EVENTS_PATH, Server
from tests.conftest import SIGNING_SECRET
from tests.support.requests import command_body, sign

SAFETY = 60  # seconds: only so a broken server fails the test instead of hanging it


def _authorize(**_kwargs: object) -> AuthorizeResult:
    return AuthorizeResult(enterprise_id=None, team_id="T0001", bot_token="xoxb-test")


@pytest.fixture
def held() -> tuple[queue.Queue[str], threading.Event]:
    """(who entered the slow command, what lets them all go)."""
    return queue.Queue(), threading.Event()


@pytest.fixture
def served(store: Store, held: tuple[queue.Queue[str], threading.Event]) -> Iterator[Server]:
    entered, release = held
    app = App(signing_secret=SIGNING_SECRET, authorize=_authorize, process_before_response=True)

    @app.command("/slow")
    def slow(ack: Ack, command: dict[str, str]) -> None:
        entered.put(command["text"])
        release.wait(SAFETY)
        ack(f"done {command['text']}")

    server = Server(SIGNING_SECRET, "127.0.0.1", 0, most_at_once=2)
    assert server.attach(app, store, lambda _budget: None)
    loop = threading.Thread(target=server.server.serve_forever, daemon=True)
    loop.start()
    yield server
    release.set()
    server.server.shutdown()
    server.server.server_close()  # waits for the requests in flight


def _post(server: Server, text: str) -> tuple[int, str]:
    body = command_body("/slow", text)
    conn = http.client.HTTPConnection(*server.address, timeout=SAFETY)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SIGNING_SECRET, body)}
    conn.request("POST", EVENTS_PATH, body=body.encode(), headers=headers)
    resp = conn.getresponse()
    answer = (resp.status, resp.read().decode())
    conn.close()
    return answer


def _get(server: Server, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection(*server.address, timeout=SAFETY)
    conn.request("GET", path)
    resp = conn.getresponse()
    answer = (resp.status, resp.read().decode())
    conn.close()
    return answer


def test_healthz_answers_and_one_over_the_bound_is_turned_away_while_requests_wait(
    served: Server, held: tuple[queue.Queue[str], threading.Event]
):
    entered, release = held
    answers: dict[str, tuple[int, str]] = {}
    posts = [
        threading.Thread(target=lambda t=t: answers.__setitem__(t, _post(served, t)))
        for t in ("first", "second")
    ]
    for post in posts:
        post.start()
    assert {entered.get(timeout=SAFETY), entered.get(timeout=SAFETY)} == {"first", "second"}

    # both slots are taken by requests that wait: /healthz still answers, a third is refused
    assert _get(served, "/healthz") == (200, "ok\n")
    assert _post(served, "third") == (503, "busy: try again\n")
    assert answers == {}  # the two are still in flight
    assert entered.empty()  # the third never reached the app

    release.set()
    for post in posts:
        post.join(SAFETY)
    assert answers["first"][0] == answers["second"][0] == 200
    assert "done first" in answers["first"][1] and "done second" in answers["second"][1]
    # their slots are free again
    assert _post(served, "fourth")[0] == 200
    assert entered.get(timeout=SAFETY) == "fourth"


def test_closing_the_server_waits_for_the_requests_in_flight(
    served: Server, held: tuple[queue.Queue[str], threading.Event]
):
    entered, release = held
    answers: list[tuple[int, str]] = []
    post = threading.Thread(target=lambda: answers.append(_post(served, "late")))
    post.start()
    assert entered.get(timeout=SAFETY) == "late"

    served.server.shutdown()  # stops accepting
    closed_after_release: list[bool] = []

    def close() -> None:
        served.server.server_close()
        closed_after_release.append(release.is_set())

    closing = threading.Thread(target=close)
    closing.start()
    release.set()
    closing.join(SAFETY)
    post.join(SAFETY)
    # server_close returned only once the request held in the app was let go, and it answered
    assert closed_after_release == [True]
    assert answers and answers[0][0] == 200 and "done late" in answers[0][1]
