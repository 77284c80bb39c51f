"""What members type, sent as Slack sends it, on the shipped catalog: dates, cities, the start
of a name, names missing, typos, and every example the bot and its docs suggest."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest

from bot.onboarding import views as onboarding_views
from bot.onboarding.content import content_at
from bot.talks import views
from bot.talks.catalog_index import CatalogCache
from tests.blocks import all_text, assert_valid_blocks
from tests.conftest import SIGNING_SECRET
from tests.support.requests import action_body, bolt_request
from tests.talks.test_listeners import run_command

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def talks_text(app, text: str) -> str:
    _, body = run_command(app, "/talks", text)
    return all_text(body["blocks"])


def finds_talks(app, example: str) -> bool:
    command, _, text = example.partition(" ")
    _, body = run_command(app, command, text)
    shown = all_text(body["blocks"])
    return bool(re.search(r"\*[0-9,]+\+? (talk|speaker)s?\*", shown)) or "*<http" in shown


def test_every_help_example_finds_talks(app):
    shown = talks_text(app, "help")
    examples = re.findall(r"^`(/(?:talks|speakers) [^`]+)`", shown, re.M)
    assert len(examples) >= 8
    for example in examples:
        assert finds_talks(app, example), example


def test_every_app_home_example_finds_talks(app, seeded, settings):
    with seeded.session() as s:
        index = CatalogCache().get(s)
    events = [(e.slug, e.name) for e in index.events.values() if e.talks]
    home = onboarding_views.home(content_at(settings.welcome_file), set(), events)
    shown = all_text(home["blocks"])
    examples = set(re.findall(r"`(/(?:talks|speakers) [^`<]+)`", shown)) - {"/talks help"}
    assert len(examples) >= 3
    for example in examples:
        assert finds_talks(app, example), example


def test_every_example_in_the_docs_finds_talks(app):
    readme = "\n".join(page.read_text(encoding="utf-8") for page in DOCS)
    examples = set(re.findall(r"`(/(?:talks|speakers) [^`<]+)`", readme))
    examples |= set(re.findall(r'wgbot ask "(/(?:talks|speakers) [^"]+)"', readme))
    # the catalog's own listing, and placeholders
    examples -= {"/talks help", "/talks ...", "/speakers ..."}
    assert len(examples) >= 10
    for example in sorted(examples):
        assert finds_talks(app, example), example


@pytest.mark.parametrize(
    ("typed", "shows"),
    [
        ("kubecon eu", "27 talks* for KubeCon + CloudNativeCon Europe 2024"),
        ("kubecon eu 2024", "27 talks* for KubeCon + CloudNativeCon Europe 2024"),
        ("paris", "27 talks* for KubeCon + CloudNativeCon Europe 2024"),
        ("21 march", "3 talks* for 21 March"),
        ("march 21", "3 talks* for 21 March"),
        ("21/3", "3 talks* for 21 March"),
        ("golden paths", "Blueprints of Innovation"),
        ("golden", "Blueprints of Innovation"),
    ],
)
def test_what_people_type_finds_talks(app, typed, shows):
    shown = talks_text(app, typed)
    assert shows in shown
    assert "Did you mean *gold*" not in shown


def test_the_start_of_an_event_name_names_the_event(app):
    shown = talks_text(app, "backstage")
    assert "BackstageCon has no talks in the catalog yet" in shown
    assert "colocatedeventseu2024.sched.com/overview/type/BackstageCon" in shown


@pytest.mark.parametrize("word", ["speaker", "company", "speakers"])
def test_speaker_or_company_without_a_name_gets_usage(app, word):
    shown = talks_text(app, word)
    assert "Whose talks? Add a name" in shown
    assert "No talks" not in shown


def test_a_corrected_typo_shows_the_correction(app):
    _, body = run_command(app, "/speakers", "syntaso")
    shown = all_text(body["blocks"])
    assert "*2 speakers* for Syntasso" in shown
    assert "for “syntaso”" not in shown.split("Did you mean")[-1]


def test_one_is_singular(app):
    _, body = run_command(app, "/speakers", "whitney lee")
    assert "*1 speaker* for" in all_text(body["blocks"])


def test_no_talks_suggests_a_few_things_not_the_catalog(app, seeded):
    from bot.importers.pipeline import import_files
    from tests.importers.support import FIXTURES, SCHED

    import_files(seeded, [SCHED, FIXTURES / "sched-shapes.ics"])  # dozens of events now
    shown = talks_text(app, "xyzzy plugh")
    assert shown.startswith("No talks for “xyzzy plugh”")
    assert 1 <= shown.count("`/talks ") <= 4
    assert len(shown) < 400


def test_today_outside_any_conference_names_the_nearest(app, settings):
    shown = talks_text(app, "2025-01-10")
    assert "No conference in the catalog runs then" in shown
    assert "The latest was *KubeCon + CloudNativeCon Europe 2024* (19 Mar – 22 Mar 2024)" in shown
    assert "`/talks kubecon-eu-2024`" in shown


def _select_body(value: str, response_url: str) -> str:
    """A static select's block_actions payload, as Slack sends one."""
    fields = parse_qs(action_body(views.DETAILS, value, response_url=response_url))
    payload = json.loads(fields["payload"][0])
    action = payload["actions"][0]
    action.pop("value", None)
    action.update(
        type="static_select",
        selected_option={"text": {"type": "plain_text", "text": "A talk"}, "value": value},
    )
    return urlencode({"payload": json.dumps(payload)})


def test_details_on_demand_from_the_menu_and_by_id(app, slack):
    _, body = run_command(app, "/talks", "platform-day")
    (menu,) = [
        e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e["action_id"] == views.DETAILS
    ]  # fmt: skip
    kcp = next(o for o in menu["options"] if "kcp" in o["text"]["text"])
    req = bolt_request(SIGNING_SECRET, _select_body(kcp["value"], slack.response_url("details")))
    assert app.dispatch(req).status == 200
    (call,) = slack.wait_for("response_url")
    assert call.params["replace_original"] is False  # the list stays
    assert_valid_blocks(call.params["blocks"])
    shown = all_text(call.params["blocks"])
    assert "Building a Platform Engineering API Layer with kcp" in shown
    assert "Marvin Beckers (Kubermatic GmbH)" in shown
    follow = [b["accessory"] for b in call.params["blocks"] if "accessory" in b]
    assert follow[0]["action_id"] == views.FOLLOW and follow[0]["value"] == kcp["value"]
    # the same, typed
    assert "Marvin Beckers (Kubermatic GmbH)" in talks_text(app, kcp["value"])
    assert "not in the catalog" in talks_text(app, "999999")
