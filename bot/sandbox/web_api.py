"""The Slack Web API and response URLs, played over the sandbox's workspace.

The app's own WebClient (and slack_sdk's WebhookClient for response URLs) talk HTTP to these
routes exactly as they talk to Slack. Payloads are checked against Block Kit's limits as Slack
checks them: what Slack would refuse is refused here too, and shown on the page as refused.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from bot.sandbox.people import BOT, TEAM, THE_BOT, dm_of
from bot.sandbox.workspace import Workspace
from bot.slack.block_kit import message_problems, message_text_problems, view_problems

API = "/api/"
RESPONSE = "/response/"


@dataclass(frozen=True)
class Reply:
    """Where a response URL answers: the conversation, the person, and the message clicked."""

    channel: str
    user: str
    ts: str | None = None


class WebApi:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._replies: dict[str, Reply] = {}
        self._lock = threading.Lock()
        self.base_url = ""  # set once the server knows its port

    def response_url(self, reply: Reply) -> str:
        with self._lock:
            key = f"r{len(self._replies) + 1}"
            self._replies[key] = reply
        return f"{self.base_url}{RESPONSE}{key}"

    # ---- WSGI ------------------------------------------------------------------------------
    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        raw = _body(environ)
        if environ.get("CONTENT_TYPE", "").startswith("application/json"):
            params = json.loads(raw or "{}")
        else:
            params = dict(parse_qsl(raw))
        for key in ("blocks", "view", "attachments"):
            if isinstance(params.get(key), str):
                # left as it came if it is not JSON: the checks below say what is wrong with it
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(params[key])
        if path.startswith(RESPONSE):
            answer = self.respond(path.removeprefix(RESPONSE), params)
            body = b"ok" if answer.get("ok") else json.dumps(answer).encode()
            start_response("200 OK" if answer.get("ok") else "404 Not Found", [])
            return [body]
        answer = self.call(path.removeprefix(API), params)
        data = json.dumps(answer).encode()
        start_response("200 OK", [("Content-Type", "application/json; charset=utf-8")])
        return [data]

    # ---- methods ---------------------------------------------------------------------------
    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        problems = self.problems(method, params)
        if problems:
            self.workspace.notice(
                f"Slack would refuse this {method} (invalid_blocks): " + "; ".join(problems),
                _whose(params),
            )
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            self.workspace.notice(f"The sandbox does not play the Web API method {method}.")
            return {"ok": False, "error": "unknown_method"}
        answer: dict[str, Any] = handler(params)
        return answer

    @staticmethod
    def problems(method: str, params: dict[str, Any]) -> list[str]:
        problems: list[str] = []
        if "view" in params:
            problems += view_problems(params["view"])
        if "blocks" in params:
            problems += message_problems(params["blocks"])
        if method.startswith("chat.") and method != "chat.delete":
            problems += message_text_problems(params.get("text"))
        return problems

    def _channel(self, channel: str) -> str:
        """A user id as a channel means the DM with them, as in Slack."""
        return dm_of(channel) if channel.startswith(("U", "W")) else channel

    def m_auth_test(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "http://sandbox.invalid/",
            "team": "Sandbox",
            "user": THE_BOT.name,
            "team_id": TEAM,
            "user_id": BOT,
            "bot_id": "BWGBOT",
            "is_enterprise_install": False,
        }

    def m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        person = self.workspace.person(str(params.get("user", "")))
        if person is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": person.user()}

    def m_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("users", "")).split(",")[0]
        return {"ok": True, "channel": {"id": dm_of(user)}}

    def m_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(params.get("channel", "")))
        m = self.workspace.post(
            channel,
            BOT,
            params.get("text") or "",
            params.get("blocks"),
            thread_ts=str(params.get("thread_ts") or "") or None,
            broadcast=_truthy(params.get("reply_broadcast")),
        )
        message = {"ts": m.ts, **({"thread_ts": m.thread_ts} if m.thread_ts else {})}
        return {"ok": True, "channel": channel, "ts": m.ts, "message": message}

    def m_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(params.get("channel", "")))
        user = str(params.get("user", ""))
        m = self.workspace.post(
            channel,
            BOT,
            params.get("text") or "",
            params.get("blocks"),
            user,
            thread_ts=str(params.get("thread_ts") or "") or None,
        )
        return {"ok": True, "message_ts": m.ts}

    def m_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(params.get("channel", "")))
        ts = str(params.get("ts", ""))
        found = self.workspace.find(channel, ts)
        if found is None or found.visible_to is not None:  # chat.update cannot reach ephemerals
            return {"ok": False, "error": "message_not_found"}
        self.workspace.update(channel, ts, params.get("text") or "", params.get("blocks"))
        return {"ok": True, "channel": channel, "ts": ts}

    def m_chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(params.get("channel", "")))
        if not self.workspace.delete(channel, str(params.get("ts", ""))):
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True}

    def m_chat_getPermalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = params.get("channel"), str(params.get("message_ts", ""))
        return {"ok": True, "permalink": f"{self.base_url}/#{channel}/{ts}"}

    def m_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._open(params, push=False)

    def m_views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._open(params, push=True)

    def _open(self, params: dict[str, Any], *, push: bool) -> dict[str, Any]:
        user = self.workspace.triggers.pop(str(params.get("trigger_id", "")), None)
        if user is None:  # Slack's triggers are single-use and expire after 3 seconds
            return {"ok": False, "error": "invalid_trigger_id"}
        made = self.workspace.open_modal(user, params["view"], push=push)
        return {"ok": True, "view": {**made.view, "id": made.id, "hash": made.hash}}

    def m_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = str(params.get("view_id") or "")
        if not view_id and params.get("external_id"):
            found = self.workspace.view_by_external_id(str(params["external_id"]))
            view_id = found.id if found else ""
        current = self.workspace.view(view_id)
        if current is None:
            return {"ok": False, "error": "not_found"}
        if params.get("hash") and params["hash"] != current.hash:
            return {"ok": False, "error": "hash_conflict"}
        made = self.workspace.update_view(view_id, params["view"])
        if made is None:  # gone between the look-up and the update
            return {"ok": False, "error": "not_found"}
        return {"ok": True, "view": {**made.view, "id": made.id, "hash": made.hash}}

    def m_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        made = self.workspace.publish_home(str(params.get("user_id", "")), params["view"])
        return {"ok": True, "view": {**made.view, "id": made.id, "hash": made.hash}}

    # ---- response URLs ---------------------------------------------------------------------
    def respond(self, key: str, params: dict[str, Any]) -> dict[str, Any]:
        """A post to a response URL: replace or delete the message clicked, or a new message,
        private unless `response_type` is in_channel."""
        with self._lock:
            reply = self._replies.get(key)
        if reply is None:
            return {"ok": False, "error": "expired_url"}
        problems = []
        if "blocks" in params:
            problems += message_problems(params["blocks"])
        if not params.get("delete_original"):
            problems += message_text_problems(params.get("text"))
        if problems:
            self.workspace.notice(
                "Slack would refuse this response_url post: " + "; ".join(problems), reply.user
            )
            return {"ok": False, "error": "invalid_blocks"}
        if params.get("delete_original") and reply.ts:
            self.workspace.delete(reply.channel, reply.ts)
            return {"ok": True}
        text, blocks = params.get("text") or "", params.get("blocks")
        public = params.get("response_type") == "in_channel"
        replace = _truthy(params.get("replace_original")) and reply.ts and not public
        if replace and self.workspace.update(reply.channel, reply.ts or "", text, blocks):
            return {"ok": True}
        self.workspace.post(reply.channel, BOT, text, blocks, None if public else reply.user)
        return {"ok": True}


def _truthy(value: object) -> bool:
    return value is True or str(value).lower() == "true"


def _whose(params: dict[str, Any]) -> str | None:
    user = params.get("user") or params.get("user_id")
    return str(user) if user else None


def _body(environ: dict[str, Any]) -> str:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length).decode("utf-8") if length else ""
