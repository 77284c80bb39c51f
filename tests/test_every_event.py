"""Every event the manifest subscribes to, and those Slack sends every app, is acknowledged:
HTTP 200 to a signed request, and an ack over Socket Mode. A 404 ("unhandled request") would
make Slack retry, and count towards switching the app's event subscriptions off."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.payloads import TRANSPORTS, Payload, every, load

ROOT = Path(__file__).resolve().parent.parent  # the repository: its manifest

SENT_TO_EVERY_APP = {"app_uninstalled", "tokens_revoked", "app_rate_limited"}


def subscription(payload: Payload) -> str:
    """The manifest's name for what delivers this payload (message events: message.<type>)."""
    if "event" not in payload.body:
        return payload.body["type"]
    event = payload.event
    if event["type"] == "message":
        return f"message.{event['channel_type']}"
    return event["type"]


def test_the_payload_folder_covers_every_event_the_manifest_can_deliver():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    subscribed = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert "message.im" in subscribed  # people can write to the bot: messages_tab_enabled
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert "im:history" in manifest["oauth_config"]["scopes"]["bot"]  # message.im needs it
    covered = {subscription(p) for p in every() if p.kind == "events_api"}
    assert subscribed | SENT_TO_EVERY_APP <= covered
    for payload in every():
        assert payload.source and payload.adapted, payload.name


@pytest.mark.parametrize("transport", sorted(TRANSPORTS))
@pytest.mark.parametrize("name", [p.name for p in every()])
def test_every_payload_is_acknowledged(app, slack, name, transport):
    payload = load(name)
    if "response_url" in payload.body:  # answers go to the fake, never to hooks.slack.com
        payload = payload.but(response_url=slack.response_url())
    response = TRANSPORTS[transport](app, payload)
    assert response.status == 200, response.body
