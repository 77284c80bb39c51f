"""Real `wgbot` processes for tests that must cross a process boundary (serve, SIGTERM, SIGKILL).

Each gets exactly the environment the test gives it (plus PATH), never the shell's.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.support.requests import sign

# Seconds: only a guard against a hang. Every wait here returns as soon as the thing it waits
# for happens (a process exits, answers, writes a line); how long that takes on a busy machine
# is never what a test checks. A test that reaches it has failed, not been slow.
HANG = 300.0

# What a process logs when its stop budget (10 s in all, docs/deploy.md) runs out before its
# work is done. A stop that logs none of these finished its work inside the budget: the
# process's own deadlines prove "within 10 s", not the test's clock.
OUT_OF_TIME = ("requests still in flight", "did not finish within", "still running at shutdown")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bot_env(api_url: str, db_url: str, state_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": db_url,
        "WGBOT_STATE_DIR": str(state_dir),
        **extra,
    }


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    base: str
    log: Path

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=HANG) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def post(self, body: str, content_type: str = "application/x-www-form-urlencoded") -> int:
        req = urllib.request.Request(
            self.base + "/slack/events",
            data=body.encode(),
            method="POST",
            headers={"Content-Type": content_type, **sign(SIGNING_SECRET, body)},
        )
        try:
            with urllib.request.urlopen(req, timeout=HANG) as resp:
                return resp.status
        except urllib.error.HTTPError as err:
            return err.code

    def holds_clock(self) -> bool:
        status, text = self.get("/metrics")
        return status == 200 and "\nwgbot_clock_holder 1.0" in text

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send `sig` and wait for the process to exit; its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return exited(self.proc, self.log)


def exited(proc: subprocess.Popen[bytes], log: Path) -> int:
    """The exit code, once the process has exited; a process still running after HANG is
    killed and the test fails with its output."""
    try:
        return proc.wait(timeout=HANG)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"still running {HANG:.0f} s later:\n{log.read_text()}") from None


def ran_out_of_time(output: str) -> list[str]:
    """The lines saying a stop cut its work short (OUT_OF_TIME); none when it finished it."""
    return [line for line in output.splitlines() if any(w in line for w in OUT_OF_TIME)]


def serve(env: dict[str, str], log: Path) -> Served:
    """Start `wgbot serve`; wait_until_up waits for it to be ready."""
    port = free_port()
    out = open(log, "wb")  # noqa: SIM115 - the process writes to it for its whole life
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    return Served(proc, f"http://127.0.0.1:{port}", log)


def wait_until_up(*servers: Served) -> None:
    """Until each answers /readyz 200: it listens before its bot has started."""
    deadline = time.monotonic() + HANG
    for s in servers:
        while True:
            if s.proc.poll() is not None:
                raise AssertionError(f"serve exited with {s.proc.returncode}:\n{s.output()}")
            try:
                if s.get("/readyz")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                s.proc.kill()
                raise AssertionError(f"serve did not come up:\n{s.output()}")
            time.sleep(0.1)  # polling the process's own answer, not guessing a duration


def wait_for(condition, what: str):  # type: ignore[no-untyped-def]
    """Poll `condition` (another process's answer, a row, a line in its log) until it returns
    something truthy; fail saying `what` did not happen, if it has not after HANG."""
    deadline = time.monotonic() + HANG
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
