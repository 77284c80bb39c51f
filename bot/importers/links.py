"""Which of a talk's links is its recording and which its slides, from the URL and its label."""

from __future__ import annotations

import re

_VIDEO = re.compile(
    r"youtube\.com/|youtu\.be/|vimeo\.com/|media\.ccc\.de/|\.(mp4|webm|mkv)(\?|$)"
    r"|\b(video|recording|recorded|vod|stream)\b",
    re.IGNORECASE,
)
_SLIDES = re.compile(
    r"speakerdeck\.com/|slideshare\.net/|docs\.google\.com/presentation|\.(pdf|pptx?|key)(\?|$)"
    r"|\b(slides?|deck|presentation)\b",
    re.IGNORECASE,
)


def kind_of(url: str, label: str = "") -> str | None:
    """'video', 'slides', or None for any other link (an article, a project page)."""
    text = f"{url} {label}"
    if _SLIDES.search(text):
        return "slides"
    if _VIDEO.search(text):
        return "video"
    return None


def recording_and_slides(links: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """The first recording and the first slides among (url, label) pairs."""
    video = slides = None
    for url, label in links:
        kind = kind_of(url, label)
        if kind == "video" and video is None:
            video = url
        elif kind == "slides" and slides is None:
            slides = url
    return video, slides
