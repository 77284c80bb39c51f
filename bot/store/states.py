"""The states and kinds the store's string columns hold, as StrEnums.

A member is its stored string (`OutboxState.SENT == "sent"`), so the columns stay plain
strings (no migration) and rows written before these types existed read back unchanged.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class OutboxState(StrEnum):
    """A delivery (a DM, a channel post): pending -> sending -> posting -> sent; or failed
    (too many attempts, or refused for good), unknown (the sender stopped mid-post: it may have
    reached Slack) -> checking (looked for in the channel; sent if it is not there), skipped
    (pointless now)."""

    PENDING = "pending"
    SENDING = "sending"
    POSTING = "posting"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    CHECKING = "checking"
    SKIPPED = "skipped"


class OutboxKind(StrEnum):
    WELCOME = "welcome"
    STEP = "step"  # a journey step
    FOLLOW_UP = "follow_up"
    DM_ANSWER = "dm_answer"  # an answer in the Messages tab
    TALK_NOTICE = "talk_notice"  # a followed talk moved or was withdrawn
    TALK_REMINDER = "talk_reminder"  # a followed talk begins soon; expires when it does
    # a proposer's lean-coffee topic was carried, merged, removed or discussed; text in the row
    COFFEE_NOTICE = "coffee_notice"
    BUDDY_INTRO = "buddy_intro"  # a buddy meets the newcomer they were paired with; text in the row


class MeetupState(StrEnum):
    """A lean-coffee meetup: scheduled -> collecting -> voting -> closed (or cancelled)."""

    SCHEDULED = "scheduled"
    COLLECTING = "collecting"
    VOTING = "voting"
    CLOSED = "closed"
    CANCELLED = "cancelled"


ACTIVE_MEETUP_STATES = (MeetupState.SCHEDULED, MeetupState.COLLECTING, MeetupState.VOTING)


class TopicState(StrEnum):
    OPEN = "open"
    WITHDRAWN = "withdrawn"  # by its proposer
    REMOVED = "removed"  # by an organiser
    MERGED = "merged"  # into another topic (`merged_into`)


E = TypeVar("E", bound=StrEnum)


class StoredEnum(TypeDecorator[E]):
    """A string column whose values are one StrEnum's: written as the plain string, read back
    as the member; a value outside the enum is refused before it reaches the database."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int = 16) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)
