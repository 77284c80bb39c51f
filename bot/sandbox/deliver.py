"""What a person does on the page, sent into the app as Slack sends it: signed, in Slack's own
payload shapes, through the same WSGI handler (signature check, size cap, Bolt) `wgbot serve`
runs. The answer in the HTTP response (a command's ack, a modal's response_action) is then
shown as Slack shows it.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import itertools
import json
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

from bot.sandbox.people import BOT, CHANNEL, CHANNEL_NAME, TEAM, Person, dm_of
from bot.sandbox.web_api import Reply, WebApi
from bot.sandbox.workspace import Message, Workspace
from bot.slack.block_kit import payload_problems
from bot.web.server import EVENTS_PATH

APP_ID = "A0WGBOT"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Deliver:
    def __init__(self, handler: Wsgi, secret: str, workspace: Workspace, api: WebApi) -> None:
        self.handler, self.secret = handler, secret
        self.workspace, self.api = workspace, api
        self._events = itertools.count(1)
        self._checks = ThreadPoolExecutor(1, thread_name_prefix="sandbox-check")
        self.last_ack_seconds = 0.0  # how long the app took to answer the last request

    # ---- the transport ---------------------------------------------------------------------
    def _post(self, body: str, content_type: str) -> tuple[int, dict[str, Any]]:
        ts = str(int(time.time()))
        digest = hmac.new(
            self.secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256
        ).hexdigest()
        data = body.encode()
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": EVENTS_PATH,
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(len(data)),
            "HTTP_X_SLACK_REQUEST_TIMESTAMP": ts,
            "HTTP_X_SLACK_SIGNATURE": f"v0={digest}",
            "wsgi.input": io.BytesIO(data),
        }
        setup_testing_defaults(environ)
        status: list[str] = []

        def start_response(line: str, _headers: Any, _exc: Any = None) -> None:
            status.append(line)

        started = time.perf_counter()
        raw = b"".join(self.handler(environ, start_response))
        self.last_ack_seconds = time.perf_counter() - started
        code = int(status[0].split()[0]) if status else 500
        try:
            answer = json.loads(raw) if raw.strip().startswith(b"{") else {}
        except ValueError:
            answer = {}
        if code != 200:
            self.workspace.notice(f"The app answered HTTP {code}: {raw[:200]!r}")
        return code, answer

    # ---- slash commands --------------------------------------------------------------------
    def command(self, person: Person, channel: str, line: str) -> None:
        command, _, text = line.strip().partition(" ")
        # what a person types reaches the app with &, < and > escaped, as Slack sends it
        text = text.strip().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        url = self.api.response_url(Reply(channel, person.id))
        body = urlencode(
            {
                "token": "legacy-unused",
                "team_id": TEAM,
                "team_domain": "sandbox",
                "channel_id": channel,
                "channel_name": CHANNEL_NAME if channel == CHANNEL else "directmessage",
                "user_id": person.id,
                "user_name": person.user()["name"],
                "command": command,
                "text": text,
                "api_app_id": APP_ID,
                "is_enterprise_install": "false",
                "response_url": url,
                "trigger_id": self.workspace.trigger(person.id),
            }
        )
        _, answer = self._post(body, FORM)
        self._show_ack(answer, channel, person.id)

    def _show_ack(self, answer: dict[str, Any], channel: str, user: str) -> None:
        if not (answer.get("text") or answer.get("blocks")):
            return
        public = answer.get("response_type") == "in_channel"
        posted = self.workspace.post(
            channel, BOT, answer.get("text") or "", answer.get("blocks"), None if public else user
        )
        # checked once it is on its way to the page, off this thread (the check costs as much
        # as the answer): an answer Slack would refuse is then drawn as refused, in its place
        self._checks.submit(self._check, posted, answer)

    def _check(self, posted: Message, answer: dict[str, Any]) -> None:
        problems = payload_problems("chat.postMessage", answer)
        if problems:
            self.workspace.refuse(posted, problems)

    def shutdown(self) -> None:
        self._checks.shutdown(wait=True)

    def wait_checked(self) -> None:
        """Until every answer shown so far has been checked (tests read the verdicts)."""
        self._checks.submit(lambda: None).result()

    # ---- clicks and selections -------------------------------------------------------------
    def action(
        self,
        person: Person,
        action: dict[str, Any],
        *,
        channel: str = "",
        ts: str = "",
        view_id: str = "",
        state: dict[str, Any] | None = None,
    ) -> None:
        payload = {
            **self._interaction("block_actions", person),
            "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
            "state": {"values": state or {}},
        }
        if view_id:
            view = self.workspace.view(view_id)
            if view is None:
                self.workspace.notice("That view is gone.", person.id)
                return
            payload["container"] = {"type": "view", "view_id": view_id}
            payload["view"] = self._view_payload(view_id, state)
        else:
            message = self.workspace.find(channel, ts)
            if message is None:
                self.workspace.notice("That message is gone.", person.id)
                return
            ephemeral = message.visible_to is not None
            payload["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            }
            payload["channel"] = {
                "id": channel,
                "name": CHANNEL_NAME if channel == CHANNEL else "directmessage",
            }
            payload["response_url"] = self.api.response_url(Reply(channel, person.id, ts))
            if not ephemeral:  # Slack sends the message itself only when it is not ephemeral
                payload["message"] = {
                    "type": "message",
                    "ts": ts,
                    "user": message.user,
                    "bot_id": "BWGBOT" if message.user == BOT else None,
                    "text": message.text,
                    "blocks": message.blocks or [],
                }
        self._post(urlencode({"payload": json.dumps(payload)}), FORM)

    def _interaction(self, kind: str, person: Person) -> dict[str, Any]:
        """What a click and a modal's Submit carry alike: who, where, and a fresh trigger."""
        return {
            "type": kind,
            "user": {
                "id": person.id,
                "username": person.user()["name"],
                "name": person.user()["name"],
                "team_id": TEAM,
            },
            "api_app_id": APP_ID,
            "token": "legacy-unused",
            "trigger_id": self.workspace.trigger(person.id),
            "team": {"id": TEAM, "domain": "sandbox"},
            "is_enterprise_install": False,
        }

    def _view_payload(self, view_id: str, state: dict[str, Any] | None) -> dict[str, Any]:
        view = self.workspace.view(view_id)
        if view is None:
            raise LookupError(f"no view {view_id!r} in the sandbox workspace")
        return {
            **view.view,
            "id": view.id,
            "team_id": TEAM,
            "hash": view.hash,
            "app_id": APP_ID,
            "bot_id": "BWGBOT",
            "private_metadata": view.view.get("private_metadata", ""),
            "callback_id": view.view.get("callback_id", ""),
            "state": {"values": state or {}},
        }

    # ---- modals ----------------------------------------------------------------------------
    def submit(self, person: Person, view_id: str, state: dict[str, Any]) -> dict[str, Any]:
        """A modal's Submit; returns the field errors the app answered, if any."""
        if self.workspace.view(view_id) is None:
            self.workspace.notice("That modal is gone.", person.id)
            return {}
        payload = {
            **self._interaction("view_submission", person),
            "view": self._view_payload(view_id, state),
            "response_urls": [],
        }
        code, answer = self._post(urlencode({"payload": json.dumps(payload)}), FORM)
        if code != 200:
            return {}
        what = answer.get("response_action")
        if what == "errors":
            return dict(answer.get("errors") or {})
        if what == "update":
            self.workspace.update_view(view_id, answer["view"])
        elif what == "push":
            self.workspace.open_modal(person.id, answer["view"], push=True)
        elif what == "clear":
            self.workspace.close_modals(person.id)
        else:
            self.workspace.close_modals(person.id, top_only=True)
        return {}

    def close(self, person: Person, view_id: str) -> None:
        view = self.workspace.view(view_id)
        if view is not None and view.view.get("notify_on_close"):
            payload = {
                "type": "view_closed",
                "team": {"id": TEAM, "domain": "sandbox"},
                "user": {"id": person.id, "name": person.user()["name"], "team_id": TEAM},
                "api_app_id": APP_ID,
                "view": self._view_payload(view_id, None),
                "is_cleared": False,
            }
            self._post(urlencode({"payload": json.dumps(payload)}), FORM)
        self.workspace.close_modals(person.id, top_only=True)

    # ---- events ----------------------------------------------------------------------------
    def event(self, event: dict[str, Any]) -> None:
        body = {
            "token": "legacy-unused",
            "team_id": TEAM,
            "api_app_id": APP_ID,
            "type": "event_callback",
            "event_id": f"EvSANDBOX{next(self._events):06d}",
            "event_time": int(time.time()),
            "event": {**event, "event_ts": f"{time.time():.6f}"},
            "authorizations": [
                {"team_id": TEAM, "user_id": BOT, "is_bot": True, "is_enterprise_install": False}
            ],
        }
        self._post(json.dumps(body), JSON)

    def join(self, person: Person) -> None:
        """Someone joins the workspace, then the group's channel, as Slack tells the app."""
        self.event({"type": "team_join", "user": person.user()})
        self.event(
            {
                "type": "member_joined_channel",
                "user": person.id,
                "channel": CHANNEL,
                "channel_type": "C",
                "team": TEAM,
            }
        )

    def home_opened(self, person: Person) -> None:
        # Slack names the DM with the app as the event's channel
        dm = dm_of(person.id)
        self.event({"type": "app_home_opened", "user": person.id, "channel": dm, "tab": "home"})

    def message(self, person: Person, channel: str, text: str) -> None:
        """A message the person writes (shown at once; the app hears it as a message event)."""
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        posted = self.workspace.post(channel, person.id, escaped, None)
        self.event(
            {
                "type": "message",
                "channel": channel,
                "user": person.id,
                "text": escaped,
                "ts": posted.ts,
                "channel_type": "im" if channel.startswith("D") else "channel",
            }
        )
