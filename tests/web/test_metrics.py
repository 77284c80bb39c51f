"""/metrics counts what was refused before the app saw it, and its labels stay a fixed set
whatever a request names: the manifest's commands and event types, and "other"."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import yaml

from bot import metrics
from bot.onboarding import views as onboarding_views
from bot.web.server import wsgi_app
from tests.conftest import SIGNING_SECRET
from tests.support.requests import action_body, command_body, sign
from tests.test_guard import JSON, call, environ

ROOT = Path(__file__).resolve().parent.parent.parent  # the repository: its manifest
UNVERIFIED = 'wgbot_requests_total{kind="unverified",outcome="http_401"}'


def post(application: Any, body: str, headers: dict[str, str], **kw: Any) -> int:
    return call(application, environ(body, headers, **kw))[0]


def scrape(application: Any) -> dict[str, float]:
    status, text = call(application, environ(b"", method="GET", path="/metrics"))
    assert status == 200
    samples = {}
    for line in text.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def counted(samples: dict[str, float], kind: str) -> float:
    """Requests of this kind, whatever their outcome."""
    return sum(
        v for k, v in samples.items() if k.startswith(f'wgbot_requests_total{{kind="{kind}"')
    )


def event(kind: str, **fields: Any) -> str:
    return json.dumps(
        {
            "token": "legacy-unused",
            "team_id": "T0001",
            "api_app_id": "A0WGBOT",
            "type": "event_callback",
            "event_id": f"Ev{kind[:8]}{time.monotonic_ns()}",
            "event_time": 1700000000,
            "event": {"type": kind, "event_ts": "1700000000.000100", **fields},
        }
    )


def test_forged_unsigned_and_stale_requests_are_counted(app, seeded):
    application = wsgi_app(app, seeded, SIGNING_SECRET)
    before = scrape(application)
    body = command_body("/talks", "platform-day")
    forged = sign("not-the-secret", body)
    stale = sign(SIGNING_SECRET, body, timestamp=1_000_000_000)
    for headers in ({}, forged, stale, {**forged, "X-Slack-Signature": "v0=zz"}):
        assert post(application, body, headers) == 401
    after = scrape(application)
    assert after[UNVERIFIED] == before.get(UNVERIFIED, 0) + 4
    # and a signed one is counted as what it is, not as refused
    assert post(application, body, sign(SIGNING_SECRET, body)) == 200
    assert scrape(application)[UNVERIFIED] == after[UNVERIFIED]


def test_an_event_or_command_label_is_one_the_manifest_names_or_other(app, seeded):
    application = wsgi_app(app, seeded, SIGNING_SECRET)
    before = scrape(application)
    odd = ["made_up_" + "x" * 200, "team_join\n", "<script>", "a" * 5000]
    for kind in odd:
        body = event(kind)
        assert post(application, body, sign(SIGNING_SECRET, body), content_type=JSON) == 200
    body = event("app_home_opened", user="U1", channel="D1", tab="messages")
    assert post(application, body, sign(SIGNING_SECRET, body), content_type=JSON) == 200
    weird = command_body("/evil-" + "y" * 100, "x")
    post(application, weird, sign(SIGNING_SECRET, weird))
    after = scrape(application)

    kinds = {
        m.group(1)
        for name in after
        if (m := re.match(r'wgbot_requests_total\{kind="([^"]*)"', name))
    }
    events = {k for k in kinds if k.startswith("event:")}
    commands = {k for k in kinds if k.startswith("command:")}
    assert events <= {f"event:{t}" for t in metrics.EVENT_TYPES | {"other"}}, events
    assert commands <= {f"command:{c}" for c in metrics.COMMANDS | {"other"}}, commands

    assert counted(after, "event:other") == counted(before, "event:other") + len(odd)
    assert counted(after, "event:app_home_opened") == counted(before, "event:app_home_opened") + 1
    assert counted(after, "command:other") == counted(before, "command:other") + 1


def test_the_labels_are_the_manifests_commands_and_event_types():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    subscribed = manifest["settings"]["event_subscriptions"]["bot_events"]
    # message.im, message.channels ... all arrive as events of type "message"
    assert {e.split(".")[0] for e in subscribed} == metrics.EVENT_TYPES
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == metrics.COMMANDS


def test_a_listener_that_fails_is_counted_as_an_error_and_still_answered(app, seeded, monkeypatch):
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database on fire")

    # below the catalog's own apology: the failure reaches Bolt's app.error handler
    monkeypatch.setattr("bot.talks.listeners.slack_text", boom)
    application = wsgi_app(app, seeded, SIGNING_SECRET)
    name = 'wgbot_requests_total{kind="command:/talks",outcome="error"}'
    timed = 'wgbot_request_seconds_count{kind="command:/talks"}'
    before = scrape(application)
    body = command_body("/talks", "platform-day")
    status, answer = call(application, environ(body, sign(SIGNING_SECRET, body)))
    assert status == 200
    assert "something went wrong on my side" in json.loads(answer)["text"]
    after = scrape(application)
    assert after[name] == before.get(name, 0) + 1
    assert after[timed] == before.get(timed, 0) + 1


def samples_of(samples: dict[str, float], kind: str) -> dict[str, float]:
    """Requests of this kind by outcome, and how many were timed."""
    found = {
        m.group(1): v
        for k, v in samples.items()
        if (m := re.match(rf'wgbot_requests_total\{{kind="{re.escape(kind)}",outcome="(\w+)"', k))
    }
    found["timed"] = samples.get(f'wgbot_request_seconds_count{{kind="{kind}"}}', 0.0)
    return found


def grew(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: v - before.get(k, 0.0) for k, v in after.items() if v != before.get(k, 0.0)}


def test_each_command_and_action_is_counted_and_timed_once_by_its_ack(app, seeded, background):
    """Through the metrics' middleware: a command whose lazy listeners run after the ack, and
    a button, each counted once as answered, and timed."""
    application = wsgi_app(app, seeded, SIGNING_SECRET)
    before = scrape(application)
    welcome = command_body("/welcome", "", user_id="U0NEW")
    assert post(application, welcome, sign(SIGNING_SECRET, welcome)) == 200
    click = action_body(onboarding_views.COFFEE_LINK, "C0WGPLAT")
    assert post(application, click, sign(SIGNING_SECRET, click)) == 200
    background.settle()  # the lazy listeners have run: they count nothing more
    after = scrape(application)
    assert grew(samples_of(before, "command:/welcome"), samples_of(after, "command:/welcome")) == {
        "ok": 1,
        "timed": 1,
    }
    kind = f"action:{onboarding_views.COFFEE_LINK}"
    assert grew(samples_of(before, kind), samples_of(after, kind)) == {"ok": 1, "timed": 1}


def test_a_request_no_listener_takes_is_counted_as_a_404(app, seeded):
    application = wsgi_app(app, seeded, SIGNING_SECRET)
    before = scrape(application)
    click = action_body("no_such_button", "1")
    assert post(application, click, sign(SIGNING_SECRET, click)) == 404
    after = scrape(application)
    kind = "action:no_such_button"
    assert grew(samples_of(before, kind), samples_of(after, kind)) == {"http_404": 1, "timed": 1}
