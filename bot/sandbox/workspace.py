"""What the sandbox's Slack holds: messages (ephemeral ones for one person only), open modals
and each person's App Home, with a change counter the page follows to redraw only what changed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.people import PEOPLE, THE_BOT, Person

log = logging.getLogger(__name__)


@dataclass
class Message:
    channel: str
    ts: str
    user: str  # who posted it (the bot, or a person for a shared answer)
    text: str
    blocks: list[dict[str, Any]] | None
    visible_to: str | None = None  # an ephemeral message: only this person sees it
    deleted: bool = False
    edited: int = 0  # how many times chat.update or replace_original redrew it
    seq: int = 0  # the change that last touched it
    refused: list[str] = field(default_factory=list)  # why Slack would not have shown it
    thread_ts: str | None = None  # a reply: the ts of the message it is under
    broadcast: bool = False  # a reply also sent to the channel (reply_broadcast)

    def public(self) -> dict[str, Any]:
        return {
            "kind": "message",
            "channel": self.channel,
            "ts": self.ts,
            "user": self.user,
            "text": self.text,
            "blocks": self.blocks,
            "ephemeral": self.visible_to is not None,
            "deleted": self.deleted,
            "edited": self.edited,
            "seq": self.seq,
            "refused": self.refused,
            "thread_ts": self.thread_ts,
            "broadcast": self.broadcast,
        }


@dataclass
class View:
    id: str
    user: str
    type: str  # modal or home
    view: dict[str, Any]
    hash: str = ""
    seq: int = 0


@dataclass
class Notice:
    """Something the page must show rather than hide: a payload Slack would have refused, a
    Web API method the sandbox does not play, an error answer from the app."""

    user: str | None  # None: everyone
    text: str
    seq: int = 0


@dataclass
class Workspace:
    people: dict[str, Person] = field(default_factory=lambda: {p.id: p for p in (*PEOPLE, THE_BOT)})
    messages: dict[tuple[str, str], Message] = field(default_factory=dict)
    # the same keys, the most recently changed last: what changed after a point is read from
    # the end, so a page's update costs what changed, not the whole history
    _latest: dict[tuple[str, str], None] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)
    modals: dict[str, list[str]] = field(default_factory=dict)  # user -> view ids, top last
    modal_seq: dict[str, int] = field(default_factory=dict)
    homes: dict[str, str] = field(default_factory=dict)  # user -> view id
    notices: list[Notice] = field(default_factory=list)
    triggers: dict[str, str] = field(default_factory=dict)  # trigger_id -> user
    seq: int = 0
    # the sandbox's clock: messages are stamped with its time, as Slack stamps them with its own
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    clock_seq: int = 0  # the change that last moved the clock
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _listeners: list[Callable[[], None]] = field(default_factory=list)

    # ---- changes -------------------------------------------------------------------------
    def listen(self, listener: Callable[[], None]) -> None:
        """Call `listener` after each change, on the thread that made it, once the change is
        whole: an open page is sent what changed without a thread of its own to wake."""
        with self._lock:
            self._listeners.append(listener)

    def unlisten(self, listener: Callable[[], None]) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    @contextmanager
    def _changing(self) -> Iterator[None]:
        with self._lock:
            before = self.seq
            yield
            listeners = list(self._listeners) if self.seq != before else []
        for listener in listeners:  # outside the lock: a listener reads the changes
            try:
                listener()
            except Exception:
                log.exception("a page could not be told of a change")

    def _touch(self) -> int:
        self.seq += 1
        self._lock.notify_all()
        return self.seq

    def _touch_message(self, message: Message) -> None:
        message.seq = self._touch()
        key = (message.channel, message.ts)
        self._latest.pop(key, None)
        self._latest[key] = None

    def wait(self, since: int, timeout: float) -> int:
        """Block until something changed after `since` (or the timeout); the current count."""
        with self._lock:
            self._lock.wait_for(lambda: self.seq > since, timeout)
            return self.seq

    def changes(
        self, user: str, since: int, notices_since: int = 0, own_since: int | None = None
    ) -> dict[str, Any]:
        """Everything this person would see that changed after `since`. A page that switches
        person redraws everything, but a notice is news, shown once: notices for everyone only
        after `notices_since` (what the page has shown), this person's own only after
        `own_since` (what it showed while following them)."""
        everyone = max(since, notices_since)
        own = max(since, notices_since if own_since is None else own_since)
        with self._lock:
            messages = []
            for key in reversed(self._latest):
                m = self.messages[key]
                if m.seq <= since:
                    break
                if m.visible_to in (None, user):
                    messages.append(m.public())
            messages.sort(key=lambda m: m["ts"])
            out: dict[str, Any] = {"seq": self.seq, "messages": messages}
            if self.modal_seq.get(user, 0) > since:
                out["modals"] = [self._view_json(v) for v in self.modals.get(user, [])]
            home = self.views.get(self.homes.get(user, ""))
            if home is not None and home.seq > since:
                out["home"] = self._view_json(home.id)
            if self.clock_seq > since:
                out["now"] = self.clock().isoformat()
            recent = itertools.takewhile(
                lambda n: n.seq > min(everyone, own), reversed(self.notices)
            )
            out["notices"] = [
                n.text
                for n in recent
                if (n.user is None and n.seq > everyone) or (n.user == user and n.seq > own)
            ][::-1]
            return out

    def _view_json(self, view_id: str) -> dict[str, Any]:
        v = self.views[view_id]
        return {**v.view, "id": v.id, "hash": v.hash, "seq": v.seq}

    def notice(self, text: str, user: str | None = None) -> None:
        with self._changing():
            self.notices.append(Notice(user, text, self._touch()))

    def clock_moved(self, text: str) -> None:
        """The clock moved: every page is told the new time (and why, once)."""
        with self._changing():
            self.clock_seq = self._touch()
            self.notices.append(Notice(None, text, self.clock_seq))

    # ---- people --------------------------------------------------------------------------
    def person(self, user_id: str) -> Person | None:
        return self.people.get(user_id)

    def add_person(self, person: Person) -> None:
        with self._changing():
            self.people[person.id] = person
            self._touch()

    def trigger(self, user: str) -> str:
        with self._lock:
            trigger_id = f"{next(self._ids)}.{int(time.time())}.sandbox"
            self.triggers[trigger_id] = user
            return trigger_id

    # ---- messages ------------------------------------------------------------------------
    def _next_ts(self) -> str:
        return f"{self.clock().timestamp():.0f}.{next(self._ids):06d}"

    def post(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        visible_to: str | None = None,
        thread_ts: str | None = None,
        broadcast: bool = False,
    ) -> Message:
        with self._changing():
            if thread_ts:  # a reply to a reply goes under the thread's parent, as in Slack
                parent = self.messages.get((channel, thread_ts))
                thread_ts = (parent.thread_ts or thread_ts) if parent else thread_ts
            message = Message(channel, self._next_ts(), user, text, blocks, visible_to)
            message.thread_ts, message.broadcast = thread_ts or None, bool(thread_ts and broadcast)
            self.messages[(channel, message.ts)] = message
            self._touch_message(message)
            return message

    def all_messages(self) -> list[Message]:
        with self._lock:
            return list(self.messages.values())

    def find(self, channel: str, ts: str) -> Message | None:
        with self._lock:
            found = self.messages.get((channel, ts))
            return None if found is None or found.deleted else found

    def update(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None
    ) -> Message | None:
        with self._changing():
            message = self.messages.get((channel, ts))
            if message is None or message.deleted:
                return None
            message.text, message.blocks = text, blocks
            message.edited += 1
            self._touch_message(message)
            return message

    def refuse(self, message: Message, problems: list[str]) -> None:
        """A message Slack would have refused: the page shows that, and why, in its place."""
        with self._changing():
            message.refused = problems
            self._touch_message(message)

    def delete(self, channel: str, ts: str) -> bool:
        with self._changing():
            message = self.messages.get((channel, ts))
            if message is None or message.deleted:
                return False
            message.deleted = True
            self._touch_message(message)
            return True

    # ---- views ---------------------------------------------------------------------------
    def _new_view(self, user: str, kind: str, view: dict[str, Any]) -> View:
        number = next(self._ids)
        made = View(f"VSANDBOX{number:06d}", user, kind, view, hash=f"h{number}")
        self.views[made.id] = made
        return made

    def open_modal(self, user: str, view: dict[str, Any], *, push: bool) -> View:
        with self._changing():
            made = self._new_view(user, "modal", view)
            stack = self.modals.setdefault(user, [])
            if not push:
                stack.clear()
            stack.append(made.id)
            made.seq = self.modal_seq[user] = self._touch()
            return made

    def update_view(self, view_id: str, view: dict[str, Any]) -> View | None:
        with self._changing():
            found = self.views.get(view_id)
            if found is None:
                return None
            found.view = view
            found.hash = f"h{next(self._ids)}"
            found.seq = self._touch()
            if found.type == "modal":
                self.modal_seq[found.user] = found.seq
            return found

    def view_by_external_id(self, external_id: str) -> View | None:
        with self._lock:
            return next(
                (v for v in self.views.values() if v.view.get("external_id") == external_id),
                None,
            )

    def close_modals(self, user: str, *, top_only: bool = False) -> None:
        with self._changing():
            stack = self.modals.get(user, [])
            if top_only and stack:
                stack.pop()
            else:
                stack.clear()
            self.modal_seq[user] = self._touch()

    def publish_home(self, user: str, view: dict[str, Any]) -> View:
        with self._changing():
            found = self.views.get(self.homes.get(user, ""))
            if found is None:
                found = self._new_view(user, "home", view)
                self.homes[user] = found.id
            found.view = view
            found.hash = f"h{next(self._ids)}"
            found.seq = self._touch()
            return found

    def view(self, view_id: str) -> View | None:
        with self._lock:
            return self.views.get(view_id)
