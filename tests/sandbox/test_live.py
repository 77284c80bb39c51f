"""The page's socket: requests answered by id, changes pushed to the person followed as they are
posted, other sites kept out, and every malformed request answered politely on a line that
stays open."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from slack_sdk import WebClient
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from bot.sandbox.people import BOT, CHANNEL
from bot.sandbox.server import Sandbox

pytestmark = pytest.mark.slow  # each test starts a whole sandbox

WAIT = 30.0  # a ceiling for a loaded machine: each recv returns as soon as a message comes


@contextmanager
def page(
    box: Sandbox, origin: str | None = None, host: str = "127.0.0.1"
) -> Iterator[ClientConnection]:
    """A page's socket, opened from `origin` (the sandbox's page by default) to the sandbox's
    socket as reached at the name `host` (the Host header a browser sends)."""
    url = f"ws://{host}:{box.live.port}/"
    sock = socket.create_connection(("127.0.0.1", box.live.port), timeout=WAIT)
    try:
        with connect(
            url, sock=sock, origin=Origin(box.url if origin is None else origin), open_timeout=WAIT
        ) as conn:
            yield conn
    finally:
        sock.close()


def receive(conn: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(conn.recv(timeout=WAIT))
    return message


def request(conn: ClientConnection, ask_id: int, route: str, body: Any) -> None:
    conn.send(json.dumps({"id": ask_id, "route": route, "body": body}))


def answer_to(conn: ClientConnection, ask_id: int) -> tuple[dict[str, Any], list[dict]]:
    """The answer with this id, and the pushes that came before it."""
    pushed = []
    while True:
        message = receive(conn)
        if message.get("id") == ask_id:
            return message, pushed
        pushed.append(message)


def test_only_the_sandboxs_own_page_may_connect(sandbox: Sandbox) -> None:
    port = sandbox.own.page_port
    strangers = [
        "http://evil.example",
        f"http://evil.example:{port}",  # another host at the page's own port
        f"http://127.0.0.2:{port}",
        f"http://localhost:{port}",  # the page at another of this machine's names
        f"https://127.0.0.1:{port}",
        f"http://127.0.0.1:{port}.evil.example",
        "http://127.0.0.1:1",
        "http://127.0.0.1:99999",
        "null",
        "",
    ]
    for stranger in strangers:
        with pytest.raises(InvalidStatus, match="403"), page(sandbox, stranger):
            pass
    with page(sandbox) as conn:  # its own page gets in
        request(conn, 1, "follow", {"as": "UMEMBER"})
        assert "answer" in receive(conn)


def test_a_foreign_host_name_pointed_at_the_sandbox_is_refused(sandbox: Sandbox) -> None:
    """DNS rebinding: evil.example made to resolve to this machine, its page "same origin"."""
    port = sandbox.own.page_port
    for name in ("evil.example", "127.0.0.1.evil.example", "localhost.evil.example"):
        with (
            pytest.raises(InvalidStatus, match="403"),
            page(sandbox, f"http://{name}:{port}", name),
        ):
            pass
    # the page opened at another of this machine's names reaches the socket at that name
    for name in ("localhost", "[::1]"):
        with page(sandbox, f"http://{name}:{port}", name) as conn:
            request(conn, 1, "follow", {"as": "UMEMBER"})
            assert "answer" in receive(conn)


def test_a_command_pushes_its_answer_before_answering_the_request(sandbox: Sandbox) -> None:
    with page(sandbox) as conn:
        request(conn, 1, "follow", {"as": "UMEMBER"})
        followed, _ = answer_to(conn, 1)
        seq = followed["answer"]["seq"]
        request(conn, 2, "command", {"as": "UMEMBER", "channel": CHANNEL,
                                     "text": "/talks platform-day"})  # fmt: skip
        answer, pushed = answer_to(conn, 2)
    assert answer["answer"]["ok"] and answer["answer"]["ack_seconds"] > 0
    drawn = [m for p in pushed for m in p["changes"]["messages"] if "14 talks" in m["text"]]
    assert len(drawn) == 1 and drawn[0]["ephemeral"]
    assert all(p["as"] == "UMEMBER" and p["changes"]["seq"] > seq for p in pushed)


def test_what_others_do_is_pushed_to_whom_it_shows_and_to_nobody_else(sandbox: Sandbox) -> None:
    with page(sandbox) as member, page(sandbox) as organiser:
        for conn, person in ((member, "UMEMBER"), (organiser, "UORGANISER")):
            request(conn, 1, "follow", {"as": person})
            answer_to(conn, 1)
        # the organiser's private answer goes to the organiser's page only; a public post
        # reaches both without either asking
        request(organiser, 2, "command", {"as": "UORGANISER", "channel": CHANNEL,
                                          "text": "/speakers abby bangser"})  # fmt: skip
        _, seen_by_organiser = answer_to(organiser, 2)
        answers = [json.dumps(p["changes"]["messages"]) for p in seen_by_organiser]
        assert any("Abby Bangser" in a for a in answers), answers
        app = WebClient(base_url=sandbox.url + "/api/", token="xoxb-sandbox")
        app.chat_postMessage(channel=CHANNEL, text="Everyone: the meetup starts soon")
        pushed = receive(member)
    assert pushed["as"] == "UMEMBER"
    texts = [m["text"] for m in pushed["changes"]["messages"]]
    assert texts == ["Everyone: the meetup starts soon"]  # nothing of the organiser's answer


def test_switching_person_follows_the_new_one_from_the_start(sandbox: Sandbox) -> None:
    with page(sandbox) as conn:
        request(conn, 1, "follow", {"as": "UMEMBER"})
        answer_to(conn, 1)
        request(conn, 2, "command", {"as": "UMEMBER", "channel": CHANNEL,
                                     "text": "/talks platform-day"})  # fmt: skip
        _, pushed = answer_to(conn, 2)
        assert any("14 talks" in m["text"] for p in pushed for m in p["changes"]["messages"])
        request(conn, 3, "follow", {"as": "UORGANISER", "since": 0})
        followed, _ = answer_to(conn, 3)
        request(conn, 4, "command", {"as": "UORGANISER", "channel": CHANNEL, "text": "/coffee"})
        _, pushed = answer_to(conn, 4)
    texts = [m["text"] for m in followed["answer"]["messages"]]
    assert any(t.startswith("Lean coffee here") for t in texts)  # from the very start
    assert not any("14 talks" in t for t in texts)  # the member's private answer is theirs
    assert pushed and all(p["as"] == "UORGANISER" for p in pushed)


def test_a_follow_is_answered_before_any_later_change_reaches_the_page(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page drops changes older than what it has drawn: were a later change pushed before
    the follow's answer, the answer (and everything in it) would be dropped."""
    workspace, original = sandbox.workspace, sandbox.workspace.changes
    later: list[threading.Thread] = []

    def changes_then_a_post(user: str, since: int, *more: Any) -> dict[str, Any]:
        result = original(user, since, *more)
        if not later:  # the follow's own read: another thread changes the workspace now
            seq = workspace.seq
            poster = threading.Thread(
                target=workspace.post, args=(CHANNEL, BOT, "a later change", None)
            )
            later.append(poster)
            poster.start()
            workspace.wait(seq, WAIT)  # made; its push is on its way
        return result

    monkeypatch.setattr(workspace, "changes", changes_then_a_post)
    with page(sandbox) as conn:
        request(conn, 1, "follow", {"as": "UMEMBER"})
        first, second = receive(conn), receive(conn)
    later[0].join(WAIT)
    assert first["id"] == 1 and "a later change" not in json.dumps(first)
    assert [m["text"] for m in second["changes"]["messages"]] == ["a later change"]
    assert second["changes"]["seq"] > first["answer"]["seq"]


def _asking(route: str, body: Any) -> str:
    return json.dumps({"id": 5, "route": route, "body": body})


MALFORMED = [
    ("not json", 400, "JSON object with an id and a route"),
    (json.dumps([1, 2]), 400, "JSON object with an id and a route"),
    (json.dumps({"route": "command"}), 400, "JSON object with an id and a route"),
    (_asking("command", [1]), 400, "body is a JSON object"),
    (_asking("teleport", {"as": "UMEMBER"}), 404, "no route"),
    (_asking("command", {"as": "UNOBODY"}), 404, "nobody"),
    (_asking("follow", {"as": "UMEMBER", "since": "x"}), 400, "since"),
    (_asking("submit", {"as": "UMEMBER"}), 400, "missing"),
    (_asking("clock", {"as": "UMEMBER", "step": "year"}), 400, "step is one of"),
    (_asking("command", {"as": "UMEMBER", "channel": "CX", "text": "hi"}), 400, "cannot write"),
]


@pytest.mark.parametrize(("raw", "status", "says"), MALFORMED)
def test_a_malformed_request_gets_a_reason_and_the_line_stays_open(
    sandbox: Sandbox, raw: str, status: int, says: str
) -> None:
    before = len(sandbox.workspace.all_messages())
    with page(sandbox) as conn:
        conn.send(raw)
        refused = receive(conn)
        assert refused["status"] == status and says in refused["error"], refused
        assert "Traceback" not in refused["error"]
        request(conn, 9, "follow", {"as": "UMEMBER"})  # the same line still answers
        assert "answer" in answer_to(conn, 9)[0]
    assert len(sandbox.workspace.all_messages()) == before
