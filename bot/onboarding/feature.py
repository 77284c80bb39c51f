"""The onboarding feature: what the listeners and the clock ask of it, over the store and
the outbox's sender."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, Self

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.delivery import channel
from bot.delivery.channel import Courier, Drawing
from bot.delivery.outbox import Sender
from bot.onboarding import buddies, funnel, service, views
from bot.onboarding.content import Content
from bot.onboarding.outbox import OnboardingDms
from bot.slack.organisers import Organisers
from bot.slack.replies import Reply
from bot.store import Store
from bot.times import Clock

log = logging.getLogger(__name__)

CHECKLIST = "onboarding.checklist"  # the kind of channel_messages row a DM's redraw is
STOPPED = "onboarding.stopped"  # a journey step's DM redrawn without its "No more of these"


def _group(team_id: str, user_id: str) -> str:
    return f"{CHECKLIST}:{team_id}:{user_id}"


class OnboardingFeature:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        sender: Sender,
        content: Callable[[], Content],
        clock: Clock,
        organisers: Organisers,
        events: Callable[[Session], list[tuple[str, str]]],
        dms: OnboardingDms,
        lean_coffee: views.LeanCoffee = views.no_lean_coffee,
    ) -> None:
        """`events` lists the catalog's events with talks, (slug, name), for the Home's
        examples; it and `lean_coffee` come from the other features, handed over by the app."""
        self.store, self.settings, self.sender, self.dms = store, settings, sender, dms
        self.content, self.clock = content, clock
        self.organisers, self.events, self.lean_coffee = organisers, events, lean_coffee
        self.courier: Courier | None = None  # attach() hands it

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        # Bolt hands lazy listeners a deep copy of the request's context, where the app puts
        # this feature: it is shared by every request, never copied
        return self

    def owe_welcome(
        self,
        team_id: str,
        user_id: str,
        via: str,
        name: str = "",
        tz: str = "",
        due: dt.datetime | None = None,
        *,
        wake: bool = False,
    ) -> bool:
        """The person's one first welcome; False when it is owed (or sent) already. wake: a
        welcome owed already but waiting for an invited person to join goes now (in the same
        transaction: one commit per join)."""
        # a wave of joins: queue here rather than in SQLite's sleep-and-poll (see Store.writing)
        now = self.clock()
        with self.store.writing(), self.store.session() as s:
            owed = service.owe_first_welcome(
                s,
                team_id=team_id,
                user_id=user_id,
                via=via,
                name=name,
                tz=tz,
                now=now,
                due=due,
            )
            if owed:  # the buddy is decided with the welcome: one pairing, whatever the retries
                self._pair(s, team_id, user_id, now)
            woken = (
                not owed
                and wake
                and service.wake(
                    s,
                    team_id=team_id,
                    user_id=user_id,
                    kind=service.WELCOME,
                    scope=service.FIRST,
                    now=self.clock(),
                )
            )
        if (owed and due is None) or woken:
            self.sender.nudge()
        return owed

    def _pair(self, s: Session, team_id: str, user_id: str, now: dt.datetime) -> None:
        buddy = buddies.pair(s, team_id, user_id, now)
        if buddy:
            # waits for the welcome: a channel joiner may turn out to be a bot or a guest, and
            # an invited person may never join; the welcome going out makes it due (the
            # journey's start), and past BUDDY_WAIT it expires unsent
            wait = now + service.BUDDY_WAIT
            service.owe(
                s,
                team_id=team_id,
                user_id=buddy,
                kind=service.BUDDY_INTRO,
                scope=service.buddy_scope(user_id),
                name="-",  # greets nobody by name: no users.info needed
                now=now,
                due=wait,
                expires=wait,
                body=buddies.intro_text(self.content().group, user_id),
            )

    def buddies(self, team_id: str, by: str, verb: str, named: list[str]) -> str:
        """`/welcome buddies add|remove|list`: the answer to show the person who asked (the
        organiser check is the caller's)."""
        now, lines = self.clock(), []
        with self.store.session() as s:
            for user_id in named if verb in ("add", "remove") else []:
                if verb == "add":
                    done = buddies.add(s, team_id, user_id, by, now)
                    lines.append(
                        f"<@{user_id}> " + ("is now a buddy." if done else "was one already.")
                    )
                else:
                    done = buddies.remove(s, team_id, user_id)
                    lines.append(
                        f"<@{user_id}> is no longer a buddy; their newcomers keep them."
                        if done
                        else f"<@{user_id}> was not a buddy."
                    )
            found = buddies.listed(s, team_id)
        if found:
            who = ", ".join(f"<@{b}> ({n} newcomer{'' if n == 1 else 's'})" for b, n in found[:50])
            more = f" and {len(found) - 50} more" if len(found) > 50 else ""
            lines.append(f"*Buddies*, next in turn first: {who}{more}.")
        else:
            lines.append(
                "No buddies yet, so newcomers are not paired. Organisers add one with "
                "`/welcome buddies add @someone`."
            )
        return "\n".join(lines)

    def resend(self, team_id: str, user_id: str) -> dt.datetime | None:
        """/welcome: None when the welcome is owed again, else when it may next be asked for."""
        with self.store.session() as s:
            refused_until = service.owe_resend(
                s, team_id=team_id, user_id=user_id, now=self.clock()
            )
        if refused_until is None:
            self.sender.nudge()
        return refused_until

    def owe_answer(self, team_id: str, user_id: str, channel_id: str) -> bool:
        """One answer per person per day (UTC), however many messages they write: the answer
        says the bot does not read them, so answering each one would only be noise."""
        now = self.clock()
        with self.store.session() as s:
            owed = service.owe(
                s,
                team_id=team_id,
                user_id=user_id,
                kind=service.DM_ANSWER,
                scope=f"day:{now.astimezone(dt.UTC).date().isoformat()}",
                name="-",  # greets nobody by name: no users.info needed
                now=now,
                channel_id=channel_id,
            )
        if owed:
            self.sender.nudge()
        return owed

    def owe_follow_ups(self) -> int:
        """The optional nudge, days after a welcome, to those who ticked nothing; once ever."""
        days = self.settings.follow_up_days
        if not days:
            return 0
        with self.store.session() as s:
            owed = service.owe_follow_ups(s, self.clock(), dt.timedelta(days=days))
        if owed:
            self.sender.nudge()
        return owed

    def owe_journey_steps(self) -> int:
        """The steps of journeys begun since the last look, and steps organisers added."""
        with self.store.session() as s:
            owed = service.owe_steps(s, self.content(), self.clock())
        if owed:
            self.sender.nudge()
        return owed

    def stop_journey(
        self, team_id: str, user_id: str, step_id: str, channel_id: str = "", ts: str = ""
    ) -> int:
        """No more steps; the step's DM clicked (`channel_id`, `ts`) owes its redraw without
        the button, in the same transaction, like a tick's checklist."""
        now = self.clock()
        with self.store.session() as s:
            if channel_id and ts:
                key = f"{STOPPED}:{channel_id}:{ts}"
                ref = f"{team_id}:{user_id}:{step_id}"
                channel.track(
                    s, key=key, kind=STOPPED, ref=ref, group=key, channel=channel_id, ts=ts, now=now
                )
                channel.changed(s, key)  # first: the courier's lock order
            skipped = service.stop_journey(s, team_id, user_id, now)
        self.nudge()
        return skipped

    def welcome_reply(self, team_id: str, user_id: str, name: str) -> Reply:
        with self.store.session() as s:
            return views.welcome_for(
                s, self.content(), self.lean_coffee, team_id, user_id, name, self.clock()
            )

    def home_view(self, team_id: str, user_id: str, organiser: bool = False) -> dict[str, Any]:
        now, content = self.clock(), self.content()
        with self.store.session() as s:
            done = service.ticks(s, team_id, user_id)
            events = self.events(s)
            coffee = self.lean_coffee(s, team_id, now, content.lean_coffee)
            glance = funnel.funnel(s, team_id, now) if organiser else None
        return views.home(content, done, events, coffee, glance, now)

    def publish_home(self, client: WebClient, team_id: str, user_id: str) -> None:
        """The Home as this person sees it: organisers (only) see how onboarding goes."""
        organiser = self.is_organiser(client, user_id)
        client.views_publish(user_id=user_id, view=self.home_view(team_id, user_id, organiser))

    # ---- the checklist in the person's DMs: updates owed like every other ------------------
    def nudge(self) -> None:
        if self.courier is not None:
            self.courier.nudge()

    def attach(self, courier: Courier) -> None:
        """Hand the courier that delivers the checklist's redraws, and tell it how to draw
        them. Unthrottled: one person's DM, redrawn at each of their clicks."""
        self.courier = courier
        courier.register(CHECKLIST, self.draw_checklist, throttled=False)
        courier.register(STOPPED, self.draw_stopped, throttled=False)

    def owe_redraws(
        self, s: Session, team_id: str, user_id: str, clicked: dict[str, Any] | None
    ) -> None:
        """In a tick's transaction, before the tick is written: the message clicked (first)
        and every welcome and follow-up in the person's DM owe a redraw, drawn from the
        database when the courier sends it (bot.delivery.channel)."""
        now = self.clock()
        places: dict[tuple[str, str], str] = {}
        if clicked is not None and clicked["channel"] and clicked["ts"]:
            # a message of ours we know by its row; else the welcome opens with a header
            flag = "w" if clicked["is_welcome"] else "f"
            places[(clicked["channel"], clicked["ts"])] = f"{flag}:{clicked['user_name']}"
        for row in service.sent_messages(s, team_id, user_id):
            places.setdefault((row.channel_id, row.message_ts), "")
        group = _group(team_id, user_id)
        for (channel_id, ts), hint in places.items():
            channel.track(
                s,
                key=f"{CHECKLIST}:{channel_id}:{ts}",
                kind=CHECKLIST,
                ref=f"{team_id}:{user_id}:{hint}",
                group=group,
                channel=channel_id,
                ts=ts,
                now=now,
            )
        channel.changed(s, group)

    def draw_checklist(self, s: Session, ref: str, ts: str) -> Drawing | None:
        """A welcome or follow-up in a person's DM as it should read now: the name it was sent
        with, the person's ticks."""
        team_id, user_id, hint = [*ref.split(":", 2), "", ""][:3]
        row = service.sent_message_at(s, team_id, user_id, ts)
        flag, _, clicked_name = hint.partition(":")
        if row is not None:
            is_welcome, name = row.kind == service.WELCOME, row.name
        else:
            is_welcome = flag == "w"
            name = service.greeted_as(s, team_id, user_id) or clicked_name
        content, now = self.content(), self.clock()
        done = service.ticks(s, team_id, user_id)
        if is_welcome:
            coffee = self.lean_coffee(s, team_id, now, content.lean_coffee)
            buddy = buddies.buddy_of(s, team_id, user_id)
            reply = views.welcome(content, name, done, coffee, now, buddy)
        else:
            reply = views.follow_up(content, name, done, now)
        return Drawing("", reply)

    def draw_stopped(self, s: Session, ref: str, ts: str) -> Drawing | None:
        """A journey step's DM once its reader asked for no more: its words, the button gone
        (only the note, should the step have left the content since)."""
        team_id, _, step_id = ref.split(":", 2)
        content, now = self.content(), self.clock()
        step = content.step(step_id)
        if step is None:
            return Drawing("", views.stopped_reply(None))
        coffee = self.lean_coffee(s, team_id, now, content.lean_coffee)
        return Drawing("", views.stopped_reply(views.step(content, step, coffee, now)))

    def is_organiser(self, client: WebClient, user_id: str) -> bool:
        return self.organisers.check(client, user_id)
