"""Recordings and slides: taken from each format where it has them, shown as buttons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.importers.links import recording_and_slides
from bot.store.models import Talk
from tests.conftest import CATALOG
from tests.importers.support import FIXTURES, run

YOUTUBE = "https://www.youtube.com/watch?v=PfrUObDwvyQ"


def links_of(store, source_id: str) -> tuple[int, str | None, str | None]:
    with store.session() as s:
        row = s.execute(
            select(Talk.id, Talk.video_url, Talk.slides_url).where(Talk.source_id == source_id)
        ).one()
        return row.id, row.video_url, row.slides_url


def test_frab_links_give_the_recording_and_the_slides(store, tmp_path: Path, cli):
    text = (FIXTURES / "frab-small.xml").read_bytes()
    links = (
        b"<links><link href='https://media.ccc.de/v/demofest-101'>Video</link>"
        b"<link href='https://example.org/blog'>A blog post</link>"
        b"<link href='https://speakerdeck.com/demo/platform-apis'>Slides</link></links>"
    )
    path = tmp_path / "frab.xml"
    path.write_bytes(text.replace(b"<links></links>", links, 1))
    run(store, path)
    talk_id, video, slides = links_of(store, "f0a3e7c2-0000-4000-8000-000000000001")
    assert video == "https://media.ccc.de/v/demofest-101"
    assert slides == "https://speakerdeck.com/demo/platform-apis"
    shown = cli("ask", f"/talks {talk_id}").stdout
    assert f"[▶ Recording] {video} [Slides] {slides}" in shown


def test_pretalx_links_and_sessionize_recordings(store, tmp_path: Path):
    data = json.loads((FIXTURES / "pretalx-small.json").read_text(encoding="utf-8"))
    first = data["schedule"]["conference"]["days"][0]["rooms"]["Hall A"][0]
    first["links"] = [{"url": "https://www.youtube.com/watch?v=abc123", "title": "Recording"}]
    pretalx = tmp_path / "democamp.json"
    pretalx.write_text(json.dumps(data), encoding="utf-8")
    run(store, pretalx)
    assert links_of(store, first["guid"])[1:] == ("https://www.youtube.com/watch?v=abc123", None)

    raw = json.loads((FIXTURES / "sessionize-democloud-vienna-2025.json").read_bytes())
    session = next(s for s in raw["sessions"] if not s.get("isServiceSession"))
    session["recordingUrl"] = "https://vimeo.com/12345"
    sessionize = tmp_path / "sessionize-democloud-vienna-2025.json"
    sessionize.write_text(json.dumps(raw), encoding="utf-8")
    run(store, sessionize)
    assert links_of(store, str(session["id"]))[1] == "https://vimeo.com/12345"


def test_catalog_yaml_video_and_slides_and_the_seeds_youtube_talk(store, tmp_path: Path, cli):
    run(store, CATALOG)
    talk_id, video, slides = links_of(store, "yt-PfrUObDwvyQ")
    assert (video, slides) == (YOUTUBE, None)  # its only link is its recording
    assert "[▶ Recording]" in cli("ask", f"/talks {talk_id}").stdout
    text = CATALOG.read_text(encoding="utf-8").replace(
        "    url: https://sched.co/1YhhV\n",
        "    url: https://sched.co/1YhhV\n"
        "    video: https://www.youtube.com/watch?v=memes\n"
        "    slides: https://example.org/memes.pdf\n",
    )
    edited = tmp_path / "kubecon-eu-2024.yaml"
    edited.write_text(text, encoding="utf-8")
    result = run(store, edited)
    assert result.report.changed == ["Navigating the Depth of App Delivery Through Memes"]
    assert links_of(store, "1YhhV")[1:] == (
        "https://www.youtube.com/watch?v=memes",
        "https://example.org/memes.pdf",
    )


def test_frab_attachments_are_slides_and_links_are_judged_by_what_they_are(
    store, tmp_path: Path, cli
):
    text = (FIXTURES / "frab-small.xml").read_bytes()
    first = (
        # labels that would mislead: another event's video called "Presentation", a data
        # archive called "Slides", a blog post called "Video"
        b"<links><link href='https://youtu.be/other?t=10m'>Presentation @ Republica2014</link>"
        b"<link href='https://example.org/results.tar.gz'>Slides and data</link>"
        b"<link href='https://example.org/blog/post'>Video</link>"
        b"<link href='https://example.org/paper.pdf'>Our research paper</link>"
        b"<link href='https://vimeo.com/4242'>Watch</link></links>"
        b"<attachments><attachment href='https://demofest.example.org/uploads/deck.pdf'>"
        b"Deck</attachment></attachments>"
    )
    second = (
        b"<links><link href='https://example.org/talk.mp4'>More</link>"
        b"<link href='https://example.org/31c3/slides'>Here</link></links>"
    )
    third = (
        b"<links><link href='https://example.org/dump.zip'>Slides</link></links>"
        b"<attachments><attachment href='https://example.org/raw.csv'>Data</attachment>"
        b"<attachment href='https://example.org/talk-notes'>Notes</attachment></attachments>"
    )
    for replacement in (first, second, third):
        text = text.replace(b"<links></links>", replacement, 1)
    path = tmp_path / "frab.xml"
    path.write_bytes(text)
    run(store, path)
    talk_id, video, slides = links_of(store, "f0a3e7c2-0000-4000-8000-000000000001")
    assert (video, slides) == (
        "https://vimeo.com/4242",
        "https://demofest.example.org/uploads/deck.pdf",
    )
    shown = cli("ask", f"/talks {talk_id}").stdout
    assert "[▶ Recording] https://vimeo.com/4242" in shown
    assert "[Slides] https://demofest.example.org/uploads/deck.pdf" in shown
    assert links_of(store, "102")[1:] == (
        "https://example.org/talk.mp4",
        "https://example.org/31c3/slides",
    )
    # an archive is neither, whatever its label; an attachment that is not data is slides
    assert links_of(store, "f0a3e7c2-0000-4000-8000-000000000003")[1:] == (
        None,
        "https://example.org/talk-notes",
    )


def test_pretalx_attachments_are_slides_on_the_conference_site(store, tmp_path: Path):
    data = json.loads((FIXTURES / "pretalx-small.json").read_text(encoding="utf-8"))
    first = data["schedule"]["conference"]["days"][0]["rooms"]["Hall A"][0]
    first["attachments"] = [
        {"url": "/media/democamp-2025/submissions/ABC/resources/slides.pdf", "title": "Slides"}
    ]
    first["links"] = [{"url": "mailto:someone@example.org", "title": "Write to us"}]
    pretalx = tmp_path / "democamp.json"
    pretalx.write_text(json.dumps(data), encoding="utf-8")
    run(store, pretalx)
    assert links_of(store, first["guid"])[1:] == (
        None,
        "https://pretalx.example.org/media/democamp-2025/submissions/ABC/resources/slides.pdf",
    )


@pytest.mark.parametrize(
    ("url", "label", "expected"),
    [
        ("https://www.youtube.com/watch?v=abc", "Video @ YouTube", ("video", None)),
        ("https://www.youtube.com/watch?v=abc", "Slides", ("video", None)),  # what it is
        ("https://youtu.be/abc", "Presentation @ Republica2014", (None, None)),  # elsewhere
        ("https://example.org/deck.key", "", (None, "slides")),
        ("https://example.org/deck.PDF?dl=1", "Slides from the talk", (None, "slides")),
        ("https://example.org/data.tar.gz", "Slides", (None, None)),
        ("https://example.org/results.csv", "Recording", (None, None)),
        ("https://docs.google.com/presentation/d/1/edit", "", (None, "slides")),
        ("https://example.org/talk", "Video", (None, None)),  # a label makes nothing
    ],
)
def test_a_link_is_what_its_host_and_file_type_say(url, label, expected):
    video, slides = recording_and_slides([(url, label)])
    assert ("video" if video else None, "slides" if slides else None) == expected
