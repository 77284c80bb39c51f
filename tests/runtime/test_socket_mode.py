"""`wgbot run`: the bot over Socket Mode, as a real process on a real WebSocket.

The fake Slack hands out the socket's address (apps.connections.open); a local WebSocket
server plays Slack's end of it: it says hello, sends a slash command and a join in envelopes
as Slack does, and keeps what the bot acknowledges.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from bot.sandbox.web_api import WebApi
from bot.slack.block_kit import payload_problems
from tests.onboarding.conftest import envelope, newcomer, team_join
from tests.processes import HANG, bot_env, exited, ran_out_of_time, wait_for
from tests.support.requests import command_body

pytestmark = pytest.mark.slow  # `wgbot run` as a process, over a real socket


class SlackSocket:
    """Slack's end of Socket Mode: sends envelopes, keeps the acks by envelope id."""

    def __init__(self) -> None:
        self.acks: dict[str, dict[str, Any]] = {}
        self.connection: ServerConnection | None = None
        self.closed = threading.Event()
        self.server: Server = serve(self._connected, "127.0.0.1", 0)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/link/?ticket=test"

    def _connected(self, ws: ServerConnection) -> None:
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "applink-test", "approximate_connection_time": 18060},
            "connection_info": {"app_id": "A0WGBOT"},
        }
        ws.send(json.dumps(hello))
        self.connection = ws
        try:
            for raw in ws:
                message = json.loads(raw)
                if "envelope_id" in message:
                    self.acks[message["envelope_id"]] = message
        except ConnectionClosed:
            pass
        self.closed.set()

    def send(self, envelope_id: str, kind: str, payload: dict[str, Any]) -> None:
        assert self.connection is not None
        self.connection.send(
            json.dumps(
                {
                    "envelope_id": envelope_id,
                    "type": kind,
                    "payload": payload,
                    "accepts_response_payload": kind != "events_api",
                    **({"retry_attempt": 0, "retry_reason": ""} if kind == "events_api" else {}),
                }
            )
        )

    def ack(self, envelope_id: str) -> dict[str, Any] | None:
        return self.acks.get(envelope_id)

    def close(self) -> None:
        self.server.shutdown()


def test_wgbot_run_answers_and_welcomes_over_a_real_socket_and_stops_on_sigterm(
    slack: WebApi, db_url: str, tmp_path: Path
):
    socket = SlackSocket()
    slack.answer("apps.connections.open", {"ok": True, "url": socket.url})
    env = bot_env(slack.api_url, db_url, tmp_path, SLACK_APP_TOKEN="xapp-1-A0WGBOT-1-test")
    env.pop("SLACK_SIGNING_SECRET")  # Socket Mode needs no signing secret
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for(lambda: socket.connection, "wgbot run to open its socket")
        opened = slack.calls_to("apps.connections.open")
        assert opened and opened[0].token == "xapp-1-A0WGBOT-1-test"

        # a slash command: answered in the ack, from the catalog seeded at start
        command = dict(parse_qsl(command_body("/talks", "platform-day")))
        socket.send("env-talks", "slash_commands", command)
        ack = wait_for(lambda: socket.ack("env-talks"), "the ack of /talks")
        answer = ack["payload"]
        assert payload_problems("response_url", answer) == []
        shown = json.dumps(answer)
        assert "Platform Engineering Day" in shown and "14 talks" in shown

        # a join: acknowledged at once, then welcomed by DM (this process holds the clock)
        socket.send("env-join", "events_api", json.loads(envelope(team_join(newcomer("U0SOCK")))))
        wait_for(lambda: socket.ack("env-join"), "the ack of team_join")
        dm = "D0SOCK"  # the fake Slack's DM channel with U0SOCK (conversations.open)
        wait_for(
            lambda: [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == dm],
            "the welcome DM",
        )
        welcome = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == dm]
        assert len(welcome) == 1 and "welcome" in welcome[0].params["text"].lower()

        proc.send_signal(signal.SIGTERM)
        assert exited(proc, log) == 0
        assert socket.closed.wait(HANG), "the socket is closed on the way out"
        output = log.read_text(errors="replace")
        assert "Traceback" not in output, output
        assert ran_out_of_time(output) == []  # all done inside the stop budget
        assert "xapp-1-A0WGBOT-1-test" not in output and "xoxb-" not in output  # no secrets
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        socket.close()
