"""`wgbot ask` renders Slack's answer for a terminal: emphasis and hyperlinks on a terminal,
plain lines in a pipe, lines fitted to the terminal's width, buttons and menus listed."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.slack.render import render, visible
from tests.talks.test_listeners import run_command

OSC8 = re.compile(r"\x1b\]8;;(https?://[^\x1b]+)\x1b\\")


def test_a_terminal_gets_emphasis_hyperlinks_and_lines_that_fit(app):
    _, body = run_command(app, "/talks", "platform-day")
    shown = render(body["blocks"], width=60, styled=True)
    assert "\x1b[1m" in shown and "\x1b[3m" in shown  # bold titles, italic formats
    assert "*" not in re.sub(r"\x1b\[[0-9;]*m", "", shown)  # no raw mrkdwn marks
    links = OSC8.findall(shown)
    assert any("sched.com/event/1YFdf" in url for url in links)
    plain_lines = [
        re.sub(r"\x1b\]8;;[^\x1b]*\x1b\\|\x1b\[[0-9;]*m", "", x) for x in shown.split("\n")
    ]
    assert not any("https://" in line for line in plain_lines)  # links show their text
    too_long = [x for x in shown.split("\n") if visible(x) > 60 and " " in x.strip()]
    assert too_long == []
    assert "[Details of a talk…]" in shown and "  - Sometimes, Lipstick" in shown  # the menu
    assert "[Share in channel]" in shown


def test_a_pipe_gets_plain_text_and_links_by_their_text(app):
    _, body = run_command(app, "/talks", "platform-day")
    shown = render(body["blocks"])
    assert "\x1b" not in shown and "*" not in shown
    assert "14 talks for Platform Engineering Day" in shown
    assert "(https://" not in shown and "<https://" not in shown
    # a few talks in full: the Follow button beside each is listed too
    _, body = run_command(app, "/talks", "speaker abby bangser")
    shown = render(body["blocks"])
    assert "[Follow]" in shown and "_Talk" not in shown and "Talk · Platform" in shown


def test_wgbot_ask_in_a_pipe_prints_plain_lines(seeded, db_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    result = CliRunner().invoke(main, ["ask", "/talks platform-day"])
    assert result.exit_code == 0, result.output
    assert "14 talks for Platform Engineering Day" in result.output
    assert "\x1b" not in result.output and "*" not in result.output
    assert max(len(line) for line in result.output.split("\n")) < 240


@pytest.mark.slow
def test_wgbot_ask_on_a_terminal_styles_and_wraps(seeded, db_url, tmp_path):
    leader, follower = pty.openpty()
    env = {**os.environ, "DATABASE_URL": db_url, "COLUMNS": "70", "LINES": "40"}
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "/talks platform-day"],
        stdout=follower,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""
    os.close(leader)
    shown = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    assert "\x1b[1m" in shown and OSC8.search(shown)
    assert "14 talks for Platform Engineering Day" in re.sub(r"\x1b\[[0-9;]*m", "", shown)
    lines = shown.split("\n")
    assert all(visible(x) <= 70 for x in lines if " " in x.strip()), max(lines, key=visible)
