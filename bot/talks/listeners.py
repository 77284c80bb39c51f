"""/talks and /speakers, and their More and Share buttons.

Commands answer inside ack(): the answer is one indexed query, well under Slack's 3 seconds,
and needs no Web API call. Buttons ack at once and reply through response_url in a lazy
listener, so a slow Slack never delays the ack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.slack.incoming import slack_text
from bot.slack.payloads import parse_row_id
from bot.slack.replies import Reply, safely
from bot.store import Store
from bot.talks import follows, views
from bot.talks.catalog_index import CatalogCache
from bot.talks.service import answer_speakers, answer_talks


class TalksFeature:
    """The catalog's answers, shared by the Slack listeners and `wgbot ask`."""

    def __init__(self, store: Store, clock: Callable[[], dt.datetime]) -> None:
        self.store = store
        self.clock = clock
        # re-read the catalog's revision at most once a second: imports are rare, answers not
        self.cache = CatalogCache(recheck=1.0)

    def talks(self, text: str, offset: int = 0, shared_by: str | None = None) -> Reply:
        def build() -> Reply:
            with self.store.engine.connect() as db:
                answer = answer_talks(db, self.cache, text, self.clock(), offset)
                return views.talks_view(answer, shared_by=shared_by)

        return safely(build, f"/talks {text[:100]!r}")

    def speakers(self, text: str, offset: int = 0, shared_by: str | None = None) -> Reply:
        def build() -> Reply:
            with self.store.engine.connect() as db:
                answer = answer_speakers(db, self.cache, text)
                return views.speakers_view(answer, offset, shared_by=shared_by)

        return safely(build, f"/speakers {text[:100]!r}")


def _ack_only(ack: Ack) -> None:
    ack()


def _talk_id(action: dict[str, Any]) -> int:
    return parse_row_id(action.get("value")) or 0  # 0 is no talk: "that talk is gone"


def _team(body: dict[str, Any]) -> str:
    return (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", "")


def _sharer(body: dict[str, Any]) -> str:
    user = body.get("user") or {}
    return user.get("name") or user.get("username") or "someone"


def register(app: App, feature: TalksFeature) -> None:
    @app.command("/talks")
    def talks_command(ack: Ack, command: dict[str, Any]) -> None:
        reply = feature.talks(slack_text(command.get("text")))
        ack(response_type="ephemeral", text=reply.text, blocks=reply.blocks)

    @app.command("/speakers")
    def speakers_command(ack: Ack, command: dict[str, Any]) -> None:
        reply = feature.speakers(slack_text(command.get("text")))
        ack(response_type="ephemeral", text=reply.text, blocks=reply.blocks)

    def paged(answer: Callable[..., Reply]) -> Callable[..., None]:
        def more(body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
            text, offset = views.read_state(action.get("value", ""))
            reply = answer(text, offset)
            respond(replace_original=True, text=reply.text, blocks=reply.blocks)

        return more

    def shared(answer: Callable[..., Reply]) -> Callable[..., None]:
        def share(body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
            text, offset = views.read_state(action.get("value", ""))
            reply = answer(text, offset, shared_by=_sharer(body))
            if reply.failed:
                respond(replace_original=False, text=reply.text, blocks=reply.blocks)
                return
            respond(
                response_type="in_channel",
                replace_original=False,
                text=reply.text,
                blocks=reply.blocks,
            )
            respond(delete_original=True)

        return share

    def follow_ack(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()  # the HTTP answer goes out after this function: the follow is stored first
        adding = action.get("action_id") == views.FOLLOW
        talk_id = _talk_id(action)
        with feature.store.session() as s:
            if adding:
                follows.follow(s, _team(body), body["user"]["id"], talk_id, feature.clock())
            else:
                follows.unfollow(s, _team(body), body["user"]["id"], talk_id)

    def follow_answer(body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        talk_id = _talk_id(action)
        with feature.store.session() as s:
            title, following = follows.state(s, _team(body), body["user"]["id"], talk_id)
        reply = views.follow_reply(title, talk_id, following)
        respond(
            response_type="ephemeral",
            replace_original=False,
            text=reply.text,
            blocks=reply.blocks,
        )

    app.action(views.FOLLOW)(ack=follow_ack, lazy=[follow_answer])
    app.action(views.UNFOLLOW)(ack=follow_ack, lazy=[follow_answer])
    app.action(views.MORE_TALKS)(ack=_ack_only, lazy=[paged(feature.talks)])
    app.action(views.SHARE_TALKS)(ack=_ack_only, lazy=[shared(feature.talks)])
    app.action(views.MORE_SPEAKERS)(ack=_ack_only, lazy=[paged(feature.speakers)])
    app.action(views.SHARE_SPEAKERS)(ack=_ack_only, lazy=[shared(feature.speakers)])
