"""The WSGI guard in front of Bolt, called as a WSGI app with crafted environs: bounded bodies,
Slack's signature checked before anything parses, and no refused body in the log."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.web.guard import EVENTS_PATH, MAX_BODY, guard
from bot.web.server import wsgi_app
from tests.conftest import SIGNING_SECRET
from tests.support.requests import FORM, bolt_request, command_body, sign

JSON = "application/json"
# what a refused body carries, and must never be logged: a marker and a live response_url
MARKER = "MARKER-7f3a"
LEAK = f"https://hooks.slack.com/commands/T0001/{MARKER}"


class Inner:
    """A stand-in for Bolt's adapter: records what reached it."""

    def __init__(self) -> None:
        self.seen: list[tuple[dict[str, Any], bytes]] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.seen.append((environ, environ["wsgi.input"].read(length)))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"inner"]


class CountingInput:
    """A wsgi.input of `size` bytes, made up as it is read, that counts what was read."""

    def __init__(self, size: int) -> None:
        self.size, self.read_bytes = size, 0

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.read_bytes
        n = left if n is None or n < 0 else min(n, left)
        self.read_bytes += n
        return b"x" * n


def environ(
    body: bytes | str,
    headers: dict[str, str] | None = None,
    *,
    content_type: str = FORM,
    method: str = "POST",
    path: str = EVENTS_PATH,
    length: str | None = None,
    stream: Any = None,
) -> dict[str, Any]:
    raw = body.encode() if isinstance(body, str) else body
    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(raw)) if length is None else length,
        "wsgi.input": stream if stream is not None else io.BytesIO(raw),
    }
    for name, value in (headers or {}).items():
        env["HTTP_" + name.upper().replace("-", "_")] = value
    return env


def call(app: Callable[..., Iterable[bytes]], env: dict[str, Any]) -> tuple[int, bytes]:
    status: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        status.append(line)

    body = b"".join(app(env, start_response))
    return int(status[-1][:3]), body


def signed_with(timestamp: str, body: str, secret: str = SIGNING_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


@pytest.fixture
def inner() -> Inner:
    return Inner()


@pytest.fixture
def guarded(inner: Inner) -> Callable[..., Iterable[bytes]]:
    return guard(inner, SIGNING_SECRET)


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.web.guard"]


def assert_nothing_leaked(caplog: pytest.LogCaptureFixture) -> None:
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert MARKER not in text
    assert "hooks.slack.com" not in text


JUNK = [
    ("a JSON array", f'["{MARKER}", {{"response_url": "{LEAK}"}}]', JSON),
    ("a broken payload=", urlencode({"payload": f'{{"response_url": "{LEAK}", '}), FORM),
    ("a JSON object", json.dumps({"type": "block_actions", "response_url": LEAK}), JSON),
]


@pytest.mark.parametrize(("what", "body", "content_type"), JUNK, ids=[j[0] for j in JUNK])
def test_unsigned_junk_is_refused_with_401_before_anything_parses_it(
    guarded, inner, caplog, what, body, content_type
):
    caplog.set_level(logging.DEBUG)
    status, answer = call(guarded, environ(body, content_type=content_type))
    assert status == 401
    assert answer == b"unsigned\n"
    assert inner.seen == []
    assert refusals(caplog) == [f"refused POST /slack/events ({len(body)} bytes): unsigned"]
    assert_nothing_leaked(caplog)


@pytest.mark.parametrize(("what", "body", "content_type"), JUNK, ids=[j[0] for j in JUNK])
def test_junk_with_a_forged_signature_is_refused_with_401(
    guarded, inner, caplog, what, body, content_type
):
    caplog.set_level(logging.DEBUG)
    headers = sign("forged-secret", body)
    status, answer = call(guarded, environ(body, headers, content_type=content_type))
    assert (status, answer) == (401, b"bad signature\n")
    assert inner.seen == []
    assert_nothing_leaked(caplog)


@pytest.mark.parametrize(
    "timestamp", ["soon", "1e9", " 1700000000", "+1700000000", "١٧٠٠٠٠٠٠٠٠", "9" * 40, "-5"]
)
def test_a_timestamp_that_is_not_a_number_fails_verification(guarded, inner, caplog, timestamp):
    caplog.set_level(logging.DEBUG)
    body = command_body("/talks", MARKER)
    # signed with the right secret over that very timestamp: only its form is wrong
    status, answer = call(guarded, environ(body, signed_with(timestamp, body)))
    assert (status, answer) == (401, b"malformed timestamp\n")
    assert inner.seen == []
    assert refusals(caplog) == [
        f"refused POST /slack/events ({len(body)} bytes): malformed timestamp"
    ]
    assert_nothing_leaked(caplog)


def test_a_missing_timestamp_or_signature_is_unsigned(guarded, inner):
    body = command_body("/talks", "kubecon")
    good = sign(SIGNING_SECRET, body)
    for missing in good:
        headers = {k: v for k, v in good.items() if k != missing}
        assert call(guarded, environ(body, headers)) == (401, b"unsigned\n")
    assert inner.seen == []


def test_a_stale_timestamp_is_refused_even_when_the_signature_is_right(guarded, inner, caplog):
    caplog.set_level(logging.DEBUG)
    body = command_body("/talks", MARKER, response_url=LEAK)
    for skew in (-301, 301, 3600):
        headers = sign(SIGNING_SECRET, body, timestamp=int(time.time()) + skew)
        assert call(guarded, environ(body, headers)) == (401, b"stale timestamp\n")
    assert inner.seen == []
    assert len(refusals(caplog)) == 3
    assert_nothing_leaked(caplog)


def test_malformed_signature_headers_and_bodies_are_refused_not_crashed_on(guarded, inner):
    body = command_body("/talks", "kubecon")
    good = sign(SIGNING_SECRET, body)
    for signature in ("v0=é" + "0" * 63, "v1=" + "0" * 64, good["X-Slack-Signature"].upper(), ""):
        headers = {**good, "X-Slack-Signature": signature}
        status, _ = call(guarded, environ(body, headers))
        assert status == 401, signature
    # not UTF-8, signed over its bytes as an attacker with the secret could
    raw = b"payload=\xff\xfe"
    ts = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256)
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest.hexdigest()}"}
    assert call(guarded, environ(raw, headers)) == (401, b"body is not UTF-8\n")
    assert inner.seen == []


def test_a_body_over_the_cap_is_refused_without_being_read(guarded, inner, caplog):
    caplog.set_level(logging.DEBUG)
    stream = CountingInput(100 * 1024 * 1024)  # 100 MB, declared
    env = environ(b"", sign(SIGNING_SECRET, ""), length=str(stream.size), stream=stream)
    assert call(guarded, env) == (413, b"body over the cap\n")
    assert stream.read_bytes == 0
    assert refusals(caplog) == ["refused POST /slack/events (104857600 bytes): body over the cap"]
    assert inner.seen == []


def test_a_body_of_unknown_length_is_read_one_byte_past_the_cap_at_most(guarded, inner):
    stream = CountingInput(100 * 1024 * 1024)
    env = environ(b"", sign(SIGNING_SECRET, ""), length="", stream=stream)
    env["wsgi.input_terminated"] = True  # chunked: the server ends the stream
    assert call(guarded, env) == (413, b"body over the cap\n")
    assert stream.read_bytes == MAX_BODY + 1
    assert inner.seen == []


def test_a_bad_content_length_is_a_400(guarded, inner):
    for length in ("abc", "-1", "1e3", "١٢"):
        assert call(guarded, environ(b"x", length=length)) == (400, b"bad Content-Length\n")
    assert inner.seen == []


def test_the_cap_admits_the_largest_view_submission_slack_sends(inner):
    body = largest_view_submission()
    assert 2.5 * 2**20 < len(body.encode()) < MAX_BODY  # about 2.9 MiB
    guarded = guard(inner, SIGNING_SECRET)
    status, _ = call(guarded, environ(body, sign(SIGNING_SECRET, body)))
    assert status == 200
    assert inner.seen[0][1] == body.encode()
    # and the cap is a cap: one byte more is refused
    small = guard(inner, SIGNING_SECRET, max_body=len(body.encode()) - 1)
    assert call(small, environ(body, sign(SIGNING_SECRET, body)))[0] == 413


def largest_view_submission() -> str:
    """A 100-block modal, every input filled to its 3,000-character limit with CJK text, its
    2,000-character hints echoed back as Slack echoes the whole view."""
    blocks, values = [], {}
    for i in range(100):
        block_id = f"block_{i:03d}"
        blocks.append(
            {
                "type": "input",
                "block_id": block_id,
                "label": {"type": "plain_text", "text": f"Question {i}"},
                "hint": {"type": "plain_text", "text": "h" * 2000},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "answer",
                    "multiline": True,
                    "max_length": 3000,
                },
            }
        )
        values[block_id] = {"answer": {"type": "plain_text_input", "value": "中" * 3000}}
    payload = {
        "type": "view_submission",
        "team": {"id": "T0001", "domain": "cloud-native"},
        "user": {"id": "U0ADA", "username": "ada", "name": "ada", "team_id": "T0001"},
        "api_app_id": "A0WGBOT",
        "trigger_id": "1337.42.abcd",
        "view": {
            "id": "VBIG",
            "type": "modal",
            "callback_id": "survey",
            "private_metadata": "m" * 3000,
            "blocks": blocks,
            "state": {"values": values},
        },
    }
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)})


def test_a_verified_request_reaches_the_app_with_its_body_intact(guarded, inner, caplog):
    caplog.set_level(logging.DEBUG)
    body = command_body("/talks", "Dev & Ops ✓ kubecon")
    status, answer = call(guarded, environ(body, sign(SIGNING_SECRET, body)))
    assert (status, answer) == (200, b"inner")
    ((env, seen),) = inner.seen
    assert seen == body.encode()
    assert env["CONTENT_LENGTH"] == str(len(body.encode()))
    assert env["HTTP_X_SLACK_SIGNATURE"] == sign(SIGNING_SECRET, body)["X-Slack-Signature"]
    assert refusals(caplog) == []


def test_other_paths_and_methods_pass_through_unread(guarded, inner):
    stream = CountingInput(10)
    env = environ(b"", path="/healthz", method="GET", stream=stream, length="10")
    assert call(guarded, env) == (200, b"inner")
    env = environ(b"", path="/slack/events", method="GET", stream=CountingInput(0), length="0")
    assert call(guarded, env) == (200, b"inner")
    assert len(inner.seen) == 2


# ---- in front of the real app --------------------------------------------------------------


@pytest.fixture
def server_app(app, seeded):
    return wsgi_app(app, seeded, SIGNING_SECRET)


def test_the_server_answers_a_signed_command_through_the_guard(server_app, slack):
    body = command_body("/talks", "platform-day")
    status, raw = call(server_app, environ(body, sign(SIGNING_SECRET, body)))
    assert status == 200
    assert "14 talks" in json.dumps(json.loads(raw)["blocks"])


@pytest.mark.parametrize(("what", "body", "content_type"), JUNK, ids=[j[0] for j in JUNK])
def test_the_server_refuses_unsigned_junk_before_bolt_sees_it(
    server_app, slack, caplog, what, body, content_type
):
    caplog.set_level(logging.DEBUG)
    status, _ = call(server_app, environ(body, content_type=content_type))
    assert status == 401
    assert [c.method for c in slack.calls] == ["auth.test"]  # at start; Bolt never ran
    assert [r.levelno for r in caplog.records if r.name == "bot.web.guard"] == [logging.WARNING]
    assert not [r for r in caplog.records if r.name.startswith("slack_bolt")]
    assert_nothing_leaked(caplog)


SIGNED_JUNK = [
    ("a JSON array", f'["{MARKER}"]', JSON),
    ("a broken payload=", urlencode({"payload": '{"type": "block_actions", '}), FORM),
    ("a payload that is a list", urlencode({"payload": "[1, 2]"}), FORM),
    ("a user that is a number", json.dumps({"type": "event_callback", "user": 5}), JSON),
    ("a team that is a number", urlencode({"payload": json.dumps({"team": 7})}), FORM),
]


@pytest.mark.parametrize(
    ("what", "body", "content_type"), SIGNED_JUNK, ids=[j[0] for j in SIGNED_JUNK]
)
def test_signed_junk_bolt_cannot_read_is_a_400_not_a_500(
    server_app, slack, caplog, what, body, content_type
):
    status, answer = call(
        server_app, environ(body, sign(SIGNING_SECRET, body), content_type=content_type)
    )
    assert (status, answer) == (400, b"malformed request\n")
    (record,) = [r for r in caplog.records if r.name == "bot.web.guard"]
    assert record.getMessage() == f"could not read a signed request ({len(body)} bytes)"
    assert record.exc_info is not None


def test_bolt_never_logs_the_body_of_a_request_it_refuses(app, caplog):
    """Should Bolt refuse a request the guard let through (its own clock a second later, past
    the five minutes), it logs one line without the body."""
    guard(Inner(), SIGNING_SECRET)  # the server builds one at start
    caplog.set_level(logging.DEBUG)
    # Bolt copies the root logger's level when the app is built; a server run at INFO logs this
    caplog.set_level(logging.DEBUG, logger="slack_bolt.RequestVerification")
    body = command_body("/talks", MARKER, response_url=LEAK)
    response = app.dispatch(bolt_request("forged-secret", body))
    assert response.status == 401
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("slack_bolt")]
    assert "Invalid request signature detected (body withheld)" in messages
    assert_nothing_leaked(caplog)
