"""A meetup from `/coffee schedule` to the agenda, driven as Slack drives it: signed commands,
button clicks and a modal submission into the Bolt app, the clock moved by hand."""

from __future__ import annotations

import datetime as dt
import re

from bot.coffee import views
from bot.store.models import CoffeeMeetup, CoffeeSeries, CoffeeTopic, CoffeeVote
from tests.blocks import all_text, assert_valid_blocks, assert_valid_view
from tests.coffee.conftest import (
    CHANNEL,
    COLLECT,
    MEETUP,
    NEXT_MEETUP,
    ORGANISER,
    SCHEDULE,
    TEAM,
    VOTE,
    button_ids,
    shown,
    token,
    vote_buttons,
)

DESCRIBED = (
    "Lean coffee here: every 2 weeks on Tuesday at 16:00 Europe/London for 1 hour; topics open "
    "3 days before, voting 24 hours before; 3 votes each, one per topic, counts hidden until "
    "voting closes; up to 3 topics a person."
)


def test_only_organisers_may_schedule_and_a_refusal_stores_nothing(bot):
    answer = bot.organise(SCHEDULE, user="U9")
    assert answer.params["text"].startswith("Only organisers can do that.")
    assert answer.params["response_type"] == "ephemeral"
    # U9 is not a configured organiser, so Slack was asked whether they are an admin
    assert [c.params["user"] for c in bot.slack.calls_to("users.info")] == ["U9"]
    assert bot.count(CoffeeSeries) == 0 and bot.count(CoffeeMeetup) == 0
    assert bot.posts() == []
    for word in (
        "close",
        "cancel",
        "merge 2 into 1",
        "remove 1",
        "carry",
        "open",
        "vote",
        "done 1",
    ):
        refused = bot.organise(word, user="U9")
        assert refused.params["text"].startswith("Only organisers can do that."), word
    assert bot.count(CoffeeSeries) == 0 and bot.count(CoffeeMeetup) == 0
    assert len(bot.slack.calls_to("users.info")) == 1  # the answer is remembered for a while

    # nor can they change a series an organiser set up
    bot.schedule()
    for word in ("cancel", "close", "open", "schedule every week monday 09:00 UTC"):
        refused = bot.organise(word, user="U9")
        assert refused.params["text"].startswith("Only organisers can do that."), word
    (s,) = bot.meetups()
    assert (s.state, s.starts_at) == ("scheduled", MEETUP)
    with bot.store.session() as db:
        assert db.query(CoffeeSeries.weekday, CoffeeSeries.updated_by).one() == (1, ORGANISER)
    assert bot.posts() == []


def test_a_workspace_admin_is_an_organiser_without_being_configured(bot):
    bot.slack.users["UADMIN"] = {"is_admin": True}
    answer = bot.organise(SCHEDULE, user="UADMIN")
    assert answer.params["text"] == DESCRIBED
    assert bot.count(CoffeeSeries, CoffeeSeries.updated_by == "UADMIN") == 1


def test_a_meetup_from_schedule_to_agenda(bot):
    slack = bot.slack
    # ---- scheduled: a series and its first meetup, nothing in the channel yet ----------------
    status, ack = bot.command(SCHEDULE, user=ORGANISER, reply="sched")
    assert status == 200 and ack == {"response_type": "ephemeral", "text": "Working on it…"}
    answer = bot.reply("sched")
    assert answer.params["text"] == DESCRIBED
    assert slack.calls_to("users.info") == []  # a configured organiser needs no lookup
    with bot.store.session() as db:
        (series,) = db.query(CoffeeSeries).all()
        assert (series.team_id, series.channel_id, series.timezone) == (
            TEAM,
            CHANNEL,
            "Europe/London",
        )
        assert (series.weekday, series.at, series.every_weeks) == (1, "16:00", 2)
        assert (series.collect_hours, series.vote_hours, series.votes_per_person) == (72, 24, 3)
        assert series.multi_dots is False and series.hide_counts is True
    (first,) = bot.meetups()
    assert first.state == "scheduled"
    assert (first.starts_at, first.collect_at, first.vote_at) == (
        MEETUP,
        COLLECT,
        VOTE,
    )
    assert bot.posts() == []

    _, status_ack = bot.command("", user="U1")
    assert_valid_blocks(status_ack["blocks"])
    text = all_text(status_ack["blocks"])
    assert (
        "*Next lean coffee:* <!date^1774368000^{date_short_pretty} at {time}|Tue 24 Mar, 16:00 GMT>"
    ) in text
    assert f"Topic collection opens {token(COLLECT, 'Sat 21 Mar, 16:00 GMT')}." in text

    _, early = bot.command("propose too early", user="U1")
    assert "Topic collection has not opened yet" in early["text"]
    assert bot.count(CoffeeTopic) == 0

    # ---- collecting: one channel message with a Propose button -------------------------------
    bot.clock.now = COLLECT + dt.timedelta(minutes=1)
    assert bot.coffee.meetup_runner.tick() == 1
    (collect_post,) = bot.posts()
    assert collect_post.params["channel"] == CHANNEL
    text = shown(collect_post)
    assert f"*Lean coffee · {token(MEETUP, 'Tue 24 Mar, 16:00 GMT')}*" in text
    assert f"open until voting starts ({token(VOTE, 'Mon 23 Mar, 16:00 GMT')})" in text
    assert "No topics yet: be the first." in text
    propose_buttons = [
        e
        for b in collect_post.params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == views.PROPOSE
    ]
    assert [b["text"]["text"] for b in propose_buttons] == ["Propose a topic"]
    meetup_id = int(propose_buttons[0]["value"])
    (s,) = [x for x in bot.meetups() if x.id == meetup_id]
    assert s.state == "collecting" and s.message_ts == collect_post.answer["ts"]

    # a topic by command: answered in the ack, the channel message redrawn in place
    _, ack = bot.command("propose   Golden paths   at scale ", user="U1")
    assert_valid_blocks(ack["blocks"])
    assert ack["text"] == "Added *1.* Golden paths at scale"
    assert button_ids(ack["blocks"]) == [views.EDIT, views.WITHDRAW]
    redraw = bot.updates()[-1]
    assert redraw.params["ts"] == collect_post.answer["ts"]
    assert "*1.* Golden paths at scale" in shown(redraw)

    # a topic by the button: the modal opens, its submission stores the topic
    assert bot.click(views.PROPOSE, str(meetup_id), user="U2") == 200
    (opened,) = slack.wait_for("views.open")
    view = opened.params["view"]
    assert opened.params["trigger_id"] == "1337.42.abcd"
    assert view["callback_id"] == views.PROPOSE_MODAL
    assert view["private_metadata"] == f"{meetup_id}:"
    assert_valid_view(view)
    response = bot.submit_modal(view["private_metadata"], "Platform as a product", user="U2")
    assert response.status == 200 and not response.body  # the modal closes
    assert "*2.* Platform as a product" in shown(bot.updates()[-1])

    _, ack = bot.command("propose Developer portals nobody opens", user="U3")
    assert ack["text"] == "Added *3.* Developer portals nobody opens"
    topics = bot.topics(meetup_id)
    assert [(t.user_id, t.title) for t in topics] == [
        ("U1", "Golden paths at scale"),
        ("U2", "Platform as a product"),
        ("U3", "Developer portals nobody opens"),
    ]
    golden, product, portals = (t.id for t in topics)
    assert "*1.* Golden paths at scale" in shown(bot.updates()[-1])
    assert "*3.* Developer portals nobody opens" in shown(bot.updates()[-1])

    _, early_vote_ack = bot.command("", user="U1")
    assert "3 topics so far." in all_text(early_vote_ack["blocks"])
    assert bot.click(views.VOTE, f"{meetup_id}:{golden}", user="U1", reply="early") == 200
    assert bot.reply("early").params["text"] == "Voting is not open for this meetup."
    assert bot.count(CoffeeVote) == 0

    # ---- voting: a new message, one Vote button per topic ------------------------------------
    bot.clock.now = VOTE + dt.timedelta(minutes=1)
    updates_before = len(bot.updates())
    assert bot.coffee.meetup_runner.tick() == 1
    assert len(bot.posts()) == 2
    pointer = bot.updates()[updates_before]
    assert pointer.params["ts"] == collect_post.answer["ts"]
    assert shown(pointer).startswith("Topic collection has closed; voting is open below.")
    vote_post = bot.posts()[-1]
    text = shown(vote_post)
    assert "You have *3* votes (one per topic)" in text
    assert "Counts stay hidden until voting closes." in text
    assert vote_buttons(vote_post.params["blocks"]) == [
        f"{meetup_id}:{golden}",
        f"{meetup_id}:{product}",
        f"{meetup_id}:{portals}",
    ]
    assert not re.search(r"·  \*\d+\* votes?\b", text)  # counts hidden
    (s,) = [x for x in bot.meetups() if x.id == meetup_id]
    assert s.state == "voting" and s.message_ts == vote_post.answer["ts"]

    # the later topic gets its vote first: the tie-break is by proposal, not by the first vote
    clicks = [
        ("U1", portals),
        ("U1", product),
        ("U2", product),
        ("U3", product),
        ("U3", golden),
        ("U4", portals),
        ("U4", portals),  # one dot per topic: a second click (a double click) keeps it
    ]
    for n, (user, topic) in enumerate(clicks):
        assert bot.vote(topic, user, reply=f"v{n}") == 200
        feedback = bot.reply(f"v{n}")  # each voter hears back privately
        assert re.search(r"You have \*\d\* of 3 votes left\.", feedback.params["text"])
        assert feedback.params["response_type"] == "ephemeral"
        assert feedback.params["replace_original"] is False
        assert_valid_blocks(feedback.params["blocks"])
    kept = bot.reply("v6").params["text"]
    assert kept == (
        "You have a vote on “Developer portals nobody opens” already. You have *2* of 3 votes left."
    )
    assert bot.votes_by_topic() == {product: 3, golden: 1, portals: 2}
    # the note's own Take one back updates that note in place
    meetup_id = bot.meetup_id()
    assert (
        bot.click(
            views.UNVOTE, f"{meetup_id}:{portals}", "U4", reply="back", block_id=views.VOTE_NOTE
        )
        == 200
    )
    back = bot.reply("back")
    assert back.params["replace_original"] is True
    assert back.params["text"] == (
        "Vote taken back from “Developer portals nobody opens”. You have *3* of 3 votes left."
    )
    assert bot.votes_by_topic() == {product: 3, golden: 1, portals: 1}
    assert bot.votes_by_user() == {"U1": 2, "U2": 1, "U3": 2}

    # ---- the meetup starts: agenda, meetup closed, the next one two weeks on ----------------
    bot.settle()  # the redraws that follow the votes are done
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    calls_before = len(bot.channel_calls())
    assert bot.coffee.meetup_runner.tick() == 1
    assert len(bot.posts()) == 3
    agenda = bot.posts()[-1]
    assert_valid_blocks(agenda.params["blocks"])
    at = token(MEETUP, "Tue 24 Mar, 16:00 GMT")
    assert agenda.params["text"] == f"Lean coffee agenda for {at}: 3 topics"
    assert agenda.params["blocks"][0]["text"]["text"] == (f"*Agenda · {at}*")
    assert agenda.params["blocks"][1]["text"]["text"] == (
        "*2.* Platform as a product · ▇▇▇ *3* votes · _User U2_\n"
        "*1.* Golden paths at scale · ▇ *1* vote · _User U1_\n"
        "*3.* Developer portals nobody opens · ▇ *1* vote · _User U3_"
    )
    assert agenda.params["blocks"][-1]["elements"][0]["text"] == (
        "Ranked by votes; topics keep their numbers. Ties go to the topic proposed first."
    )
    closed_redraw = [c for c in bot.channel_calls()[calls_before:] if c.method == "chat.update"]
    # the voting message is redrawn closed; the agenda, its start time come, becomes the board
    assert [c.params["ts"] for c in closed_redraw] == [vote_post.answer["ts"], agenda.answer["ts"]]
    assert "The meeting is on." in shown(closed_redraw[1])
    assert "Voting has closed; the agenda is below in the channel." in shown(closed_redraw[0])
    assert "*3* votes" in shown(closed_redraw[0])  # counts shown once voting is over
    assert views.VOTE not in button_ids(closed_redraw[0].params["blocks"])

    first, second = bot.meetups()
    assert first.id == meetup_id and first.state == "closed"
    assert first.agenda_ts == agenda.answer["ts"]
    assert second.state == "scheduled"
    assert second.starts_at == NEXT_MEETUP  # 16:00 in London, now on summer time
    assert second.starts_at - first.starts_at == dt.timedelta(weeks=2, hours=-1)
    assert second.collect_at == NEXT_MEETUP - dt.timedelta(days=3)
    assert second.vote_at == NEXT_MEETUP - dt.timedelta(hours=24)

    # the same moment again changes nothing and posts nothing
    calls_before = len(bot.calls())
    assert bot.coffee.meetup_runner.tick() == 0
    assert bot.coffee.meetup_runner.tick() == 0
    assert len(bot.calls()) == calls_before
    assert len(bot.meetups()) == 2

    # a late click on the old message counts for nothing
    assert bot.click(views.VOTE, f"{meetup_id}:{golden}", user="U9", reply="late") == 200
    assert bot.reply("late").params["text"] == "Voting is not open for this meetup."
    assert bot.count(CoffeeVote) == 5
    _, after = bot.command("", user="U1")
    assert (
        "*Next lean coffee:* <!date^1775574000^{date_short_pretty} at {time}|Tue 7 Apr, 16:00 BST>"
    ) in all_text(after["blocks"])


def test_proposals_in_voting_get_a_vote_button_at_the_next_redraw(bot):
    meetup_id, (first,) = bot.to_voting(["Team topologies in practice"])
    _, ack = bot.command("propose A late idea", user="U7")
    assert ack["text"] == "Added *2.* A late idea"
    late = bot.topics(meetup_id)[-1]
    assert vote_buttons(bot.updates()[-1].params["blocks"]) == [
        f"{meetup_id}:{first}",
        f"{meetup_id}:{late.id}",
    ]


def test_mine_lists_my_topics_with_a_withdraw_button(bot):
    bot.to_collecting()
    bot.command("propose First of mine", user="U1")
    bot.command("propose Someone else's", user="U2")
    bot.command("propose Second of mine", user="U1")
    _, ack = bot.command("mine", user="U1")
    assert_valid_blocks(ack["blocks"])
    text = all_text(ack["blocks"])
    assert "*1.* First of mine" in text and "*3.* Second of mine" in text
    assert "Someone else" not in text
    assert button_ids(ack["blocks"]) == [views.EDIT, views.WITHDRAW] * 2
    _, none = bot.command("mine", user="U5")
    assert none["text"] == "You have no topics for the next lean coffee."


def test_unknown_words_get_help_and_an_empty_channel_says_how_to_start(bot):
    _, ack = bot.command("frobnicate", user="U1")
    assert ack["text"].startswith("`/coffee` shows the next lean coffee")
    _, ack = bot.command("", user="U1")
    assert "No lean coffee is set up in this channel yet." in ack["text"]
    _, ack = bot.command("propose anything", user="U1")
    assert ack["text"] == "No lean coffee is set up in this channel yet."
    assert bot.count(CoffeeTopic) == 0
