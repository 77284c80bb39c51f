"""/talks and /speakers, and their More and Share buttons.

Commands answer inside ack(): the answer is one indexed query, well under Slack's 3 seconds,
and needs no Web API call. Buttons ack at once and reply through response_url in a lazy
listener, so a slow Slack never delays the ack.

Listeners are plain functions: the app's TalksFeature reaches them through Bolt's context
(under FEATURE, put there by the app's assembly), so each can be called alone in a test.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Self, cast

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy import Connection, Engine

from bot.slack.incoming import slack_text
from bot.slack.payloads import parse_row_id
from bot.slack.replies import Reply, safely
from bot.store import Db, Store
from bot.talks import follows, views
from bot.talks.catalog_index import CatalogCache, catalog_cache
from bot.talks.query import parse
from bot.talks.search import COUNT_CAP, find_talks
from bot.talks.service import answer_speakers, answer_talks
from bot.times import Clock

log = logging.getLogger(__name__)


class LazyConnection:
    """A read connection taken from the pool on first use: most answers come from the catalog
    in memory and need none. Has what the read paths use of a Connection or Session."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self.dialect = engine.dialect

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self._engine.connect()
        return self._conn

    def get_bind(self) -> Engine:
        return self._engine

    def get_execution_options(self) -> Mapping[str, Any]:
        return self._engine.get_execution_options()

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        return self._connection().execute(*args, **kwargs)

    def scalar(self, *args: Any, **kwargs: Any) -> Any:
        return self._connection().scalar(*args, **kwargs)

    def scalars(self, *args: Any, **kwargs: Any) -> Any:
        return self._connection().scalars(*args, **kwargs)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


@contextmanager
def reading(engine: Engine) -> Iterator[Db]:
    lazy = LazyConnection(engine)
    try:
        yield cast(Db, lazy)
    finally:
        lazy.close()


WARMED_WORDS = 32  # the commonest words ranked ahead of their first ask, each revision


class TalksFeature:
    """The catalog's answers, shared by the Slack listeners and `wgbot ask`."""

    def __init__(self, store: Store, clock: Clock, cache: CatalogCache | None = None) -> None:
        self.store = store
        self.clock = clock
        self.cache = cache or catalog_cache()
        # PostgreSQL reads in autocommit: no BEGIN and ROLLBACK round trips around an answer
        # (SQLite's autocommit costs more than its implicit read transaction)
        engine = store.engine
        postgres = engine.dialect.name == "postgresql"
        self.reads = engine.execution_options(isolation_level="AUTOCOMMIT") if postgres else engine

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        # Bolt hands lazy listeners a deep copy of the request's context, where the app puts
        # this feature: it is shared by every request, never copied
        return self

    def talks(
        self,
        text: str,
        offset: int = 0,
        shared_by: str | None = None,
        user: tuple[str, str] | None = None,
    ) -> Reply:
        """user: (team, user) of who asks, for `/talks mine`."""

        def build() -> Reply:
            with reading(self.reads) as db:
                answer = answer_talks(db, self.cache, text, self.clock(), offset, user)
                return views.talks_view(answer, shared_by=shared_by)

        return safely(build, "/talks")

    def warm(self) -> None:
        """Load the catalog's rows, words and names now if an import changed them, rather than
        in the first answers that need them (0.7 to 2.3 s each on 50,000 talks)."""
        with reading(self.reads) as db:
            index = self.cache.get(db)
            index.table(db)
            index.postings(db)
            index.directory(db)
            index.terms(db)  # for "did you mean"
            # the commonest words, asked alone, are ranked once a revision: do it now
            for word in index.postings(db).common(COUNT_CAP, most=WARMED_WORDS):
                q = parse(word, index, self.clock())
                alone = not (q.conference_ids or q.event_ids or q.speaker or q.company)
                if q.words == [word] and alone and q.days is None and not q.formats:
                    find_talks(db, index, q)

    def speakers(self, text: str, offset: int = 0, shared_by: str | None = None) -> Reply:
        def build() -> Reply:
            with reading(self.reads) as db:
                answer = answer_speakers(db, self.cache, text)
                return views.speakers_view(answer, offset, shared_by=shared_by)

        return safely(build, "/speakers")


FEATURE = "talks"  # the context key the app's assembly puts the TalksFeature under


def _feature(context: BoltContext) -> TalksFeature:
    return cast(TalksFeature, context[FEATURE])


def _talk_id(action: dict[str, Any]) -> int:
    return parse_row_id(action.get("value")) or 0  # 0 is no talk: "that talk is gone"


def _team(body: dict[str, Any]) -> str:
    team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    return team if isinstance(team, str) else ""


def _sharer(body: dict[str, Any], client: WebClient) -> str:
    """The sharer's display name, as people see them in Slack; the payload only carries the
    legacy handle, which is kept as the fallback when users.info cannot say."""
    user = body.get("user") or {}
    name = ""
    try:
        profile = client.users_info(user=user.get("id", ""))["user"].get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or ""
    except Exception:  # the share still goes out, with the handle
        log.info("users.info failed for the sharer %s", user.get("id"), exc_info=True)
    return name or user.get("name") or user.get("username") or "someone"


def _answer(ack: Ack, reply: Reply) -> None:
    ack(response_type="ephemeral", text=reply.text, blocks=reply.blocks)


def ack_only(ack: Ack) -> None:
    ack()


def talks_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    """/talks, answered inside the ack."""
    who = (command.get("team_id") or "", command.get("user_id") or "")
    _answer(ack, _feature(context).talks(slack_text(command.get("text")), user=who))


def speakers_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    """/speakers, answered inside the ack."""
    _answer(ack, _feature(context).speakers(slack_text(command.get("text"))))


def more_talks(
    body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    text, offset = views.read_state(action.get("value", ""))
    reply = _feature(context).talks(text, offset, user=(_team(body), body["user"]["id"]))
    respond(replace_original=True, text=reply.text, blocks=reply.blocks)


def more_speakers(action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    text, offset = views.read_state(action.get("value", ""))
    reply = _feature(context).speakers(text, offset)
    respond(replace_original=True, text=reply.text, blocks=reply.blocks)


def _share(reply: Reply, respond: Respond) -> None:
    """In the channel under the sharer's name, then the private copy removed."""
    if reply.failed:
        respond(replace_original=False, text=reply.text, blocks=reply.blocks)
        return
    respond(
        response_type="in_channel", replace_original=False, text=reply.text, blocks=reply.blocks
    )
    respond(delete_original=True)


def share_talks(
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    text, offset = views.read_state(action.get("value", ""))
    _share(_feature(context).talks(text, offset, shared_by=_sharer(body, client)), respond)


def share_speakers(
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    text, offset = views.read_state(action.get("value", ""))
    _share(_feature(context).speakers(text, offset, shared_by=_sharer(body, client)), respond)


def follow_ack(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext
) -> None:
    ack()  # the HTTP answer goes out after this function: the follow is stored first
    feature = _feature(context)
    adding = action.get("action_id") == views.FOLLOW
    talk_id = _talk_id(action)
    with feature.store.session() as s:
        if adding:
            follows.follow(s, _team(body), body["user"]["id"], talk_id, feature.clock())
        else:
            follows.unfollow(s, _team(body), body["user"]["id"], talk_id)


def follow_answer(
    body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    talk_id = _talk_id(action)
    with _feature(context).store.session() as s:
        title, following = follows.state(s, _team(body), body["user"]["id"], talk_id)
    reply = views.follow_reply(title, talk_id, following)
    respond(response_type="ephemeral", replace_original=False, text=reply.text, blocks=reply.blocks)


def details(action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """A talk picked in the Details menu, in full, below the list (which stays)."""
    picked = str((action.get("selected_option") or {}).get("value") or "")
    reply = _feature(context).talks(picked if picked.isdigit() else "#0")
    respond(response_type="ephemeral", replace_original=False, text=reply.text, blocks=reply.blocks)


def register(app: App) -> None:
    app.command("/talks")(talks_command)
    app.command("/speakers")(speakers_command)
    app.action(views.DETAILS)(ack=ack_only, lazy=[details])
    # link buttons: Slack opens the URL; the action still arrives and must be acknowledged
    app.action(views.VIDEO)(ack_only)
    app.action(views.SLIDES)(ack_only)
    app.action(views.FOLLOW)(ack=follow_ack, lazy=[follow_answer])
    app.action(views.UNFOLLOW)(ack=follow_ack, lazy=[follow_answer])
    app.action(views.MORE_TALKS)(ack=ack_only, lazy=[more_talks])
    app.action(views.SHARE_TALKS)(ack=ack_only, lazy=[share_talks])
    app.action(views.MORE_SPEAKERS)(ack=ack_only, lazy=[more_speakers])
    app.action(views.SHARE_SPEAKERS)(ack=ack_only, lazy=[share_speakers])
