"""What organisers ask of `/coffee`, one function a word, dispatched from a table.

Each answers in safe mrkdwn, or raises CoffeeError / ScheduleError with a polite reason. They
run after the ack (checking who is an organiser may need users.info)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.coffee import meeting, notices, service, topics, views, voices
from bot.coffee.feature import CoffeeFeature
from bot.coffee.schedule import parse_schedule
from bot.coffee.voices import RUNNING
from bot.slack.command_text import people
from bot.slack.mrkdwn import escape
from bot.store.models import CoffeeMeetup, CoffeeSeries


@dataclass(frozen=True)
class Ask:
    feature: CoffeeFeature
    team: str
    channel: str
    user: str
    rest: str  # the words after the first, mentions and links as plain words
    now: dt.datetime
    raw: str = ""  # the words after the first as Slack sent them (mentions as <@U123|name>)


@dataclass(frozen=True)
class Meetup:
    series_id: int
    meetup_id: int
    state: str
    numbers: dict[int, int]  # topic number -> topic id


def _meetup(ask: Ask) -> Meetup:
    with ask.feature.store.session() as db:
        series, s = ask.feature.current(db, ask.channel)
        if s is None or series is None:
            raise service.CoffeeError("No lean coffee is set up in this channel yet.")
        nums = {n: tid for tid, n in views.numbers(topics.topics(db, s.id)).items()}
        return Meetup(series.id, s.id, s.state, nums)


def _series(db: Session, m: Meetup) -> CoffeeSeries:
    return service.series_of(db, service.meetup(db, m.meetup_id))


def schedule(ask: Ask) -> str:
    with ask.feature.store.session() as db:
        series = service.series_for(db, ask.channel)
        wanted = parse_schedule(ask.rest, service.settings_of(series))
        series = service.configure(db, ask.team, ask.channel, wanted, ask.user, ask.now)
        series_id = series.id
    ask.feature.meetup_runner.advance(series_id)
    return f"Lean coffee here: {escape(wanted.describe())}."


def _mover(to: str) -> Callable[[Ask], str]:
    def move(ask: Ask) -> str:
        m = _meetup(ask)
        if not ask.feature.meetup_runner.move_by_hand(m.meetup_id, to):
            return f"Nothing to do: this meetup is {m.state}."
        return f"Done: this meetup is now {to}."

    return move


def peek(ask: Ask) -> str:
    m = _meetup(ask)
    with ask.feature.store.session() as db:
        return views.peek(topics.topics(db, m.meetup_id), topics.voters(db, m.meetup_id))


def remove(ask: Ask) -> str:
    m, n = _meetup(ask), number(ask.rest)
    runner = ask.feature.meetup_runner
    with ask.feature.store.session() as db:
        runner.changed(db, m.meetup_id)
        topic = topics.topic(db, topic_id(m.numbers, n))
        back = topics.withdraw(db, topic.id, ask.user, organiser=True)
        series = _series(db, m)
        if topic.user_id != ask.user:  # told by DM: they may not be looking at the channel
            notices.removed(db, series, topic, ask.now)
        notices.votes_returned(db, series, topic, back, ask.user, ask.now)
    runner.nudge()
    return f"Removed topic {n}."


def merge(ask: Ask) -> str:
    found = re.fullmatch(r"([0-9]{1,9})\s+(?:into|in|to)\s+([0-9]{1,9})", ask.rest)
    if not found:
        raise service.CoffeeError("Write it as `/coffee merge 4 into 2`.")
    m, runner = _meetup(ask), ask.feature.meetup_runner
    drop, keep = int(found.group(1)), int(found.group(2))
    with ask.feature.store.session() as db:
        runner.changed(db, m.meetup_id)
        kept, dropped = topic_id(m.numbers, keep), topic_id(m.numbers, drop)
        done = topics.merge(db, kept, dropped)
        series, old, new = _series(db, m), topics.topic(db, dropped), topics.topic(db, kept)
        if done.proposer != ask.user:  # told by DM, wherever they are
            own = (
                "returned"
                if done.proposer in done.returned
                else "moved"
                if done.proposer in done.moved
                else ""
            )
            notices.merged(db, series, old, new, ask.now, own)
        moved = {u: n for u, n in done.moved.items() if u != ask.user}
        returned = {u: n for u, n in done.returned.items() if u != ask.user}
        notices.votes_moved(db, series, old, new, moved, returned, ask.now)
    runner.nudge()
    return (
        f"Merged topic {drop} into {keep}; their votes now count once for {keep}, and "
        f"topic {drop}'s words are in its description."
    )


def done(ask: Ask) -> str:
    """At the meeting: this topic was discussed (the number the agenda and board show)."""
    m, n = _meetup(ask), number(ask.rest)
    with ask.feature.store.session() as db:
        s = meeting.live(db, m.series_id, ask.now) or topics.last_finished(db, m.series_id)
        if s is None:
            raise service.CoffeeError("There is no closed or cancelled meetup yet.")
        ask.feature.meetup_runner.changed(db, s.id)
        numbered = {n: t for t, n in views.numbers(topics.topics(db, s.id)).items()}
        last = meeting.done(db, s.id, topic_id(numbered, n), ask.now)
        meetup_id = s.id
    channel_meeting = ask.feature.meetup_runner.channel_meeting
    if last:
        channel_meeting.finish(meetup_id)
    ask.feature.meetup_runner.nudge()
    if last:
        return f"Topic {n} is marked as discussed. That was the last: the meeting has ended."
    return f"Topic {n} is marked as discussed; it will not be carried over to the next meetup."


def host(ask: Ask) -> str:
    """`/coffee host @someone`: they run the meetup's meeting as an organiser would
    (`host off`: nobody does)."""
    named = people(ask.raw)
    off = ask.rest.strip().lower() in ("off", "none", "nobody")
    if len(named) != 1 and not off:
        raise service.CoffeeError("Name one person, e.g. `/coffee host @alex`.")
    runner = ask.feature.meetup_runner
    with ask.feature.store.session() as db:
        series = service.series_for(db, ask.channel)
        if series is None:
            raise service.CoffeeError("No lean coffee is set up in this channel yet.")
        s = meeting.host_target(db, series, ask.now)
        runner.changed(db, s.id)  # first: see MeetupRunner.changed
        meeting.name_host(db, s.id, "" if off else named[0])
        when = views.when(s.starts_at, series.timezone)
    runner.nudge()
    if off:
        return f"The lean coffee on {when} has no host now; organisers run it."
    return f"<@{named[0]}> hosts the lean coffee on {when}: they can start, run and end it."


def pick(ask: Ask) -> str:
    """`/coffee next <number or words>`: that topic is discussed next, whatever its rank."""
    wanted = ask.rest.strip()
    with ask.feature.store.session() as db:
        series = service.series_for(db, ask.channel)
        s = meeting.live(db, series.id, ask.now) if series is not None else None
        if s is None or s.meeting != RUNNING:
            raise service.CoffeeError("No meeting is running; `/coffee start` begins one.")
        waiting = [
            t for t in topics.topics(db, s.id) if not t.discussed and t.id != s.current_topic_id
        ]
        chosen = _choose(waiting, wanted)
        ask.feature.meetup_runner.changed(db, s.id)
        over = meeting.start_next(db, s.id, ask.now, s.current_topic_id, chosen.id) is None
        meetup_id = s.id
    if over:  # not reached: a chosen topic was waiting
        ask.feature.meetup_runner.channel_meeting.finish(meetup_id)
    ask.feature.meetup_runner.nudge()
    return f"Next: topic {chosen.number}, {escape(chosen.title)}."


def _choose(waiting: list[topics.TopicLine], wanted: str) -> topics.TopicLine:
    """A waiting topic by its number, or by words of its title (one match only)."""
    if not waiting:
        raise service.CoffeeError("No topic is left to discuss; `/coffee end` ends the meeting.")
    if re.fullmatch(r"[0-9]{1,9}", wanted):
        found = [t for t in waiting if t.number == int(wanted)]
        if not found:
            raise service.CoffeeError(f"Topic {wanted} is not waiting to be discussed.")
        return found[0]
    key = topics.topic_key(wanted)
    found = [t for t in waiting if key and key in topics.topic_key(t.title)]
    if len(found) != 1:
        which = "No waiting topic says that" if not found else "Several waiting topics say that"
        raise service.CoffeeError(f"{which}; give its number, e.g. `/coffee next 3`.")
    return found[0]


def start(ask: Ask) -> str:
    """Begin the meeting now (closing voting if it is still open), with the asker as the
    facilitator, and its first topic."""
    m, runner = _meetup(ask), ask.feature.meetup_runner
    meetup_id: int | None = None
    if m.state in ("collecting", "voting"):
        runner.move_by_hand(m.meetup_id, "closed")  # the agenda, and the next meetup made
        meetup_id = m.meetup_id
    else:
        with ask.feature.store.session() as db:
            live = meeting.live(db, m.series_id, ask.now)
            meetup_id = live.id if live is not None else None
    if meetup_id is None:
        raise service.CoffeeError(
            "There is no meeting to start yet: topics are not open. `/coffee` shows when."
        )
    runner.channel_meeting.begin(meetup_id, ask.user)
    with ask.feature.store.session() as db:
        runner.changed(db, meetup_id)
        s = db.get(CoffeeMeetup, meetup_id)
        first = s is not None and s.meeting == voices.RUNNING and s.current_topic_id is None
        nothing = first and meeting.start_next(db, meetup_id, ask.now, None) is None
    if nothing:
        runner.channel_meeting.finish(meetup_id)
        return "There were no topics to discuss, so the meeting has ended."
    runner.nudge()
    return "The meeting is on: the agenda in the channel is now the board."


def end(ask: Ask) -> str:
    """End the series' meeting, and any older one left running with it."""
    m = _meetup(ask)
    with ask.feature.store.session() as db:
        running = meeting.running(db, m.series_id)
    if not running:
        raise service.CoffeeError("No meeting is running; `/coffee start` begins one.")
    ended = sum(
        ask.feature.meetup_runner.channel_meeting.finish(meetup_id) for meetup_id in running
    )
    if not ended:
        return "The meeting had ended already."
    if ended > 1:
        return f"{ended} meetings have ended; each summary is in its board's thread."
    return "The meeting has ended; the summary is in the board's thread."


def carry(ask: Ask) -> str:
    m, runner = _meetup(ask), ask.feature.meetup_runner
    with ask.feature.store.session() as db:
        runner.changed(db, m.meetup_id)
        last = topics.last_finished(db, m.series_id)
        if last is None:
            raise service.CoffeeError("There is no closed or cancelled meetup yet.")
        into = service.meetup(db, m.meetup_id)
        carried = topics.carry_over(db, last, into, ask.now)
        notices.carried(db, service.series_of(db, into), into, carried.topic_ids, ask.now)
    runner.nudge()
    moved = len(carried.moved)
    cap = f"a meetup takes at most {service.MAX_TOPICS} topics"
    if not moved:
        if carried.left:
            return f"No undiscussed topic was carried over: {carried.left} did not fit, {cap}."
        return "No undiscussed topic to carry over."
    answer = f"Carried {moved} undiscussed topic{'s' if moved != 1 else ''} over."
    if carried.left:
        answer += f" {carried.left} more did not fit: {cap}."
    return answer


WORDS: dict[str, Callable[[Ask], str]] = {
    "schedule": schedule,
    "open": _mover("collecting"),
    "vote": _mover("voting"),
    "close": _mover("closed"),
    "cancel": _mover("cancelled"),
    "remove": remove,
    "merge": merge,
    "carry": carry,
    "done": done,
    "peek": peek,
    "start": start,
    "end": end,
    "host": host,
    "pick": pick,
}
# what a meetup's host may do as an organiser would (for the meetup they host)
HOST_WORDS = ("start", "end", "done", "pick")


def number(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", text.strip()):  # ASCII: int("²") raises
        raise service.CoffeeError("Give the topic's number, as the list shows it: `remove 3`.")
    return int(text.strip())


def topic_id(nums: dict[int, int], n: int) -> int:
    if n not in nums:
        raise service.CoffeeError(f"There is no topic {n} on the list.")
    return nums[n]
