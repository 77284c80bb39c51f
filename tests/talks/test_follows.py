"""Following a talk: the button, the DM owed when an import moves or withdraws it, and
`wgbot import --announce`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.app import Features
from bot.cli import main
from bot.importers.pipeline import import_files
from bot.store import Store
from bot.store.models import ChannelMessage, OutboxMessage, Talk, TalkFollow
from bot.talks import views
from tests.blocks import all_text, assert_valid_blocks
from tests.conftest import CATALOG, SIGNING_SECRET
from tests.support.requests import action_body, bolt_request, command_body

KCP = "Building a Platform Engineering API Layer with kcp"
LEGO = (
    "Keeping the Bricks Flowing: The LEGO Group's Approach to Platform Engineering for "
    "Manufacturing"
)


def follow_buttons(app) -> dict[str, str]:
    """Title -> the Follow button's value, from the answer to `/talks kcp`."""
    response = app.dispatch(bolt_request(SIGNING_SECRET, command_body("/talks", "kcp")))
    body = json.loads(response.body)
    assert_valid_blocks(body["blocks"])
    out = {}
    for block in body["blocks"]:
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == views.FOLLOW:
            out[block["text"]["text"]] = accessory["value"]
    return out


def click(app, slack, action_id: str, value: str, user: str = "U123") -> dict:
    url = slack.response_url(f"{action_id}-{user}-{len(slack.calls)}")
    req = bolt_request(
        SIGNING_SECRET, action_body(action_id, value, user_id=user, response_url=url)
    )
    assert app.dispatch(req).status == 200
    calls = slack.wait_for("response_url", count=len(slack.calls_to("response_url")) + 1)
    return calls[-1].params


def kcp_value(app) -> str:
    return next(v for text, v in follow_buttons(app).items() if KCP in text)


def test_follow_and_unfollow_from_a_talk_answer(app, slack, seeded):
    value = kcp_value(app)
    answer = click(app, slack, views.FOLLOW, value)
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert f"Following *{KCP}*" in all_text(answer["blocks"])
    with seeded.session() as s:
        (row,) = s.scalars(select(TalkFollow)).all()
        assert (row.team_id, row.user_id, row.conference) == ("T0001", "U123", "kubecon-eu-2024")
    click(app, slack, views.FOLLOW, value)  # twice is the same as once
    with seeded.session() as s:
        assert s.scalar(select(func.count()).select_from(TalkFollow)) == 1
    answer = click(app, slack, views.UNFOLLOW, value)
    assert "no longer follow" in all_text(answer["blocks"])
    with seeded.session() as s:
        assert s.scalar(select(func.count()).select_from(TalkFollow)) == 0


def test_a_follow_button_for_a_talk_that_is_gone_says_so(app, slack, seeded):
    answer = click(app, slack, views.FOLLOW, "999999")
    assert "no longer in the catalog" in all_text(answer["blocks"])
    with seeded.session() as s:
        assert s.scalar(select(func.count()).select_from(TalkFollow)) == 0


def _edited(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    edit(data["talks"])
    path = tmp_path / "kubecon-eu-2024.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_moving_a_followed_talk_owes_each_follower_one_dm(app, slack, seeded, settings, tmp_path):
    value = kcp_value(app)
    click(app, slack, views.FOLLOW, value, user="U1")
    click(app, slack, views.FOLLOW, value, user="U2")

    def move(talks):
        kcp = next(t for t in talks if t["title"] == KCP)
        kcp["date"] = "2024-03-21"

    moved = _edited(tmp_path, move)
    (result,) = import_files(seeded, [moved])
    assert result.report.changed == [KCP] and result.notices == 2
    (again,) = import_files(seeded, [moved])  # the same file again: nobody is told twice
    assert again.notices == 0 and not again.report.touched

    sender = Features(settings, seeded).onboarding.sender
    assert sender.drain() == 2
    posts = slack.calls_to("chat.postMessage")
    assert sorted(p.params["channel"] for p in posts) == ["D1", "D2"]
    text = all_text(posts[0].params["blocks"])
    assert "A talk you follow changed" in text and KCP in text
    assert "now Thu 21 Mar (was Tue 19 Mar)" in text
    assert not slack.calls_to("users.info")  # a notice greets nobody by name
    with seeded.session() as s:
        states = s.scalars(select(OutboxMessage.state)).all()
    assert states == ["sent", "sent"]


def test_withdrawing_a_followed_talk_tells_its_followers_and_ends_the_follow(
    app, slack, seeded, settings, tmp_path
):
    click(app, slack, views.FOLLOW, kcp_value(app), user="U1")
    gone = _edited(
        tmp_path, lambda talks: talks.remove(next(t for t in talks if t["title"] == KCP))
    )
    (result,) = import_files(seeded, [gone])
    assert result.report.removed == [KCP] and result.notices == 1
    with seeded.session() as s:
        assert s.scalar(select(func.count()).select_from(TalkFollow)) == 0
        assert s.scalar(select(func.count()).select_from(Talk).where(Talk.title == KCP)) == 0
    Features(settings, seeded).onboarding.sender.drain()
    (post,) = slack.calls_to("chat.postMessage")
    assert "has been withdrawn" in all_text(post.params["blocks"])


def test_a_dry_run_owes_nothing(app, slack, seeded, tmp_path):
    click(app, slack, views.FOLLOW, kcp_value(app), user="U1")

    def move(talks):
        next(t for t in talks if t["title"] == KCP)["date"] = "2024-03-21"

    (result,) = import_files(seeded, [_edited(tmp_path, move)], dry_run=True)
    assert result.notices == 1  # what would happen is reported...
    with seeded.session() as s:  # ...and nothing is kept
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.slow
def test_import_announces_the_changes_in_a_channel(slack, db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["import", str(CATALOG)]).exit_code == 0

    def edit(talks):  # one renamed, one moved, one withdrawn, one added: exactly four changes
        next(t for t in talks if t["title"] == KCP)["title"] = "<!channel> kcp & friends"
        moved = next(t for t in talks if t["title"] == LEGO)
        moved["date"] = "2024-03-22"
        talks.pop()
        talks.append({**talks[1], "id": "NEW1", "title": "A brand new talk", "url": None})

    changed = _edited(tmp_path, edit)
    refused = runner.invoke(main, ["import", str(changed), "--announce", "C0ANN"])
    assert refused.exit_code != 0 and "SLACK_BOT_TOKEN" in refused.output
    assert "0 added" not in refused.output  # refused before anything was written
    assert not slack.calls_to("chat.postMessage")

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    done = runner.invoke(main, ["import", str(changed), "--announce", "C0ANN"])
    assert done.exit_code == 0, done.output
    assert "announced in C0ANN" in done.output
    (post,) = slack.calls_to("chat.postMessage")
    assert post.params["channel"] == "C0ANN"
    assert_valid_blocks(post.params["blocks"])
    text = all_text(post.params["blocks"])
    assert "1 added, 2 changed, 1 withdrawn" in text
    assert "A brand new talk" in text and LEGO in text
    assert "&lt;!channel&gt; kcp &amp; friends" in text and "<!channel>" not in text
    again = runner.invoke(main, ["import", str(changed), "--announce", "C0ANN"])
    assert "nothing changed: no announcement" in again.output
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_an_announcement_slack_refuses_is_owed_and_posted_later_once(
    slack, db_url, settings, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    runner = CliRunner()
    assert runner.invoke(main, ["import", str(CATALOG)]).exit_code == 0

    def edit(talks):
        talks.append({**talks[1], "id": "NEW1", "title": "A brand new talk", "url": None})

    slack.fail("chat.postMessage", 500, times=2)
    done = runner.invoke(main, ["import", str(_edited(tmp_path, edit)), "--announce", "C0ANN"])
    assert done.exit_code == 0, done.output
    assert "Slack did not take its announcement yet" in done.output
    assert slack.calls_to("chat.postMessage") == []
    # the running bot drains what is owed as its clock passes the back-off
    store = Store(db_url)
    try:
        with store.session() as db:
            owed = db.scalars(select(ChannelMessage)).one()
            assert (owed.state, owed.attempts) == ("pending", 1)
        now = [owed.due_at]
        features = Features(settings, store, lambda: now[0])
        for _ in range(3):
            now[0] += dt.timedelta(minutes=1)
            features.courier.drain()
        (post,) = slack.calls_to("chat.postMessage")
        assert post.params["channel"] == "C0ANN"
        assert "A brand new talk" in all_text(post.params["blocks"])
        features.courier.drain()
        assert len(slack.calls_to("chat.postMessage")) == 1
    finally:
        store.dispose()
