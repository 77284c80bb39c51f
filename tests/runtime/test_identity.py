"""The bot's token is checked once at start, riding out Slack's 429s and 5xx; a refused token
stops the start with a message that says what to do."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bot.sandbox.web_api import WebApi
from bot.slack.identity import TokenRefused, verify_token
from tests.conftest import BOT_TOKEN


def test_retries_429_and_5xx_then_knows_who_it_is(slack: WebApi):
    slack.fail("auth.test", 429, retry_after=3)
    slack.fail("auth.test", 503)
    waits: list[float] = []
    client = WebClient(token=BOT_TOKEN, base_url=slack.api_url, retry_handlers=[])
    who = verify_token(client, sleep=waits.append)
    assert waits == [3.0, 2.0]  # Retry-After, then the back-off
    assert (who.team_id, who.bot_user_id, who.bot_token) == ("T0001", "UBOT", BOT_TOKEN)
    assert len(slack.calls_to("auth.test")) == 1


def test_a_refused_token_fails_at_once_and_an_outage_after_the_last_try(slack: WebApi):
    slack.answer("auth.test", {"ok": False, "error": "invalid_auth"})
    client = WebClient(token="xoxb-wrong", base_url=slack.api_url, retry_handlers=[])
    with pytest.raises(TokenRefused, match=r"refused SLACK_BOT_TOKEN \(invalid_auth\)"):
        verify_token(client, sleep=lambda _: pytest.fail("no retry for a wrong token"))
    slack.answer("auth.test", None)
    slack.fail("auth.test", 500, times=3)
    with pytest.raises(TokenRefused, match=r"Could not verify SLACK_BOT_TOKEN.*500"):
        verify_token(client, attempts=3, sleep=lambda _: None)
