"""data/onboarding/welcome.yaml: every link well-formed https (checked offline), a broken file
refused with the field named, and every link making it into the welcome DM."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import main
from bot.onboarding import views
from bot.onboarding.content import CONTENT_FILE, ContentError, load_content
from tests.blocks import all_text, assert_valid_blocks

# anything with a scheme, and the scheme-less "www." kind, wherever it sits in a string
URLISH = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"'`]*|\bwww\.[^\s<>\"'`]+")
HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def strings(node: Any, path: str = "") -> list[tuple[str, str]]:
    """(path, text) for every string in the YAML, keys included."""
    if isinstance(node, dict):
        out = []
        for key, value in node.items():
            out += strings(key, f"{path}.{key}(key)")
            out += strings(value, f"{path}.{key}")
        return out
    if isinstance(node, list):
        return [pair for i, item in enumerate(node) for pair in strings(item, f"{path}[{i}]")]
    return [(path, node)] if isinstance(node, str) else []


def urls_in(data: Any) -> list[tuple[str, str]]:
    return [(path, m.group()) for path, text in strings(data) for m in URLISH.finditer(text)]


def problem(url: str) -> str:
    """Why this is not a well-formed https URL, or ""."""
    if not url.isascii() or not url.isprintable():
        return "non-ASCII or unprintable characters"
    if any(c in url for c in ' <>|\\{}^`"'):
        return "characters a URL (or Slack's <url|label>) cannot hold"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        return str(exc)
    if parts.scheme != "https":
        return f"scheme {parts.scheme!r}, not https"
    if parts.username or parts.password:
        return "credentials in the URL"
    if not parts.hostname or not HOST.match(parts.hostname):
        return f"host {parts.hostname!r}"
    if re.search(r"%(?![0-9A-Fa-f]{2})", url):
        return "a stray %"
    return ""


def test_every_url_in_the_content_is_well_formed_https():
    data = yaml.safe_load(CONTENT_FILE.read_text(encoding="utf-8"))
    found = urls_in(data)
    url_fields = [(p, t) for p, t in strings(data) if p.endswith("url")]
    # the walk really saw them: every *url field, whole, plus nothing hiding elsewhere
    assert len(url_fields) >= 10
    assert {(p, t) for p, t in url_fields} <= set(found)
    bad = {f"{path}: {url}": why for path, url in found if (why := problem(url))}
    assert bad == {}


def test_the_url_check_itself_catches_the_usual_mistakes():
    for url in [
        "http://tag-app-delivery.cncf.io/",
        "https:/tag-app-delivery.cncf.io/",
        "https://",
        "https://exa mple.org/",
        "https://example.org:99999/",
        "https://user:pw@example.org/",
        "https://localhost/",
        "https://example.org/a|b",
        "https://example.org/%zz",
        "https://exämple.org/",
    ]:
        assert problem(url), url
    text = {"about": "see http://example.org and www.example.org; ftp://x.org too"}
    assert [u for _, u in urls_in(text)] == [
        "http://example.org",
        "www.example.org;",
        "ftp://x.org",
    ]


def test_the_shipped_content_loads_with_the_expected_checklist():
    content = load_content()
    keys = [i.key for i in content.checklist]
    assert keys == ["introduced", "whitepaper", "meeting", "community"]
    assert content.item("meeting") is not None and content.item("nope") is None


def test_the_first_dm_is_short_and_the_rest_comes_as_steps():
    content = load_content()
    reply = views.welcome(content, "Eve", set())
    assert_valid_blocks(reply.blocks)
    assert len(reply.blocks) <= 10
    assert len(all_text(reply.blocks).split()) <= 150
    # the channel, and what the checklist asks for: the paper and the call
    assert all_text(reply.blocks).count("<https://") <= 3
    assert [(s.id, s.day) for s in content.journey] == [
        ("propose_an_idea", 2),
        ("read_first", 4),
        ("next_meeting", 7),
    ]


def test_every_link_reaches_the_welcome_dm_a_step_or_the_home_tab():
    content = load_content()
    reply = views.welcome(content, "Eve", set())
    assert_valid_blocks(reply.blocks)
    dm = all_text(reply.blocks)
    for step in content.journey:
        blocks = views.step(content, step).blocks
        assert_valid_blocks(blocks)
        dm += "\n" + all_text(blocks)
    for url in (
        content.channel.url,
        content.meetings.join_url,
        content.meetings.notes_url,
        content.meetings.recordings_url,
        content.proposals.template_url,
        content.proposals.guide_url,
        *(r.url for r in content.reading),
    ):
        assert f"<{url.replace('&', '&amp;')}|" in dm, url
    home = views.home(content, set(), [])
    assert_valid_blocks(home["blocks"])
    shown = all_text(home["blocks"])
    for link in (*content.reading, *content.links):
        assert f"<{link.url.replace('&', '&amp;')}|" in shown, link.url
    # the literal thread title is shown as code, escaped
    assert "`[Proposal] &lt;your idea&gt;`" in dm


def broken(tmp_path: Path, old: str, new: str) -> Path:
    text = CONTENT_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "welcome.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


GUIDE = "guide_url: https://tag-app-delivery.cncf.io/contribute/"


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        (GUIDE, GUIDE.replace("https://", "http://"), "guide_url"),
        (GUIDE, "guide_url: https://tag app delivery/", "guide_url"),
        (GUIDE, "guide_url: tag-app-delivery.cncf.io/contribute/", "guide_url"),
        (
            "url: https://tag-app-delivery.cncf.io/whitepapers/platforms/",
            "url: http://tag-app-delivery.cncf.io/whitepapers/platforms/",
            "reading.0.url",
        ),
        ("  - key: meeting", "  - key: whitepaper", "checklist"),
        ("  - key: meeting", "  - key: join-a-call", "checklist"),
        ("lean_coffee:", "lean_cofee:", "lean_coffee"),
        ("group: WG-Platforms", "group: WG-Platforms\ncolour: blue", "colour"),
        ("group: WG-Platforms", "group: [unclosed", "welcome.yaml"),
    ],
)
def test_a_broken_content_file_is_refused_naming_the_problem(tmp_path, old, new, named):
    with pytest.raises(ContentError) as raised:
        load_content(broken(tmp_path, old, new))
    assert named in str(raised.value)


def test_a_missing_content_file_is_refused(tmp_path):
    with pytest.raises(ContentError):
        load_content(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ("    day: 4\n", "    day: 2\n", "day 2 must come after day 2"),
        ("    day: 4\n", "    day: 1\n", "day 1 must come after day 2"),
        ("    skip_if: whitepaper", "    skip_if: white_paper", "'white_paper' is not a checklist"),
        ("  - id: read_first", "  - id: propose_an_idea", "'propose_an_idea' is used twice"),
        ("  - id: read_first", "  - id: read first", "identifier"),
        (
            "anyone can propose one.",
            "anyone can propose one, see <http://example.org|here>.",
            "'http://example.org' is not a well-formed https URL",
        ),
        ("    day: 4\n", "    day: 4\n    hour: 3\n", "journey.1.hour"),
        ("    show: [reading]", "    show: [gossip]", "journey.1.show"),
        # the call's recurrence
        ("  weekday: tuesday", "  weekday: tusday", "weekday 'tusday' is not one of"),
        ('  at: "16:00"', '  at: "4pm"', "at '4pm' is not a time like 16:00"),
        ("  timezone: Europe/London", "  timezone: Europe/Londn", "'Europe/Londn' is not an IANA"),
        ("  every_weeks: 2", "  every_weeks: 0", "meetings.every_weeks"),
        ("  start: 2024-05-14", "  start: someday", "meetings.start"),
        ("  every_weeks: 2\n", "", "meetings.every_weeks"),
        ("    next_call: true", "    next_call: maybe", "checklist.2.next_call"),
        (
            "      title: Read the paper\n      url: https://",
            "      title: Read the paper\n      url: http://",
            "checklist.1.link.url",
        ),
    ],
)
def test_the_content_check_refuses_a_broken_journey_naming_it(tmp_path, old, new, named):
    path = broken(tmp_path, old, new)
    with pytest.raises(ContentError) as raised:
        load_content(path)
    assert named in str(raised.value)
    result = CliRunner().invoke(main, ["content", "check", str(path)])
    assert result.exit_code == 1
    assert named in result.output and "Fix the file" in result.output


def test_the_content_check_passes_the_shipped_file_without_network():
    result = CliRunner().invoke(main, ["content", "check", str(CONTENT_FILE)])
    assert result.exit_code == 0, result.output
    assert "The call: every 2 weeks on Tuesday at 16:00 Europe/London; next Tue " in result.output
    assert "OK. 4 checklist items; journey steps: day 2 propose_an_idea, day 4 read_first" in (
        result.output
    )
