"""What people type into /talks, sent as Slack sends it: names that look like days, questions,
short words, a format word alone, a schedule's own talk ids, and `now` between conferences."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.store.models import Talk
from tests.blocks import all_text
from tests.importers.support import run
from tests.talks.test_listeners import run_command

TYPECON = Path(__file__).parent / "fixtures" / "typecon.yaml"


@pytest.fixture
def typed(seeded, app):
    run(seeded, TYPECON)
    return app


def shown(app, text: str) -> str:
    _, body = run_command(app, "/talks", text)
    return all_text(body["blocks"])


def test_a_surname_that_is_a_weekday_is_a_name(typed):
    answer = shown(typed, "speaker ada sun")
    assert "Our Internal Developer Portal" in answer
    assert "speaker ada sun" in answer and "sun," not in answer.split("for", 1)[1][:40]
    # a company's words too: "company weekday labs" is not a weekday filter
    assert "Our Internal Developer Portal" in shown(typed, "company weekday labs")
    # a full date still ends the name
    assert "Our Internal Developer Portal" in shown(typed, "speaker ada sun 2026-06-01")


def test_a_question_drops_its_filler_words(typed):
    answer = shown(typed, "who is speaking about idp")
    assert "Our Internal Developer Portal" in answer
    assert "Sunday Morning" not in answer and "Plain Platform" not in answer


def test_short_words_match_whole_words_not_prefixes(seeded, app):
    run(seeded, TYPECON)
    run(seeded, Path(__file__).parent / "fixtures" / "kubecon-na.yaml")
    typed = app
    ai = shown(typed, "ai")
    assert "AI-Powered" in ai
    assert "American Airlines" not in ai and "Anti-Architectural" not in ai.title()
    # the abbreviation in a conference's name is what it means, not a prefix of words
    na = shown(typed, "kubecon na")
    assert "Platforms in Atlanta" in na and "Navigating" not in na


def test_talks_alone_is_the_format_the_help_lists(typed, seeded):
    help_text = shown(typed, "help")
    assert "`talks`" in help_text
    with seeded.session() as s:
        plain = s.scalar(select(func.count()).select_from(Talk).where(Talk.format == "talk"))
    assert f"*{plain} talks* for talks" in shown(typed, "talks")
    assert f"*{plain} talks* for talks" in shown(typed, "Talks.")


def test_a_schedule_id_or_link_finds_the_talk_and_lists_show_ids(typed, seeded):
    assert "Our Internal Developer Portal" in shown(typed, "2Xy9Q")
    link = "<https://typecon2026.sched.com/event/2Xy9Q/our-internal-developer-portal>"
    assert "Our Internal Developer Portal" in shown(typed, link)
    assert "Anti-Architectural" in shown(typed, "1YFgi").title()
    assert "Navigating the Depth" in shown(typed, "https://sched.co/1YhhV")
    with seeded.session() as s:
        talk_id = s.scalar(select(Talk.id).where(Talk.title == "Our Internal Developer Portal"))
    listing = shown(typed, "typecon-2026")
    assert f"`/talks {talk_id}`" in listing  # a few talks: each in full, with its id
    assert "Our Internal Developer Portal" in shown(typed, str(talk_id))
    many = shown(typed, "platform-day")
    assert "`#" in many  # one line a talk: each line ends with the id
