"""What organisers do by hand (merge, remove, carry, open, vote, close, cancel) and what a
proposer may do to their own topic, checked in the database and in the channel."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.coffee import views
from bot.store.models import CoffeeMeetup, CoffeeTopic, CoffeeVote
from tests.coffee.conftest import COLLECT, MEETUP, NEXT_MEETUP, VOTE, Bot, shown, vote_buttons

TITLES = ["Golden paths", "Golden path adoption", "Platform as a product", "Developer portals"]


def agendas(bot: Bot) -> list:
    return [c for c in bot.posts() if c.params["text"].startswith("Lean coffee agenda")]


@pytest.mark.slow
def test_merge_combines_votes_and_counts_a_voter_of_both_once(bot):
    meetup_id, (golden, dup, product, portals) = bot.to_voting(TITLES)
    for user, topic in [
        ("U1", golden),
        ("U1", dup),  # U1 voted for both: counted once after the merge
        ("U2", dup),
        ("U3", golden),
        ("U3", product),
        ("U4", dup),
    ]:
        assert bot.vote(topic, user) == 200
    assert bot.votes_by_topic() == {golden: 2, dup: 3, product: 1}

    bot.settle()  # the redraws that follow the votes are done
    answer = bot.organise("merge 2 into 1")
    assert answer.params["text"].startswith("Merged topic 2 into 1")
    assert bot.votes_by_topic() == {golden: 4, product: 1}
    with bot.store.session() as db:
        merged = db.get(CoffeeTopic, dup)
        assert (merged.state, merged.merged_into) == ("merged", golden)
        voters = db.query(CoffeeVote.user_id).filter(CoffeeVote.topic_id == golden).all()
    assert sorted(u for (u,) in voters) == ["U1", "U2", "U3", "U4"]
    assert bot.votes_by_user() == {"U1": 1, "U2": 1, "U3": 2, "U4": 1}  # U1 got a dot back
    redraw = bot.updates()[-1]
    assert vote_buttons(redraw.params["blocks"]) == [
        f"{meetup_id}:{golden}",
        f"{meetup_id}:{product}",
        f"{meetup_id}:{portals}",
    ]
    # the merged topic's words survive in the kept topic's description, not as a topic
    assert "Golden path adoption  ·" not in shown(redraw)
    assert "&gt;Merged in: Golden path adoption" not in shown(redraw)
    assert ">Merged in: Golden path adoption" in shown(redraw)
    # the dot given back can be spent again
    assert bot.vote(product, "U1") == 200
    assert bot.votes_by_user()["U1"] == 2

    # numbers stay as proposed: "Developer portals" is still 4 after the merge
    for text, reason in [
        ("merge 1 into 1", "Merge needs two different topics"),
        ("merge 9 into 1", "There is no topic 9 on the list."),
        ("merge two into one", "Write it as `/coffee merge 4 into 2`."),
    ]:
        assert bot.organise(text).params["text"].startswith(reason), text
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    (agenda,) = agendas(bot)
    assert "*1.* Golden paths · ▇▇▇▇ *4* votes · _User UPROP1_" in shown(agenda)
    assert "Golden path adoption ·" not in shown(agenda)


def test_remove_takes_a_topic_off_and_gives_its_dots_back(bot):
    meetup_id, (golden, dup, product, portals) = bot.to_voting(TITLES)
    bot.vote(dup, "U1")
    bot.vote(dup, "U2")
    bot.vote(product, "U2")
    bot.settle()
    answer = bot.organise("remove 2")
    assert answer.params["text"] == "Removed topic 2."
    with bot.store.session() as db:
        assert db.get(CoffeeTopic, dup).state == "removed"
    assert bot.votes_by_topic() == {product: 1}
    assert bot.votes_by_user() == {"U2": 1}
    assert vote_buttons(bot.updates()[-1].params["blocks"]) == [
        f"{meetup_id}:{golden}",
        f"{meetup_id}:{product}",
        f"{meetup_id}:{portals}",
    ]
    assert bot.organise("remove 9").params["text"] == "There is no topic 9 on the list."
    assert bot.organise("remove first").params["text"].startswith("Give the topic's number")
    assert [t.id for t in bot.topics(meetup_id)] == [golden, product, portals]


def test_a_proposer_edits_their_topic_through_the_modal_and_nobody_else_can(bot):
    meetup_id, (golden, *_rest) = bot.to_voting(TITLES)
    bot.vote(golden, "U5")
    # someone else's Edit click opens nothing and says why
    assert bot.click(views.EDIT, str(golden), user="U5", reply="not-mine") == 200
    assert bot.reply("not-mine").params["text"].startswith("Only the proposer")
    assert bot.click(views.EDIT, str(golden), user="UPROP1") == 200
    (opened,) = bot.slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["private_metadata"] == f"{meetup_id}:{golden}"
    assert view["blocks"][0]["element"]["initial_value"] == "Golden paths"
    # a forged submission for someone else's topic is refused inline; nothing changes
    forged = bot.submit_modal(view["private_metadata"], "<!channel> mine now", user="U5")
    assert json.loads(forged.body)["response_action"] == "errors"
    response = bot.submit_modal(view["private_metadata"], "Golden paths, two years on", "UPROP1")
    assert response.status == 200 and not response.body
    with bot.store.session() as db:
        topic = db.get(CoffeeTopic, golden)
        assert (topic.title, topic.state) == ("Golden paths, two years on", "open")
    assert bot.votes_by_topic() == {golden: 1}  # the dots stay with the topic
    bot.settle()
    assert "Golden paths, two years on" in shown(bot.updates()[-1])


def test_a_proposer_withdraws_their_own_topic_and_nobody_else_can(bot):
    meetup_id, (golden, dup, product, portals) = bot.to_voting(TITLES)
    bot.vote(golden, "U5")
    # someone else's click on the Withdraw button changes nothing
    assert bot.click(views.WITHDRAW, str(golden), user="UPROP2", reply="not-mine") == 200
    refused = bot.reply("not-mine")
    assert refused.params["text"] == (
        "Only the person who proposed a topic (or an organiser) can change it."
    )
    assert refused.params["replace_original"] is False
    assert bot.click(views.WITHDRAW, str(golden), user="U5", reply="voter") == 200
    assert bot.reply("voter").params["text"].startswith("Only the person who proposed")
    with bot.store.session() as db:
        assert db.get(CoffeeTopic, golden).state == "open"
    assert bot.votes_by_topic() == {golden: 1}

    bot.settle()
    assert bot.click(views.WITHDRAW, str(golden), user="UPROP1", reply="mine") == 200
    done = bot.reply("mine")
    assert done.params["text"] == "Topic withdrawn." and done.params["replace_original"] is True
    with bot.store.session() as db:
        assert db.get(CoffeeTopic, golden).state == "withdrawn"
    assert bot.votes_by_topic() == {}  # U5's dot came back
    assert "Golden paths" not in shown(bot.updates()[-1])
    # a second click on the same button
    assert bot.click(views.WITHDRAW, str(golden), user="UPROP1", reply="twice") == 200
    assert bot.reply("twice").params["text"] == "That topic is no longer on the list."
    assert [t.id for t in bot.topics(meetup_id)] == [dup, product, portals]


@pytest.mark.slow
def test_carry_moves_undiscussed_topics_to_the_next_meetup_without_votes(bot):
    _, (golden, dup, product, portals) = bot.to_voting(TITLES)
    bot.vote(golden, "U1")
    bot.vote(product, "U1")
    bot.vote(product, "U2")
    bot.click(views.WITHDRAW, str(portals), user="UPROP4")
    for word in ("carry", "done 1"):
        answer = bot.organise(word).params["text"]
        assert answer.startswith("There is no closed or cancelled meetup")
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    assert bot.coffee.meetup_runner.tick() == 1
    closed, upcoming = bot.meetups()
    assert (closed.state, upcoming.state) == ("closed", "scheduled")
    (agenda,) = agendas(bot)
    assert "*1.* Golden paths · ▇ *1* vote · _User UPROP1_" in shown(agenda)

    # during the meeting, topic #1 of the agenda was discussed; the others were not
    assert bot.organise("done 1", user="U9").params["text"].startswith("Only organisers")
    answer = bot.organise("done 1")
    assert (
        answer.params["text"]
        == "Topic 1 is marked as discussed; it will not be carried over to the next meetup."
    )
    assert bot.organise("done 9").params["text"] == "There is no topic 9 on the list."
    assert bot.organise("done first").params["text"].startswith("Give the topic's number")
    with bot.store.session() as db:
        assert [t.discussed for t in db.query(CoffeeTopic).order_by(CoffeeTopic.id)] == [
            True,
            False,
            False,
            False,
        ]

    answer = bot.organise("carry")
    assert answer.params["text"] == "Carried 2 undiscussed topics over."
    carried = bot.topics(upcoming.id)
    # in the closed meetup's ranked order; the discussed and the withdrawn topics stay behind
    assert [(t.title, t.user_id, t.discussed) for t in carried] == [
        ("Platform as a product", "UPROP3", False),
        ("Golden path adoption", "UPROP2", False),
    ]
    assert all(t.id not in (golden, dup, product) for t in carried)
    assert bot.count(CoffeeVote, CoffeeVote.meetup_id == upcoming.id) == 0
    assert bot.votes_by_topic() == {golden: 1, product: 2}  # the old meetup's record stays
    assert len(bot.topics(closed.id)) == 3
    assert bot.organise("carry").params["text"] == "No undiscussed topic to carry over."
    assert len(bot.topics(upcoming.id)) == 2

    # they are on the next collection message, with no votes
    bot.clock.now = upcoming.collect_at + dt.timedelta(minutes=1)
    assert bot.coffee.meetup_runner.tick() == 1
    text = shown([p for p in bot.posts() if p.params["text"].startswith("Lean coffee on")][-1])
    assert "*1.* Platform as a product" in text and "*2.* Golden path adoption" in text
    assert "No topics yet" not in text
    # and take votes like any other topic
    bot.clock.now = upcoming.vote_at + dt.timedelta(minutes=1)
    assert bot.coffee.meetup_runner.tick() == 1
    assert bot.vote(carried[0].id, "U1") == 200
    assert bot.count(CoffeeVote, CoffeeVote.meetup_id == upcoming.id) == 1


@pytest.mark.slow
def test_done_marks_the_topic_the_agenda_numbered_even_after_a_late_withdrawal(bot):
    _, (_, dup, product, portals) = bot.to_voting(TITLES)
    bot.vote(product, "U1")
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    (agenda,) = agendas(bot)
    assert "*3.* Platform as a product · ▇ *1* vote · _User UPROP3_" in shown(agenda)
    # after the agenda is out, the proposer of #2 clicks Withdraw on their old confirmation
    bot.click(views.WITHDRAW, str(dup), user="UPROP2", reply="late-withdraw")
    bot.reply("late-withdraw")
    # the organiser marks agenda topic #3, "Platform as a product", as discussed
    bot.organise("done 3")
    with bot.store.session() as db:
        assert db.get(CoffeeTopic, product).discussed is True
        assert db.get(CoffeeTopic, portals).discussed is False


def test_carried_topics_survive_a_change_of_schedule(bot):
    bot.to_voting(TITLES[:2])
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    assert bot.organise("carry").params["text"] == "Carried 2 undiscussed topics over."
    upcoming = bot.meetups()[-1]
    assert [t.title for t in bot.topics(upcoming.id)] == TITLES[:2]
    # the same times, one more vote each: the next meetup is the same meetup
    assert bot.organise("schedule votes 4").params["text"].startswith("Lean coffee here:")
    (rescheduled,) = [s for s in bot.meetups() if s.state == "scheduled"]
    assert rescheduled.starts_at == NEXT_MEETUP
    assert [t.title for t in bot.topics(rescheduled.id)] == TITLES[:2]


def test_a_new_time_after_todays_meetup_applies_from_the_next_meetup(bot):
    bot.to_voting(TITLES[:2])
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    assert bot.coffee.meetup_runner.tick() == 1
    posts = len(bot.posts())
    assert bot.organise("schedule 17:00").params["text"].startswith("Lean coffee here:")
    upcoming = bot.meetups()[-1]
    assert upcoming.state == "scheduled"
    assert upcoming.starts_at == NEXT_MEETUP + dt.timedelta(hours=1)  # 7 April, 17:00 BST
    assert len(bot.posts()) == posts


def test_close_early_posts_the_agenda_once_and_the_clock_does_not_repeat_it(bot):
    meetup_id, (golden, dup, _, _) = bot.to_voting(TITLES)
    bot.vote(dup, "U1")
    bot.settle()
    bot.clock.now = VOTE + dt.timedelta(hours=2)
    answer = bot.organise("close")
    assert answer.params["text"] == "Done: this meetup is now closed."
    (agenda,) = agendas(bot)
    assert "*2.* Golden path adoption · ▇ *1* vote · _User UPROP2_" in shown(agenda)
    first, second = bot.meetups()
    assert (first.id, first.state) == (meetup_id, "closed")
    assert (second.state, second.starts_at) == ("scheduled", NEXT_MEETUP)
    # the vote message no longer takes votes, and the clock at the planned start does nothing
    assert vote_buttons(bot.updates()[-1].params["blocks"]) == []
    assert bot.click(views.VOTE, f"{meetup_id}:{golden}", user="U2", reply="late") == 200
    assert bot.reply("late").params["text"] == "Voting is not open for this meetup."
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    calls = len(bot.calls())
    assert bot.coffee.meetup_runner.tick() == 0
    # at the planned start the meeting begins: the agenda becomes the board, nothing is posted
    (board,) = [c for c in bot.calls()[calls:] if c.method.startswith("chat.")]
    assert (board.method, board.params["ts"]) == ("chat.update", agenda.answer["ts"])
    assert "The meeting is on." in shown(board)
    assert len(agendas(bot)) == 1


def test_closing_twice_does_not_close_the_meetup_after(bot):
    bot.to_voting(TITLES[:2])
    assert bot.organise("close").params["text"] == "Done: this meetup is now closed."
    again = bot.organise("close")
    assert len(agendas(bot)) == 1
    assert [s.state for s in bot.meetups()] == ["closed", "scheduled"]
    assert again.params["text"].startswith("Nothing to do")


def test_cancel_redraws_the_message_posts_no_agenda_and_moves_to_the_next_meetup(bot):
    meetup_id = bot.to_collecting()
    bot.command("propose Golden paths", user="U1")
    collect_ts = bot.posts()[-1].answer["ts"]
    answer = bot.organise("cancel")
    assert answer.params["text"] == "Done: this meetup is now cancelled."
    redraw = bot.updates()[-1]
    assert redraw.params["ts"] == collect_ts
    assert "This meetup was cancelled." in shown(redraw)
    assert views.PROPOSE not in str(redraw.params["blocks"])
    first, second = bot.meetups()
    assert (first.id, first.state) == (meetup_id, "cancelled")
    assert (second.state, second.starts_at) == ("scheduled", NEXT_MEETUP)
    # nothing more for the cancelled meetup, whatever the clock says
    _, ack = bot.command("propose Another", user="U2")
    assert "Topic collection has not opened yet" in ack["text"]
    posts = len(bot.posts())
    for moment in (VOTE, MEETUP):
        bot.clock.now = moment + dt.timedelta(minutes=1)
        assert bot.coffee.meetup_runner.tick() == 0
    assert len(bot.posts()) == posts and agendas(bot) == []
    with bot.store.session() as db:
        assert db.get(CoffeeMeetup, meetup_id).state == "cancelled"


def test_open_and_vote_by_hand_then_the_clock_leaves_them_be(bot):
    bot.schedule()
    assert bot.organise("open").params["text"] == "Done: this meetup is now collecting."
    assert len(bot.posts()) == 1
    assert bot.organise("open").params["text"] == "Nothing to do: this meetup is collecting."
    bot.command("propose Golden paths", user="U1")
    bot.clock.now = COLLECT + dt.timedelta(minutes=1)
    assert bot.coffee.meetup_runner.tick() == 0  # already collecting: no second message
    assert bot.organise("vote").params["text"] == "Done: this meetup is now voting."
    assert len(bot.posts()) == 2
    assert vote_buttons(bot.posts()[-1].params["blocks"]) == [
        f"{bot.meetup_id()}:{bot.topics()[0].id}"
    ]
    bot.clock.now = VOTE + dt.timedelta(minutes=1)
    assert bot.coffee.meetup_runner.tick() == 0
    assert bot.organise("open").params["text"] == "Nothing to do: this meetup is voting."
    assert len(bot.posts()) == 2
