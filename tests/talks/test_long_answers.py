"""Answers about talks with long titles, speakers and links stay one message Slack accepts:
its blocks' text adds up to at most ~12,000 characters (msg_blocks_too_long past it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Features, build_app
from bot.bootstrap import import_file
from bot.slack.blocks import BLOCKS_TEXT, text_length
from bot.talks import views
from tests.blocks import all_text
from tests.conftest import NOW
from tests.importers.catalog_files import seed_copy, write
from tests.talks.test_listeners import run_command


@pytest.fixture
def long_app(settings, seeded, background, tmp_path: Path):
    """The seed catalog with every Platform Engineering Day talk at its longest."""
    data = seed_copy()
    for n, talk in enumerate(t for t in data["talks"] if t["event"] == "platform-day"):
        talk["title"] = f"Talk {n} " + "platform engineering at scale " * 12
        talk["url"] = f"https://example.org/{n}/" + "a-very-long-path-segment/" * 36
        talk["speakers"] = [
            {"name": f"Speaker {n} {k} With A Long Name", "company": "A Company Of Some Length"}
            for k in range(6)
        ]
    import_file(seeded, write(tmp_path / "kubecon-eu-2024.yaml", data))
    features = background.track(Features(settings, seeded, lambda: NOW))
    return build_app(settings, seeded, features=features)


def test_a_long_list_of_talks_is_trimmed_to_one_message_slack_accepts(long_app):
    _, body = run_command(long_app, "/talks", "platform-day")  # the blocks checked as Slack does
    blocks = body["blocks"]
    assert BLOCKS_TEXT - 1000 < text_length(blocks) <= BLOCKS_TEXT
    text = all_text(blocks)
    assert "*14 talks* for Platform Engineering Day" in text
    assert "more lines: too long for one Slack message." in text
    # every talk is still one pick away, in the details menu
    menus = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    (menu,) = [e for e in menus if e["action_id"] == views.DETAILS]
    assert len(menu["options"]) == 14
