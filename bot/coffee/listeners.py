"""/coffee, the propose modal, and the vote buttons.

A vote is recorded before the ack (one read, one write), so a click that got its ack is a
click that counted; the private "votes left" answer and the redrawn channel message follow on
a small thread pool. Organiser commands ack at once and answer through response_url, because
checking who is an organiser may need users.info.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.coffee import dots, service, views
from bot.coffee.clock import CoffeeClock
from bot.coffee.schedule import ScheduleError, parse_schedule
from bot.slack.after_ack import AfterAck
from bot.slack.incoming import slack_text
from bot.slack.mrkdwn import escape
from bot.slack.organisers import Organisers
from bot.slack.payloads import parse_row_id
from bot.slack.replies import SORRY, Reply
from bot.store import Store
from bot.store.models import CoffeeSeries, CoffeeSession, CoffeeTopic

log = logging.getLogger(__name__)

ORGANISER_WORDS = {
    "schedule", "open", "vote", "close", "cancel", "remove", "merge", "carry", "done", "peek",
}  # fmt: skip
HELP = (
    "`/coffee` shows the next lean coffee; `/coffee propose <topic>` adds a topic "
    "(the Propose button also takes details); "
    "`/coffee mine` lists yours. Organisers: `/coffee schedule …`, `open`, `vote`, `close`, "
    "`cancel`, `remove <n>`, `merge <n> into <m>`, `done <n>` (discussed at the meetup), `carry`, "
    "`peek` (the hidden counts, privately)."
)
OUT_OF_DATE = "That button is out of date; `/coffee` shows the next lean coffee."


class CoffeeFeature:
    def __init__(
        self,
        store: Store,
        clock: Callable[[], dt.datetime],
        coffee_clock: CoffeeClock,
        organisers: Organisers,
    ) -> None:
        self.store, self.clock = store, clock
        self.coffee_clock, self.organisers = coffee_clock, organisers
        self.after_ack = AfterAck()

    def current(self, db: Any, channel_id: str) -> tuple[CoffeeSeries | None, CoffeeSession | None]:
        series = service.series_for(db, channel_id)
        if series is None:
            return None, None
        return series, service.ensure_next_session(db, series, self.clock())

    def status(self, channel_id: str) -> Reply:
        with self.store.session() as db:
            series, s = self.current(db, channel_id)
            lines = service.topics(db, s.id) if s else []
            tz = series.timezone if series else "UTC"
            return views.status(service.settings_of(series) if series else None, s, lines, tz)

    def propose(self, channel_id: str, user_id: str, text: str) -> tuple[Reply, int | None]:
        with self.store.session() as db:
            _, s = self.current(db, channel_id)
            if s is None:
                return views.plain("No lean coffee is set up in this channel yet."), None
            try:
                topic_id = service.propose(db, s, user_id, text, self.clock())
            except service.CoffeeError as exc:
                return views.plain(escape(str(exc))), None
            return self.confirmation(db, s.id, topic_id), s.id

    def confirmation(self, db: Any, session_id: int, topic_id: int) -> Reply:
        """What a proposer alone sees: their topic's number, with Edit and Withdraw."""
        line = next(t for t in service.topics(db, session_id) if t.id == topic_id)
        return views.proposed(line.number, line.title, topic_id)


def _session_topic(value: str) -> tuple[int, int] | None:
    session_part, _, topic_part = (value or "").partition(":")
    session_id, topic_id = parse_row_id(session_part), parse_row_id(topic_part)
    return (session_id, topic_id) if session_id and topic_id else None


def register(app: App, feature: CoffeeFeature) -> None:
    store, coffee = feature.store, feature.coffee_clock

    # ---- votes ----------------------------------------------------------------------------
    # Registered first: Bolt tries listeners in order, running each one's matcher (~10 µs), and
    # a vote click is the hottest request the app gets.
    def vote_click(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        # recorded before the ack goes out: a click that was acknowledged is a click that counted
        parsed = _session_topic(action.get("value", ""))
        if parsed is None:
            ack()
            feature.after_ack.submit(_answer, body.get("response_url"), OUT_OF_DATE, False, None)
            return
        session_id, topic_id = parsed
        add = action.get("action_id") == views.VOTE
        try:
            result = dots.vote(
                store, session_id, topic_id, body["user"]["id"], feature.clock(), add=add
            )
        except Exception:
            log.exception("vote on %s failed", action.get("value"))
            result = dots.VoteResult("refused", 0, 0, SORRY)
        ack()
        feature.after_ack.submit(
            _tell_voter, body.get("response_url"), session_id, topic_id, result
        )

    def _tell_voter(
        response_url: str | None, session_id: int, topic_id: int, result: dots.VoteResult
    ) -> None:
        if response_url:
            reply = views.vote_feedback(session_id, topic_id, result)
            WebhookClient(response_url, timeout=10).send(
                response_type="ephemeral",
                replace_original=False,
                text=reply.text,
                blocks=reply.blocks,
            )
        if result.done != "refused":
            coffee.redraw(session_id)

    app.action(views.VOTE)(vote_click)
    app.action(views.UNVOTE)(vote_click)

    # ---- /coffee ---------------------------------------------------------------------------
    def command_ack(ack: Ack, command: dict[str, Any]) -> None:
        text = slack_text(command.get("text")).strip()
        word = text.split(maxsplit=1)[0].lower() if text else ""
        channel, user = command.get("channel_id", ""), command.get("user_id", "")
        try:
            if word in ORGANISER_WORDS:
                ack(response_type="ephemeral", text="Working on it…")
            elif word in ("", "status", "next"):
                reply = feature.status(channel)
                ack(response_type="ephemeral", text=reply.text, blocks=reply.blocks)
            elif word == "propose":
                reply, session_id = feature.propose(channel, user, text[len("propose") :])
                ack(response_type="ephemeral", text=reply.text, blocks=reply.blocks)
                if session_id:
                    coffee.redraw(session_id)
            elif word == "mine":
                reply = _mine(channel, user)
                ack(response_type="ephemeral", text=reply.text, blocks=reply.blocks)
            else:
                ack(response_type="ephemeral", text=HELP)
        except Exception:
            log.exception("/coffee %r failed", text[:100])
            ack(response_type="ephemeral", text=SORRY)

    def _mine(channel: str, user: str) -> Reply:
        with store.session() as db:
            _, s = feature.current(db, channel)
            if s is None:
                return views.plain("No lean coffee is set up in this channel yet.")
            lines = service.topics(db, s.id)
        nums = views.numbers(lines)
        own = [t for t in lines if t.user_id == user]
        if not own:
            return views.plain("You have no topics for the next lean coffee.")
        return views.mine(sorted(own, key=lambda t: nums[t.id]))

    def command_organiser(
        command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
    ) -> None:
        text = slack_text(command.get("text")).strip()
        word, _, rest = text.partition(" ")
        word = word.lower()
        if word not in ORGANISER_WORDS:
            return
        try:
            if not feature.organisers.check(client, command["user_id"]):
                respond(
                    response_type="ephemeral",
                    text="Only organisers can do that. `/coffee` shows what everyone can.",
                )
                return
            answer = _organise(word, rest.strip(), command, context)
        except (service.CoffeeError, ScheduleError) as exc:
            answer = escape(str(exc))
        except Exception:
            log.exception("/coffee %r failed", text[:100])
            answer = SORRY
        respond(response_type="ephemeral", text=answer)

    def _organise(word: str, rest: str, command: dict[str, Any], context: BoltContext) -> str:
        channel, user = command.get("channel_id", ""), command["user_id"]
        now = feature.clock()
        if word == "schedule":
            with store.session() as db:
                series = service.series_for(db, channel)
                wanted = parse_schedule(rest, service.settings_of(series))
                series = service.configure(
                    db, context.team_id or command.get("team_id", ""), channel, wanted, user, now
                )
                series_id = series.id
            coffee.advance(series_id)
            return f"Lean coffee here: {escape(wanted.describe())}."
        with store.session() as db:
            series, s = feature.current(db, channel)
            if s is None:
                raise service.CoffeeError("No lean coffee is set up in this channel yet.")
            session_id, state = s.id, s.state
            nums = {n: tid for tid, n in views.numbers(service.topics(db, s.id)).items()}
        if word == "peek":
            with store.session() as db:
                return views.peek(service.topics(db, session_id), service.voters(db, session_id))
        targets = {"open": "collecting", "vote": "voting", "close": "closed", "cancel": "cancelled"}
        if word in targets:
            if coffee.move_by_hand(session_id, targets[word]):
                if word in ("close", "cancel"):
                    with store.session() as db:
                        service.ensure_next_session(db, db.get(CoffeeSeries, series.id), now)
                return f"Done: this meetup is now {targets[word]}."
            return f"Nothing to do: this meetup is {state}."
        if word == "remove":
            n = _number(rest)
            with store.session() as db:
                topic = db.get(CoffeeTopic, _topic(nums, n))
                proposer, title = topic.user_id, topic.title
                service.withdraw(db, topic.id, user, organiser=True)
            coffee.redraw(session_id)
            if proposer != user:
                coffee.tell(
                    session_id, proposer, f"An organiser removed your topic “{escape(title)}”."
                )
            return f"Removed topic {n}."
        if word == "merge":
            m = re.fullmatch(r"(\d+)\s+(?:into|in|to)\s+(\d+)", rest)
            if not m:
                raise service.CoffeeError("Write it as `/coffee merge 4 into 2`.")
            drop, keep = int(m.group(1)), int(m.group(2))
            with store.session() as db:
                proposer = service.merge(db, _topic(nums, keep), _topic(nums, drop))
                title = db.get(CoffeeTopic, _topic(nums, keep)).title
            coffee.redraw(session_id)
            if proposer != user:
                coffee.tell(
                    session_id,
                    proposer,
                    f"Your topic {drop} was merged into topic {keep} “{escape(title)}”: your "
                    "words are in its description, and your votes count for it.",
                )
            return (
                f"Merged topic {drop} into {keep}; their votes now count once for {keep}, and "
                f"topic {drop}'s words are in its description."
            )
        if word in ("carry", "done"):
            with store.session() as db:
                last = service.last_finished(db, series.id)
                if last is None:
                    raise service.CoffeeError("There is no closed or cancelled meetup yet.")
                if word == "done":  # during the meeting: this agenda topic was discussed
                    n = _number(rest)
                    numbered = {n: t for t, n in views.numbers(service.topics(db, last.id)).items()}
                    service.mark_discussed(db, _topic(numbered, n))
                    return f"Topic {n} is marked as discussed; `carry` leaves it behind."
                carried = service.carry_over(db, last, db.get(CoffeeSession, session_id), now)
            coffee.redraw(session_id)
            for proposer, title in carried.moved:
                coffee.tell(
                    session_id,
                    proposer,
                    f"Your topic “{escape(title)}” was carried over to the next lean coffee.",
                )
            moved = len(carried.moved)
            answer = f"Carried {moved} undiscussed topic{'s' if moved != 1 else ''} over."
            if carried.left:
                answer += (
                    f" {carried.left} more did not fit: a meetup takes at most "
                    f"{service.MAX_TOPICS} topics."
                )
            return answer
        return HELP

    app.command("/coffee")(ack=command_ack, lazy=[command_organiser])

    # ---- proposing through the modal ------------------------------------------------------------
    def open_modal(
        body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        session_id = parse_row_id(action.get("value"))
        if session_id is None:
            respond(response_type="ephemeral", replace_original=False, text=OUT_OF_DATE)
            return
        client.views_open(trigger_id=body["trigger_id"], view=views.propose_modal(session_id))

    app.action(views.PROPOSE)(ack=lambda ack: ack(), lazy=[open_modal])

    def my_votes(body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        session_id = parse_row_id(action.get("value"))
        with store.session() as db:
            s = db.get(CoffeeSession, session_id) if session_id else None
            if s is None or s.state != "voting":
                reply = views.plain("Voting is not open for this meetup.")
            else:
                reply = views.my_votes(s.id, service.ballot(db, s, body["user"]["id"]))
        respond(
            response_type="ephemeral", replace_original=False, text=reply.text, blocks=reply.blocks
        )

    app.action(views.MY_VOTES)(ack=lambda ack: ack(), lazy=[my_votes])

    def modal_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view.get("state", {}).get("values", {})
        # modal values arrive as typed: no entity decoding here
        text = (values.get("topic", {}).get("topic", {}) or {}).get("value") or ""
        details = (values.get("description", {}).get("description", {}) or {}).get("value")
        session_part, _, topic_part = (view.get("private_metadata") or "").partition(":")
        session_id, topic_id = parse_row_id(session_part), parse_row_id(topic_part)
        user = body["user"]["id"]
        try:
            if session_id is None or (topic_part and topic_id is None):
                raise service.CoffeeError("This form is out of date; please open it again.")
            with store.session() as db:
                s = db.get(CoffeeSession, session_id)
                if s is None:
                    raise service.CoffeeError("That meetup is gone.")
                if topic_id:  # the proposer's edit of their own topic
                    service.edit(db, topic_id, user, text, description=details or "")
                    confirm = None
                else:
                    topic_id = service.propose(
                        db, s, user, text, feature.clock(), description=details or ""
                    )
                    confirm = feature.confirmation(db, session_id, topic_id)
        except service.CoffeeError as exc:
            field = "description" if str(exc).startswith("That description") else "topic"
            ack(response_action="errors", errors={field: str(exc)[:150]})
            return
        ack()
        if confirm is not None:  # the same private confirmation as `/coffee propose`
            feature.after_ack.submit(coffee.tell, session_id, user, confirm.text, confirm.blocks)
        coffee.redraw(session_id)

    app.view(views.PROPOSE_MODAL)(modal_submit)

    def withdraw(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        # the withdrawal is stored before the ack; the answer and the redraw follow it
        session_id, answer, replace = None, "Topic withdrawn.", True
        topic_id = parse_row_id(action.get("value"))
        try:
            if topic_id is None:
                raise service.CoffeeError(OUT_OF_DATE)
            with store.session() as db:
                topic = db.get(CoffeeTopic, topic_id)
                session_id = topic.session_id if topic else None
                service.withdraw(db, topic_id, body["user"]["id"])
        except service.CoffeeError as exc:
            session_id, answer, replace = None, escape(str(exc)), False
        except Exception:  # the database did not answer in time, or went away
            log.exception("withdrawing topic %r failed", action.get("value"))
            session_id, answer, replace = None, SORRY, False
        ack()
        feature.after_ack.submit(_answer, body.get("response_url"), answer, replace, session_id)

    def _answer(url: str | None, text: str, replace: bool, session_id: int | None) -> None:
        if url:
            WebhookClient(url, timeout=10).send(
                response_type="ephemeral", replace_original=replace, text=text
            )
        if session_id:
            coffee.redraw(session_id)

    app.action(views.WITHDRAW)(withdraw)

    def open_edit(
        body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        topic_id = parse_row_id(action.get("value"))
        with store.session() as db:
            topic = db.get(CoffeeTopic, topic_id) if topic_id else None
            mine = topic is not None and topic.user_id == body["user"]["id"]
            if not mine or topic.state != "open":
                respond(
                    response_type="ephemeral",
                    replace_original=False,
                    text="Only the proposer can edit a topic that is still on the list.",
                )
                return
            modal = views.propose_modal(topic.session_id, topic.title, topic.id, topic.description)
        client.views_open(trigger_id=body["trigger_id"], view=modal)

    app.action(views.EDIT)(ack=lambda ack: ack(), lazy=[open_edit])


def _number(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", text.strip()):  # ASCII: int("²") raises
        raise service.CoffeeError("Give the topic's number, as the list shows it: `remove 3`.")
    return int(text.strip())


def _topic(nums: dict[int, int], n: int) -> int:
    if n not in nums:
        raise service.CoffeeError(f"There is no topic {n} on the list.")
    return nums[n]
