"""Which of a talk's links is its recording and which its slides, from what the link is.

A link is judged by its host and its file type, never made one by its label: schedules label
another event's video, an older deck or a data archive "Video" or "Slides". A label may only
say a link is something else (a paper, a numbered reference, a talk given elsewhere). The
store keeps one recording and one slides link per talk, each with its title where the source
gives one that says more than "Slides" or the address itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple
from urllib.parse import urlsplit

from bot.importers.text import clean_text

MAX_LINK_TITLE = 300  # the store's column


class Link(NamedTuple):
    url: str
    title: str  # "" where the source's label says nothing the button does not


# Hosts whose pages are recordings, and hosts whose pages are decks ("www." and subdomains
# of these count too).
_VIDEO_HOSTS = (
    "youtube.com",
    "youtu.be",
    "youtube-nocookie.com",
    "vimeo.com",
    "media.ccc.de",
    "twitch.tv",
    "peertube.tv",
    "dailymotion.com",
    "bilibili.com",
)
_SLIDE_HOSTS = ("speakerdeck.com", "slideshare.net", "slides.com", "slideslive.com")
_VIDEO_FILE = re.compile(r"\.(mp4|webm|mkv|mov|m4v|ogv|avi)$")
_SLIDE_FILE = re.compile(r"\.(pdf|ppt|pptx|pps|ppsx|key|odp)$")
# Archives and data: neither a recording nor slides, whatever the label says.
_OTHER_FILE = re.compile(
    r"\.(zip|tar|gz|tgz|bz2|xz|7z|rar|csv|tsv|json|xml|xlsx?|ods|sql|parquet|ipynb)$"
)


def _on(host: str, hosts: tuple[str, ...]) -> bool:
    return any(host == h or host.endswith("." + h) for h in hosts)


def _split(url: str) -> tuple[str, str]:
    """The host and the path, lower case; empty for a link that is not a URL."""
    try:
        parts = urlsplit(url.strip())
        return (parts.hostname or "").lower(), parts.path.lower().rstrip("/")
    except ValueError:
        return "", ""


def kind_of(url: str) -> str | None:
    """'video', 'slides', 'data' (an archive, a data file), or None for any other link (an
    article, a repository, a project page)."""
    host, path = _split(url)
    if _OTHER_FILE.search(path):
        return "data"
    if _VIDEO_FILE.search(path) or _on(host, _VIDEO_HOSTS):
        return "video"
    if _SLIDE_FILE.search(path) or _on(host, _SLIDE_HOSTS):
        return "slides"
    if host == "docs.google.com" and path.startswith("/presentation"):
        return "slides"
    if host.split(".", 1)[0] in ("slides", "decks", "deck"):  # slides.example.org
        return "slides"
    if set(path.split("/")) & {"slides", "deck", "decks"}:  # example.org/31c3/slides
        return "slides"
    return None


# A label may only take a button away: from a paper, an article, a numbered reference, or
# something given elsewhere, at another edition ("Presentation @ Republica2014", "speaks at
# HOPE X in 2014").
_NOT_THIS_TALK = re.compile(
    r"^\s*\[\d+\]|(@|\b(at|from)\b).*\d{2}"
    r"|(?i:\b(paper|papers|article|blog|report|book|thesis|whitepaper|dataset|wiki)\b)",
)


def _other(label: str) -> bool:
    return bool(_NOT_THIS_TALK.search(label))


# Labels that only say what the button already says: not worth a line of their own.
_GENERIC = {
    "slides", "slide", "deck", "slide deck", "the slides", "pdf", "presentation",
    "video", "videos", "recording", "recordings", "the video", "the recording", "watch",
    "link", "download", "attachment", "file", "talk slides", "talk video", "talk recording",
    "slides pdf", "slides (pdf)",
}  # fmt: skip


def _bare(url: str) -> str:
    return url.strip().casefold().split("://", 1)[-1].removeprefix("www.").rstrip("/")


def link_title(label: str | None, url: str | None) -> str:
    """A link's title worth keeping: its label cleaned, "" when there is no link or the label
    is generic ("Slides", "Video") or the address itself; clipped to the store's column."""
    title = clean_text(label or "")
    if not url or not title:
        return ""
    if title.strip(" .:-–—()[]").casefold() in _GENERIC or _bare(title) == _bare(url):
        return ""
    if len(title) > MAX_LINK_TITLE:
        title = title[: MAX_LINK_TITLE - 1].rstrip() + "…"
    return title


def recording_and_slides(
    links: Sequence[tuple[str, str]], attachments: Sequence[tuple[str, str]] = ()
) -> tuple[Link | None, Link | None]:
    """The first recording and the first slides among a talk's (url, label) links and
    attachments, each with its title (see link_title).

    An attachment is a file uploaded with the talk: slides, unless it is a video or an
    archive or data file. Slides attached win over slides linked."""
    video: Link | None = None
    slides: Link | None = None
    pairs = [*((u, t, True) for u, t in attachments), *((u, t, False) for u, t in links)]
    for url, label, attached in pairs:
        kind = kind_of(url)
        if kind is None and attached:
            kind = "slides"
        if _other(label):
            continue
        if kind == "video" and video is None:
            video = Link(url, link_title(label, url))
        elif kind == "slides" and slides is None:
            slides = Link(url, link_title(label, url))
    return video, slides
