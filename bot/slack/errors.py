"""An error no listener caught becomes a polite answer: one log line with the exception, and
never a 500 with a trace to a person."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient

from bot.slack import measure
from bot.slack.after_ack import AfterAck
from bot.slack.blocks import section
from bot.slack.payloads import kind_of
from bot.slack.replies import SORRY

log = logging.getLogger(__name__)

SORRY_SHORT = "Sorry, something went wrong on my side. Please try again in a moment."  # ≤150


def register(app: App, apologies: AfterAck) -> None:
    """`apologies`: the app's pool for work after an ack, so an apology through response_url
    never delays the answer."""

    @app.error
    def on_error(
        error: Exception, body: dict[str, Any], context: BoltContext
    ) -> BoltResponse | None:
        kind = kind_of(body)
        if isinstance(error, BoltUnhandledRequestError):
            # no listener took it (the app is built to say so here rather than only log):
            # Bolt's 404 stands, counted as such
            measure.failed(context, "http_404")
            log.warning("no listener for a %s payload", kind)
            return None
        measure.failed(context)
        log.error("unhandled error answering a %s payload", kind, exc_info=error)
        return apology(body, kind, apologies)


def apology(body: dict[str, Any], kind: str, pool: AfterAck) -> BoltResponse:
    """What Slack is told after a failure, in the form each kind of request can show."""
    if kind == "command":
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": SORRY})
    if kind == "view_submission":
        values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
        if values:  # shown beside the first field; the modal stays open with what was typed
            first = next(iter(values))
            return BoltResponse(
                status=200, body={"response_action": "errors", "errors": {first: SORRY_SHORT}}
            )
        return BoltResponse(status=200, body={"response_action": "update", "view": _sorry_modal()})
    if kind == "event_callback":
        # no one to answer; a 500 (with no body) lets Slack retry, and every event's effect
        # is idempotent in the database
        return BoltResponse(status=500, body="")
    url = body.get("response_url")
    if isinstance(url, str) and url:
        pool.submit(_send_sorry, url)
    return BoltResponse(status=200, body="")


def _send_sorry(url: str) -> None:
    WebhookClient(url, timeout=10).send(
        response_type="ephemeral", replace_original=False, text=SORRY, blocks=[section(SORRY)]
    )


def _sorry_modal() -> dict[str, Any]:
    return View(type="modal", title="Sorry", close="Close", blocks=[section(SORRY)]).to_dict()
