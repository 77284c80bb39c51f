"""Signed payloads that do not have the shape Slack sends are refused before any listener runs.

Slack never sends a NUL byte, a 30-digit number, a list where a string belongs or a user id of
40 characters; a request that does was forged with the signing secret or mangled on the way,
and would otherwise end in a traceback (or, on PostgreSQL, in a refused insert). NUL bytes are
refused rather than stripped: no one can type one in Slack, and quietly changing what someone
wrote is worse than asking them to write it again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_bolt.request import payload_utils as bolt_payload

from bot import metrics

log = logging.getLogger(__name__)

# Slack ids (U0ADA, T0001, C0WGPLAT, A0WGBOT): upper-case letters and digits, starting with a
# letter; 32 is the width of every id column.
SLACK_ID = re.compile(r"[A-Z][A-Z0-9]{0,31}")
TRIGGER_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # stored in a 80-character scope column
MAX_INT = 2**53  # the JSON numbers Slack sends (timestamps, counts) are far below this
MAX_ROW_ID = 2**31 - 1  # our primary keys are 32-bit integers on PostgreSQL
_ROW_ID = re.compile(r"[0-9]{1,10}")  # ASCII only: "²".isdigit() is true, int("²") raises

# Keys whose values are strings (or null) wherever they appear in Slack's payloads.
STRING_KEYS = frozenset({
    "action_id", "action_ts", "api_app_id", "block_id", "callback_id", "channel_id",
    "channel_name", "command", "display_name", "domain", "event_ts", "message_ts", "name",
    "private_metadata", "real_name", "response_url", "team_domain", "team_id", "trigger_id",
    "ts", "type", "user_id", "user_name", "username", "value",
})  # fmt: skip
INTERACTIVE = frozenset({
    "block_actions", "block_suggestion", "interactive_message", "message_action", "shortcut",
    "view_closed", "view_submission",
})  # fmt: skip
KNOWN_KINDS = INTERACTIVE | {"event_callback", "url_verification", "app_rate_limited"}
# What Bolt reads out of every payload before any listener or error handler of ours can run
BOLT_READS = (
    bolt_payload.to_options, bolt_payload.to_shortcut, bolt_payload.to_action,
    bolt_payload.to_view, bolt_payload.to_command, bolt_payload.to_event,
    bolt_payload.to_message, bolt_payload.to_step,
)  # fmt: skip
MAX_ACTION_ID = 255  # action_id and block_id
MAX_VALUE = 2000  # a button's value
MAX_METADATA = 3000  # a view's private_metadata

NUL_IN_TEXT = "Your text has a character I cannot read (a NUL byte). Please type it again."
NUL_IN_FIELD = "This has a character I cannot store (a NUL byte). Please type it again."


@dataclass(frozen=True)
class Problem:
    """Why a payload is refused; `text` and `block_id` say where a person can fix it."""

    reason: str
    text: bool = False  # in a slash command's text
    block_id: str | None = None  # in a modal's input


NUL = Problem("NUL byte in a string")


def parse_row_id(value: object) -> int | None:
    """A database id carried in a button value or private_metadata, or None if it is not one."""
    if not isinstance(value, str) or not _ROW_ID.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ROW_ID else None


def check(body: object) -> Problem | None:
    """The first way `body` differs from what Slack sends, or None when it looks like Slack's."""
    if not isinstance(body, dict):
        return Problem("not a JSON object")
    problem = _walk(body)
    if problem is NUL:
        return _nul(body)
    if problem is not None:
        return problem
    kind = body.get("type")
    if "command" in body:
        problem = _check_command(body)
    elif kind in INTERACTIVE:
        problem = _check_interactive(body, kind)
    elif kind == "event_callback":
        problem = _check_event(body)
    if problem is not None:
        return problem
    try:
        for read in BOLT_READS:
            read(body)
    except Exception:  # the shape of a kind we do not model, yet one Bolt cannot read
        return Problem("a shape Bolt cannot read")
    return None


def _walk(root: dict[str, Any] | list[Any]) -> Problem | None:
    """NUL bytes, huge numbers and non-strings under string keys, anywhere below `root`."""
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        for key, value in node.items() if isinstance(node, dict) else enumerate(node):
            if isinstance(key, str):
                if "\x00" in key:
                    return NUL
                if key in STRING_KEYS and not (value is None or isinstance(value, str)):
                    return Problem(f"{key} is not a string")
            if isinstance(value, str):
                if "\x00" in value:
                    return NUL
            elif isinstance(value, dict | list):
                stack.append(value)
            elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
                return Problem("number out of range")
    return None


def _nul(body: dict[str, Any]) -> Problem:
    """Where the NUL bytes are: only in a command's text, or only in one modal input, a
    person can be asked to type it again; anywhere else the payload is refused."""
    text_only = {k: v for k, v in body.items() if k != "text"}
    if "command" in body and "\x00" in str(body.get("text")) and _walk(text_only) is None:
        return Problem("NUL byte in a command's text", text=True)
    view = body.get("view")
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    if (
        body.get("type") == "view_submission"
        and isinstance(view, dict)
        and isinstance(values, dict)
    ):
        rest = {**body, "view": {**view, "state": {}}}
        with_nul = [block for block, elements in values.items() if _walk([elements]) is NUL]
        if len(with_nul) == 1 and _walk(rest) is None:
            return Problem("NUL byte in a modal input", block_id=with_nul[0])
    return NUL


def _slack_id(value: object) -> bool:
    return isinstance(value, str) and SLACK_ID.fullmatch(value) is not None


def _optional_id(container: dict[str, Any], key: str) -> bool:
    value = container.get(key)
    return value in (None, "") or _slack_id(value)


def _check_command(body: dict[str, Any]) -> Problem | None:
    command = body.get("command")
    if not isinstance(command, str) or not command.startswith("/") or len(command) > 32:
        return Problem("not a slash command")
    if not _slack_id(body.get("user_id")):
        return Problem("user_id is not a Slack id")
    for key in ("team_id", "channel_id", "api_app_id", "enterprise_id"):
        if not _optional_id(body, key):
            return Problem(f"{key} is not a Slack id")
    if not isinstance(body.get("text", ""), str):
        return Problem("text is not a string")
    trigger = body.get("trigger_id")
    if trigger is not None and not TRIGGER_ID.fullmatch(trigger):
        return Problem("trigger_id is malformed")
    return None


def _check_interactive(body: dict[str, Any], kind: str) -> Problem | None:
    user = body.get("user")
    if not isinstance(user, dict) or not _slack_id(user.get("id")):
        return Problem("user is missing or its id is not a Slack id")
    if not _optional_id(user, "team_id"):
        return Problem("user.team_id is not a Slack id")
    for key in ("team", "channel", "enterprise"):
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, dict) or not _optional_id(value, "id"):
            return Problem(f"{key} is not an object with a Slack id")
    container = body.get("container")
    if container is not None and (
        not isinstance(container, dict) or not _optional_id(container, "channel_id")
    ):
        return Problem("container is malformed")
    trigger = body.get("trigger_id")
    if trigger is not None and not TRIGGER_ID.fullmatch(trigger):
        return Problem("trigger_id is malformed")
    if not _optional_id(body, "api_app_id"):
        return Problem("api_app_id is not a Slack id")
    if kind in ("block_actions", "interactive_message"):
        return _check_actions(body.get("actions"))
    if kind in ("view_submission", "view_closed"):
        return _check_view(body.get("view"))
    return None


def _check_actions(actions: object) -> Problem | None:
    if not isinstance(actions, list) or not actions:
        return Problem("actions is not a non-empty list")
    for action in actions:
        if not isinstance(action, dict):
            return Problem("an action is not an object")
        action_id = action.get("action_id")
        if not isinstance(action_id, str) or not 0 < len(action_id) <= MAX_ACTION_ID:
            return Problem("an action has no action_id")
        if len(action.get("block_id") or "") > MAX_ACTION_ID:
            return Problem("a block_id is too long")
        if len(action.get("value") or "") > MAX_VALUE:
            return Problem("an action's value is too long")
        selected = action.get("selected_option")
        if selected is not None and not isinstance(selected, dict):
            return Problem("selected_option is not an object")
    return None


def _check_view(view: object) -> Problem | None:
    if not isinstance(view, dict):
        return Problem("view is not an object")
    if not isinstance(view.get("callback_id"), str):
        return Problem("view has no callback_id")
    if len(view.get("private_metadata") or "") > MAX_METADATA:
        return Problem("private_metadata is too long")
    state = view.get("state")
    if state is None:
        return None
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values, dict) or not all(
        isinstance(elements, dict) and all(isinstance(e, dict) for e in elements.values())
        for elements in values.values()
    ):
        return Problem("view.state.values is malformed")
    return None


def _check_event(body: dict[str, Any]) -> Problem | None:
    event = body.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return Problem("event is not an object with a type")
    if not _optional_id(body, "team_id"):
        return Problem("team_id is not a Slack id")
    user = event.get("user")
    if isinstance(user, dict):
        if not _slack_id(user.get("id")):
            return Problem("event.user has no Slack id")
        if user.get("profile") is not None and not isinstance(user["profile"], dict):
            return Problem("event.user.profile is not an object")
    elif user is not None and not _slack_id(user):
        return Problem("event.user is not a Slack id")
    channel = event.get("channel")
    if isinstance(channel, dict):  # channel_created and friends send the whole channel
        channel = channel.get("id")
    if channel is not None and not _slack_id(channel):
        return Problem("event.channel is not a Slack id")
    return None


def refusal(problem: Problem) -> BoltResponse:
    """What Slack is told: a person's fixable mistake politely, anything else a bare 400."""
    if problem.text:
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": NUL_IN_TEXT})
    if problem.block_id is not None:
        return BoltResponse(
            status=200,
            body={"response_action": "errors", "errors": {problem.block_id: NUL_IN_FIELD}},
        )
    return BoltResponse(status=400, body="malformed payload")


def kind_of(body: dict[str, Any]) -> str:
    """What a payload is, for a log line: only names we know, never the sender's own text."""
    if "command" in body:
        return "command"
    kind = body.get("type")
    return kind if isinstance(kind, str) and kind in KNOWN_KINDS else "other"


class RefuseMalformed(Middleware):
    """A global middleware for App(before_authorize=...): there it runs right after the
    signature check, before Bolt's own middleware reads the payload (a function middleware
    would not do: Bolt reads `actions[0]` to build a function's arguments)."""

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],
    ) -> BoltResponse | None:
        problem = check(req.body)
        if problem is None:
            return next()
        log.warning("refused a malformed %s payload: %s", kind_of(req.body), problem.reason)
        metrics.malformed(req.body)  # before the metrics' middleware: counted here
        return refusal(problem)
