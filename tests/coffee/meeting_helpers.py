"""Driving a meeting as Slack does: the board's buttons, the Roman vote's thumbs and the
takeaway modal, and reading what the board, the vote and the thread show."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from bot.coffee import meeting_views as mv
from bot.sandbox.web_api import Call
from bot.store.models import CoffeeMeetup, CoffeeTimebox
from tests.coffee.conftest import ORGANISER, TEAM, Bot, shown
from tests.conftest import SIGNING_SECRET
from tests.support.requests import bolt_request


def board_ts(bot: Bot, meetup_id: int) -> str:
    with bot.store.session() as db:
        s = db.get(CoffeeMeetup, meetup_id)
        assert s is not None
        return s.agenda_ts


def board(bot: Bot, meetup_id: int) -> Call:
    """The board as the channel shows it now: the last post or update of the agenda message."""
    ts = board_ts(bot, meetup_id)
    drawn = [
        c
        for c in bot.channel_calls()
        if (c.method == "chat.update" and c.params["ts"] == ts)
        or (c.method == "chat.postMessage" and c.answer.get("ts") == ts)
    ]
    assert drawn, "the board was never drawn"
    return drawn[-1]


def thread(bot: Bot, meetup_id: int) -> list[Call]:
    ts = board_ts(bot, meetup_id)
    return [c for c in bot.posts() if c.params.get("thread_ts") == ts]


def vote_message(bot: Bot, vote_ts: str) -> str:
    """What the Roman vote posted as `vote_ts` shows now."""
    drawn = [
        c
        for c in bot.channel_calls()
        if (c.method == "chat.update" and c.params["ts"] == vote_ts)
        or (c.method == "chat.postMessage" and c.answer.get("ts") == vote_ts)
    ]
    return shown(drawn[-1])


def buttons(call: Call) -> dict[str, str]:
    """action_id -> value of every button in a message."""
    found: dict[str, str] = {}
    for block in call.params.get("blocks") or []:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            found.setdefault(element["action_id"], element.get("value", ""))  # a select has none
    return found


def boxes(bot: Bot) -> list[CoffeeTimebox]:
    with bot.store.session() as db:
        rows = db.query(CoffeeTimebox).order_by(CoffeeTimebox.id).all()
        db.expunge_all()
        return list(rows)


def facilitate(bot: Bot, meetup_id: int, action_id: str, user: str = ORGANISER) -> int:
    """Click one of the board's facilitator buttons as it is drawn now."""
    value = buttons(board(bot, meetup_id))[action_id]
    status = bot.click(action_id, value, user=user)
    bot.settle()
    return status


def thumb(bot: Bot, meetup_id: int, box_id: int, choice: str, user: str) -> int:
    return bot.click(mv.ROMAN, f"{meetup_id}:{box_id}:{choice}", user=user)


def submit_note(
    bot: Bot, metadata: str, text: str | None, user: str = "U1", kind: str = "takeaway",
    owner: str | None = None,
) -> Any:  # fmt: skip
    """The takeaway modal's view_submission, as Slack posts it (values as typed)."""
    option = {"text": {"type": "plain_text", "text": kind}, "value": kind}
    values: dict[str, Any] = {
        "kind": {"kind": {"type": "radio_buttons", "selected_option": option}},
        "text": {"text": {"type": "plain_text_input", "value": text}},
        "owner": {"owner": {"type": "users_select", "selected_user": owner}},
    }
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "cloud-native"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0WGBOT",
        "token": "legacy-unused",
        "trigger_id": "1337.42.note",
        "view": {
            "id": "VNOTE",
            "team_id": TEAM,
            "type": "modal",
            "callback_id": mv.NOTE_MODAL,
            "private_metadata": metadata,
            "state": {"values": values},
            "hash": "1700000000.abcd",
        },
    }
    body = urlencode({"payload": json.dumps(payload)})
    response = bot.app.dispatch(bolt_request(SIGNING_SECRET, body))
    bot.settle()
    return response
