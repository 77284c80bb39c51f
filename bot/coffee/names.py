"""Proposers' names for channel messages, asked of Slack and remembered for a while.

A channel message names a proposer rather than @-mentioning them: a mention in a posted agenda
would ping every proposer on it.

A name is remembered for an hour, so a rename shows on the next drawing after that; a name
Slack would not give is asked again after a minute, not on every redraw. The people not yet
known are asked at once, a few calls in parallel (users.info is tier 4: 100+ a minute).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from slack_sdk import WebClient

log = logging.getLogger(__name__)

KEPT = 3600.0  # seconds a name is trusted
RETRY = 60.0  # seconds before asking again about a name Slack did not give
REMEMBERED = 5000  # people; past this the longest unused are forgotten
AT_ONCE = 8  # users.info calls in flight for one drawing


class Names:
    def __init__(
        self,
        client: WebClient,
        *,
        clock: Callable[[], float] = time.monotonic,
        remembered: int = REMEMBERED,
    ) -> None:
        self.client, self.clock, self.remembered = client, clock, remembered
        # user id -> (when to ask again, the name: "" when Slack has never given one)
        self._known: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Each person's display name (or real name); their id when Slack will not say."""
        wanted = list(dict.fromkeys(user_ids))
        now = self.clock()
        with self._lock:
            due = [u for u in wanted if u not in self._known or self._known[u][0] <= now]
        if due:
            if len(due) == 1:
                asked = [self._ask(due[0])]
            else:
                with ThreadPoolExecutor(min(AT_ONCE, len(due)), "names") as pool:
                    asked = list(pool.map(self._ask, due))
            now = self.clock()
            with self._lock:
                for user_id, name in zip(due, asked, strict=True):
                    if name:
                        self._known[user_id] = (now + KEPT, name)
                    else:  # keep the name last given, if any, and ask again soon
                        before = self._known.get(user_id, (0.0, ""))[1]
                        self._known[user_id] = (now + RETRY, before)
        with self._lock:
            for user_id in wanted:
                if user_id in self._known:
                    self._known.move_to_end(user_id)
            answer = {u: (self._known.get(u, (0.0, ""))[1] or u) for u in wanted}
            while len(self._known) > self.remembered:
                self._known.popitem(last=False)
            return answer

    def _ask(self, user_id: str) -> str:
        try:
            user = self.client.users_info(user=user_id)["user"]
        except Exception as exc:  # a name is a nicety: the message goes out without it
            log.warning("no name for %s: %s", user_id, exc)
            return ""
        profile = user.get("profile") or {}
        return profile.get("display_name") or user.get("real_name") or user.get("name") or ""
