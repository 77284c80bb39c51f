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
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_bolt.request import payload_utils as bolt_payload

from bot import metrics

log = logging.getLogger(__name__)

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
    problem = _check_shape(body)
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


# ---- the shapes Slack sends, as far as the bot relies on them -------------------------------
# Only what a listener (or Bolt before it) reads is declared; any other field is let through.

# Slack ids (U0ADA, T0001, C0WGPLAT, A0WGBOT): upper-case letters and digits, starting with a
# letter; 32 is the width of every id column.
SlackId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{0,31}$")]
# an id that may be absent, null or empty (a DM's team, a payload from a workspace-less app)
OptionalId = Annotated[str, StringConstraints(pattern=r"^(?:[A-Z][A-Z0-9]{0,31})?$")] | None
# stored in a 80-character scope column
TriggerId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")] | None


class Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Command(Shape):
    command: Annotated[str, StringConstraints(pattern=r"^/", max_length=32)]
    user_id: SlackId
    team_id: OptionalId = None
    channel_id: OptionalId = None
    api_app_id: OptionalId = None
    enterprise_id: OptionalId = None
    text: str = ""
    trigger_id: TriggerId = None


class User(Shape):
    id: SlackId
    team_id: OptionalId = None


class Owner(Shape):
    """The team, channel or enterprise an interaction happened in."""

    id: OptionalId = None


class Container(Shape):
    channel_id: OptionalId = None


class Interaction(Shape):
    user: User
    team: Owner | None = None
    channel: Owner | None = None
    enterprise: Owner | None = None
    container: Container | None = None
    trigger_id: TriggerId = None
    api_app_id: OptionalId = None


class Action(Shape):
    action_id: Annotated[str, StringConstraints(min_length=1, max_length=MAX_ACTION_ID)]
    block_id: Annotated[str, StringConstraints(max_length=MAX_ACTION_ID)] | None = None
    value: Annotated[str, StringConstraints(max_length=MAX_VALUE)] | None = None
    selected_option: dict[str, Any] | None = None


class Actions(Interaction):
    """block_actions and interactive_message: what was clicked."""

    actions: Annotated[list[Action], Field(min_length=1)]


class ViewState(Shape):
    values: dict[str, dict[str, dict[str, Any]]]  # block_id -> action_id -> the input


class View(Shape):
    callback_id: str
    private_metadata: Annotated[str, StringConstraints(max_length=MAX_METADATA)] | None = None
    state: ViewState | None = None


class ViewInteraction(Interaction):
    """view_submission and view_closed: the modal."""

    view: View


class EventUser(Shape):
    """team_join and user_change send the whole user."""

    id: SlackId
    profile: dict[str, Any] | None = None


class EventChannel(Shape):
    """channel_created and friends send the whole channel."""

    id: SlackId | None = None


class Event(Shape):
    type: str
    user: EventUser | SlackId | None = None
    channel: EventChannel | SlackId | None = None


class EventCallback(Shape):
    event: Event
    team_id: OptionalId = None


SHAPES: dict[str, type[Shape]] = {
    "block_actions": Actions,
    "interactive_message": Actions,
    "view_submission": ViewInteraction,
    "view_closed": ViewInteraction,
    "event_callback": EventCallback,
    **{kind: Interaction for kind in ("block_suggestion", "message_action", "shortcut")},
}


def _check_shape(body: dict[str, Any]) -> Problem | None:
    """Whether `body` has the shape Slack sends for its kind; the reason names the field and
    the rule, never the sender's own text."""
    kind = body.get("type")
    shape = Command if "command" in body else SHAPES.get(kind) if isinstance(kind, str) else None
    if shape is None:
        return None
    try:
        shape.model_validate(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "the payload"
        return Problem(f"{where}: {first['msg']}")
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
