"""Lean coffee wired as in production (build_app and its Features), with a clock the test moves by
hand, channel redraws made at once (redraw_delay=0), and requests sent in Slack's own shapes,
signed. Work after an ack (answers through response_url, redraws after votes, the modal) runs
on other threads: a test settles (waits until all of it is idle) before it reads what reached
the fake Slack, and never sleeps for it."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import func, select

from bot.app import Features, build_app
from bot.coffee import views
from bot.coffee.feature import CoffeeFeature
from bot.config import Settings
from bot.delivery.outbox import Sender
from bot.sandbox.web_api import Call, WebApi
from bot.store import Store
from bot.store.models import CoffeeMeetup, CoffeeSeries, CoffeeTopic, CoffeeVote, OutboxMessage
from tests.background import Background
from tests.blocks import all_text, assert_valid_blocks
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.support.pacing import PacingClock
from tests.support.requests import action_body, bolt_request, command_body

TEAM = "T0001"
CHANNEL = "C0WGPLAT"
ORGANISER = "UORG"
# Friday 20 March 2026, noon UTC: the next Tuesday is 24 March, 16:00 in London (GMT, so 16:00
# UTC); the clocks go forward on 29 March, so the meetup after it is at 15:00 UTC.
T0 = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
MEETUP = dt.datetime(2026, 3, 24, 16, 0, tzinfo=dt.UTC)
COLLECT = MEETUP - dt.timedelta(days=3)  # Sat 21 March, 16:00
VOTE = MEETUP - dt.timedelta(hours=24)  # Mon 23 March, 16:00
NEXT_MEETUP = dt.datetime(2026, 4, 7, 15, 0, tzinfo=dt.UTC)  # 16:00 BST
SCHEDULE = "schedule every 2 weeks tuesday 16:00 Europe/London collect 3d vote 24h votes 3"

_seq = itertools.count(1)


class ManualClock:
    """`now` moves only when the test says so: no test sleeps for a schedule time."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def token(moment: dt.datetime, fallback: str) -> str:
    """The Slack date token a reader sees in their own zone, with its fallback."""
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def coffee_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"organisers": ORGANISER})


def build(
    settings: Settings, store: Store, clock: ManualClock, background: Background, **kw: Any
) -> tuple[App, CoffeeFeature]:
    """A fresh app and coffee feature over the same database: what a restart makes. Its work
    after acks joins `background`, to be settled before a test reads the fake Slack."""
    kw.setdefault("redraw_delay", 0)
    features = Features(settings, store, clock, **kw)
    app = build_app(settings, store, features=features)
    background.track(features)
    return app, features.coffee


@dataclass
class Bot:
    """The app as Slack sees it, plus the fake Slack and the database behind it."""

    app: App
    coffee: CoffeeFeature
    slack: WebApi
    store: Store
    clock: ManualClock
    background: Background

    # ---- requests ------------------------------------------------------------------------
    def command(
        self, text: str, user: str = "U1", reply: str | None = None, as_typed: bool = True
    ) -> tuple[int, dict]:
        """/coffee <text>; returns the HTTP status and the ack's JSON body. With
        as_typed=False the text is sent exactly as given (a mention as `<@U123|name>`)."""
        url = self.slack.response_url(reply or f"cmd{next(_seq)}")
        body = command_body(
            "/coffee", text, user_id=user, response_url=url, team_id=TEAM, as_typed=as_typed
        )
        response = self.app.dispatch(bolt_request(SIGNING_SECRET, body))
        ack = json.loads(response.body) if response.body else {}
        if ack.get("blocks"):  # an ack never passes through the fake Slack: check it here
            assert_valid_blocks(ack["blocks"])
        return response.status, ack

    def organise(self, text: str, user: str = ORGANISER, as_typed: bool = True) -> Call:
        """An organiser command: acked at once, answered later through response_url."""
        name = f"org{next(_seq)}"
        status, ack = self.command(text, user=user, reply=name, as_typed=as_typed)
        assert status == 200
        assert ack["response_type"] == "ephemeral"
        return self.reply(name)

    def click(
        self,
        action_id: str,
        value: str,
        user: str = "U1",
        reply: str | None = None,
        block_id: str | None = None,
    ) -> int:
        """A button click, with its own action_ts as every real click has (and the block id
        of the button, when the listener reads it)."""
        url = self.slack.response_url(reply or f"clk{next(_seq)}")
        raw = action_body(action_id, value, user_id=user, response_url=url, team_id=TEAM)
        payload = json.loads(parse_qs(raw)["payload"][0])
        payload["actions"][0]["action_ts"] = f"{time.time():.6f}{next(_seq):08d}"
        if block_id is not None:
            payload["actions"][0]["block_id"] = block_id
        body = urlencode({"payload": json.dumps(payload)})
        return self.app.dispatch(bolt_request(SIGNING_SECRET, body)).status

    def vote(
        self, topic_id: int, user: str, reply: str | None = None, meetup_id: int | None = None
    ) -> int:
        meetup_id = meetup_id or self.meetup_id()
        return self.click(views.VOTE, f"{meetup_id}:{topic_id}", user, reply)

    def submit_modal(
        self,
        metadata: str,
        text: str | None,
        user: str = "U1",
        details: str | None = None,
        callback_id: str = views.PROPOSE_MODAL,
    ):
        """The propose modal's view_submission, as Slack posts it (values as typed)."""
        values: dict[str, Any] = {"topic": {"topic": {"type": "plain_text_input", "value": text}}}
        values["description"] = {"description": {"type": "plain_text_input", "value": details}}
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "cloud-native"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
            "api_app_id": "A0WGBOT",
            "token": "legacy-unused",
            "trigger_id": "1337.42.modal",
            "view": {
                "id": "VMODAL",
                "team_id": TEAM,
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": metadata,
                "state": {"values": values},
                "hash": "1700000000.abcd",
            },
        }
        body = urlencode({"payload": json.dumps(payload)})
        return self.app.dispatch(bolt_request(SIGNING_SECRET, body))

    # ---- what reached Slack --------------------------------------------------------------
    def reply(self, name: str) -> Call:
        """The post to the response URL called `name`, once the work after acks is done."""
        self.settle()
        posted = [c for c in self.slack.calls_to("response_url") if c.path == f"/response/{name}"]
        assert posted, f"nothing was posted to response URL {name}"
        return posted[-1]

    def settle(self) -> None:
        """Wait until the work that follows acks (answers, redraws) is done: after this, what
        reached the fake Slack is all that will."""
        self.background.settle()

    # each read settles first: it sees everything the requests so far led to, or nothing more
    def posts(self) -> list[Call]:
        self.settle()
        return self.slack.calls_to("chat.postMessage")

    def updates(self) -> list[Call]:
        self.settle()
        return self.slack.calls_to("chat.update")

    def calls(self) -> list[Call]:
        self.settle()
        return self.slack.calls_to_all()

    def channel_calls(self) -> list[Call]:
        return [c for c in self.calls() if c.method in ("chat.postMessage", "chat.update")]

    def dms(self) -> dict[str, list[str]]:
        """Deliver the DMs owed now, as the clock's outbox sender does, and return every DM
        sent so far: person -> what each DM showed, in order."""
        client = WebClient(token=BOT_TOKEN, base_url=self.slack.api_url)
        Sender(self.store, client, self.clock, pacer=PacingClock()).drain()
        with self.store.session() as db:
            sent = dict(
                db.execute(
                    select(OutboxMessage.channel_id, OutboxMessage.user_id).where(
                        OutboxMessage.state == "sent"
                    )
                ).all()
            )
        got: dict[str, list[str]] = {}
        for call in self.slack.calls_to("chat.postMessage"):
            if call.params["channel"] in sent:
                got.setdefault(sent[call.params["channel"]], []).append(shown(call))
        return got

    # ---- the database ----------------------------------------------------------------------
    def meetup_id(self) -> int:
        """The channel's meetup that is collecting or voting (the latest, if several)."""
        with self.store.session() as db:
            return db.scalar(
                select(CoffeeMeetup.id)
                .where(CoffeeMeetup.state.in_(("collecting", "voting")))
                .order_by(CoffeeMeetup.starts_at.desc())
                .limit(1)
            )

    def meetups(self) -> list[CoffeeMeetup]:
        with self.store.session() as db:
            rows = db.scalars(select(CoffeeMeetup).order_by(CoffeeMeetup.starts_at)).all()
            db.expunge_all()
            return list(rows)

    def topics(self, meetup_id: int | None = None, state: str = "open") -> list[CoffeeTopic]:
        with self.store.session() as db:
            q = select(CoffeeTopic).where(CoffeeTopic.state == state).order_by(CoffeeTopic.id)
            if meetup_id is not None:
                q = q.where(CoffeeTopic.meetup_id == meetup_id)
            rows = db.scalars(q).all()
            db.expunge_all()
            return list(rows)

    def count(self, model: type, *where: Any) -> int:
        with self.store.session() as db:
            return db.scalar(select(func.count()).select_from(model).where(*where))

    def votes_by_topic(self) -> dict[int, int]:
        with self.store.session() as db:
            rows = db.execute(
                select(CoffeeVote.topic_id, func.count()).group_by(CoffeeVote.topic_id)
            ).all()
            return dict(rows)

    def votes_by_user(self) -> dict[str, int]:
        with self.store.session() as db:
            rows = db.execute(
                select(CoffeeVote.user_id, func.count()).group_by(CoffeeVote.user_id)
            ).all()
            return dict(rows)

    # ---- time ----------------------------------------------------------------------------------
    def move_to(self, moment: dt.datetime) -> None:
        """Move the clock once the work after acks is done. A drain still running would read
        the new time before the database has what the move leads to (a transition): it draws
        the message as it was, stamps the drawing with the new time, and the throttle then
        holds back the redraw the transition owes."""
        self.settle()
        self.clock.now = moment

    # ---- getting a meetup to a state ----------------------------------------------------------
    def schedule(self, text: str = SCHEDULE) -> Call:
        answer = self.organise(text)
        assert answer.params["text"].startswith("Lean coffee here:"), answer.params
        return answer

    def to_collecting(self, text: str = SCHEDULE) -> int:
        self.schedule(text)
        self.move_to(COLLECT + dt.timedelta(minutes=1))
        assert self.coffee.meetup_runner.tick() == 1
        return self.meetup_id()

    def to_voting(self, titles: list[str], text: str = SCHEDULE) -> tuple[int, list[int]]:
        """A meetup in voting with these topics, proposed by U-prop1, U-prop2, ... in order."""
        meetup_id = self.to_collecting(text)
        for n, title in enumerate(titles, start=1):
            status, ack = self.command(f"propose {title}", user=f"UPROP{n}")
            assert status == 200 and ack["text"].startswith("Added"), ack
        self.move_to(VOTE + dt.timedelta(minutes=1))
        assert self.coffee.meetup_runner.tick() == 1
        return meetup_id, [t.id for t in self.topics(meetup_id)]


@pytest.fixture
def bot(
    coffee_settings: Settings,
    store: Store,
    slack: WebApi,
    clock: ManualClock,
    background: Background,
) -> Bot:
    app, coffee = build(coffee_settings, store, clock, background)
    return Bot(app, coffee, slack, store, clock, background)


def series_count(bot: Bot) -> int:
    return bot.count(CoffeeSeries)


def vote_buttons(blocks: list[dict[str, Any]]) -> list[str]:
    """The values of the Vote buttons in a channel message, top to bottom."""
    return [
        b["accessory"]["value"]
        for b in blocks
        if b.get("accessory", {}).get("action_id") == views.VOTE
    ]


def button_ids(blocks: list[dict[str, Any]]) -> list[str]:
    ids = [b["accessory"]["action_id"] for b in blocks if "accessory" in b]
    for b in blocks:
        if b["type"] == "actions":
            ids += [e["action_id"] for e in b["elements"]]
    return ids


def shown(call: Call) -> str:
    """Everything a person sees of a message: its text and every text in its blocks."""
    blocks = call.params.get("blocks") or []
    if blocks:
        assert_valid_blocks(blocks)
    return (call.params.get("text") or "") + "\n" + all_text(blocks)
