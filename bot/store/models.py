"""The catalog's tables as typed SQLAlchemy models.

A conference has events (the main conference, co-located events, tracks); an event has talks;
a talk has speakers, each with the company they spoke for (the affiliation lives on the link,
since people change jobs between conferences).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.store.states import (
    ACTIVE_MEETUP_STATES,
    MeetupState,
    OutboxKind,
    OutboxState,
    StoredEnum,
    TopicState,
)
from bot.times import UtcDateTime

# the partial index's condition, as migration 0006 wrote it
ACTIVE_MEETUP = "state IN (" + ", ".join(f"'{s}'" for s in ACTIVE_MEETUP_STATES) + ")"


class Base(DeclarativeBase):
    pass


class CatalogState(Base):
    """One row; `revision` grows on every import that changed something (caches key on it)."""

    __tablename__ = "catalog_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)


class Conference(Base):
    __tablename__ = "conferences"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    starts: Mapped[dt.date | None] = mapped_column(Date)
    ends: Mapped[dt.date | None] = mapped_column(Date)
    day_one: Mapped[dt.date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(String(1000))
    events: Mapped[list[Event]] = relationship(back_populates="conference")


class Event(Base):
    """The main conference, a co-located event or a track."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("conference_id", "slug"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="colocated")
    aliases: Mapped[str] = mapped_column(Text, default="")  # space-separated slugs
    url: Mapped[str | None] = mapped_column(String(1000))
    conference: Mapped[Conference] = relationship(back_populates="events")


class Company(Base):
    __tablename__ = "companies"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)  # folded name
    name: Mapped[str] = mapped_column(String(300))


class Speaker(Base):
    """A person: keyed by their name as written (two people whose names differ only in case
    are two people), or, where two of one conference's person ids share a name, by the name
    and the id (see importers/apply.py)."""

    __tablename__ = "speakers"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    name: Mapped[str] = mapped_column(String(300))


class Talk(Base):
    __tablename__ = "talks"
    __table_args__ = (
        UniqueConstraint("conference_id", "source_id"),
        # each filter's index ends in the schedule order, so a page needs no sort
        Index("ix_talks_event_order", "event_id", "sort_key", "id"),
        Index("ix_talks_conference_order", "conference_id", "sort_key", "id"),
        Index("ix_talks_day_order", "day", "sort_key", "id"),
        Index("ix_talks_format_order", "format", "sort_key", "id"),
        Index("ix_talks_order", "sort_key", "id"),
        Index("ix_talks_id_order", "id", "sort_key"),  # a page of known ids, in order
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(200))  # Sched id, pretalx guid, ...
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(20), default="talk")
    day: Mapped[dt.date | None] = mapped_column(Date)
    starts_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    ends_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    room: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(1000))
    video_url: Mapped[str | None] = mapped_column(String(1000))  # the recording
    slides_url: Mapped[str | None] = mapped_column(String(1000))
    # each link's title where the source gives one worth showing; "" where none
    recording_title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    slides_title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # Denormalised "Name (Company), Name (Company)" so an answer needs one query, not one per talk.
    speakers_line: Mapped[str] = mapped_column(Text, default="")
    # "day start title" as one string: schedule order that an index serves on every database
    # (NULL days sort differently on SQLite and PostgreSQL; this sorts them last on both).
    sort_key: Mapped[str] = mapped_column(String(400), default="")
    links: Mapped[list[TalkSpeaker]] = relationship(
        back_populates="talk", cascade="all, delete-orphan", order_by="TalkSpeaker.position"
    )


class TalkSpeaker(Base):
    """A speaker on a talk, with the company they represented there."""

    __tablename__ = "talk_speakers"
    talk_id: Mapped[int] = mapped_column(
        ForeignKey("talks.id", ondelete="CASCADE"), primary_key=True
    )
    speaker_id: Mapped[int] = mapped_column(
        ForeignKey("speakers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    # as this conference spells them: another conference's spelling never changes this one
    name: Mapped[str] = mapped_column(String(300), default="", server_default="")
    company_name: Mapped[str | None] = mapped_column(String(300))
    person_id: Mapped[str | None] = mapped_column(String(200))  # the source's, where it has one
    talk: Mapped[Talk] = relationship(back_populates="links")
    speaker: Mapped[Speaker] = relationship()
    company: Mapped[Company | None] = relationship()


class OutboxMessage(Base):
    """A DM the bot owes a person: a welcome, a journey step, the one follow-up, an answer in
    the Messages tab, or a notice about a followed talk. The rows are the delivery outbox.

    The unique (team, user, kind, scope) key is what makes each DM happen once: a duplicate
    event, a retry or a second process inserts nothing. `state` moves pending -> sending -> sent
    (or -> failed after too many attempts); a claim holds a row for one sender at a time.
    """

    __tablename__ = "dm_outbox"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "kind", "scope"),
        Index("ix_dm_outbox_state_due", "state", "due_at"),  # the sender's next claim
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[OutboxKind] = mapped_column(StoredEnum(OutboxKind))
    # a welcome: "first" (one per person, whichever trigger fired) or "resend:<hour>";
    # a step: its id in the content
    scope: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200), default="")  # as Slack gave it, unescaped
    state: Mapped[OutboxState] = mapped_column(StoredEnum(OutboxState), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    channel_id: Mapped[str] = mapped_column(String(32), default="")  # the DM, once opened
    message_ts: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # a notice's text (mrkdwn, escaped); for a first welcome, the trigger that owed it
    body: Mapped[str] = mapped_column(Text, default="")
    # the person's Slack time zone when the event carried it (team_join's user): an IANA name,
    # or "+3600"-style seconds east of UTC when Slack gave only tz_offset
    tz: Mapped[str] = mapped_column(String(64), default="")

    # a DM pointless after this (a talk reminder once the talk began): skipped, never sent late
    expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class ChannelMessage(Base):
    """A message the bot owes a channel or thread (bot.delivery.channel): posted once, then,
    for a message kept up to date in place, redrawn whenever what it shows has changed.

    The unique `key` makes each post happen once. `state` moves as a DM's does (pending ->
    sending -> posting -> sent, or unknown -> checking when a sender died mid-post). Once sent,
    `wanted` is bumped by every change to what the message shows (all of a `group` at once)
    and `drawn` records the version the channel shows: a redraw is owed while wanted > drawn.
    `drawing` is the version a claimed redraw is drawing: a change needs a bump only while
    nothing was bumped since that claim (wanted <= drawing).
    """

    __tablename__ = "channel_messages"
    __table_args__ = (
        Index("ix_channel_messages_state_due", "state", "due_at"),
        Index("ix_channel_messages_group", "group_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  # whose drawer draws it
    ref: Mapped[str] = mapped_column(String(80))  # what the drawer draws (a row id, ...)
    group_key: Mapped[str] = mapped_column(String(80), default="")  # bumped together
    thread_key: Mapped[str] = mapped_column(String(160), default="")  # posted under this one
    channel_id: Mapped[str] = mapped_column(String(32), default="")
    ts: Mapped[str] = mapped_column(String(32), default="")
    state: Mapped[OutboxState] = mapped_column(StoredEnum(OutboxState), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    wanted: Mapped[int] = mapped_column(Integer, default=0)
    drawn: Mapped[int] = mapped_column(Integer, default=0)
    drawing: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    drawn_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    shape: Mapped[str] = mapped_column(String(64), default="")  # a hash of what it shows
    # a post of kind "stored": what to send, made when it was owed (JSON: channel, text, blocks)
    body: Mapped[str] = mapped_column(Text, default="")


class Journey(Base):
    """A newcomer's first weeks: begun when their one first welcome went out, its steps owed
    as outbox rows (kind "step"), all skipped at once when they ask for no more."""

    __tablename__ = "onboarding_journeys"
    __table_args__ = (Index("ix_onboarding_journeys_started", "started_at"),)
    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    via: Mapped[str] = mapped_column(String(80), default="")  # "workspace" or "channel:C…"
    tz: Mapped[str] = mapped_column(String(64), default="")  # as in OutboxMessage.tz
    channel_id: Mapped[str] = mapped_column(String(32), default="")  # their DM with the bot
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Buddy(Base):
    """A volunteer who is paired with newcomers in turn (`/welcome buddies add`). `last_turn`
    is the pairing count at their last turn (0: never): the lowest goes next."""

    __tablename__ = "onboarding_buddies"
    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    added_by: Mapped[str] = mapped_column(String(32), default="")
    added_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_turn: Mapped[int] = mapped_column(Integer, default=0)


class BuddyPair(Base):
    """A newcomer and the buddy they were paired with; one per newcomer, ever."""

    __tablename__ = "onboarding_buddy_pairs"
    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    newcomer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    buddy_id: Mapped[str] = mapped_column(String(32))
    turn: Mapped[int] = mapped_column(Integer)
    paired_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ChecklistTick(Base):
    """A newcomer ticked one item of the onboarding checklist."""

    __tablename__ = "checklist_ticks"
    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    item: Mapped[str] = mapped_column(String(40), primary_key=True)
    ticked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class CoffeeSeries(Base):
    """A channel's lean-coffee meetups: when they happen and how topics are gathered and voted."""

    __tablename__ = "coffee_series"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    weekday: Mapped[int] = mapped_column(Integer)  # Monday 0
    at: Mapped[str] = mapped_column(String(5))  # "16:00", local time in `timezone`
    every_weeks: Mapped[int] = mapped_column(Integer, default=2)
    anchor: Mapped[dt.date] = mapped_column(Date)  # a meetup day: fixes which weeks are on
    collect_hours: Mapped[int] = mapped_column(Integer, default=72)  # before the start
    vote_hours: Mapped[int] = mapped_column(Integer, default=24)
    votes_per_person: Mapped[int] = mapped_column(Integer, default=3)
    multi_dots: Mapped[bool] = mapped_column(default=False)  # several dots on one topic
    hide_counts: Mapped[bool] = mapped_column(default=True)  # until voting closes
    topics_per_person: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    link: Mapped[str] = mapped_column(String(300), default="", server_default="")  # https only
    # minutes before the start, nearest last: "120,10"; empty for none
    remind: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # proposers unnamed while votes are cast (named again on the agenda)
    hide_proposers: Mapped[bool] = mapped_column(default=False, server_default=false())
    # the meeting: minutes a topic is first given, then each extension's ("4,2": shrinking)
    timebox: Mapped[int] = mapped_column(Integer, default=8, server_default="8")
    extensions: Mapped[str] = mapped_column(String(40), default="4,2", server_default="4,2")
    # undiscussed topics move to the next meetup when a meeting ends
    carry: Mapped[bool] = mapped_column(default=True, server_default=true())
    # minutes a meeting lasts: at its start plus this, a meeting nobody ended ends
    length: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    # any member may offer to host a meetup (the "I'll host" button on the agenda)
    volunteer_hosts: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_by: Mapped[str] = mapped_column(String(32), default="")


class CoffeeMeetup(Base):
    """One meetup. `state`: scheduled -> collecting -> voting -> closed (or cancelled)."""

    __tablename__ = "coffee_meetups"
    __table_args__ = (
        UniqueConstraint("series_id", "starts_at"),
        Index("ix_coffee_meetups_state", "state"),
        # one meetup in progress per series, whoever makes "the next one" first
        Index(
            "ux_coffee_meetups_one_active",
            "series_id",
            unique=True,
            sqlite_where=text(ACTIVE_MEETUP),
            postgresql_where=text(ACTIVE_MEETUP),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("coffee_series.id", ondelete="CASCADE"))
    starts_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    collect_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    vote_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    state: Mapped[MeetupState] = mapped_column(
        StoredEnum(MeetupState), default=MeetupState.SCHEDULED
    )
    votes_per_person: Mapped[int] = mapped_column(Integer, default=3)  # fixed when voting opens
    multi_dots: Mapped[bool] = mapped_column(default=False)
    hide_counts: Mapped[bool] = mapped_column(default=True)
    message_ts: Mapped[str] = mapped_column(String(32), default="")  # the topics message
    agenda_ts: Mapped[str] = mapped_column(String(32), default="")
    # the nearest reminder already posted, in minutes before the start: each is posted once
    reminded: Mapped[int | None] = mapped_column(Integer)
    # the meeting itself, after voting closes: "" (not begun), running, ended
    meeting: Mapped[str] = mapped_column(String(16), default="", server_default="")
    facilitator: Mapped[str] = mapped_column(String(32), default="", server_default="")
    # a member who runs this meetup's meeting as an organiser would: named by an organiser
    # (`/coffee host @someone`) or volunteered ("I'll host"); "" for none
    host: Mapped[str] = mapped_column(String(32), default="", server_default="")
    # the topic being discussed; moved only by a conditional update, so one at a time
    current_topic_id: Mapped[int | None] = mapped_column(Integer)
    began_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # bumped when the meetup moves or is cancelled: calendars take the change (iCalendar SEQUENCE)
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # the "voting closes in 1 hour" post is owed: set once, by a conditional update
    closing_reminded: Mapped[bool] = mapped_column(default=False, server_default=false())


class CoffeeTopic(Base):
    __tablename__ = "coffee_topics"
    __table_args__ = (Index("ix_coffee_topics_meetup", "meetup_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meetup_id: Mapped[int] = mapped_column(ForeignKey("coffee_meetups.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    # the proposer's explanation; a merge appends the merged topic's words here
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    state: Mapped[TopicState] = mapped_column(StoredEnum(TopicState), default=TopicState.OPEN)
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("coffee_topics.id"))
    discussed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # at the meeting: when its discussion began and ended (minutes spent = the difference)
    discussing_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    discussed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class CoffeeVote(Base):
    """One dot. A voter's dots fill numbered slots 1..budget; the primary key on (meetup, user,
    slot) is what keeps anyone from overspending, however many clicks race. `repeat` is 0 when a
    topic takes one dot per person (so (topic, user, 0) is unique) and the slot otherwise."""

    __tablename__ = "coffee_votes"
    __table_args__ = (
        UniqueConstraint("topic_id", "user_id", "repeat"),
        Index("ix_coffee_votes_topic", "topic_id"),
    )
    meetup_id: Mapped[int] = mapped_column(
        ForeignKey("coffee_meetups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("coffee_topics.id", ondelete="CASCADE"))
    repeat: Mapped[int] = mapped_column(Integer, default=0)
    cast_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class CoffeeTimebox(Base):
    """One timebox of a topic under discussion: round 0 is the first, each extension adds the
    next round. (topic, round) is unique, so two clicks on Extend add one round; `expired` is
    set by one conditional update, so a timebox's Roman vote is posted once, whoever ticks."""

    __tablename__ = "coffee_timeboxes"
    __table_args__ = (UniqueConstraint("topic_id", "round"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("coffee_topics.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expired: Mapped[bool] = mapped_column(default=False)
    vote_ts: Mapped[str] = mapped_column(String(32), default="")  # the Roman vote's message
    # "" while open; extended, moved on, or ended (the meeting ended with the vote open)
    outcome: Mapped[str] = mapped_column(String(16), default="")


class CoffeeRomanVote(Base):
    """One person's thumb on a timebox that ran out: up (keep going), down (move on) or side
    (either way). One a person, changed in place."""

    __tablename__ = "coffee_roman_votes"
    timebox_id: Mapped[int] = mapped_column(
        ForeignKey("coffee_timeboxes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    choice: Mapped[str] = mapped_column(String(8))
    cast_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class CoffeeTakeaway(Base):
    """A takeaway or an action (with an optional owner) noted on a topic at the meeting."""

    __tablename__ = "coffee_takeaways"
    __table_args__ = (Index("ix_coffee_takeaways_meetup", "meetup_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meetup_id: Mapped[int] = mapped_column(ForeignKey("coffee_meetups.id", ondelete="CASCADE"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("coffee_topics.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # takeaway or action
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(32), default="")  # an action's owner, a user id
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # an action marked done after the meeting (`/coffee actions`), and who marked it
    done_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    done_by: Mapped[str] = mapped_column(String(32), default="", server_default="")


class TalkFollow(Base):
    """Someone asked to hear when a talk moves or is cancelled. Keyed by the conference and the
    talk's source id, which survive re-imports (a talk's row does not when it is withdrawn)."""

    __tablename__ = "talk_follows"
    __table_args__ = (Index("ix_talk_follows_talk", "conference", "source_id"),)
    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    conference: Mapped[str] = mapped_column(String(100), primary_key=True)  # its slug
    source_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ScheduleFeed(Base):
    """A published schedule the clock keeps in sync (`wgbot feeds add`).

    Written when a check changed something (a new schedule imported, a failure, a recovery):
    a check that finds nothing new writes nothing, so `checked_at` is the last check that did.
    """

    __tablename__ = "schedule_feeds"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    conference: Mapped[str | None] = mapped_column(String(100))  # --event, when given
    every_seconds: Mapped[int] = mapped_column(Integer)
    announce: Mapped[str | None] = mapped_column(String(100))  # a channel
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    content_hash: Mapped[str | None] = mapped_column(String(64))  # sha256 of the last body read
    checked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    changed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # in a row
    due_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # set while backing off
    last_error: Mapped[str] = mapped_column(String(500), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
