"""Running the meeting: who may move it on (organisers, the facilitator, a named host), which
topic comes next, topics added once it has started, extensions off, and what the board and the
organisers' answers say."""

from __future__ import annotations

import datetime as dt

from bot.coffee import meeting_views as mv
from tests.coffee.conftest import MEETUP, ORGANISER, Bot, button_ids, shown
from tests.coffee.meeting_helpers import board, boxes, buttons, facilitate, thread

TITLES = ["Golden paths", "Platform as a product", "Portals nobody opens"]


def _running(bot: Bot, schedule: str = "") -> tuple[int, list[int]]:
    """A meeting that has begun (no topic yet), with TITLES ranked as proposed."""
    if schedule:
        bot.schedule(
            "schedule every 2 weeks tuesday 16:00 Europe/London collect 3d vote 24h votes 3 "
            + schedule
        )
    session_id, ids = bot.to_voting(TITLES)
    bot.move_to(MEETUP + dt.timedelta(minutes=1))
    bot.coffee.meetup_runner.tick()
    bot.settle()
    return session_id, ids


def test_minutes_round_to_the_nearest_and_a_short_topic_is_under_a_minute(bot):
    session_id, _ = _running(bot)
    facilitate(bot, session_id, mv.NEXT)
    bot.move_to(bot.clock.now + dt.timedelta(minutes=12, seconds=10))
    facilitate(bot, session_id, mv.NEXT)  # golden took 12 min 10 s: "12 min", not 13
    bot.move_to(bot.clock.now + dt.timedelta(seconds=20))
    facilitate(bot, session_id, mv.DONE)  # product took 20 seconds
    text = shown(board(bot, session_id))
    assert "*1.* Golden paths · _User UPROP1_ · 12 min" in text
    assert "*2.* Platform as a product · _User UPROP2_ · under a minute" in text
    assert " 0 min" not in text and "13 min" not in text
    answer = bot.organise("end")
    assert answer.params["text"] == "The meeting has ended; the summary is in the board's thread."
    ended = board(bot, session_id)
    text = shown(ended)
    assert ended.params["text"].endswith("the meeting has ended")
    assert "To discuss" not in text  # nothing is "to discuss" once it has ended
    assert "*Not discussed* (1)" in text and "Portals nobody opens" in text
    summary = shown(thread(bot, session_id)[-1])
    assert "12 min" in summary and "under a minute" in summary


def test_with_extensions_off_there_is_no_extend_button_and_the_series_says_so(bot):
    answer = bot.organise("schedule every 2 weeks tuesday 16:00 Europe/London timebox 5 extend off")
    assert answer.params["text"].endswith("; topics get 5 minutes, no extensions.")
    assert "none minutes" not in answer.params["text"]
    session_id, _ = _running(bot)
    facilitate(bot, session_id, mv.NEXT)
    drawn = board(bot, session_id)
    assert mv.EXTEND not in buttons(drawn) and "Extend" not in shown(drawn)
    assert mv.DONE in buttons(drawn)
    (box,) = boxes(bot)
    bot.move_to(box.ends_at + dt.timedelta(seconds=1))
    bot.coffee.meetup_runner.tick()
    (vote,) = thread(bot, session_id)
    assert mv.EXTEND not in button_ids(vote.params["blocks"]) and mv.MOVE_ON in buttons(vote)
    assert "Extend" not in shown(vote)
    # a stale Extend button (drawn before the series changed) is refused, nothing changes
    assert bot.click(mv.EXTEND, f"{session_id}:{box.id}", user=ORGANISER, reply="ext") == 200
    assert "extensions off" in bot.reply("ext").params["text"]
    assert len(boxes(bot)) == 1


def test_an_organiser_command_replaces_its_working_on_it_line_with_the_outcome(bot):
    status, ack = bot.command("schedule tuesday 16:00", user=ORGANISER, reply="sched")
    assert status == 200 and ack["text"] == "Working on it…"
    answer = bot.reply("sched")
    assert answer.params["replace_original"] is True
    assert answer.params["text"].startswith("Lean coffee here:")
    bot.command("end", user="U5", reply="refused")  # not an organiser: refused, in place too
    refused = bot.reply("refused")
    assert refused.params["replace_original"] is True
    assert refused.params["text"].startswith("Only organisers can do that.")
    bot.command("summary", user="U5", reply="summary")
    assert bot.reply("summary").params["replace_original"] is True
