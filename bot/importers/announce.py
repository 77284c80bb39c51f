"""`wgbot import --announce CHANNEL`: tell a channel what a schedule import changed.

One message per conference: what was added, changed and withdrawn, per event, with titles
escaped and long lists cut with a visible count, never silently. Each is owed as a channel post
(bot.delivery.channel), so one Slack refuses now is posted later by the running bot, once.
"""

from __future__ import annotations

import datetime as dt
import uuid

from bot.delivery import channel as posts
from bot.importers.pipeline import ImportResult
from bot.slack.blocks import MAX_BLOCKS, context, header, section
from bot.slack.mrkdwn import clip, escape
from bot.slack.replies import Reply
from bot.store import Store

PER_LIST = 8  # titles shown per event and kind of change; the rest are counted


def _titles(label: str, titles: list[str]) -> str:
    shown = [f"{label} {escape(clip(t, 150))}" for t in titles[:PER_LIST]]
    if len(titles) > PER_LIST:
        shown.append(f"{label} …and {len(titles) - PER_LIST} more")
    return "\n".join(shown)


def announcement(result: ImportResult) -> Reply:
    report = result.report
    counts = (
        f"{len(report.added)} added, {len(report.changed)} changed, {len(report.removed)} withdrawn"
    )
    blocks = [header(f"Schedule update: {clip(report.conference, 120)}"), section(counts)]
    for changes in result.events:
        if len(blocks) >= MAX_BLOCKS - 2:
            blocks.append(section(f"…and changes in {len(result.events)} events in all."))
            break
        parts = [
            _titles("➕", changes.added),
            _titles("✏️", changes.changed),
            _titles("➖", changes.removed),
        ]
        body = "\n".join(p for p in parts if p)
        blocks.append(section(f"*{escape(changes.name)}*\n{body}"))
    blocks.append(
        context("`/talks` shows the schedule as it is now; the Follow button on a talk DMs you.")
    )
    return Reply(f"Schedule update for {escape(report.conference)}: {counts}", blocks)


def owe_announcements(
    store: Store, channel: str, results: list[ImportResult], now: dt.datetime
) -> list[str]:
    """Owe one post per conference that changed; returns their keys."""
    run = uuid.uuid4().hex  # this import's: running it again announces again
    keys = []
    with store.session() as db:
        for n, result in enumerate(r for r in results if r.report.touched):
            key = f"import.announce:{run}:{n}"
            posts.owe_stored(db, key=key, channel=channel, reply=announcement(result), now=now)
            keys.append(key)
    return keys
