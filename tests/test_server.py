"""The real `wgbot serve` process, over real HTTP, against the fake Slack Web API."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.processes import HANG
from tests.support.requests import command_body, sign

pytestmark = pytest.mark.slow  # each test starts `wgbot serve` as a process


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(slack, db_url: str, tmp_path: Path):
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),  # and nothing else of the shell
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": db_url,
        "WGBOT_STATE_DIR": str(tmp_path),
        "PORT": str(port),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + HANG  # a guard against a hang: it answers long before
    while True:
        try:
            urllib.request.urlopen(base + "/readyz", timeout=HANG)  # 503 until the bot started
            break
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(proc.stdout.read().decode()) from None
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=HANG)


def _post(url: str, body: str, headers: dict[str, str]) -> tuple[int, bytes]:
    req = urllib.request.Request(
        url,
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
    )
    try:
        with urllib.request.urlopen(req, timeout=HANG) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_signed_command_over_http_is_answered_from_the_seeded_store(server, slack):
    body = command_body("/talks", "platform-day")
    status, raw = _post(server + "/slack/events", body, sign(SIGNING_SECRET, body))
    assert status == 200
    answer = json.loads(raw)
    assert answer["response_type"] == "ephemeral"
    assert "14 talks" in json.dumps(answer["blocks"])
    # the process used the fake Slack we pointed it at (Bolt checks its token with auth.test)
    assert [c.token for c in slack.calls_to("auth.test")] == [BOT_TOKEN]


def test_forged_request_over_http_gets_401(server, slack):
    body = command_body("/talks", "platform-day")
    status, _ = _post(server + "/slack/events", body, sign("forged-secret", body))
    assert status == 401
    assert [c.method for c in slack.calls] == ["auth.test"]  # at start, not for this request


def test_junk_and_oversized_bodies_over_http_are_refused_before_bolt(server, slack):
    status, raw = _post(server + "/slack/events", '["junk", {"payload": 1}]', {})
    assert (status, raw) == (401, b"unsigned\n")
    # a body announced as 100 MB is refused on its headers, before a byte of it is read
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=HANG) as conn:
        conn.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: bot\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 104857600\r\n\r\npayload="
        )
        status_line = conn.makefile("rb").readline()
    assert status_line.split()[1] == b"413"
    assert [c.method for c in slack.calls] == ["auth.test"]  # at start; Bolt never ran
