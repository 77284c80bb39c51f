"""SIGTERM: a `wgbot serve` that was just asked to close a lean coffee closes and announces it
before it exits, stops answering readiness, frees the clock lease, and exits within its 10 s
stop budget (having logged none of the lines a cut-short stop logs)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.sandbox.web_api import WebApi
from bot.store import Store
from bot.store.models import CoffeeMeetup
from tests.processes import (
    HANG,
    bot_env,
    exited,
    ran_out_of_time,
    serve,
    wait_for,
    wait_until_up,
)
from tests.support.requests import command_body

pytestmark = pytest.mark.slow  # each test starts and stops the bot as a process

CHANNEL = "C0STOP"


def test_sigterm_right_after_an_ack_finishes_the_promised_work(
    slack: WebApi, db_url: str, tmp_path: Path
):
    env = bot_env(slack.api_url, db_url, tmp_path, WGBOT_ORGANISERS="U123")
    bot = serve(env, tmp_path / "serve.log")
    try:
        wait_until_up(bot)
        wait_for(bot.holds_clock, "the only process to hold the clock")
        # a weekly meetup at most a week away: its collection is open now, whatever today is
        steps = ("schedule every week monday 09:00 UTC collect 7d vote 1h",)
        for n, text in enumerate(steps, start=1):
            url = slack.response_url(f"r{n}")
            assert (
                bot.post(command_body("/coffee", text, channel_id=CHANNEL, response_url=url)) == 200
            )
            assert len(slack.wait_for("response_url", n, timeout=HANG)) == n

        body = command_body(
            "/coffee", "close", channel_id=CHANNEL, response_url=slack.response_url("r9")
        )
        assert bot.post(body) == 200  # acknowledged: "Working on it…"
        bot.proc.send_signal(signal.SIGTERM)
        assert exited(bot.proc, bot.log) == 0
        output = bot.output()
        assert "Traceback" not in output, output
        assert ran_out_of_time(output) == []  # all done inside the stop budget
        assert "will be unused" not in output  # Bolt's alarming, harmless start-up warning
        assert "released the clock lease" in output

        store = Store(db_url)
        with store.session() as db:
            states = list(db.scalars(select(CoffeeMeetup.state).order_by(CoffeeMeetup.id)))
        store.dispose()
        assert states[0] == "closed"  # the close the ack promised happened
        answer = slack.calls_to("response_url")[-1].params["text"]
        assert "now closed" in answer
        posted = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL]
        assert any("agenda" in (c.params.get("text") or "").lower() for c in posted)
    finally:
        if bot.proc.poll() is None:
            bot.proc.kill()
            bot.proc.wait()
