"""A slash command's text when the manifest says `should_escape: true`: Slack sends a person as
`<@U123|name>` (or `<@U123>`), a channel as `<#C123|name>`, a link as `<https://…|text>` and a
special mention as `<!here>`. people() takes the ids out; readable() turns the rest into the
plain words they stand for, so whatever is shown again (escaped) never pings anyone."""

from __future__ import annotations

import re

from bot.slack.incoming import slack_text

_ESCAPED = re.compile(r"<([^<>]*)>")
_PERSON = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")


def people(text: str | None) -> list[str]:
    """The user ids named in the text, in order, each once."""
    return list(dict.fromkeys(_PERSON.findall(text or "")))


def _plain(inner: str) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):  # a person: their name as typed, else the id
        return "@" + (label or target[1:]).lstrip("@")
    if target.startswith("#"):  # a channel
        return "#" + (label or target[1:]).lstrip("#")
    if target.startswith("!"):  # <!here>, <!channel>, <!subteam^S1|@team>, <!date^…|fallback>
        if label:
            return label
        return "@" + target[1:].split("^", 1)[0]
    if label and label != target:  # a link with its own words
        return f"{label} ({target})"
    return target


def readable(text: str | None) -> str:
    """The text with every escaped thing replaced by what it stands for, then Slack's three
    escapes undone: plain text, to be escaped again wherever it is shown."""
    return slack_text(_ESCAPED.sub(lambda m: _plain(m.group(1)), text or ""))
