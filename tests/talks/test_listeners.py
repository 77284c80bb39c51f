"""/talks and /speakers driven as Slack drives them: signed requests into the Bolt app."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from bot.store.models import Talk
from bot.talks import views
from tests.blocks import all_text, assert_valid_blocks
from tests.conftest import SIGNING_SECRET
from tests.support.requests import action_body, bolt_request, command_body


def run_command(app, command: str, text: str, **kw):
    response = app.dispatch(bolt_request(SIGNING_SECRET, command_body(command, text, **kw)))
    body = json.loads(response.body) if response.body else {}
    if body.get("blocks"):  # an ack never passes through the fake Slack: check it here
        assert_valid_blocks(body["blocks"])
    return response, body


def test_talks_platform_day_lists_the_event_privately(app, slack, background):
    response, body = run_command(app, "/talks", "platform-day")
    assert response.status == 200
    assert body["response_type"] == "ephemeral"
    assert_valid_blocks(body["blocks"])
    text = all_text(body["blocks"])
    assert "14 talks" in text and "Platform Engineering Day" in text
    assert "*<https://colocatedeventseu2024.sched.com/event/1YFe7/" in text  # linked title
    assert "Bryan Oliver (Thoughtworks), Ranbir Chawla (Ritchie Bros)" in text
    assert "Lightning talk" in text and "Panel" in text
    # the day as a date token (each reader's zone), the conference's own as the fallback
    assert "*<!date^1710846000^{date_long}|Tuesday 19 March 2024>*" in text
    # one line a talk, all 14 in this one answer, details on demand
    lines = [line for line in text.splitlines() if line.startswith("*<https://")]
    assert len(lines) == 14
    elements = [e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert views.MORE_TALKS not in {e["action_id"] for e in elements}
    (menu,) = [e for e in elements if e["action_id"] == views.DETAILS]
    assert len(menu["options"]) == 14
    # answered inside the ack: nothing else reached Slack, then or after
    background.settle()
    assert [c.method for c in slack.calls if c.method != "auth.test"] == []


def test_more_button_pages_through_response_url(app, slack):
    _, body = run_command(app, "/talks", "kubecon-eu-2024")
    buttons = [e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    more = next(b for b in buttons if b["action_id"] == views.MORE_TALKS)
    first_page = all_text(body["blocks"])

    req = bolt_request(
        SIGNING_SECRET,
        action_body(views.MORE_TALKS, more["value"], response_url=slack.response_url("more")),
    )
    assert app.dispatch(req).status == 200
    (call,) = slack.wait_for("response_url")
    assert call.path == "/response/more"
    assert call.params["replace_original"] is True
    assert_valid_blocks(call.params["blocks"])
    second = all_text(call.params["blocks"])
    assert "26–27" in second
    assert "Navigating the Depth of App Delivery" in second  # the undated talk, last
    assert "Navigating the Depth of App Delivery" not in first_page
    # the last page has no More button, and every talk was on exactly one page
    ids = [
        e["action_id"]
        for b in call.params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert views.MORE_TALKS not in ids


def test_share_posts_publicly_under_the_sharers_name_and_removes_the_private_copy(app, slack):
    slack.users["U123"] = {"name": "grace", "profile": {"display_name": "Grace H. <3"}}
    _, body = run_command(app, "/talks", "speaker whitney lee")
    share = next(
        e
        for b in body["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == views.SHARE_TALKS
    )
    req = bolt_request(
        SIGNING_SECRET,
        action_body(
            views.SHARE_TALKS, share["value"], user_name="grace", response_url=slack.response_url()
        ),
    )
    assert app.dispatch(req).status == 200
    public, delete = slack.wait_for("response_url", 2)
    assert public.params["response_type"] == "in_channel"
    assert public.params["replace_original"] is False
    assert_valid_blocks(public.params["blocks"])
    text = all_text(public.params["blocks"])
    assert "Sometimes, Lipstick Is Exactly What a Pig Needs!" in text
    assert "Shared by Grace H. &lt;3" in text  # the display name (escaped), not the handle
    assert "<@" not in text  # naming the sharer must not ping them
    assert not [b for b in public.params["blocks"] if b["type"] == "actions"]
    assert delete.params["delete_original"] is True


def test_near_miss_answers_with_did_you_mean(app):
    _, body = run_command(app, "/talks", "platfrom-day")
    text = all_text(body["blocks"])
    assert "Did you mean *Platform Engineering Day*" in text
    assert "14 talks" in text


def test_hostile_text_is_escaped_and_never_pings(app):
    _, body = run_command(app, "/talks", "<!channel> <@U999> & friends")
    assert_valid_blocks(body["blocks"])
    text = all_text(body["blocks"]) + body["text"]
    assert "<!channel>" not in text and "<@U999>" not in text
    assert "&lt;!channel&gt;" in text


def test_ten_thousand_characters_get_a_clear_answer(app, seeded):
    with seeded.session() as s:
        before = s.scalar(select(func.count()).select_from(Talk))
    _, body = run_command(app, "/talks", "a" * 10_000)
    assert_valid_blocks(body["blocks"])
    assert "10,000 characters" in all_text(body["blocks"])
    with seeded.session() as s:
        assert s.scalar(select(func.count()).select_from(Talk)) == before


def test_help_shows_catalog_and_examples(app):
    for text in ("", "help"):
        _, body = run_command(app, "/talks", text)
        assert_valid_blocks(body["blocks"])
        shown = all_text(body["blocks"])
        assert "KubeCon + CloudNativeCon Europe 2024" in shown and "27 talks" in shown
        assert "`platform-day` Platform Engineering Day: 14" in shown
        for example in (
            "/talks day 1",
            "/talks speaker",
            "/talks company",
            "/talks panels",
            "/speakers",
        ):
            assert example in shown


def test_speakers_card_and_company_listing(app):
    _, body = run_command(app, "/speakers", "thomas vitale")
    assert_valid_blocks(body["blocks"])
    text = all_text(body["blocks"])
    assert "*Thomas Vitale*" in text
    # each talk says which company it was given for
    assert "Unlocking New Platform Experiences with Open Interfaces> · for Systematic" in text
    assert "Unlocking New Platform Experiences with Open Interfaces" in text
    assert "Building AI-Ready Platforms" in text

    _, body = run_command(app, "/speakers", "syntasso")
    text = all_text(body["blocks"])
    assert "2 speakers" in text and "Abby Bangser" in text and "Derik Evangelista" in text


def test_speakers_near_miss_and_none(app):
    _, body = run_command(app, "/speakers", "whitny le")
    assert "Did you mean *Whitney Lee*" in all_text(body["blocks"])
    _, body = run_command(app, "/speakers", "nobody at all here")
    assert "No speaker or company matches" in all_text(body["blocks"])


def test_forged_or_stale_signature_is_refused_and_does_nothing(app, slack, background):
    body = command_body("/talks", "platform-day")
    forged = bolt_request("not-the-secret-at-all", body)
    assert app.dispatch(forged).status == 401
    stale = bolt_request(SIGNING_SECRET, body, timestamp=int(time.time()) - 6 * 60)
    assert app.dispatch(stale).status == 401
    share = bolt_request(
        "wrong",
        action_body(views.SHARE_TALKS, '{"q":"x","o":0}', response_url=slack.response_url()),
    )
    assert app.dispatch(share).status == 401
    background.settle()  # a refused request starts no work: nothing is running, nothing came
    assert [c.method for c in slack.calls] == ["auth.test"]  # the app's start-up check


def test_a_failure_answers_politely_not_with_a_trace(app, seeded, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("bot.talks.listeners.answer_talks", boom)
    response, body = run_command(app, "/talks", "platform-day")
    assert response.status == 200
    text = all_text(body["blocks"])
    assert "something went wrong on my side" in text
    assert "database on fire" not in text and "Traceback" not in text


def test_tampered_button_value_reads_as_help(app, slack):
    req = bolt_request(
        SIGNING_SECRET,
        action_body(views.MORE_TALKS, "not json at all", response_url=slack.response_url()),
    )
    assert app.dispatch(req).status == 200
    (call,) = slack.wait_for("response_url")
    assert_valid_blocks(call.params["blocks"])
    assert "Conference talks" in all_text(call.params["blocks"])


def test_a_query_sent_escaped_as_slack_sends_it_is_decoded_once(app):
    # Slack sends "Dev & Ops" as "Dev &amp; Ops"; the answer quotes the words as typed, escaped once
    _, body = run_command(app, "/talks", "zzqx & <yy>")
    text = all_text(body["blocks"]) + body["text"]
    assert "zzqx &amp; &lt;yy&gt;" in text
    assert "&amp;amp;" not in text and "&amp;lt;" not in text
