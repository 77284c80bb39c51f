"""A talk's recording and slides keep their links' titles: stored, shown escaped under the
buttons, part of what counts as a change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.importers.links import link_title
from bot.store.models import Talk
from tests.blocks import all_text, assert_valid_blocks
from tests.conftest import CATALOG, SIGNING_SECRET
from tests.importers.support import FIXTURES, run, snapshot
from tests.support.requests import bolt_request, command_body

FIRST = "f0a3e7c2-0000-4000-8000-000000000001"  # frab-small.xml's first talk


def titles_of(store, source_id: str) -> tuple[int, str, str]:
    with store.session() as s:
        row = s.execute(
            select(Talk.id, Talk.recording_title, Talk.slides_title).where(
                Talk.source_id == source_id
            )
        ).one()
        return row.id, row.recording_title, row.slides_title


def talks_command(app, text: str) -> list[dict]:
    response = app.dispatch(bolt_request(SIGNING_SECRET, command_body("/talks", text)))
    assert response.status == 200
    blocks = json.loads(response.body)["blocks"]
    assert_valid_blocks(blocks)
    return blocks


def frab_with_links(tmp_path: Path, *replacements: bytes) -> Path:
    text = (FIXTURES / "frab-small.xml").read_bytes()
    for replacement in replacements:
        text = text.replace(b"<links></links>", replacement, 1)
    path = tmp_path / "frab.xml"
    path.write_bytes(text)
    return path


def test_frab_link_titles_are_stored_and_shown_escaped_beside_short_buttons(
    app, store, tmp_path: Path
):
    hostile = "Full cut <!channel> & Q&A <https://evil.example|click>"
    path = frab_with_links(
        tmp_path,
        # a hostile title on the recording; a generic one on the attached slides
        b"<links><link href='https://media.ccc.de/v/demofest-101'>Full cut &lt;!channel&gt; "
        b"&amp; Q&amp;A &lt;https://evil.example|click&gt;</link></links>"
        b"<attachments><attachment href='https://demofest.example.org/deck.pdf'>Slides"
        b"</attachment></attachments>",
        # the address itself as the title, and a title longer than the store keeps
        b"<links><link href='https://vimeo.com/4242'>https://vimeo.com/4242</link>"
        b"<link href='https://speakerdeck.com/demo/hack'>" + b"Hack night " * 40 + b"</link>"
        b"</links>",
    )
    run(store, path)
    talk_id, recording, slides = titles_of(store, FIRST)
    assert (recording, slides) == (hostile, "")
    second_id, recording, slides = titles_of(store, "102")
    assert recording == ""
    assert len(slides) == 300 and slides.endswith("…") and slides.startswith("Hack night")

    blocks = talks_command(app, str(talk_id))
    (buttons,) = [b["elements"] for b in blocks if b["type"] == "actions"]
    assert [(b["text"]["text"], b["url"]) for b in buttons] == [
        ("▶ Recording", "https://media.ccc.de/v/demofest-101"),
        ("Slides", "https://demofest.example.org/deck.pdf"),
    ]
    # read out by screen readers: plain text, never parsed, at most 75 characters
    assert buttons[0]["accessibility_label"] == f"Recording: {hostile}"
    assert "accessibility_label" not in buttons[1]  # nothing more to say than "Slides"
    text = all_text(blocks)
    assert (
        "Recording: Full cut &lt;!channel&gt; &amp; Q&amp;A &lt;https://evil.example|click&gt;"
        in text.splitlines()
    )
    assert "<!channel>" not in text and "Slides: " not in text

    blocks = talks_command(app, str(second_id))
    (titles,) = [b for b in blocks if b["type"] == "context" and "Slides: " in all_text([b])]
    (shown,) = [e["text"] for e in titles["elements"]]
    assert shown.startswith("Slides: Hack night") and shown.endswith("…")
    assert len(shown) <= len("Slides: ") + 200
    assert "Recording: " not in all_text(blocks)
    (buttons,) = [b["elements"] for b in blocks if b["type"] == "actions"]
    label = buttons[1]["accessibility_label"]
    assert len(label) <= 75 and label.startswith("Slides: Hack night") and label.endswith("…")


def test_an_unchanged_reimport_changes_nothing_and_a_changed_title_is_a_change(
    store, tmp_path: Path
):
    data = json.loads((FIXTURES / "pretalx-small.json").read_text(encoding="utf-8"))
    first = data["schedule"]["conference"]["days"][0]["rooms"]["Hall A"][0]
    first["attachments"] = [
        {"url": "/media/democamp/submissions/ABC/resources/deck.pdf", "title": "Deck, v2"}
    ]
    first["links"] = [{"url": "https://www.youtube.com/watch?v=abc", "title": "Video"}]
    path = tmp_path / "democamp.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    run(store, path)
    assert titles_of(store, first["guid"])[1:] == ("", "Deck, v2")
    before = snapshot(store)

    again = run(store, path)
    assert not again.report.touched and snapshot(store) == before

    first["attachments"][0]["title"] = "Deck, v3 (with the demo)"
    path.write_text(json.dumps(data), encoding="utf-8")
    changed = run(store, path)
    assert changed.report.changed == ["Platforms Are Products"]  # its "Keynote:" a format
    assert not changed.report.added and not changed.report.removed
    assert titles_of(store, first["guid"])[1:] == ("", "Deck, v3 (with the demo)")


def test_catalog_yaml_takes_optional_link_titles(store, tmp_path: Path):
    run(store, CATALOG)
    assert titles_of(store, "yt-PfrUObDwvyQ")[1:] == ("", "")
    text = CATALOG.read_text(encoding="utf-8").replace(
        "    url: https://sched.co/1YhhV\n",
        "    url: https://sched.co/1YhhV\n"
        "    slides: https://example.org/memes.pdf\n"
        "    slides_title: Memes, annotated\n"
        "    video_title: A title without a recording is not kept\n",
    )
    edited = tmp_path / "kubecon-eu-2024.yaml"
    edited.write_text(text, encoding="utf-8")
    assert run(store, edited).report.changed == [
        "Navigating the Depth of App Delivery Through Memes"
    ]
    assert titles_of(store, "1YhhV")[1:] == ("", "Memes, annotated")
    assert not run(store, edited).report.touched


@pytest.mark.parametrize(
    ("label", "url", "kept"),
    [
        ("Slides", "https://example.org/a.pdf", ""),
        (" video: ", "https://youtu.be/x", ""),
        ("RECORDING", "https://youtu.be/x", ""),
        ("Talk sLiDeS", "https://example.org/a.pdf", ""),
        ("www.youtu.be/x/", "https://youtu.be/x", ""),  # the address itself
        ("Keynote, full version", None, ""),  # no link, no title
        ("Keynote,\u202e full version", "https://youtu.be/x", "Keynote, full version"),
        ("Slides from FOSDEM 2025", "https://example.org/a.pdf", "Slides from FOSDEM 2025"),
    ],
)
def test_only_a_title_that_says_more_than_the_button_is_kept(label, url, kept):
    assert link_title(label, url) == kept
