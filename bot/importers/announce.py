"""`wgbot import --announce CHANNEL`: tell a channel what a schedule import changed.

One message per conference: what was added, changed and withdrawn, per event, with titles
escaped and long lists cut with a visible count, never silently.
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.importers.pipeline import ImportResult
from bot.slack.blocks import MAX_BLOCKS, context, header, section
from bot.slack.mrkdwn import clip, escape
from bot.slack.replies import Reply

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


def announce(client: WebClient, channel: str, results: list[ImportResult]) -> int:
    """Post one message per conference that changed; returns how many were posted."""
    posted = 0
    for result in results:
        if not result.report.touched:
            continue
        reply = announcement(result)
        client.chat_postMessage(
            channel=channel, text=reply.text, blocks=reply.blocks, unfurl_links=False
        )
        posted += 1
    return posted
