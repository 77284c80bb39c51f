"""What the sandbox's workspace tells a page has changed: read from the most recent change
back, it must say exactly what a scan of everything would."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from bot.sandbox.workspace import Workspace


def _scan(ws: Workspace, user: str, since: int) -> dict[str, Any]:
    """What changed, the slow way: every message and notice looked at."""
    messages = sorted(
        (m.public() for m in ws.messages.values()
         if m.seq > since and m.visible_to in (None, user)),
        key=lambda m: m["ts"],
    )  # fmt: skip
    notices = [n.text for n in ws.notices if n.seq > since and n.user in (None, user)]
    return {"messages": messages, "notices": notices}


def test_an_update_to_an_old_message_is_all_that_changed_after_it() -> None:
    ws = Workspace()
    first = ws.post("C1", "UWGBOT", "one", None)
    ws.post("C1", "UWGBOT", "two", None)
    ws.post("C1", "UWGBOT", "for someone else", None, visible_to="UOTHER")
    since = ws.seq
    ws.update("C1", first.ts, "one, redrawn", None)
    ws.notice("for everyone")
    ws.notice("for someone else", user="UOTHER")
    changed = ws.changes("UMEMBER", since)
    assert [m["text"] for m in changed["messages"]] == ["one, redrawn"]
    assert changed["notices"] == ["for everyone"]
    everything = ws.changes("UMEMBER", 0)
    assert [m["text"] for m in everything["messages"]] == ["one, redrawn", "two"]
    assert ws.changes("UOTHER", since)["notices"] == ["for everyone", "for someone else"]


def test_what_changed_matches_a_scan_of_everything_after_any_mix_of_changes() -> None:
    ws, rng = Workspace(), random.Random(7)
    people = ["UMEMBER", "UOTHER"]
    for step in range(400):
        posted = [m for m in ws.messages.values() if not m.deleted]
        roll = rng.random()
        if roll < 0.4 or not posted:
            ws.post(rng.choice(["C1", "D1"]), "UWGBOT", f"m{step}", None,
                    rng.choice([None, *people]))  # fmt: skip
        elif roll < 0.7:
            target = rng.choice(posted)
            ws.update(target.channel, target.ts, f"u{step}", None)
        elif roll < 0.8:
            target = rng.choice(posted)
            ws.delete(target.channel, target.ts)
        elif roll < 0.9:
            ws.refuse(rng.choice(posted), [f"r{step}"])
        else:
            ws.notice(f"n{step}", rng.choice([None, *people]))
        for user in people:
            since = rng.randrange(0, ws.seq + 1)
            changed = ws.changes(user, since)
            expected = _scan(ws, user, since)
            assert changed["messages"] == expected["messages"], (step, user, since)
            assert changed["notices"] == expected["notices"], (step, user, since)


def test_a_page_that_follows_someone_afresh_is_not_shown_old_notices_again() -> None:
    ws = Workspace()
    ws.post("C1", "UWGBOT", "one", None)
    ws.notice("seen already")
    seen = ws.seq
    ws.notice("for Max", user="UMEMBER")
    # switching person redraws everything from the start, but a notice is news: once only
    again = ws.changes("UMEMBER", 0, notices_since=seen, own_since=0)
    assert [m["text"] for m in again["messages"]] == ["one"]
    assert again["notices"] == ["for Max"]
    assert ws.changes("UORGANISER", 0, notices_since=seen)["notices"] == []


def test_messages_are_stamped_with_the_sandboxs_clock_and_pages_are_told_when_it_moves() -> None:
    now = [dt.datetime(2026, 3, 24, 15, 0, tzinfo=dt.UTC)]
    ws = Workspace(clock=lambda: now[0])
    first = ws.post("C1", "UWGBOT", "before", None)
    assert int(first.ts.split(".")[0]) == int(now[0].timestamp())
    since = ws.seq
    assert "now" not in ws.changes("UMEMBER", since)
    now[0] += dt.timedelta(days=1)
    ws.clock_moved("The clock moved forward one day.")
    moved = ws.changes("UMEMBER", since)
    assert moved["now"] == now[0].isoformat()
    assert moved["notices"] == ["The clock moved forward one day."]
    later = ws.post("C1", "UWGBOT", "after", None)
    assert int(later.ts.split(".")[0]) == int(now[0].timestamp()) and later.ts > first.ts


def test_a_reply_to_a_reply_goes_under_the_threads_parent_as_in_slack() -> None:
    ws = Workspace()
    parent = ws.post("C1", "UWGBOT", "the board", None)
    reply = ws.post("C1", "UWGBOT", "a Roman vote", None, thread_ts=parent.ts)
    ws.post("C1", "UWGBOT", "the summary", None, thread_ts=reply.ts, broadcast=True)
    shown = {m["text"]: m for m in ws.changes("UMEMBER", 0)["messages"]}
    assert shown["the board"]["thread_ts"] is None
    assert shown["a Roman vote"]["thread_ts"] == parent.ts
    assert shown["a Roman vote"]["broadcast"] is False
    assert shown["the summary"]["thread_ts"] == parent.ts and shown["the summary"]["broadcast"]


def test_a_persons_own_notice_waits_for_a_page_that_was_following_someone_else() -> None:
    ws = Workspace()
    loaded = ws.seq
    ws.notice("for Olu", user="UORGANISER")
    ws.notice("for everyone")
    # the page followed Max meanwhile and showed everything up to now
    shown = ws.seq
    olu = ws.changes("UORGANISER", 0, notices_since=shown, own_since=loaded)
    assert olu["notices"] == ["for Olu"]
    assert ws.changes("UORGANISER", 0, notices_since=shown, own_since=shown)["notices"] == []
