"""The sandbox without a browser: its Slack plays the Web API as Slack does (refusals
included), people's actions reach the real app signed, and the clock moves every feature."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
from click.testing import CliRunner
from icalendar import Calendar
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from websockets.sync.client import connect
from websockets.typing import Origin

from bot.cli import main
from bot.config import IsolatedSettings
from bot.sandbox.people import CHANNEL, dm_of
from bot.sandbox.server import Sandbox, sandbox_settings
from bot.sandbox.web_api import Reply
from bot.store.models import CoffeeMeetup
from bot.web.server import wsgi_app
from tests.conftest import SIGNING_SECRET
from tests.sandbox.conftest import START
from tests.web.test_health import call

pytestmark = pytest.mark.slow  # each test starts a whole sandbox


@pytest.fixture
def box(tmp_path: Path) -> Iterator[Sandbox]:
    settings = sandbox_settings(IsolatedSettings(), tmp_path / "sandbox")
    sandbox = Sandbox(settings, start=START).start()
    yield sandbox
    sandbox.stop()


def ask(box: Sandbox, route: str, body: dict[str, Any]) -> dict[str, Any]:
    """One request on a page's socket, as the page sends it; its answer, or its error."""
    with connect(f"ws://127.0.0.1:{box.live.port}/", origin=Origin(box.url)) as page:
        page.send(json.dumps({"id": 1, "route": route, "body": body}))
        reply: dict[str, Any] = json.loads(page.recv(timeout=30))
    assert reply["id"] == 1
    return reply


def changes(box: Sandbox, person: str, since: int = 0) -> dict[str, Any]:
    result: dict[str, Any] = ask(box, "follow", {"as": person, "since": since})["answer"]
    return result


def act(box: Sandbox, route: str, **body: Any) -> dict[str, Any]:
    reply = ask(box, route, body)
    if "error" in reply:
        raise ValueError(f"{reply['status']}: {reply['error']}")
    result: dict[str, Any] = reply["answer"]
    return result


def texts(box: Sandbox, person: str, channel: str = CHANNEL) -> list[str]:
    return [m["text"] for m in changes(box, person)["messages"] if m["channel"] == channel]


def until_seen(box: Sandbox, person: str, channel: str, words: str) -> list[str]:
    """The messages showing `words` once one arrives: waits on the workspace's changes."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        seq = box.workspace.seq
        found = [t for t in texts(box, person, channel) if words in t]
        if found:
            return found
        box.workspace.wait(seq, 1.0)
    return []


def test_it_listens_on_this_machine_only_and_needs_no_slack_settings(box: Sandbox) -> None:
    assert box.url.startswith("http://127.0.0.1:")
    assert box.live.server.socket.getsockname()[0] == "127.0.0.1"  # the page's socket too
    assert box.settings.slack_api_url == box.url + "/api/"
    assert box.settings.db_url.startswith("sqlite:///") and "sandbox" in box.settings.db_url
    help_text = CliRunner().invoke(main, ["sandbox", "--help"]).output
    assert "127.0.0.1" in help_text


def test_a_private_answer_is_seen_by_the_person_who_asked_only(box: Sandbox) -> None:
    answer = act(box, "command", **{"as": "UMEMBER", "channel": CHANNEL,
                                    "text": "/talks platform-day"})  # fmt: skip
    assert answer["ok"] and answer["ack_seconds"] > 0
    mine = [m for m in changes(box, "UMEMBER")["messages"] if "14 talks" in m["text"]]
    assert len(mine) == 1 and mine[0]["ephemeral"]
    assert not [m for m in changes(box, "UORGANISER")["messages"] if "14 talks" in m["text"]]


def test_someone_joins_and_is_welcomed_once_by_dm(box: Sandbox) -> None:
    joined = act(box, "join", **{"as": "UMEMBER"})["person"]
    welcome = until_seen(box, joined["id"], dm_of(joined["id"]), "Welcome")
    box.settle()
    assert len(welcome) == 1  # team_join and member_joined_channel both came: one welcome
    assert len([t for t in texts(box, joined["id"], dm_of(joined["id"])) if "Welcome" in t]) == 1
    second = act(box, "join", **{"as": "UMEMBER"})["person"]
    assert second["id"] != joined["id"]


def test_the_clock_moves_every_feature_forward(box: Sandbox) -> None:
    before = box.clock()
    act(box, "clock", **{"as": "UMEMBER", "step": "week"})
    assert (box.clock() - before).days >= 7
    act(box, "clock", **{"as": "UMEMBER", "step": "week"})
    # at least one meetup came and went within two weeks: its agenda is in the channel
    assert any("agenda" in t.lower() for t in texts(box, "UMEMBER"))
    with pytest.raises(Exception, match="400"):
        act(box, "clock", **{"as": "UMEMBER", "step": "backwards"})


def test_its_slack_refuses_what_slack_refuses_and_says_so(box: Sandbox) -> None:
    client = WebClient(base_url=box.url + "/api/", token="xoxb-sandbox")
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        client.chat_postMessage(channel=CHANNEL, text="t", blocks=too_long)
    notices = changes(box, "UMEMBER")["notices"]
    assert any("invalid_blocks" in n for n in notices)
    with pytest.raises(SlackApiError, match="invalid_trigger_id"):
        client.views_open(trigger_id="made.up", view={"type": "modal", "title": {
            "type": "plain_text", "text": "x"}, "blocks": [{"type": "divider"}]})  # fmt: skip
    with pytest.raises(SlackApiError, match="message_not_found"):
        client.chat_update(channel=CHANNEL, ts="1.000001", text="gone")


def test_response_urls_replace_delete_and_share(box: Sandbox) -> None:
    client = WebClient(base_url=box.url + "/api/", token="xoxb-sandbox")
    posted = client.chat_postEphemeral(channel=CHANNEL, user="UMEMBER", text="first")
    ts = posted["message_ts"]
    url = box.api.response_url(Reply(CHANNEL, "UMEMBER", ts))

    def send(**body: Any) -> None:
        request = Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
        urlopen(request).read()

    send(replace_original=True, text="second")
    mine = {m["ts"]: m for m in changes(box, "UMEMBER")["messages"]}
    assert mine[ts]["text"] == "second" and mine[ts]["edited"] == 1
    send(response_type="in_channel", text="for everyone")
    assert "for everyone" in texts(box, "UORGANISER")
    send(delete_original=True)
    assert {m["ts"]: m for m in changes(box, "UMEMBER")["messages"]}[ts]["deleted"]


def test_the_sandbox_is_no_part_of_serve(box: Sandbox) -> None:
    served = wsgi_app(box.bot.app, box.bot.store, SIGNING_SECRET)
    for path in ("/", "/sandbox/state", "/static/sandbox.js", "/api/chat.postMessage"):
        assert call(served, path)[0] == 404


def test_the_lean_coffee_calendar_is_offered_and_served(box: Sandbox) -> None:
    act(box, "command", **{"as": "UMEMBER", "channel": CHANNEL, "text": "/coffee"})
    status = [m for m in changes(box, "UMEMBER")["messages"] if m["ephemeral"]][-1]
    feed = f"{box.url}/coffee/{CHANNEL}.ics"
    assert f"<{feed}|Add the lean coffees to your calendar>" in json.dumps(status["blocks"])
    with urlopen(feed) as answer:
        calendar = Calendar.from_ical(answer.read())
    assert len(calendar.walk("VEVENT")) == 1


# ---- a foreign page ------------------------------------------------------------------------------
def http(
    box: Sandbox, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """One request to the sandbox's HTTP server, as a browser or another client sends it."""
    request = Request(box.url + path, body, headers or {}, method="POST" if body else "GET")
    try:
        with urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except HTTPError as refused:
        return refused.code, refused.read()


def bot_posts(box: Sandbox, words: str) -> list[str]:
    return [m.text for m in box.workspace.all_messages() if words in m.text]


def test_a_foreign_host_name_is_refused_everywhere(box: Sandbox) -> None:
    """DNS rebinding: a foreign name pointed at this machine reads and writes nothing."""
    port = box.own.page_port
    for path in ("/", "/sandbox/state", "/static/sandbox.js", f"/coffee/{CHANNEL}.ics"):
        for name in ("evil.example", f"evil.example:{port}", f"127.0.0.1.nip.io:{port}"):
            status, body = http(box, path, headers={"Host": name})
            assert status == 403 and b"this machine's own names" in body, (path, name)
        assert http(box, path, headers={"Host": f"localhost:{port}"})[0] == 200
    form = urlencode({"channel": CHANNEL, "text": "rebound"}).encode()
    rebound = {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}
    assert http(box, "/api/chat.postMessage", form, rebound)[0] == 403
    assert not bot_posts(box, "rebound")


def test_cross_site_writes_to_its_web_api_are_refused(box: Sandbox) -> None:
    port = box.own.page_port
    posted = box.api.response_url(Reply(CHANNEL, "UMEMBER"))
    form = urlencode({"channel": CHANNEL, "text": "cross-site"}).encode()
    foreign = [
        # a <form> posted from another site: form-encoded, no CORS preflight
        {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": f"http://evil.example:{port}"},
        {"Origin": f"http://127.0.0.2:{port}"},
        {"Origin": "null"},  # a sandboxed frame or a file: page
        {"Sec-Fetch-Site": "cross-site"},  # a browser that left Origin out
        {"Sec-Fetch-Site": "same-site"},  # another port of this machine's
        {"Origin": box.url, "Sec-Fetch-Site": "cross-site"},
    ]
    for headers in foreign:
        for kind in ("application/x-www-form-urlencoded", "text/plain", "multipart/form-data"):
            typed = {**headers, "Content-Type": kind}
            assert http(box, "/api/chat.postMessage", form, typed)[0] == 403, typed
            as_json = json.dumps({"text": "cross-site", "response_type": "in_channel"})
            assert http(box, posted.removeprefix(box.url), as_json.encode(), typed)[0] == 403
        # a cross-site GET (an image, a link) reaches no method either
        assert http(box, "/api/chat.postMessage?text=cross-site", None, headers)[0] == 403
    assert not bot_posts(box, "cross-site")
    # the sandbox's own page, and the app's own client (no browser marks), still write
    own = {"Origin": box.url, "Sec-Fetch-Site": "same-origin"}
    own_form = urlencode({"channel": CHANNEL, "text": "from the page"}).encode()
    assert http(box, "/api/chat.postMessage", own_form, own)[0] == 200
    client = WebClient(base_url=box.url + "/api/", token="xoxb-sandbox")
    client.chat_postMessage(channel=CHANNEL, text="from the app")
    assert bot_posts(box, "from the page") and bot_posts(box, "from the app")
    # reading the page from a link on another site is fine: reading changes nothing
    assert http(box, "/", None, {"Sec-Fetch-Site": "cross-site"})[0] == 200


def test_each_clock_button_says_what_it_would_jump_over(box: Sandbox) -> None:
    """The lean coffee set up on start: +1 week must name its openings before they pass."""
    with box.bot.store.session() as db:
        meetup = db.scalars(select(CoffeeMeetup)).one()
        collect, vote, starts = meetup.collect_at, meetup.vote_at, meetup.starts_at
    now = box.clock()
    ahead = act(box, "ahead", **{"as": "UMEMBER"})["ahead"]
    expected = [
        (at.isoformat(), what)
        for at, what in (
            (collect, "lean coffee opens for topics"),
            (vote, "lean coffee voting opens"),
            (starts, "lean coffee meets"),
        )
        if now < at <= now + dt.timedelta(weeks=1)
    ]
    assert [(e["at"], e["what"]) for e in ahead["week"]] == expected
    assert all(e["at"] <= (now + dt.timedelta(days=1)).isoformat() for e in ahead["day"])
    # a newcomer's journey: their steps are named by the buttons that would pass them
    joined = act(box, "join", **{"as": "UMEMBER"})["person"]
    assert until_seen(box, joined["id"], dm_of(joined["id"]), "Welcome")
    box.settle()
    week = act(box, "ahead", **{"as": "UMEMBER"})["ahead"]["week"]
    assert any("Nia Newcomer's onboarding step" in e["what"] for e in week)
    # the clock's answer says what lies ahead of the new time
    moved = act(box, "clock", **{"as": "UMEMBER", "step": "week"})
    assert all(e["at"] > moved["now"] for e in moved["ahead"]["week"])


def test_a_thread_reply_is_kept_under_its_parent(box: Sandbox) -> None:
    client = WebClient(base_url=box.url + "/api/", token="xoxb-sandbox")
    parent = client.chat_postMessage(channel=CHANNEL, text="the board")["ts"]
    reply = client.chat_postMessage(channel=CHANNEL, text="a vote", thread_ts=parent)
    assert reply["message"]["thread_ts"] == parent
    shown = {m["text"]: m for m in changes(box, "UMEMBER")["messages"]}
    assert shown["a vote"]["thread_ts"] == parent and shown["the board"]["thread_ts"] is None
