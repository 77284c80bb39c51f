"""Running the meeting: who may move it on (organisers, the facilitator, a named host), which
topic comes next, topics added once it has started, extensions off, and what the board and the
organisers' answers say."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlencode

from bot.coffee import meeting_views as mv
from bot.coffee import views
from tests.coffee.conftest import MEETUP, ORGANISER, TEAM, Bot, button_ids, shown
from tests.coffee.meeting_helpers import board, boxes, buttons, facilitate, thread
from tests.conftest import SIGNING_SECRET
from tests.support.requests import action_body, bolt_request

TITLES = ["Golden paths", "Platform as a product", "Portals nobody opens"]


def _running(bot: Bot, schedule: str = "") -> tuple[int, list[int]]:
    """A meeting that has begun (no topic yet), with TITLES ranked as proposed."""
    if schedule:
        bot.schedule(
            "schedule every 2 weeks tuesday 16:00 Europe/London collect 3d vote 24h votes 3 "
            + schedule
        )
    meetup_id, ids = bot.to_voting(TITLES)
    bot.move_to(MEETUP + dt.timedelta(minutes=1))
    bot.coffee.meetup_runner.tick()
    bot.settle()
    return meetup_id, ids


def test_minutes_round_to_the_nearest_and_a_short_topic_is_under_a_minute(bot):
    meetup_id, _ = _running(bot)
    facilitate(bot, meetup_id, mv.NEXT)
    bot.move_to(bot.clock.now + dt.timedelta(minutes=12, seconds=10))
    facilitate(bot, meetup_id, mv.NEXT)  # golden took 12 min 10 s: "12 min", not 13
    bot.move_to(bot.clock.now + dt.timedelta(seconds=20))
    facilitate(bot, meetup_id, mv.DONE)  # product took 20 seconds
    text = shown(board(bot, meetup_id))
    assert "*1.* Golden paths · _User UPROP1_ · 12 min" in text
    assert "*2.* Platform as a product · _User UPROP2_ · under a minute" in text
    assert " 0 min" not in text and "13 min" not in text
    answer = bot.organise("end")
    assert answer.params["text"] == "The meeting has ended; the summary is in the board's thread."
    ended = board(bot, meetup_id)
    text = shown(ended)
    assert ended.params["text"].endswith("the meeting has ended")
    assert "To discuss" not in text  # nothing is "to discuss" once it has ended
    assert "*Not discussed* (1)" in text and "Portals nobody opens" in text
    summary = shown(thread(bot, meetup_id)[-1])
    assert "12 min" in summary and "under a minute" in summary


def test_with_extensions_off_there_is_no_extend_button_and_the_series_says_so(bot):
    answer = bot.organise("schedule every 2 weeks tuesday 16:00 Europe/London timebox 5 extend off")
    assert answer.params["text"].endswith("; topics get 5 minutes, no extensions.")
    assert "none minutes" not in answer.params["text"]
    meetup_id, _ = _running(bot)
    facilitate(bot, meetup_id, mv.NEXT)
    drawn = board(bot, meetup_id)
    assert mv.EXTEND not in buttons(drawn) and "Extend" not in shown(drawn)
    assert mv.DONE in buttons(drawn)
    (box,) = boxes(bot)
    bot.move_to(box.ends_at + dt.timedelta(seconds=1))
    bot.coffee.meetup_runner.tick()
    (vote,) = thread(bot, meetup_id)
    assert mv.EXTEND not in button_ids(vote.params["blocks"]) and mv.MOVE_ON in buttons(vote)
    assert "Extend" not in shown(vote)
    # a stale Extend button (drawn before the series changed) is refused, nothing changes
    assert bot.click(mv.EXTEND, f"{meetup_id}:{box.id}", user=ORGANISER, reply="ext") == 200
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


def _select(bot: Bot, action_id: str, value: str, user: str, reply: str) -> int:
    """A choice in a static select, as Slack posts it: the value is the selected option's."""
    raw = action_body(action_id, "", user_id=user, response_url=bot.slack.response_url(reply))
    payload = json.loads(parse_qs(raw)["payload"][0])
    payload["team"]["id"] = payload["user"]["team_id"] = TEAM
    chosen = {"text": {"type": "plain_text", "text": "3. x"}, "value": value}
    payload["actions"][0] = {
        "action_id": action_id, "block_id": "b1", "type": "static_select",
        "selected_option": chosen, "action_ts": "1700000000.000200",
    }  # fmt: skip
    body = urlencode({"payload": json.dumps(payload)})
    status = bot.app.dispatch(bolt_request(SIGNING_SECRET, body)).status
    bot.settle()
    return status


def _options(call) -> dict[str, str]:
    """The Pick next select's options on the board: text -> value."""
    for block in call.params.get("blocks") or []:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element["action_id"] == mv.PICK:
                return {o["text"]["text"]: o["value"] for o in element["options"]}
    return {}


def test_the_facilitator_picks_which_topic_comes_next(bot):
    meetup_id, (golden, product, portals) = _running(bot)
    options = _options(board(bot, meetup_id))
    assert list(options) == [
        "1. Golden paths",
        "2. Platform as a product",
        "3. Portals nobody opens",
    ]
    # not the top-ranked: the third, from the select on the board
    assert _select(bot, mv.PICK, options["3. Portals nobody opens"], "U5", "nope") == 200
    assert "Only the host" in bot.reply("nope").params["text"]
    assert bot.meetups()[0].current_topic_id is None
    _select(bot, mv.PICK, options["3. Portals nobody opens"], ORGANISER, "pick")
    assert bot.meetups()[0].current_topic_id == portals
    assert list(_options(board(bot, meetup_id))) == ["1. Golden paths", "2. Platform as a product"]
    # a stale option (drawn before that move) is refused and changes nothing
    _select(bot, mv.PICK, options["2. Platform as a product"], ORGANISER, "stale")
    assert "moved the meeting on already" in bot.reply("stale").params["text"]
    assert bot.meetups()[0].current_topic_id == portals
    # by command: a number, then words of a title
    assert bot.organise("next 2").params["text"] == "Next: topic 2, Platform as a product."
    assert bot.meetups()[0].current_topic_id == product
    assert "not waiting" in bot.organise("next 3").params["text"]  # discussed already
    assert "give its number" in bot.organise("next nothing like it").params["text"]
    assert bot.organise("next golden").params["text"] == "Next: topic 1, Golden paths."
    assert bot.meetups()[0].current_topic_id == golden
    status, ack = bot.command("next", user="U5")  # without words: the status, for everyone
    assert status == 200 and "Working on it" not in ack.get("text", "")


def test_an_organiser_names_a_host_who_runs_the_meeting_and_nobody_else_can(bot):
    meetup_id, (golden, _, _) = _running(bot)
    answer = bot.organise("host <@U7|alex>", as_typed=False)
    assert answer.params["text"].startswith("<@U7> hosts the lean coffee on ")
    assert bot.meetups()[0].host == "U7"
    text = shown(board(bot, meetup_id))
    assert "Host: User U7" in text and "<@U7>" not in text  # named, never pinged
    # the host moves the meeting on; another member cannot
    assert facilitate(bot, meetup_id, mv.NEXT, user="U8") == 200
    assert bot.meetups()[0].current_topic_id is None
    facilitate(bot, meetup_id, mv.NEXT, user="U7")
    assert bot.meetups()[0].current_topic_id == golden
    facilitate(bot, meetup_id, mv.EXTEND, user="U7")
    assert len(boxes(bot)) == 2
    # and uses the organisers' meeting words; the other words stay the organisers'
    bot.command("next 2", user="U7", reply="h1")
    assert bot.reply("h1").params["text"] == "Next: topic 2, Platform as a product."
    bot.command("done 2", user="U7", reply="h2")
    assert bot.reply("h2").params["text"].startswith("Topic 2 is marked as discussed")
    for word in ("next 3", "end", "host <@U8>", "peek"):
        bot.command(word, user="U8", reply="x", as_typed=False)
        assert bot.reply("x").params["text"].startswith("Only organisers can do that.")
    bot.command("peek", user="U7", reply="h3")  # not a meeting word: organisers only
    assert bot.reply("h3").params["text"].startswith("Only organisers can do that.")
    # a bare mention names a host too; `host off` leaves it to the organisers
    assert bot.organise("host <@U9>", as_typed=False).params["text"].startswith("<@U9> hosts")
    bot.command("end", user="U7", reply="h4")
    assert bot.reply("h4").params["text"].startswith("Only organisers can do that.")
    assert "Name one person" in bot.organise("host alex").params["text"]
    assert "has no host now" in bot.organise("host off").params["text"]
    assert bot.meetups()[0].host == ""


def test_a_host_starts_the_meeting_they_host(bot):
    bot.to_voting(TITLES)
    bot.organise("host <@U7|alex>", as_typed=False)
    bot.command("start", user="U7", reply="go")
    assert bot.reply("go").params["text"].startswith("The meeting is on")
    s = bot.meetups()[0]
    assert s.meeting == "running" and s.facilitator == "U7" and s.host == "U7"
    bot.command("end", user="U7", reply="end")
    assert bot.reply("end").params["text"].startswith("The meeting has ended")


def test_with_volunteer_hosts_anyone_can_offer_to_host_on_the_agenda(bot):
    answer = bot.organise("schedule every 2 weeks tuesday 16:00 Europe/London volunteer-hosts")
    assert answer.params["text"].endswith("; anyone may volunteer to host.")
    meetup_id, _ = bot.to_voting(TITLES)
    bot.move_to(MEETUP - dt.timedelta(minutes=1))
    bot.organise("close")
    agenda = board(bot, meetup_id)
    assert buttons(agenda)[mv.HOST] == str(meetup_id)
    assert bot.click(mv.HOST, str(meetup_id), user="U5", reply="me") == 200
    assert bot.reply("me").params["text"].startswith("You are hosting this lean coffee")
    bot.click(mv.HOST, str(meetup_id), user="U6", reply="late")
    assert bot.reply("late").params["text"] == "<@U5> offered to host first."
    assert bot.meetups()[0].host == "U5"
    agenda = board(bot, meetup_id)
    assert mv.HOST not in buttons(agenda) and "Host: User U5" in shown(agenda)
    # off by default: the button is not drawn, and a forged click is refused
    bot.organise("schedule no-volunteer-hosts")
    bot.click(mv.HOST, str(meetup_id), user="U6", reply="off")
    assert "Organisers name" in bot.reply("off").params["text"]


def test_anyone_can_squeeze_a_topic_in_once_the_meeting_has_started(bot):
    meetup_id, (golden, _, _) = _running(bot)
    facilitate(bot, meetup_id, mv.NEXT)
    status, ack = bot.command("propose Can we squeeze this in?", user="U9")
    assert status == 200
    assert ack["text"] == (
        "Added *4.* Can we squeeze this in? to the meeting under way: it joins the end of the "
        "list on the board."
    )
    (added,) = [t for t in bot.topics(meetup_id) if t.user_id == "U9"]
    text = shown(board(bot, meetup_id))
    assert text.index("*3.* Portals nobody opens") < text.index("*4.* Can we squeeze this in?")
    assert "*To discuss* (3)" in text
    # the board's "Add a topic" opens the propose form for the meeting under way
    value = buttons(board(bot, meetup_id))[views.MEETING_TOPIC]
    assert value == str(meetup_id)
    assert bot.click(views.MEETING_TOPIC, value, user="U10") == 200
    bot.settle()
    (opened,) = bot.slack.calls_to("views.open")
    assert opened.params["view"]["callback_id"] == views.MEETING_TOPIC_MODAL
    metadata = opened.params["view"]["private_metadata"]
    response = bot.submit_modal(
        metadata, "One more thing", user="U10", callback_id=views.MEETING_TOPIC_MODAL
    )
    assert response.status == 200 and not response.body
    text = shown(board(bot, meetup_id))
    assert text.index("*4.* Can we squeeze this in?") < text.index("*5.* One more thing")
    assert bot.meetups()[0].current_topic_id == golden and added.meetup_id == meetup_id
    # once the meeting has ended, topics go to the next meetup as before
    bot.organise("end")
    _, ack = bot.command("propose Too late", user="U9")
    assert "to the meeting under way" not in ack["text"]
    bot.click(views.MEETING_TOPIC, value, user="U10", reply="over")
    assert bot.reply("over").params["text"].startswith("That meeting is over;")
    late = bot.submit_modal(metadata, "Later", user="U10", callback_id=views.MEETING_TOPIC_MODAL)
    assert "no longer takes topics" in late.body
    assert [t.title for t in bot.topics(meetup_id) if t.title in ("Too late", "Later")] == []


def test_schedule_reads_4pm_and_refuses_briefly(bot):
    answer = bot.organise("schedule every 2 weeks tuesday 4pm Europe/London")
    assert "on Tuesday at 16:00 Europe/London" in answer.params["text"]
    assert "at 16:30" in bot.organise("schedule tue 4:30 pm").params["text"]
    refused = bot.organise("schedule tuesday teatime").params["text"]
    assert refused == (
        "I did not understand “teatime”. Try e.g. "
        "`/coffee schedule every 2 weeks tuesday 4pm Europe/London`."
    )


def test_a_double_click_on_vote_keeps_the_vote_and_the_note_takes_it_back_in_place(bot):
    meetup_id, (golden, _, _) = bot.to_voting(TITLES)
    value = f"{meetup_id}:{golden}"
    assert bot.vote(golden, "U5", reply="first") == 200
    assert bot.vote(golden, "U5", reply="again") == 200  # the same click, a moment later
    assert bot.votes_by_user() == {"U5": 1}
    assert bot.reply("first").params["text"].startswith("Vote added to “Golden paths”.")
    again = bot.reply("again")
    assert again.params["text"] == (
        "You have a vote on “Golden paths” already. You have *2* of 3 votes left."
    )
    assert again.params["replace_original"] is False  # never the channel's message
    take_back = again.params["blocks"][0]["accessory"]
    assert (take_back["action_id"], take_back["value"]) == (views.UNVOTE, value)
    # Take one back, in the note: the note is updated in place; a second click changes nothing
    for name in ("back", "back-again"):
        bot.click(views.UNVOTE, value, "U5", reply=name, block_id=views.VOTE_NOTE)
        assert bot.reply(name).params["replace_original"] is True
    assert bot.reply("back").params["text"].startswith("Vote taken back from “Golden paths”.")
    assert bot.reply("back-again").params["text"].startswith("You have no vote on that topic.")
    assert bot.votes_by_user() == {}


def test_voters_hear_by_dm_what_a_merge_or_a_withdrawal_did_with_their_dots(bot):
    _, (golden, product, portals) = bot.to_voting(TITLES)
    for user, topic in [
        ("U5", golden), ("U5", product),  # both: one dot comes back in the merge
        ("U6", product),  # moves with the merge
        ("UPROP2", golden), ("UPROP2", product),  # the merged topic's proposer, on both
        ("U7", portals), ("UPROP3", portals),
    ]:  # fmt: skip
        assert bot.vote(topic, user) == 200
    answer = bot.organise("merge 2 into 1")
    assert answer.params["text"].startswith("Merged topic 2 into 1")
    # withdrawn by its proposer: the other voter hears, the proposer is answered
    bot.click(views.WITHDRAW, str(portals), user="UPROP3", reply="gone")
    assert bot.reply("gone").params["text"] == "Topic withdrawn; your vote on it is back with you."
    sent = bot.dms()
    dms = {user: [m.split("\n", 1)[0] for m in ms] for user, ms in sent.items()}
    assert dms["U5"] == [
        "An organiser merged the lean coffee topic “Platform as a product” into “Golden paths” "
        "in <#C0WGPLAT>: you had voted for both, so your vote on the merged one came back to "
        "you: you can use it again while voting is open."
    ]
    assert dms["U6"] == [
        "An organiser merged the lean coffee topic “Platform as a product” into “Golden paths” "
        "in <#C0WGPLAT>: your vote now counts for it."
    ]
    (told,) = dms["UPROP2"]  # one DM, and true: their own vote came back
    assert "You had voted for both, so your vote on yours came back to you" in told
    assert "your votes count for it" not in told
    assert dms["U7"] == [
        "The lean coffee topic “Portals nobody opens” in <#C0WGPLAT> was withdrawn by its "
        "proposer: your vote on it is back with you, to use again while voting is open."
    ]
    assert "UPROP3" not in dms and ORGANISER not in dms
    assert bot.votes_by_user() == {"U5": 1, "U6": 1, "UPROP2": 1}
    assert bot.votes_by_topic() == {golden: 3}
    # the dots owed are delivered once, however often the outbox is drained
    assert bot.dms() == sent


def test_a_schedule_link_arrives_escaped_and_is_read(bot):
    # with the command's should_escape on, Slack sends a link as <url|label>
    answer = bot.organise(
        "schedule link <https://meet.example/j/1|meet.example/j/1>", as_typed=False
    )
    assert answer.params["text"].endswith("; meeting link https://meet.example/j/1.")
