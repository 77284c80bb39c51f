"""Proposers' names for channel messages, asked of Slack once per person and remembered.

A channel message names a proposer rather than @-mentioning them: a mention in a posted agenda
would ping every proposer on it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from slack_sdk import WebClient

log = logging.getLogger(__name__)

REMEMBERED = 5000  # people; past this the cache starts again (names change rarely)


class Names:
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._known: dict[str, str] = {}
        self._lock = threading.Lock()

    def of(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Each person's display name (or real name); their id when Slack will not say."""
        wanted = set(user_ids)
        with self._lock:
            missing = wanted - self._known.keys()
        for user_id in missing:
            name = self._ask(user_id)
            with self._lock:
                if len(self._known) >= REMEMBERED:
                    self._known.clear()
                if name:
                    self._known[user_id] = name
        with self._lock:
            return {u: self._known.get(u, u) for u in wanted}

    def _ask(self, user_id: str) -> str:
        try:
            user = self.client.users_info(user=user_id)["user"]
        except Exception as exc:  # a name is a nicety: the message goes out without it
            log.warning("no name for %s: %s", user_id, exc)
            return ""
        profile = user.get("profile") or {}
        return profile.get("display_name") or user.get("real_name") or user.get("name") or ""
