"""The meeting, from the agenda to the summary: the board redrawn in place, timeboxes run out
on the clock's tick (once, whatever clocks run), Roman votes, takeaways, the summary in the
board's thread, carry-over to the next meetup, `/coffee summary` and `wgbot coffee export`."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.coffee import meeting_views as mv
from bot.store.models import (
    CoffeeMeetup,
    CoffeeRomanVote,
    CoffeeTakeaway,
    CoffeeTopic,
    CoffeeVote,
)
from tests.blocks import assert_valid_view
from tests.coffee.conftest import CHANNEL, MEETUP, ORGANISER, shown, token
from tests.coffee.meeting_helpers import (
    board,
    board_ts,
    boxes,
    buttons,
    facilitate,
    submit_note,
    thread,
    thumb,
    vote_message,
)

TITLES = [
    "Golden paths at scale",
    "Platform as a product",
    "Developer portals nobody opens",
    "Paved roads & guard rails",
]


def _meeting_begins(bot) -> tuple[int, list[int]]:
    meetup_id, ids = bot.to_voting(TITLES)
    golden, product, portals, _ = ids
    for user in ("U1", "U2", "U3"):
        bot.vote(product, user)
    bot.vote(golden, "U1")
    bot.vote(golden, "U2")
    bot.vote(portals, "U3")
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    assert bot.coffee.meetup_runner.tick() == 1
    return meetup_id, ids


@pytest.mark.slow
def test_a_whole_meeting_from_the_agenda_to_the_summary_and_the_export(bot, db_url, monkeypatch):
    meetup_id, (golden, product, portals, roads) = _meeting_begins(bot)
    # ---- the agenda became the board: nothing posted but the agenda, drawn in place ------------
    ts = board_ts(bot, meetup_id)
    now = board(bot, meetup_id)
    assert now.method == "chat.update" and now.params["ts"] == ts
    text = shown(now)
    assert "The meeting is on." in text
    assert "*To discuss* (4)" in text
    # ranked, under the one numbering, proposers named (never mentioned)
    assert text.index("*2.* Platform as a product · _User UPROP2_ · 3 votes") < text.index(
        "*1.* Golden paths at scale · _User UPROP1_ · 2 votes"
    )
    assert "<@" not in text
    assert list(buttons(now)) == [mv.NEXT, mv.MEETING_TOPIC, mv.PICK]

    # ---- only the facilitator or an organiser moves it on ----------------------------------
    assert facilitate(bot, meetup_id, mv.NEXT, user="U9") == 200
    refusal = bot.slack.calls_to("response_url")[-1]
    assert refusal.params["text"] == (
        "Only the host, the facilitator or an organiser moves the meeting on."
    )
    assert bot.meetups()[0].current_topic_id is None

    # ---- the first topic: the top-ranked, with its 8-minute timebox -------------------------
    started = bot.clock.now
    facilitate(bot, meetup_id, mv.NEXT)
    assert bot.meetups()[0].current_topic_id == product
    (box,) = boxes(bot)
    assert (box.topic_id, box.round, box.ends_at) == (
        product,
        0,
        started + dt.timedelta(minutes=8),
    )
    text = shown(board(bot, meetup_id))
    ends = started + dt.timedelta(minutes=8)
    assert "*Discussing*\n" in text or "*Discussing*" in text
    assert "*2.* Platform as a product · _User UPROP2_" in text
    assert f"8-minute timebox, ends <!date^{int(ends.timestamp())}^{{time}}|" in text
    assert "*To discuss* (3)" in text
    assert set(buttons(board(bot, meetup_id))) == {
        mv.NEXT,
        mv.EXTEND,
        mv.DONE,
        mv.NOTE,
        mv.MEETING_TOPIC,
        mv.PICK,
    }

    # ---- a takeaway and an action, by anyone, with hostile words kept harmless ---------------
    note_value = buttons(board(bot, meetup_id))[mv.NOTE]
    assert bot.click(mv.NOTE, note_value, user="U4") == 200
    bot.settle()
    (opened,) = bot.slack.calls_to("views.open")
    assert_valid_view(opened.params["view"])
    assert opened.params["view"]["private_metadata"] == note_value
    hostile = "<!channel> ping & <@U123> too"
    assert submit_note(bot, note_value, hostile, user="U4").status == 200
    assert (
        submit_note(bot, note_value, "Write the product brief", "U5", "action", "U6").status == 200
    )
    empty = submit_note(bot, note_value, "   ", user="U5")
    assert empty.status == 200 and "errors" in empty.body
    assert bot.count(CoffeeTakeaway) == 2
    text = shown(board(bot, meetup_id))
    assert "&lt;!channel&gt; ping &amp; &lt;@U123&gt; too" in text
    assert "<!channel>" not in text and "<@U123>" not in text
    assert "_Action:_ Write the product brief (owner: User U6)" in text

    # ---- the timebox runs out: one Roman vote in the board's thread, however often it ticks --
    bot.clock.now = started + dt.timedelta(minutes=8, seconds=5)
    bot.coffee.meetup_runner.tick()
    bot.coffee.meetup_runner.tick()
    (vote,) = thread(bot, meetup_id)
    assert vote.params["text"] == "Time is up for topic 2: keep going?"
    assert [b for b in buttons(vote) if b == mv.ROMAN] == [mv.ROMAN]
    assert "Time is up: the Roman vote is in the thread." in shown(board(bot, meetup_id))
    (box,) = boxes(bot)
    assert box.expired and box.vote_ts == vote.answer["ts"]

    # one thumb a person, changeable, counted live
    thumb(bot, meetup_id, box.id, "up", "U1")
    thumb(bot, meetup_id, box.id, "down", "U2")
    thumb(bot, meetup_id, box.id, "up", "U3")
    thumb(bot, meetup_id, box.id, "side", "U1")  # U1 changes their mind
    bot.settle()
    assert "👍 1  👎 1  ✋ 1" in vote_message(bot, box.vote_ts)
    assert bot.count(CoffeeRomanVote) == 3

    # ---- the facilitator extends, by 4 minutes: the vote is settled, the board says so ------
    assert bot.click(mv.EXTEND, buttons(vote)[mv.EXTEND], user=ORGANISER) == 200
    bot.settle()
    first, second = boxes(bot)
    assert first.outcome == "extended"
    assert (second.round, second.ends_at - second.starts_at) == (
        1,
        dt.timedelta(minutes=4),
    )
    assert "extended. 👍 1  👎 1  ✋ 1" in vote_message(bot, first.vote_ts)
    assert "4-minute extension 1, ends" in shown(board(bot, meetup_id))
    # a second click on the same (stale) Extend adds nothing
    assert bot.click(mv.EXTEND, buttons(vote)[mv.EXTEND], user=ORGANISER) == 200
    bot.settle()
    assert len(boxes(bot)) == 2
    assert thumb(bot, meetup_id, first.id, "up", "U7") == 200  # the vote is over
    bot.settle()
    assert bot.count(CoffeeRomanVote) == 3

    # ---- it runs out again: the next vote, and the group moves on ---------------------------
    bot.clock.now = second.ends_at + dt.timedelta(seconds=1)
    bot.coffee.meetup_runner.tick()
    _, again = thread(bot, meetup_id)
    assert "Extend +2 min" in shown(again)  # extensions shrink: 4, then 2
    thumb(bot, meetup_id, second.id, "down", "U1")
    thumb(bot, meetup_id, second.id, "down", "U2")
    moved_at = bot.clock.now
    assert bot.click(mv.MOVE_ON, buttons(again)[mv.MOVE_ON], user=ORGANISER) == 200
    bot.settle()
    assert boxes(bot)[1].outcome == "moved on"
    assert bot.meetups()[0].current_topic_id == golden
    text = shown(board(bot, meetup_id))
    assert (
        "*Discussed* (1)" in text and "*2.* Platform as a product · _User UPROP2_ · 12 min" in text
    )

    # ---- `done <n>` uses the same numbers and redraws the board -----------------------------
    bot.clock.now = moved_at + dt.timedelta(minutes=3)
    answer = bot.organise("done 1")
    assert (
        answer.params["text"]
        == "Topic 1 is marked as discussed; it will not be carried over to the next meetup."
    )
    text = shown(board(bot, meetup_id))
    assert (
        "*Discussed* (2)" in text and "*1.* Golden paths at scale · _User UPROP1_ · 3 min" in text
    )
    assert "No topic yet" in text
    facilitate(bot, meetup_id, mv.NEXT)  # portals, third by votes
    assert bot.meetups()[0].current_topic_id == portals

    # ---- /coffee end: the summary in the thread, the rest carried, votes reset ---------------
    bot.clock.now += dt.timedelta(minutes=2)
    assert bot.organise("end").params["text"] == (
        "The meeting has ended; the summary is in the board's thread."
    )
    assert (
        bot.organise("end").params["text"] == "No meeting is running; `/coffee start` begins one."
    )
    summary = thread(bot, meetup_id)[-1]
    text = shown(summary)
    assert "*Lean coffee summary · " + token(MEETUP, "Tue 24 Mar, 16:00 GMT") + "*" in text
    assert "• *2. Platform as a product* · _User UPROP2_ · 3 votes · 12 min" in text
    assert "◦ Roman vote 1: 👍 1  👎 1  ✋ 1 → extended" in text
    assert "Roman vote 2: 👍 0  👎 2  ✋ 0 → moved on" in text
    assert "◦ _Takeaway:_ &lt;!channel&gt; ping &amp; &lt;@U123&gt; too" in text
    assert "- " not in text  # Slack shows a hyphen as a hyphen: lists are drawn with bullets
    assert "_Action:_ Write the product brief (owner: User U6)" in text
    assert "*1. Golden paths at scale* · _User UPROP1_ · 2 votes · 3 min" in text
    assert "*3. Developer portals nobody opens*" in text
    assert "*Not discussed (1), carried over to the next meetup*" in text
    assert "• 4. Paved roads &amp; guard rails" in text
    assert "The meeting has ended" in shown(board(bot, meetup_id))
    assert buttons(board(bot, meetup_id)) == {}
    closed, upcoming = bot.meetups()
    assert (closed.meeting, upcoming.state) == ("ended", "scheduled")
    (carried,) = bot.topics(upcoming.id)
    assert (carried.title, carried.user_id) == ("Paved roads & guard rails", "UPROP4")
    assert bot.count(CoffeeVote, CoffeeVote.meetup_id == upcoming.id) == 0
    # proposers hear by DM, once each: the carried topic's, and the discussed topics' with
    # the link to the board whose thread has the summary; nobody else is DM'd
    dms = bot.dms()
    assert sorted(dms) == ["UPROP1", "UPROP2", "UPROP3", "UPROP4"]
    assert all(len(texts) == 1 for texts in dms.values())
    assert (
        "“Paved roads &amp; guard rails” was not discussed, so it was carried" in dms["UPROP4"][0]
    )
    permalink = (
        f"https://fake.slack.com/archives/{CHANNEL}/p{board_ts(bot, meetup_id).replace('.', '')}"
    )
    assert f"<{permalink}|the summary>" in dms["UPROP2"][0]
    assert not bot.slack.calls_to("chat.postEphemeral")
    with bot.store.session() as db:
        spent = {t.id: t.discussed for t in db.query(CoffeeTopic).filter_by(meetup_id=closed.id)}
    assert spent == {golden: True, product: True, portals: True, roads: False}

    # ---- /coffee summary [date], privately ------------------------------------------------
    status, ack = bot.command("summary", user="U8", reply="sum")
    assert status == 200 and ack["text"] == "Working on it…"
    private = bot.reply("sum")
    assert private.params["response_type"] == "ephemeral"
    assert "Roman vote 2: 👍 0  👎 2  ✋ 0 → moved on" in shown(private)
    bot.command("summary 2026-03-24", user="U8", reply="sum2")
    assert "*2. Platform as a product*" in shown(bot.reply("sum2"))
    bot.command("summary 2026-03-10", user="U8", reply="sum3")
    assert bot.reply("sum3").params["text"] == "No lean coffee meeting was held here on 2026-03-10."
    bot.command("summary yesterday", user="U8", reply="sum4")
    assert bot.reply("sum4").params["text"] == (
        "I could not read “yesterday” as a date; try `/coffee summary 24 march` (or `last`)."
    )

    # ---- wgbot coffee export: Markdown for the meeting notes ---------------------------------
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    result = CliRunner().invoke(main, ["coffee", "export", CHANNEL, "--date", "2026-03-24"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("## Lean coffee, Tue 24 Mar, 16:00 GMT\n")
    assert "- **2\\. Platform as a product** · *member UPROP2* · 3 votes · 12 min" in result.output
    assert "  - *Takeaway:* \\<\\!channel\\> ping \\& \\<@U123\\> too" in result.output
    assert "- 4\\. Paved roads \\& guard rails" in result.output
    missing = CliRunner().invoke(main, ["coffee", "export", "CNOPE"])
    assert missing.exit_code != 0 and "No lean coffee is set up" in missing.output


def test_a_timebox_runs_out_once_across_two_clocks_and_a_restart(
    bot, coffee_settings, store, background
):
    import threading

    from tests.coffee.conftest import build

    meetup_id, _ = _meeting_begins(bot)
    facilitate(bot, meetup_id, mv.NEXT)
    _, other = build(coffee_settings, store, bot.clock, background)
    bot.clock.now += dt.timedelta(minutes=9)
    gate = threading.Barrier(2)

    def tick(clock) -> None:
        gate.wait()
        clock.tick()

    ticks = [
        threading.Thread(target=tick, args=(c,))
        for c in (bot.coffee.meetup_runner, other.meetup_runner)
    ]
    for t in ticks:
        t.start()
    for t in ticks:
        t.join(30)
    assert len(thread(bot, meetup_id)) == 1
    # a restart: a fresh app over the same database ticks, and posts nothing again
    _, restarted = build(coffee_settings, store, bot.clock, background)
    restarted.meetup_runner.tick()
    assert len(thread(bot, meetup_id)) == 1


@pytest.mark.slow
def test_racing_thumbs_count_once_a_person(bot):
    from concurrent.futures import ThreadPoolExecutor

    meetup_id, _ = _meeting_begins(bot)
    facilitate(bot, meetup_id, mv.NEXT)
    bot.clock.now += dt.timedelta(minutes=9)
    bot.coffee.meetup_runner.tick()
    (box,) = boxes(bot)
    clicks = [(f"UR{n % 30}", ("up", "down", "side")[n % 3]) for n in range(180)]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda c: thumb(bot, meetup_id, box.id, c[1], c[0]), clicks))
    assert statuses == [200] * len(clicks)
    bot.settle()
    assert bot.count(CoffeeRomanVote) == 30
    with bot.store.session() as db:
        rows = db.query(CoffeeRomanVote.user_id, CoffeeRomanVote.choice).all()
    # one row a person, holding one of their choices (their clicks raced each other)
    assert {u for u, _ in rows} == {u for u, _ in clicks}
    counts = {c: sum(1 for _, x in rows if x == c) for c in ("up", "down", "side")}
    shown_now = vote_message(bot, boxes(bot)[0].vote_ts)
    assert f"👍 {counts['up']}  👎 {counts['down']}  ✋ {counts['side']}" in shown_now


def test_start_by_hand_names_the_facilitator_and_the_last_topic_done_ends_it(bot):
    meetup_id, ids = bot.to_voting(TITLES[:2])
    bot.command("start", user="U9", reply="nope")
    assert bot.reply("nope").params["text"].startswith("Only organisers")
    answer = bot.organise("start")
    assert answer.params["text"] == "The meeting is on: the agenda in the channel is now the board."
    (s, upcoming) = bot.meetups()
    assert (s.state, s.meeting, s.facilitator) == ("closed", "running", ORGANISER)
    assert upcoming.state == "scheduled"
    assert "Facilitator: User UORG." in shown(board(bot, meetup_id))
    assert s.current_topic_id == ids[0]  # no votes: the first proposed goes first
    facilitate(bot, meetup_id, mv.DONE)
    assert "No topic yet" in shown(board(bot, meetup_id))
    facilitate(bot, meetup_id, mv.NEXT)
    facilitate(bot, meetup_id, mv.DONE)  # the last topic done: the meeting ends
    (s, upcoming) = bot.meetups()
    assert s.meeting == "ended"
    assert "No topic was discussed" not in shown(thread(bot, meetup_id)[-1])
    assert bot.topics(upcoming.id) == []  # everything was discussed: nothing carries


def test_a_series_can_set_its_timebox_and_extensions_and_keep_topics_behind(bot):
    answer = bot.organise(
        "schedule every 2 weeks tuesday 16:00 Europe/London timebox 10 extend 5,3 no-carry"
    )
    assert answer.params["text"].endswith(
        "; topics get 10 minutes, extensions 5 then 3 minutes; undiscussed topics are not "
        "carried over."
    )
    assert bot.organise("schedule timebox 61").params["text"] == (
        "A timebox is 1 to 60 minutes, e.g. timebox 8."
    )
    assert "is not an extension" in bot.organise("schedule extend 4,x").params["text"]
    bot.clock.now = MEETUP - dt.timedelta(days=3) + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    meetup_id = bot.meetup_id()
    bot.command("propose One", user="U1")
    bot.command("propose Two", user="U2")
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()
    bot.coffee.meetup_runner.tick()
    facilitate(bot, meetup_id, mv.NEXT)
    (box,) = boxes(bot)
    assert box.ends_at - box.starts_at == dt.timedelta(minutes=10)
    assert "Extend +5 min" in shown(board(bot, meetup_id))
    bot.organise("end")
    closed, upcoming = bot.meetups()
    assert closed.meeting == "ended" and bot.topics(upcoming.id) == []
    assert "*Not discussed (1)*\n• 2. Two" in shown(thread(bot, meetup_id)[-1])


@pytest.mark.slow
def test_every_board_fits_block_kit_with_forty_long_topics(bot):
    meetup_id = bot.to_collecting()
    title = ("Dev & Ops <&> " * 20)[:200]
    with bot.store.session() as db:
        for n in range(40):
            db.add(
                CoffeeTopic(
                    meetup_id=meetup_id, user_id=f"U{n:03d}", title=f"{n} {title}"[:200],
                    description="& " * 500, state="open", discussed=False,
                    created_at=bot.clock.now,
                )
            )  # fmt: skip
    bot.clock.now = MEETUP + dt.timedelta(minutes=1)
    bot.coffee.meetup_runner.tick()  # voting, then
    bot.coffee.meetup_runner.tick()
    with bot.store.session() as db:
        assert db.get(CoffeeMeetup, meetup_id).meeting == "running"
    for _ in range(3):
        facilitate(bot, meetup_id, mv.NEXT)
    now = board(bot, meetup_id)  # the fake Slack checked every limit as it was sent
    text = shown(now)
    assert len(now.params["blocks"]) <= 50
    for n in range(1, 41):
        assert f"*{n}.* " in text, n
    bot.organise("end")
    for page in thread(bot, meetup_id):
        assert len(page.params["blocks"]) <= 50
    summary = "\n".join(shown(page) for page in thread(bot, meetup_id))
    assert "*Not discussed (37), carried over to the next meetup*" in summary
    assert "• 40. 39 Dev &amp; Ops &lt;&amp;&gt;" in summary


def test_two_facilitators_clicking_next_at_once_move_the_meeting_one_step(bot):
    from concurrent.futures import ThreadPoolExecutor

    meetup_id, (_, product, _, _) = _meeting_begins(bot)
    value = buttons(board(bot, meetup_id))[mv.NEXT]
    bot.slack.users["UADMIN"] = {"is_admin": True}
    with ThreadPoolExecutor(2) as pool:
        statuses = list(
            pool.map(lambda u: bot.click(mv.NEXT, value, user=u), [ORGANISER, "UADMIN"] * 3)
        )
    assert statuses == [200] * 6
    bot.settle()
    (s, _) = bot.meetups()
    assert s.current_topic_id == product  # the first topic, once
    assert [(b.topic_id, b.round) for b in boxes(bot)] == [(product, 0)]
    notes = [c.params["text"] for c in bot.slack.calls_to("response_url")]
    assert notes.count("Someone moved the meeting on already; the board shows where it is.") == 5


def test_stale_or_forged_meeting_buttons_change_nothing_and_say_so(bot):
    meetup_id, _ = _meeting_begins(bot)
    for n, (action_id, value) in enumerate(
        (
            (mv.NEXT, "x:1"),
            (mv.DONE, f"{meetup_id}:"),
            (mv.EXTEND, f"{meetup_id}:999"),
            (mv.ROMAN, f"{meetup_id}:999:up"),
            (mv.ROMAN, "nonsense"),
            (mv.NOTE, f"{meetup_id}:abc"),
        )
    ):
        assert bot.click(action_id, value, user=ORGANISER, reply=f"r{n}") == 200
    bot.settle()
    answers = {c.path: c.params["text"] for c in bot.slack.calls_to("response_url")}
    assert all(answers.values()), answers
    stale = "That button is out of date; `/coffee` shows the next lean coffee."
    assert answers["/response/r0"] == answers["/response/r1"] == stale
    assert answers["/response/r2"].startswith("That timebox is settled")
    assert answers["/response/r3"] == "That vote is over; the board shows where the meeting is."
    assert answers["/response/r4"] == answers["/response/r5"] == stale
    assert boxes(bot) == [] and bot.count(CoffeeRomanVote) == 0
    assert bot.slack.calls_to("views.open") == []
    bad = submit_note(bot, f"{meetup_id}:999", "a takeaway")
    assert "errors" in bad.body and bot.count(CoffeeTakeaway) == 0


@pytest.mark.slow
def test_coffee_says_the_meeting_is_on(bot):
    meetup_id, _ = _meeting_begins(bot)
    _, ack = bot.command("", user="U1")
    assert ack["blocks"][0]["text"]["text"] == "*The meeting is on:* the board is in the channel."
    bot.organise("end")
    _, ack = bot.command("", user="U1")
    assert "The meeting is on" not in str(ack["blocks"])
    # the meeting ended with no topic discussed: the summary says so, and all four carry
    assert "No topic was discussed." in shown(thread(bot, meetup_id)[-1])
    assert len(bot.topics(bot.meetups()[-1].id)) == 4
