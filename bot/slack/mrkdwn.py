"""Escaping for Slack mrkdwn: user and imported text must never become a mention or a link."""

from __future__ import annotations


def escape(text: str | None) -> str:
    """Slack's three control characters, and nothing else (Slack's own rule)."""
    # str.replace is several times faster than str.translate with a mapping table
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str | None, label: str) -> str:
    """`<url|label>` with the label escaped; a missing or odd URL leaves the label as text."""
    safe_label = escape(label)  # Slack reads the label up to ">": a "|" in it is shown as is
    if not url or not url.startswith(("https://", "http://")) or any(c in url for c in "<>| "):
        return safe_label
    return f"<{url.replace('&', '&amp;')}|{safe_label}>"


def clip(text: str, limit: int) -> str:
    """Shorten to `limit` characters with a visible ellipsis (never a silent cut)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
