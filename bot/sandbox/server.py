"""The sandbox process: the real bot (Bot.start, as `wgbot serve` starts it) on an embedded
SQLite store of its own, with Slack's Web API played in process, behind a local page.

One HTTP server holds the page and its state (/sandbox/state), the Web API and response URLs
the app's clients call (/api/, /response/), and the app's own /slack/events handler, which the
page's actions reach signed as Slack signs them. What a person does on the page, and what
changes for them, travels on the page's WebSocket (bot/sandbox/live.py).
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import itertools
import json
import logging
import mimetypes
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.runtime.process import Bot
from bot.sandbox.ahead import skipped
from bot.sandbox.clock import MovableClock
from bot.sandbox.deliver import Deliver
from bot.sandbox.live import Live
from bot.sandbox.origin import Own
from bot.sandbox.people import BOT, CHANNEL, CHANNEL_NAME, PEOPLE, TEAM, Person, dm_of
from bot.sandbox.web_api import API, RESPONSE, WebApi
from bot.sandbox.workspace import Workspace
from bot.web.server import EVENTS_PATH, ThreadedServer, wsgi_app

log = logging.getLogger(__name__)

# the group's lean coffee, set up by the organiser through /coffee on every start
SCHEDULE = (
    "schedule every 2 weeks tuesday 16:00 Europe/London collect 3d vote 24h votes 3 "
    "link https://zoom.us/j/1234567890"
)
STEPS = {"hour": dt.timedelta(hours=1), "day": dt.timedelta(days=1), "week": dt.timedelta(weeks=1)}


def sandbox_settings(base: Settings, state_dir: Path) -> Settings:
    """The operator's settings with everything Slack-facing replaced: no token, no secret, no
    network, and a SQLite store of the sandbox's own (never the operator's DATABASE_URL)."""
    return base.model_copy(
        update={
            "slack_bot_token": "xoxb-sandbox",
            "slack_signing_secret": secrets.token_hex(16),
            "slack_app_token": "",
            "database_url": "",
            "state_dir": state_dir,
            "welcome_on_team_join": True,
            "welcome_channels": CHANNEL,
            "coffee_channel": CHANNEL,
            "organisers": next(p.id for p in PEOPLE if p.role == "organiser"),
        }
    )


class Sandbox:
    def __init__(
        self,
        settings: Settings,
        host: str = "127.0.0.1",
        port: int = 0,
        socket_port: int = 0,
        *,
        start: dt.datetime | None = None,
    ) -> None:
        self.clock = MovableClock(start)
        self.workspace = Workspace(clock=self.clock)
        self.api = WebApi(self.workspace)
        self._joined = itertools.count(2)
        self._bot: Bot | None = None
        self._handler: Callable[..., Iterable[bytes]] | None = None
        # the server `wgbot serve` runs: the page, its state and the app's own Web API calls
        # each have a thread; pages talk on their socket
        self.server = ThreadedServer.serving(self.wsgi, host, port)
        self._thread: threading.Thread | None = None  # the server's loop, once started
        self.url = f"http://{host}:{self.server.port}"
        self.own = Own(host, self.server.port)
        self.live = Live(self.workspace, self.handle, host, socket_port, self.own)
        self.api.base_url = self.url
        # the lean-coffee calendar feed is served here too, so /coffee and the welcome offer it
        self.settings = settings.model_copy(
            update={"slack_api_url": self.url + API, "public_url": self.url}
        )
        self.deliver: Deliver | None = None

    # ---- life ------------------------------------------------------------------------------
    def start(self) -> Sandbox:
        """Serve, then start the bot (its token check calls this server's auth.test), then let
        the organiser set up the lean coffee."""
        state = self.settings.state_dir
        state.mkdir(parents=True, exist_ok=True)
        # the workspace lives in memory, so the store starts afresh with it each time
        for stale in state.glob("wgbot.db*"):
            stale.unlink()
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="sandbox-http", daemon=True
        )
        self._thread.start()
        self.live.start()
        bot = Bot.start(self.settings, now=self.clock)
        self._bot = bot
        self._handler = wsgi_app(
            bot.app, bot.store, self.settings.slack_signing_secret, clock=self.clock
        )
        self.deliver = Deliver(
            self._handler, self.settings.slack_signing_secret, self.workspace, self.api
        )
        organiser = next(p for p in PEOPLE if p.role == "organiser")
        self.deliver.command(organiser, CHANNEL, "/coffee " + SCHEDULE)
        # the organiser's command is answered after its ack: the series exists once it is
        self._until(
            lambda: any(
                m.text.startswith("Lean coffee here") for m in self.workspace.all_messages()
            )
        )
        bot.scheduler.run_due()
        self.settle()
        return self

    def _until(self, done: Callable[[], bool], timeout: float = 30.0) -> None:
        """Wait on the workspace until `done` holds (each change wakes the check)."""
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            self.workspace.wait(self.workspace.seq, min(1.0, deadline - time.monotonic()))

    @property
    def bot(self) -> Bot:
        if self._bot is None:
            raise RuntimeError("the sandbox has not started: call start() first")
        return self._bot

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until what the clock's jobs set going has reached the page: vote notes and
        redraws (without their usual delay), and the DMs that fell due."""
        bot = self.bot
        bot.coffee.after_ack.wait_idle(timeout)
        bot.features.courier.drain(wait=True)
        bot.onboarding.sender.drain()

    def stop(self) -> None:
        if self._bot is not None:
            self._bot.stop()
        self.live.stop()  # each page sees its socket close and says the sandbox has gone
        if self._thread is not None:  # shutdown() waits for a loop that must be running
            self.server.shutdown()
        self.server.server_close()  # the port closes; requests in flight finish
        if self.deliver is not None:
            self.deliver.shutdown()

    # ---- HTTP ------------------------------------------------------------------------------
    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        refused = self.own.refusal(environ)
        if refused is not None:
            return _json(start_response, {"error": refused}, "403 Forbidden")
        path = environ.get("PATH_INFO", "")
        if path.startswith((API, RESPONSE)):
            return self.api(environ, start_response)
        if path == EVENTS_PATH or path.startswith("/coffee/"):
            if self._handler is None:
                return _json(start_response, {"error": "starting"}, "503 Service Unavailable")
            return self._handler(environ, start_response)
        if path in ("/", "/index.html"):
            return _static(start_response, "index.html")
        if path.startswith("/static/"):
            return _static(start_response, path.removeprefix("/static/"))
        if path == "/sandbox/state":
            return _json(start_response, self.state())
        return _json(start_response, {"error": "not found"}, "404 Not Found")

    def handle(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Do what a person did on the page (the page's socket brings it here). LookupError:
        nobody or nothing of that name; ValueError: a request the page should not send."""
        deliver = self.deliver
        if deliver is None:
            raise LookupError("still starting")
        person = self.person(str(body.get("as", "")))
        if name == "command":
            text = str(body.get("text", "")).strip()
            channel = self.channel(person, str(body.get("channel", "")))
            if text.startswith("/"):
                deliver.command(person, channel, text)
            elif text:
                deliver.message(person, channel, text)
            # what it changed reaches the page on its own, the moment it is posted
            return {"ok": True, "ack_seconds": deliver.last_ack_seconds}
        if name == "action":
            deliver.action(
                person,
                dict(body["action"]),
                channel=str(body.get("channel", "")),
                ts=str(body.get("ts", "")),
                view_id=str(body.get("view_id", "")),
                state=body.get("state") or {},
            )
            return {"ok": True}
        if name == "submit":
            errors = deliver.submit(person, str(body["view_id"]), body.get("state") or {})
            return {"ok": not errors, "errors": errors}
        if name == "close":
            deliver.close(person, str(body["view_id"]))
            return {"ok": True}
        if name == "home":
            deliver.home_opened(person)
            return {"ok": True}
        if name == "join":
            joiner = self.newcomer()
            deliver.join(joiner)
            return {"ok": True, "person": _person_json(joiner)}
        if name == "clock":
            step = STEPS.get(str(body.get("step", "")))
            if step is None:
                raise ValueError(f"step is one of {', '.join(STEPS)}")
            self.advance(step)
            return {"ok": True, "now": self.clock().isoformat(), "ahead": self.ahead()}
        if name == "ahead":
            return {"ahead": self.ahead()}
        raise LookupError(f"no route {name}")

    # ---- what the page asks ----------------------------------------------------------------
    def person(self, user_id: str) -> Person:
        found = self.workspace.person(user_id)
        if found is None or found.id == BOT:
            raise LookupError(f"nobody is called {user_id!r} here")
        return found

    def channel(self, person: Person, channel: str) -> str:
        if channel in (CHANNEL, dm_of(person.id)):
            return channel
        raise ValueError(f"{person.name} cannot write in {channel!r}")

    def newcomer(self) -> Person:
        """The first join brings the waiting newcomer in; each later one a new person."""
        first = self.workspace.person("UNEWCOMER")
        if first is not None and not first.joined:
            joined = Person(first.id, first.name, "newcomer")
        else:
            n = next(self._joined)
            joined = Person(f"UNEWCOMER{n}", f"Newcomer {n}", "newcomer")
        self.workspace.add_person(joined)
        return joined

    def advance(self, step: dt.timedelta) -> None:
        """Move the clock, then run what fell due (the scheduler's own jobs), and wait for it."""
        self.clock.advance(step)
        self.bot.scheduler.run_due()
        self.settle()
        self.workspace.clock_moved(f"The clock moved forward {_words(step)}.")

    def ahead(self) -> dict[str, list[dict[str, str]]]:
        """What each of the page's clock buttons would jump over."""
        with self.bot.store.session() as db:
            return skipped(db, self.clock(), STEPS, self.bot.onboarding.content().journey)

    def state(self) -> dict[str, Any]:
        people = [p for p in self.workspace.people.values() if p.id != BOT]
        return {
            "team": TEAM,
            "bot": {"id": BOT, "name": "wgbot"},
            "channel": {"id": CHANNEL, "name": CHANNEL_NAME},
            "people": [_person_json(p) for p in people],
            "names": {p.id: p.name for p in self.workspace.people.values()},
            "now": self.clock().isoformat(),
            "offset_hours": self.clock.offset.total_seconds() / 3600,
            "seq": self.workspace.seq,
            "socket": {"port": self.live.port},
        }


def _words(step: dt.timedelta) -> str:
    for name, size in STEPS.items():
        if step == size:
            return f"one {name}"
    return str(step)


def _person_json(p: Person) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "role": p.role, "joined": p.joined, "dm": dm_of(p.id)}


def _json(
    start_response: Callable[..., Any], body: dict[str, Any], status: str = "200 OK"
) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status,
        [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")],
    )
    return [data]


def _static(start_response: Callable[..., Any], name: str) -> list[bytes]:
    folder = importlib.resources.files("bot.sandbox") / "static"
    if "/" in name or name.startswith(".") or not (folder / name).is_file():
        return _json(start_response, {"error": "not found"}, "404 Not Found")
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    start_response(
        "200 OK", [("Content-Type", kind + "; charset=utf-8"), ("Cache-Control", "no-store")]
    )
    return [(folder / name).read_bytes()]
