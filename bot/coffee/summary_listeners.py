"""`/coffee summary [markdown] [date]`, `/coffee actions` and the actions' Done button.

Listeners are plain functions: what they need (the Outputs below) reaches them through
Bolt's context, under FEATURE, put there by the app's assembly. The command is acked at once
and answered privately through response_url: naming people may need users.info.

The `/coffee` words here are matched before the rest of /coffee's (register this first).
"""

from __future__ import annotations

import logging
from typing import Any, Self, cast

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.coffee import actions, summaries
from bot.coffee.names import Names
from bot.coffee.service import CoffeeError
from bot.slack.blocks import section
from bot.slack.incoming import slack_text
from bot.slack.mrkdwn import escape
from bot.slack.organisers import Organisers
from bot.slack.payloads import parse_row_id
from bot.slack.replies import SORRY, Reply, say_privately
from bot.store import Store
from bot.times import Clock

log = logging.getLogger(__name__)

FEATURE = "coffee_outputs"  # the context key the app's assembly puts the Outputs under
WORDS = ("summary", "actions")


class Outputs:
    """What lean coffee leaves behind, for the listeners: the database, the clock, the names
    cache the channel's messages use, and who the organisers are."""

    def __init__(self, store: Store, clock: Clock, names: Names, organisers: Organisers) -> None:
        self.store, self.clock, self.names, self.organisers = store, clock, names, organisers

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        # Bolt hands lazy listeners a deep copy of the request's context: shared, not copied
        return self

    def summary(self, channel_id: str, rest: str) -> Reply:
        with self.store.session() as db:
            return summaries.summary_reply(db, self.names, channel_id, rest)

    def actions(self, channel_id: str, note: str = "") -> Reply:
        with self.store.session() as db:
            try:
                series, found = actions.open_actions(db, channel_id)
            except CoffeeError as exc:
                text = escape(str(exc))
                return Reply(text, [section(text)])
        names = self.names.of(a.owner for a in found if a.owner)
        return actions.listing(series, found, names, note)


def _outputs(context: BoltContext) -> Outputs:
    return cast(Outputs, context[FEATURE])


def _word(command: dict[str, Any]) -> tuple[str, str]:
    word, _, rest = slack_text(command.get("text")).strip().partition(" ")
    return word.lower(), rest.strip()


def is_ours(command: dict[str, Any]) -> bool:
    """A Bolt matcher: the /coffee words answered here."""
    return _word(command)[0] in WORDS


def working(ack: Ack) -> None:
    ack(response_type="ephemeral", text="Working on it…")


def answer(command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    word, rest = _word(command)
    channel = command.get("channel_id", "")
    try:
        outputs = _outputs(context)
        reply = outputs.summary(channel, rest) if word == "summary" else outputs.actions(channel)
    except Exception:
        log.exception("/coffee %s failed for %s in %s", word, command.get("user_id"), channel)
        reply = Reply(SORRY, [section(SORRY)])
    respond(response_type="ephemeral", replace_original=True, text=reply.text, blocks=reply.blocks)


def ack_only(ack: Ack) -> None:
    ack()


def done(
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Done on an action: its owner or an organiser marks it; the list is redrawn."""
    outputs, user = _outputs(context), (body.get("user") or {}).get("id", "")
    takeaway_id = parse_row_id(action.get("value")) or 0
    try:
        with outputs.store.session() as db:
            found = actions.owner_and_channel(db, takeaway_id)
        if found is None:
            say_privately(respond, "That action is gone.")
            return
        owner, channel = found
        if user != owner and not outputs.organisers.check(client, user):
            say_privately(respond, "Only the action's owner or an organiser can mark it done.")
            return
        with outputs.store.session() as db:
            marked = actions.mark_done(db, takeaway_id, user, outputs.clock())
        note = "Marked done." if marked else "That one was marked done already."
        reply = outputs.actions(channel, note)
    except Exception:
        log.exception("marking action %s done failed for %s", takeaway_id, user)
        reply = Reply(SORRY, [section(SORRY)])
    respond(response_type="ephemeral", replace_original=True, text=reply.text, blocks=reply.blocks)


def register(app: App) -> None:
    """Before the rest of /coffee: Bolt hands a request to the first listener that matches."""
    app.command("/coffee", matchers=[is_ours])(ack=working, lazy=[answer])
    app.action(actions.DONE)(ack=ack_only, lazy=[done])
