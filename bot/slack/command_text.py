"""A slash command's text when the manifest says `should_escape: true`: Slack sends a person as
`<@U123|name>` (or `<@U123>`), a channel as `<#C123|name>`, a link as `<https://…|text>` and a
special mention as `<!here>`. people() takes the ids out; readable() turns the rest into the
plain words they stand for, so whatever is shown again (escaped) never pings anyone."""

from __future__ import annotations

import re

from bot.slack.incoming import slack_text, spelled_out

_PERSON = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")


def people(text: str | None) -> list[str]:
    """The user ids named in the text, in order, each once."""
    return list(dict.fromkeys(_PERSON.findall(text or "")))


def readable(text: str | None) -> str:
    """The text with every escaped thing replaced by what it stands for, then Slack's three
    escapes undone: plain text, to be escaped again wherever it is shown."""
    return slack_text(spelled_out(text or ""))
