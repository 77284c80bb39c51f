"""Real Slack payloads, each file noting where its shape comes from and what was adapted (ids of
the test workspace), and the two ways Slack delivers them: a signed HTTP request, or a Socket
Mode envelope dispatched as slack_bolt's SocketModeHandler does (its BoltResponse is the ack)."""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_sdk.socket_mode.request import SocketModeRequest

from tests.conftest import SIGNING_SECRET
from tests.support.requests import FORM, bolt_request

FOLDER = Path(__file__).parent
_envelopes = itertools.count(1)


@dataclass(frozen=True)
class Payload:
    name: str
    source: str  # where the shape comes from
    adapted: str  # what was changed to fit the test workspace
    kind: str  # the Socket Mode envelope type: events_api, interactive, slash_commands
    body: dict[str, Any]

    @property
    def event(self) -> dict[str, Any]:
        return self.body["event"]

    def but(self, **changes: Any) -> Payload:
        """A copy with top-level body fields replaced."""
        body = copy.deepcopy(self.body)
        body.update(changes)
        return Payload(self.name, self.source, self.adapted, self.kind, body)

    def but_event(self, **changes: Any) -> Payload:
        """A copy with fields of the inner event replaced (a new event_id: Slack's own retries
        keep it, a new delivery does not)."""
        body = copy.deepcopy(self.body)
        body["event"].update(changes)
        body["event_id"] = f"{body.get('event_id', 'Ev')}x{next(_envelopes)}"
        return Payload(self.name, self.source, self.adapted, self.kind, body)


def load(name: str) -> Payload:
    data = json.loads((FOLDER / f"{name}.json").read_text(encoding="utf-8"))
    assert set(data) == {"source", "adapted", "kind", "body"}, name
    return Payload(name, data["source"], data["adapted"], data["kind"], data["body"])


def every() -> list[Payload]:
    return [load(p.stem) for p in sorted(FOLDER.glob("*.json"))]


def over_http(app: App, payload: Payload) -> BoltResponse:
    """As Slack POSTs it to /slack/events: events as JSON, interactions as a form, signed."""
    if payload.kind == "events_api":
        body, content_type = json.dumps(payload.body), "application/json"
    elif payload.kind == "interactive":
        body, content_type = urlencode({"payload": json.dumps(payload.body)}), FORM
    else:
        body, content_type = urlencode(payload.body), FORM
    return app.dispatch(bolt_request(SIGNING_SECRET, body, content_type=content_type))


def over_socket(app: App, payload: Payload) -> BoltResponse:
    """As SocketModeHandler.handle does it; the response is what it would send as the ack."""
    request = SocketModeRequest(
        type=payload.kind,
        envelope_id=f"envelope-{next(_envelopes)}",
        payload=copy.deepcopy(payload.body),
        accepts_response_payload=payload.kind != "events_api",
    )
    return run_bolt_app(app, request)


TRANSPORTS: dict[str, Callable[[App, Payload], BoltResponse]] = {
    "http": over_http,
    "socket": over_socket,
}
