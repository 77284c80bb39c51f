"""`/coffee schedule ...` read into settings, described back, and turned into meetup times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.coffee.schedule import ScheduleError, SeriesSettings, next_start, parse_schedule

DEFAULT = SeriesSettings()
LONDON = ZoneInfo("Europe/London")


def test_the_full_form_is_read_word_by_word():
    s = parse_schedule(
        "every 2 weeks tuesday 16:00 Europe/London collect 3d vote 24h votes 3", DEFAULT
    )
    assert s == SeriesSettings(
        weekday=1,
        at="16:00",
        timezone="Europe/London",
        every_weeks=2,
        collect_hours=72,
        vote_hours=24,
        votes_per_person=3,
        multi_dots=False,
        hide_counts=True,
    )


def test_words_in_any_order_and_what_is_not_said_keeps_its_value():
    current = SeriesSettings(weekday=3, at="09:30", timezone="America/New_York", every_weeks=1)
    s = parse_schedule("votes 5 multi fri", current)
    assert (s.weekday, s.at, s.timezone, s.every_weeks) == (4, "09:30", "America/New_York", 1)
    assert (s.votes_per_person, s.multi_dots) == (5, True)
    s = parse_schedule("shown 9:05 every week on Wed at", s)
    assert (s.weekday, s.at, s.every_weeks, s.hide_counts) == (2, "09:05", 1, False)
    s = parse_schedule("every other single hidden topics 48 voting 12h", s)
    assert (s.every_weeks, s.multi_dots, s.hide_counts) == (2, False, True)
    assert (s.collect_hours, s.vote_hours) == (48, 12)
    assert parse_schedule("", current) == current
    assert parse_schedule("UTC", DEFAULT).timezone == "UTC"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Mars/Olympus_Mons", "“Mars/Olympus_Mons” is not a time zone I know"),
        ("../../etc/passwd", "is not a time zone I know"),
        ("Europe/Londn", "is not a time zone I know"),
        ("25:00", "25:00 is not a time of day; write it like 4pm or 16:00."),
        ("13pm", "13pm is not a time of day; write it like 4pm or 16:00."),
        ("0 am", "0am is not a time of day"),
        ("16:60", "16:60 is not a time of day"),
        ("collect 1d vote 2d", "Topic collection must open before voting"),
        ("collect 24h vote 24h", "Topic collection must open before voting"),
        ("vote 0h", "Topic collection must open before voting"),
        ("collect 29d", "Topic collection must open before voting"),
        ("collect soon", "“soon” is not a duration; write it like 3d or 24h."),
        ("every 9 weeks", "Meetups can be every 1 to 8 weeks."),
        ("every 0 weeks", "Meetups can be every 1 to 8 weeks."),
        ("votes 0", "Each person can have 1 to 20 votes."),
        ("votes 21", "Each person can have 1 to 20 votes."),
        ("fortnightly", "I did not understand “fortnightly”."),
        ("4", "I did not understand “4”."),  # a bare number could be anything
    ],
)
def test_mistakes_are_refused_with_what_to_write(text, message):
    with pytest.raises(ScheduleError) as info:
        parse_schedule(text, DEFAULT)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("text", "day", "at"),
    [
        ("tuesday 4pm", 1, "16:00"),
        ("4:00pm", 1, "16:00"),
        ("16:00", 1, "16:00"),
        ("thursday 4 pm", 3, "16:00"),
        ("tue 16:30", 1, "16:30"),
        ("wed 9:05 am", 2, "09:05"),
        ("fri 12am", 4, "00:00"),
        ("mon 12pm", 0, "12:00"),
        ("4.30PM", 1, "16:30"),
    ],
)
def test_times_are_read_as_people_write_them(text, day, at):
    s = parse_schedule(text, DEFAULT)
    assert (s.weekday, s.at) == (day, at)


def test_a_refusal_is_short_with_one_example():
    with pytest.raises(ScheduleError) as info:
        parse_schedule("tuesday at teatime", DEFAULT)
    assert str(info.value) == (
        "I did not understand “teatime”. Try e.g. "
        "`/coffee schedule every 2 weeks tuesday 4pm Europe/London`."
    )


def test_an_overlong_word_is_quoted_short():
    with pytest.raises(ScheduleError) as info:
        parse_schedule("x" * 5000, DEFAULT)
    assert len(str(info.value)) < 400


def test_utc_in_lower_case_is_the_utc_zone():
    assert parse_schedule("16:00 utc", DEFAULT).timezone == "UTC"


def test_describe_says_it_back_in_words():
    assert DEFAULT.describe() == (
        "every 2 weeks on Tuesday at 16:00 Europe/London for 1 hour; topics open 3 days before, "
        "voting 24 hours before; 3 votes each, one per topic, counts hidden until voting "
        "closes; up to 3 topics a person"
    )
    s = SeriesSettings(
        weekday=4,
        at="09:30",
        timezone="UTC",
        every_weeks=1,
        collect_hours=36,
        vote_hours=12,
        votes_per_person=5,
        multi_dots=True,
        hide_counts=False,
        topics_per_person=1,
    )
    assert s.describe() == (
        "every week on Friday at 09:30 UTC for 1 hour; topics open 36 hours before, voting 12 "
        "hours before; 5 votes each, several on one topic allowed, counts shown; up to 1 topic "
        "a person"
    )


def local(moment: dt.datetime) -> tuple[int, int, int]:
    """(weekday, hour, minute) in London."""
    t = moment.astimezone(LONDON)
    return t.weekday(), t.hour, t.minute


def following(n: int, after: dt.datetime, anchor: dt.date, every: int = 2) -> list[dt.datetime]:
    out = []
    for _ in range(n):
        after = next_start(1, "16:00", "Europe/London", every, anchor, after)
        out.append(after)
    return out


def test_fortnightly_meetups_stay_at_16_london_across_the_march_change():
    starts = following(4, dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.date(2026, 3, 10))
    assert [s.date() for s in starts] == [
        dt.date(2026, 3, 10),
        dt.date(2026, 3, 24),
        dt.date(2026, 4, 7),  # the clocks went forward on 29 March
        dt.date(2026, 4, 21),
    ]
    assert [s.hour for s in starts] == [16, 16, 15, 15]  # UTC
    assert all(s.tzinfo == dt.UTC for s in starts)
    assert {local(s) for s in starts} == {(1, 16, 0)}


def test_weekly_meetups_stay_at_16_london_across_the_october_change():
    starts = following(4, dt.datetime(2026, 10, 10, tzinfo=dt.UTC), dt.date(2026, 1, 6), every=1)
    assert [s.date() for s in starts] == [
        dt.date(2026, 10, 13),
        dt.date(2026, 10, 20),
        dt.date(2026, 10, 27),  # the clocks went back on 25 October
        dt.date(2026, 11, 3),
    ]
    assert [s.hour for s in starts] == [15, 15, 16, 16]
    assert {local(s) for s in starts} == {(1, 16, 0)}


def test_next_start_is_strictly_after_and_keeps_the_fortnight_of_the_anchor():
    meetup = dt.datetime(2026, 3, 24, 16, 0, tzinfo=dt.UTC)
    anchor = dt.date(2026, 3, 20)  # a Friday: the series' Tuesdays are 24 March, 7 April, ...
    assert next_start(1, "16:00", "Europe/London", 2, anchor, meetup - dt.timedelta(seconds=1)) == (
        meetup
    )
    assert next_start(1, "16:00", "Europe/London", 2, anchor, meetup) == dt.datetime(
        2026, 4, 7, 15, 0, tzinfo=dt.UTC
    )
    # an anchor years back lands on the same fortnight, without a loop per meetup
    far = next_start(1, "16:00", "Europe/London", 2, dt.date(2020, 1, 7), meetup)
    assert (far.date() - dt.date(2020, 1, 7)).days % 14 == 0
    assert meetup < far <= meetup + dt.timedelta(weeks=2)
    assert local(far) == (1, 16, 0)


def test_other_zones_keep_their_own_wall_clock():
    # New York moves on 8 March 2026, London on 29 March: 16:00 in New York is 20:00 UTC, then
    # 21:00 UTC once New York is back on standard time in November
    ny = next_start(
        3,
        "16:00",
        "America/New_York",
        1,
        dt.date(2026, 3, 1),
        dt.datetime(2026, 3, 10, tzinfo=dt.UTC),
    )
    assert ny == dt.datetime(2026, 3, 12, 20, 0, tzinfo=dt.UTC)
    ny = next_start(
        3,
        "16:00",
        "America/New_York",
        1,
        dt.date(2026, 3, 1),
        dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
    )
    assert ny == dt.datetime(2026, 11, 5, 21, 0, tzinfo=dt.UTC)
    tokyo = next_start(
        0, "09:00", "Asia/Tokyo", 1, dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    )
    assert tokyo == dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)
