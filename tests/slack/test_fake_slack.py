"""The fake Slack refuses what the real one refuses: Block Kit past its limits, in messages and
in views, answered `invalid_blocks` and kept, so the suite fails on a payload Slack would drop."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.sandbox.people import CHANNEL
from bot.sandbox.web_api import WebApi
from bot.sandbox.workspace import Workspace


@pytest.fixture
def fake() -> Iterator[WebApi]:
    """A fake of its own, outside the check that fails a test on any refused payload: these
    tests send bad payloads on purpose."""
    with WebApi() as f:
        yield f


def client(fake: WebApi) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=[])


def sections(n: int) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": f"line {i}"}} for i in range(n)]


def modal(blocks: list[dict[str, Any]], title: str = "Lean coffee topic") -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "coffee_propose",
        "title": {"type": "plain_text", "text": title},
        "blocks": blocks,
    }


def refused(fake: WebApi, call: Any) -> str:
    with pytest.raises(SlackApiError) as err:
        call()
    assert err.value.response["error"] == "invalid_blocks"
    return "; ".join(fake.invalid[-1].problems)


def test_a_message_takes_up_to_50_blocks(fake):
    web = client(fake)
    web.chat_postMessage(channel="C1", text="fifty", blocks=sections(50))
    reason = refused(
        fake, lambda: web.chat_postMessage(channel="C1", text="x", blocks=sections(51))
    )
    assert "1 to 50 blocks, not 51" in reason
    assert refused(fake, lambda: web.chat_update(channel="C1", ts="1.2", text="x", blocks=[]))
    # what Slack refused never reached the channel
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == ["fifty"]
    assert fake.calls_to("chat.update") == []
    assert [v.call.method for v in fake.invalid] == ["chat.postMessage", "chat.update"]


def test_a_messages_blocks_text_adds_up_to_at_most_12000_characters(fake):
    """Slack refuses more (msg_blocks_too_long): every text object counts, buttons' too."""
    web = client(fake)
    full = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3000}} for _ in range(4)]
    web.chat_postMessage(channel="C1", text="exactly 12,000", blocks=full)
    button = {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": "go"}
    over = [*full, {"type": "actions", "elements": [button]}]
    reason = refused(fake, lambda: web.chat_postMessage(channel="C1", text="x", blocks=over))
    assert "adds up to 12,002 characters" in reason and "msg_blocks_too_long" in reason
    hook = WebhookClient(fake.response_url("long"))
    assert json.loads(hook.send(text="x", blocks=over).body)["error"] == "invalid_blocks"
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == ["exactly 12,000"]


def test_each_block_is_checked_against_its_own_limits(fake):
    web = client(fake)
    long_button = {
        "type": "actions",
        "elements": [
            {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "b" * 76}}
        ],
    }
    for bad, why in [
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3001}}], "3000"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "150"),
        ([long_button], "75"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "colour": "red"}], "know"),
        ([{"type": "no_such_block"}], "no_such_block"),
    ]:

        def post(blocks: list = bad) -> Any:
            return web.chat_postEphemeral(channel="C1", user="U1", text="x", blocks=blocks)

        reason = refused(fake, post)
        assert why in reason, (bad, reason)
    assert fake.calls_to("chat.postEphemeral") == []


def test_a_modal_takes_up_to_100_blocks_and_a_title_of_24(fake):
    web = client(fake)
    web.views_open(trigger_id="1.2.3", view=modal(sections(100)))
    web.views_publish(user_id="U1", view={"type": "home", "blocks": sections(100)})
    assert "between 1 and 100 blocks" in refused(
        fake, lambda: web.views_open(trigger_id="1.2.3", view=modal(sections(101)))
    )
    assert "title must be between 1 and 24 characters" in refused(
        fake, lambda: web.views_open(trigger_id="1.2.3", view=modal(sections(1), title="t" * 25))
    )
    metadata = {**modal(sections(1)), "private_metadata": "m" * 3001}
    assert "private_metadata" in refused(
        fake, lambda: web.views_update(view_id="V1", view=metadata)
    )
    assert [c.method for c in fake.calls] == ["views.open", "views.publish"]


def test_a_post_to_a_response_url_is_checked_too(fake):
    hook = WebhookClient(fake.response_url("r9"))
    assert hook.send(text="ok", blocks=sections(2)).status_code == 200
    answer = hook.send(text="too many", blocks=sections(51))
    assert json.loads(answer.body) == {
        "ok": False,
        "error": "invalid_blocks",
        "errors": ["a message takes 1 to 50 blocks, not 51"],
    }
    assert [c.params["text"] for c in fake.calls_to("response_url")] == ["ok"]
    assert str(fake.invalid[0]).startswith("response_url (/response/r9): a message takes")


pytest_plugins = ["pytester"]


def test_a_test_whose_fake_slack_was_sent_invalid_blocks_fails(pytester):
    """The suite's own fixture turns any refused payload into a failed test."""
    pytester.makeconftest("from tests.conftest import slack, slack_refused_nothing  # noqa")
    pytester.makepyfile(
        """
        from slack_sdk import WebClient
        from slack_sdk.errors import SlackApiError

        def test_posts_too_many_blocks(slack):
            web = WebClient(token="x", base_url=slack.api_url, retry_handlers=[])
            try:  # as the bot's work after an ack does: the error is logged, not raised
                web.chat_postMessage(channel="C1", text="x", blocks=[{"type": "divider"}] * 51)
            except SlackApiError:
                pass

        def test_posts_a_valid_message(slack):
            web = WebClient(token="x", base_url=slack.api_url, retry_handlers=[])
            web.chat_postMessage(channel="C1", text="x", blocks=[{"type": "divider"}])
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*Slack would have refused:*", "*a message takes 1 to 50 blocks*"])


def test_a_stall_answers_as_usual_once_released(fake):
    """status 200 with `hold`: Slack is slow, not failing; the caller waits, then succeeds."""
    release = threading.Event()
    stall = fake.fail("chat.postMessage", 200, hold=release)
    answers: list[Any] = []
    caller = threading.Thread(
        target=lambda: answers.append(client(fake).chat_postMessage(channel="C1", text="late"))
    )
    caller.start()
    assert stall.met.wait(10)
    assert fake.calls_to("chat.postMessage") == [] and answers == []  # still inside the stall
    release.set()
    caller.join(10)
    assert answers and answers[0]["ok"]
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == ["late"]
    assert fake.refused == []


def test_the_sandbox_plays_slack_with_the_same_checks_and_faults():
    """Over a workspace (the sandbox), the one fake refuses what Slack refuses, showing why on
    the page, and misbehaves on demand, as it does for the tests."""
    workspace = Workspace()
    with WebApi(workspace) as api:
        web = client(api)
        with pytest.raises(SlackApiError) as err:
            web.chat_postMessage(channel=CHANNEL, text="x", blocks=sections(51))
        assert err.value.response["error"] == "invalid_blocks"
        assert "1 to 50 blocks, not 51" in workspace.notices[-1].text

        api.fail("chat.postMessage", 429, retry_after=7)
        with pytest.raises(SlackApiError) as err:
            web.chat_postMessage(channel=CHANNEL, text="too soon")
        assert err.value.response.status_code == 429
        assert err.value.response.headers["Retry-After"] == "7"

        web.chat_postMessage(channel=CHANNEL, text="on time")
    assert [m.text for m in workspace.all_messages()] == ["on time"]
    assert [v.call.method for v in api.invalid] == ["chat.postMessage"]
    assert [c.params["text"] for c in api.refused] == ["too soon"]
