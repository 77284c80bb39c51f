"""Slack's request shapes, signed as Slack signs them (v0 HMAC-SHA256 over the raw body)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

from slack_bolt import BoltRequest

FORM = "application/x-www-form-urlencoded"


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def command_body(
    command: str,
    text: str,
    *,
    user_id: str = "U123",
    user_name: str = "ada",
    channel_id: str = "C0WGPLAT",
    response_url: str = "https://hooks.invalid/r",
    team_id: str = "T0001",
    as_typed: bool = True,
) -> str:
    """`text` as the person typed it is sent as Slack sends it: `&`, `<`, `>` escaped. With
    as_typed=False it is sent exactly as given (already in Slack's form)."""
    if as_typed:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return urlencode(
        {
            "token": "legacy-unused",
            "team_id": team_id,
            "team_domain": "cloud-native",
            "channel_id": channel_id,
            "channel_name": "wg-platforms",
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": "A0WGBOT",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": "1337.42.abcd",
        }
    )


def action_body(
    action_id: str,
    value: str,
    *,
    user_id: str = "U123",
    user_name: str = "ada",
    channel_id: str = "C0WGPLAT",
    response_url: str = "https://hooks.invalid/r",
    team_id: str = "T0001",
) -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id},
        "api_app_id": "A0WGBOT",
        "token": "legacy-unused",
        "container": {
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": channel_id,
            "is_ephemeral": True,
        },
        "trigger_id": "1337.42.abcd",
        "team": {"id": team_id, "domain": "cloud-native"},
        "channel": {"id": channel_id, "name": "wg-platforms"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b1",
                "type": "button",
                "value": value,
                "action_ts": "1700000001.000200",
                "text": {"type": "plain_text", "text": "button"},
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def bolt_request(
    secret: str,
    body: str,
    *,
    content_type: str = FORM,
    timestamp: int | None = None,
    headers: dict[str, str] | None = None,
) -> BoltRequest:
    all_headers = {"Content-Type": content_type, **sign(secret, body, timestamp), **(headers or {})}
    return BoltRequest(body=body, headers={k.lower(): [v] for k, v in all_headers.items()})
