"""The onboarding feature wired as in production (build_app and its Features), with a clock the
test moves by hand and helpers that send Slack's own request shapes, signed."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltResponse
from sqlalchemy import select

from bot.app import Features, build_app
from bot.coffee import service as coffee_service
from bot.coffee.schedule import SeriesSettings
from bot.config import Settings
from bot.onboarding import views
from bot.onboarding.feature import OnboardingFeature
from bot.sandbox.web_api import Call, WebApi
from bot.store import Store
from bot.store.models import ChecklistTick, OutboxMessage
from tests.background import Background
from tests.conftest import SIGNING_SECRET
from tests.payloads import TRANSPORTS, Payload
from tests.support.pacing import PacingClock
from tests.support.requests import bolt_request, command_body

TEAM = "T0001"
CHANNEL = "C0WGPLAT"  # the channel whose joiners are welcomed
ORGANISER = "UORG"
T0 = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
JSON = "application/json"
SENDS = ("users.info", "conversations.open", "chat.postMessage", "chat.update", "views.publish")

_event_ids = itertools.count(1)


class ManualClock:
    """`now` only moves when the test says so: retries fall due without sleeping."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def dm_of(user_id: str) -> str:
    """The DM channel the fake's conversations.open returns for a user."""
    return "D" + user_id.lstrip("UW")


def newcomer(user_id: str, display_name: str = "", **fields: Any) -> dict[str, Any]:
    """A `team_join` event's user object, as Slack sends it."""
    return {
        "id": user_id,
        "team_id": TEAM,
        "name": user_id.lower(),
        "real_name": f"Real {user_id}",
        "deleted": False,
        "is_bot": False,
        "is_app_user": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "tz": "Europe/London",
        "profile": {"display_name": display_name, "real_name": f"Real {user_id}"},
        **fields,
    }


def envelope(event: dict[str, Any], event_id: str | None = None) -> str:
    """An Events API envelope, as Slack POSTs it (JSON)."""
    return json.dumps(
        {
            "token": "legacy-unused",
            "team_id": TEAM,
            "api_app_id": "A0WGBOT",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_event_ids):08d}",
            "event_time": int(time.time()),
            "event_context": "4-eyJldCI6InRlYW1fam9pbiJ9",
            "event": {**event, "event_ts": f"{time.time():.6f}"},
        }
    )


def team_join(user: dict[str, Any]) -> dict[str, Any]:
    return {"type": "team_join", "user": user}


def joined(user_id: str, display_name: str = "", event_id: str | None = None, **fields: Any) -> str:
    """A person joining the workspace, as the signed envelope Slack POSTs."""
    return envelope(team_join(newcomer(user_id, display_name, **fields)), event_id=event_id)


def channel_join(user_id: str, channel: str = CHANNEL) -> dict[str, Any]:
    return {
        "type": "member_joined_channel",
        "user": user_id,
        "channel": channel,
        "channel_type": "C",
        "team": TEAM,
    }


def click_body(
    user_id: str,
    value: str,
    *,
    channel: str = "",
    ts: str = "",
    blocks: list[dict[str, Any]] | None = None,
    home: bool = False,
    action_id: str = views.TICK,
) -> str:
    """A block_actions payload for a button (the checklist's unless told) in a DM, or in the
    Home tab."""
    container: dict[str, Any]
    if home:
        container = {"type": "view", "view_id": "VHOME"}
    else:
        container = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel,
            "is_ephemeral": False,
        }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower()},
        "api_app_id": "A0WGBOT",
        "token": "legacy-unused",
        "container": container,
        "trigger_id": "1337.42.tick",
        "team": {"id": TEAM, "domain": "cloud-native"},
        "response_url": "https://hooks.invalid/unused",
        "actions": [
            {
                "action_id": action_id,
                "block_id": f"check_{value.partition(':')[2]}",
                "type": "button",
                "value": value,
                "action_ts": f"{time.time():.6f}",
                "text": {"type": "plain_text", "text": "Done"},
            }
        ],
    }
    if home:
        payload["view"] = {"id": "VHOME", "type": "home", "blocks": blocks or []}
    else:
        payload["channel"] = {"id": channel, "name": "directmessage"}
        payload["message"] = {
            "type": "message",
            "ts": ts,
            "user": "UBOT",
            "bot_id": "BBOT",
            "text": "Welcome",
            "blocks": blocks or [],
        }
    return urlencode({"payload": json.dumps(payload)})


def checklist_state(blocks: list[dict[str, Any]]) -> dict[str, bool]:
    """{key: ticked} as the rendered checklist shows it; every signal must agree."""
    state: dict[str, bool] = {}
    for b in blocks:
        key = (b.get("block_id") or "").removeprefix("check_")
        if not b.get("block_id", "").startswith("check_"):
            continue
        button = b["accessory"]
        ticked = button["value"] == f"untick:{key}"
        assert button["value"] == f"{'untick' if ticked else 'tick'}:{key}"
        assert button["text"]["text"] == ("Undo" if ticked else "Done")
        assert b["text"]["text"].startswith(
            ":white_check_mark:" if ticked else ":white_large_square:"
        )
        state[key] = ticked
    done = sum(state.values())
    assert any(
        f"*Getting started* ({done}/{len(state)})" in b["text"]["text"]
        for b in blocks
        if b["type"] == "section"
    ), "the count does not match the ticks shown"
    return state


@dataclass
class Onboarding:
    app: App
    feature: OnboardingFeature
    clock: ManualClock
    store: Store
    slack: WebApi
    settings: Settings
    background: Background

    def settle(self) -> None:
        """Wait until the work that follows acks (lazy listeners) is done."""
        self.background.settle()

    def event(self, event: dict[str, Any], **kw: Any) -> BoltResponse:
        return self.post_event(envelope(event), **kw)

    def post_event(self, body: str, headers: dict[str, str] | None = None) -> BoltResponse:
        req = bolt_request(SIGNING_SECRET, body, content_type=JSON, headers=headers)
        return self.app.dispatch(req)

    def send(self, payload: Payload, transport: str = "http") -> BoltResponse:
        """A real payload, over HTTP or Socket Mode; Slack must get its ack either way."""
        response = TRANSPORTS[transport](self.app, payload)
        assert response.status == 200, (payload.name, transport, response.status, response.body)
        return response

    def join(self, user_id: str, display_name: str = "", **fields: Any) -> BoltResponse:
        response = self.event(team_join(newcomer(user_id, display_name, **fields)))
        assert response.status == 200
        return response

    def command(self, text: str, **kw: Any) -> tuple[BoltResponse, dict[str, Any]]:
        body = command_body("/welcome", text, **kw)
        response = self.app.dispatch(bolt_request(SIGNING_SECRET, body))
        return response, (json.loads(response.body) if response.body else {})

    def click(self, user_id: str, value: str, **kw: Any) -> BoltResponse:
        response = self.app.dispatch(bolt_request(SIGNING_SECRET, click_body(user_id, value, **kw)))
        assert response.status == 200
        return response

    def drain(self) -> int:
        return self.feature.sender.drain()

    def rows(self, **where: Any) -> list[OutboxMessage]:
        with self.store.session() as s:
            q = select(OutboxMessage).order_by(OutboxMessage.id)
            for key, value in where.items():
                q = q.where(getattr(OutboxMessage, key) == value)
            return list(s.scalars(q))

    def row(self, user_id: str, **where: Any) -> OutboxMessage:
        (row,) = self.rows(user_id=user_id, **where)
        return row

    def coffee(self, channel: str = CHANNEL, state: str = "collecting", **settings: Any) -> int:
        """A lean-coffee series in `channel` (Tuesdays 16:00 Europe/London, every 2 weeks) with
        its next meetup in `state`; returns the meetup's id."""
        with self.store.session() as s:
            series = coffee_service.configure(
                s, TEAM, channel, SeriesSettings(**settings), ORGANISER, self.clock()
            )
            meetup = coffee_service.ensure_next_meetup(s, series, self.clock())
            meetup.state = state
            s.flush()
            return meetup.id

    def ticks(self) -> set[tuple[str, str]]:
        with self.store.session() as s:
            return {(t.user_id, t.item) for t in s.scalars(select(ChecklistTick))}

    def sent(self) -> list[Call]:
        """Everything that reached Slack except Bolt's own auth.test, once the work after
        acks is done (so an empty list means nothing was sent, not nothing yet)."""
        self.settle()
        return [c for c in self.slack.calls_to_all() if c.method != "auth.test"]


@pytest.fixture(params=sorted(TRANSPORTS))
def transport(request: pytest.FixtureRequest) -> str:
    """Each test taking it runs once over signed HTTP and once over Socket Mode."""
    return request.param


@pytest.fixture
def make_onboarding_app(
    settings: Settings, store: Store, slack: WebApi, background: Background
) -> Callable[..., Onboarding]:
    def make(*, on: Store | None = None, clock: ManualClock | None = None, **overrides: Any):
        values = {
            "welcome_channels": CHANNEL,
            "organisers": ORGANISER,
            **overrides,
        }
        s = settings.model_copy(update=values)
        clock = clock or ManualClock()
        db = on or store
        # paced as configured (40 DMs a minute by default) on a clock of the test's own
        pacer = PacingClock(lambda: len(slack.calls_to("conversations.open")))
        features = background.track(Features(s, db, clock, pacer=pacer))
        app = build_app(s, db, features=features)
        return Onboarding(app, features.onboarding, clock, db, slack, s, background)

    return make


@pytest.fixture
def ob(make_onboarding_app: Callable[..., Onboarding]) -> Iterator[Onboarding]:
    yield make_onboarding_app()
