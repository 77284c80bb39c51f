"""The /talks grammar: what parse() makes of what users type, against the seeded catalog."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bot.talks.catalog_index import CatalogCache, CatalogIndex
from bot.talks.query import MAX_QUERY, QueryError, TalkQuery, parse
from tests.conftest import NOW

TUE, WED, THU, FRI = (dt.date(2024, 3, d) for d in (19, 20, 21, 22))
FOLDED_WORD = re.compile(r"[a-z0-9]+")


@pytest.fixture
def index(seeded) -> CatalogIndex:
    with seeded.session() as session:
        return CatalogCache().get(session)


def event_id(index: CatalogIndex, slug: str) -> int:
    (found,) = [e.id for e in index.events.values() if e.slug == slug]
    return found


def conference_id(index: CatalogIndex, slug: str) -> int:
    (found,) = [c.id for c in index.conferences.values() if c.slug == slug]
    return found


def q(index: CatalogIndex, text: str, now: dt.datetime = NOW) -> TalkQuery:
    return parse(text, index, now)


def filters(query: TalkQuery) -> tuple:
    """Everything parse() decided, for comparing two spellings of one query."""
    return (
        query.conference_ids,
        query.event_ids,
        query.days,
        query.speaker,
        query.company,
        query.formats,
        sorted(query.words),
    )


# --- events and conferences ---


@pytest.mark.parametrize(
    "text",
    [
        "platform-day",
        "PLATFORM-DAY",
        "Platform Engineering Day",
        "platform engineering day",
        "platform-engineering-day",  # alias
        "ped",  # alias
        "  Platform-Day  ",
    ],
)
def test_platform_day_by_slug_alias_and_name(index, text):
    query = q(index, text)
    assert query.event_ids == {event_id(index, "platform-day")}
    assert query.conference_ids == set()
    assert query.words == [] and query.speaker == [] and query.company == []
    assert query.days is None and query.formats == set()
    assert not query.is_empty


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("backstagecon", "backstagecon"),
        ("ArgoCon", "argocon"),
        ("multi-tenancycon", "multitenancycon"),
        ("OpenShift Commons Gathering", "openshift-commons"),
        ("openshift", "openshift-commons"),
        ("appdevelopercon", "appdevcon"),
        ("kubecon", "kubecon"),
        ("main", "kubecon"),
    ],
)
def test_other_events_by_slug_alias_and_name(index, text, slug):
    assert q(index, text).event_ids == {event_id(index, slug)}


def test_conference_slug(index):
    query = q(index, "kubecon-eu-2024")
    assert query.conference_ids == {conference_id(index, "kubecon-eu-2024")}
    assert query.event_ids == set()
    assert query.words == []


# --- days ---


@pytest.mark.parametrize(
    ("text", "days", "label"),
    [
        ("day 1", {WED}, "day 1"),
        ("day 2", {THU}, "day 2"),
        ("Day 3", {FRI}, "day 3"),
        ("2024-03-21", {THU}, "2024-03-21"),
        ("2024-03-19", {TUE}, "2024-03-19"),
        ("thursday", {THU}, "thursday"),
        ("Thu", {THU}, "thu"),
        ("TUESDAY", {TUE}, "tuesday"),
        ("today", {THU}, "today"),
        ("tomorrow", {FRI}, "tomorrow"),
    ],
)
def test_days(index, text, days, label):
    query = q(index, text)
    assert query.days == days
    assert query.day_label == label
    assert query.words == []


def test_a_weekday_outside_the_conference_is_no_day_at_all(index):
    query = q(index, "monday")
    assert query.days == set()  # "a day that no conference has": nothing, not everything
    assert not query.is_empty


def test_today_is_the_conference_local_date_not_utc(index):
    # 23:30 UTC on Thursday is already 00:30 on Friday in Paris
    late = dt.datetime(2024, 3, 21, 23, 30, tzinfo=dt.UTC)
    assert q(index, "today", late).days == {FRI}
    assert q(index, "tomorrow", late).days == {dt.date(2024, 3, 23)}
    assert q(index, "today", NOW).days == {THU}


# --- people, companies, formats ---


def test_speaker_words(index):
    query = q(index, "speaker abby bangser")
    assert query.speaker == ["abby", "bangser"]
    assert query.words == [] and query.company == []


def test_speaker_words_are_folded(index):
    assert q(index, "speaker Mads Høgstedt").speaker == ["mads", "hogstedt"]
    assert q(index, "by Edgaras Petovradžius").speaker == ["edgaras", "petovradzius"]


def test_company_words(index):
    query = q(index, "company saxo bank")
    assert query.company == ["saxo", "bank"]
    assert query.words == [] and query.speaker == []


@pytest.mark.parametrize(
    ("text", "formats"),
    [
        ("panels", {"panel"}),
        ("panel", {"panel"}),
        ("lightning", {"lightning"}),
        ("Lightning", {"lightning"}),
        ("keynotes", {"keynote"}),
        ("workshop", {"workshop"}),
        ("panels lightning", {"panel", "lightning"}),
    ],
)
def test_formats(index, text, formats):
    query = q(index, text)
    assert query.formats == formats
    assert query.words == []


# --- combinations, order and case ---


def test_event_format_and_day_combined(index):
    query = q(index, "platform-day panels day 1")
    assert query.event_ids == {event_id(index, "platform-day")}
    assert query.formats == {"panel"}
    assert query.days == {WED}
    assert query.words == []


def test_speaker_name_ends_at_an_event_slug(index):
    query = q(index, "speaker abby bangser platform-day panels")
    assert query.speaker == ["abby", "bangser"]
    assert query.event_ids == {event_id(index, "platform-day")}
    assert query.formats == {"panel"}


def test_a_single_alias_word_inside_a_name_stays_part_of_the_name(index):
    # "main" is an alias of the main conference, but inside "speaker ..." it is a name word
    query = q(index, "speaker main")
    assert query.speaker == ["main"]
    assert query.event_ids == set()


def test_company_then_day(index):
    query = q(index, "company the lego group day 2")
    assert query.company == ["the", "lego", "group"]  # stopwords stay inside names
    assert query.days == {THU}


@pytest.mark.parametrize(
    "text",
    [
        "day 1 panels platform-day",
        "PANELS Platform-Day DAY 1",
        "panels, day 1; platform engineering day",
        "Platform Engineering Day panels day 1",
    ],
)
def test_words_in_any_order_and_any_case(index, text):
    assert filters(q(index, text)) == filters(q(index, "platform-day panels day 1"))


def test_free_words_in_any_order_and_case(index):
    a, b = q(index, "KCP api Layer"), q(index, "layer API kcp")
    assert sorted(a.words) == sorted(b.words) == ["api", "kcp", "layer"]


def test_stopwords_are_dropped(index):
    query = q(index, "talks about the kcp and an api for a platform")
    assert query.words == ["kcp", "api", "platform"]
    assert query.free_text == "kcp api platform"


def test_only_stopwords_is_an_empty_query(index):
    assert q(index, "the talks about a").is_empty


def test_free_words_are_accent_folded(index):
    assert q(index, "Høgstedt Petovradžius").words == ["hogstedt", "petovradzius"]


# --- refusals and hostile input ---


def test_an_impossible_date_is_refused_kindly(index):
    with pytest.raises(QueryError) as exc:
        q(index, "platform-day 2024-02-31")
    message = str(exc.value)
    assert "2024-02-31" in message and "2024-03-21" in message  # what was wrong, and an example
    assert "Traceback" not in message and "ValueError" not in message


def test_a_query_past_the_limit_is_refused_with_its_length(index):
    with pytest.raises(QueryError) as exc:
        q(index, "a" * (MAX_QUERY + 1))
    assert f"{MAX_QUERY + 1:,}" in str(exc.value) and str(MAX_QUERY) in str(exc.value)
    with pytest.raises(QueryError, match="10,000"):
        q(index, "platform " * 1111 + "x")


def test_a_query_at_the_limit_is_read(index):
    text = ("kcp " * MAX_QUERY)[:MAX_QUERY]
    assert len(text) == MAX_QUERY
    assert set(q(index, "   " + text + "   ").words) == {"kcp"}  # surrounding blanks don't count


@pytest.mark.parametrize(
    "text",
    [
        "🙂🚀",
        "🙂 platform-day 🚀",
        "' OR 1=1; DROP TABLE talks; --",
        '"unbalanced quote',
        "NEAR(a b)",
        "title:foo*",
        "a AND OR NOT",
        "<!channel> <@U123>",
        "%_\\ ^$ {} [] ()",
        "\x00\u200b\ufeff",
        "Robert'); DROP TABLE talks;--",
    ],
)
def test_hostile_text_parses_into_plain_folded_words(index, text):
    query = q(index, text)
    # only [a-z0-9]+ words ever reach the word index
    for word in (*query.words, *query.speaker, *query.company):
        assert FOLDED_WORD.fullmatch(word), word


def test_emoji_alone_is_an_empty_query(index):
    assert q(index, "🙂🚀").is_empty
    query = q(index, "🙂 platform-day 🚀")
    assert query.event_ids == {event_id(index, "platform-day")} and query.words == []


def test_sql_metacharacters_become_words(index):
    assert q(index, "' OR 1=1; DROP TABLE talks; --").words == ["or", "1", "1", "drop", "table"]


# --- known bugs (see the report) ---


@pytest.mark.parametrize("text", ["day ²", "day ①"])
def test_day_with_a_unicode_digit_is_not_a_crash(index, text):
    try:
        query = q(index, text)
    except QueryError:
        return  # a friendly refusal is fine
    assert query.days is None or query.days == set()


def test_the_conference_full_name_as_displayed_selects_the_conference(index):
    query = q(index, "KubeCon + CloudNativeCon Europe 2024")
    assert query.conference_ids == {conference_id(index, "kubecon-eu-2024")}
    assert query.event_ids == set()
    assert query.words == []
