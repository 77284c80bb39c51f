"""How onboarding's DMs are drawn and decided at send time; the outbox that delivers them
(claims, pacing, retries, checking a DM of unknown fate) is bot.delivery.outbox.

A journey step is looked at when due, and skipped (never sent) when the person asked for no
more, the step has left the content, or its checklist item is ticked. A row without a name (a
channel join, /welcome) gets the display name and time zone from users.info first.

A welcome to someone users.info says is invited but has not joined waits: the row stays pending
and is looked at again every INVITE_RECHECK, without using up attempts, until they join or
INVITE_WAIT has passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.delivery.outbox import Sender, Verdict, display_name
from bot.onboarding import service, views
from bot.onboarding.content import Content
from bot.onboarding.journey import tz_of
from bot.onboarding.newcomers import INVITED, Home, from_home_team, why_not
from bot.slack.replies import Reply
from bot.store.models import OutboxMessage

__all__ = ["INVITE_RECHECK", "INVITE_WAIT", "OnboardingDms", "display_name"]

INVITE_RECHECK = dt.timedelta(hours=1)
INVITE_WAIT = dt.timedelta(days=30)  # past this, an invitation is not going to be accepted
KINDS = (service.WELCOME, service.STEP, service.FOLLOW_UP, service.DM_ANSWER)


class OnboardingDms:
    """Onboarding's kinds of DM, as the outbox asks about them (bot.delivery.outbox.DmKind)."""

    def __init__(
        self,
        client: WebClient,
        content: Callable[[], Content],
        clock: Callable[[], dt.datetime],
        *,
        welcome_guests: bool = False,
        lean_coffee: views.LeanCoffee = views.no_lean_coffee,
    ) -> None:
        self.client, self.content, self.clock = client, content, clock
        self.welcome_guests = welcome_guests
        self.lean_coffee = lean_coffee
        self._enterprise_id: str | None = None  # the bot's Grid organisation, once asked

    def register(self, sender: Sender) -> None:
        sender.register(KINDS, self)

    def skip(self, db: Session, row: OutboxMessage) -> str:
        return service.step_skipped(db, self.content(), row) if row.kind == service.STEP else ""

    def who(self, user: dict[str, Any], row: OutboxMessage) -> Verdict:
        first = row.kind == service.WELCOME and row.scope == service.FIRST
        why = self.not_for(user, row.team_id) if first else ""
        if why == INVITED:
            if self.clock() - row.created_at >= INVITE_WAIT:
                return Verdict("invited, never joined")
            return Verdict(INVITED, wait=INVITE_RECHECK)
        return Verdict(why, tz_of(user))

    def draw(self, db: Session, row: OutboxMessage, name: str) -> Reply | None:
        content, now = self.content(), self.clock()
        if row.kind == service.DM_ANSWER:
            return views.dm_answer(content)
        if row.kind == service.WELCOME:
            return views.welcome_for(
                db, content, self.lean_coffee, row.team_id, row.user_id, name, now
            )
        if row.kind == service.STEP:
            step = content.step(row.scope)
            if step is None:  # removed from the content since it was owed: cannot succeed
                return None
            coffee = self.lean_coffee(db, row.team_id, now, content.lean_coffee)
            return views.step(content, step, coffee, now)
        return views.follow_up(content, name, service.ticks(db, row.team_id, row.user_id), now)

    def sent(
        self, db: Session, row: OutboxMessage, tz: str, channel: str, now: dt.datetime
    ) -> None:
        if row.kind == service.WELCOME and row.scope == service.FIRST:
            service.start_journey(db, row, tz=tz, channel_id=channel, now=now)

    # ---- who gets nothing --------------------------------------------------------------------
    def not_for(self, user: dict[str, Any], team_id: str, enterprise_id: str | None = None) -> str:
        """Why this Slack user gets no welcome from the bot of `team_id`: "" if they should get
        one, newcomers.INVITED if not yet.

        enterprise_id None means unknown here (a row keeps only its team): auth.test tells it,
        once per process, and only for a user of another workspace, the one case it decides.
        """
        if enterprise_id is None:
            enterprise_id = "" if from_home_team(user, team_id) else self._own_enterprise()
        return why_not(user, Home(team_id, enterprise_id), welcome_guests=self.welcome_guests)

    def _own_enterprise(self) -> str:
        if self._enterprise_id is None:
            self._enterprise_id = self.client.auth_test().get("enterprise_id") or ""
        return self._enterprise_id
