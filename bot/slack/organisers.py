"""Who may run things: the configured user ids, plus workspace admins and owners."""

from __future__ import annotations

import threading
import time
from typing import Any

from slack_sdk import WebClient


class Organisers:
    """Answers from memory for configured ids; asks users.info (cached a few minutes) for the
    rest. Call it only after ack(): it may make a Web API call."""

    TTL = 300.0

    def __init__(self, ids: frozenset[str]) -> None:
        self.ids = ids
        self._seen: dict[str, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def check(self, client: WebClient, user_id: str) -> bool:
        if user_id in self.ids:
            return True
        with self._lock:
            seen = self._seen.get(user_id)
        if seen and time.monotonic() - seen[0] < self.TTL:
            return seen[1]
        return self.allows(client.users_info(user=user_id)["user"])

    def allows(self, user: dict[str, Any]) -> bool:
        """From a users.info answer already in hand (remembered like check's own)."""
        allowed = user.get("id") in self.ids or bool(
            user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
        )
        user_id = user.get("id") or ""
        with self._lock:
            self._seen[user_id] = (time.monotonic(), allowed)
        return allowed
