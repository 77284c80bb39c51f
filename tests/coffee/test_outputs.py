"""What lean coffee leaves behind, driven as Slack does: `/coffee summary` for the days people
write, the summary's lists and who took part, the Markdown for the notes (rendered as
CommonMark), voting's last call in the channel, vote bars on the agenda, `/coffee actions`
with its Done button, and what `/coffee` receives with should_escape on."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import yaml
from click.testing import CliRunner
from markdown_it import MarkdownIt
from sqlalchemy import select

from bot.cli import main
from bot.coffee import actions
from bot.coffee import meeting_views as mv
from bot.slack.blocks import SECTION_TEXT
from bot.store.models import CoffeeSeries, CoffeeTakeaway, CoffeeTopic
from tests.coffee.conftest import CHANNEL, MEETUP, ORGANISER, SCHEDULE, TEAM, build, shown
from tests.coffee.meeting_helpers import board, boxes, buttons, facilitate, submit_note, thumb
from tests.conftest import SIGNING_SECRET
from tests.support.requests import bolt_request, command_body

HOSTILE = "<!channel> *bold* [x](https://e.org) # h & 1. list <b>hi</b>"


def _ended_meeting(bot, notes: int = 0) -> int:
    """A meeting that ran and ended: topic 2 discussed (votes by U1-U3, a takeaway by UNOTE,
    an action by U5 owned by U6, a thumb by UTHUMB), topic 1 carried (voted for by UVOTER)."""
    meetup_id, (golden, product) = bot.to_voting(["Golden paths at scale", "Platform as a product"])
    for user in ("U1", "U2", "U3"):
        bot.vote(product, user)
    bot.vote(golden, "UVOTER")
    bot.move_to(MEETUP + dt.timedelta(minutes=1))
    assert bot.coffee.meetup_runner.tick() == 1
    facilitate(bot, meetup_id, mv.NEXT)
    note = buttons(board(bot, meetup_id))[mv.NOTE]
    assert submit_note(bot, note, HOSTILE, user="UNOTE").status == 200
    assert submit_note(bot, note, "Write the product brief", "U5", "action", "U6").status == 200
    for n in range(notes):
        submit_note(bot, note, f"Takeaway {n}: " + "we learnt a lot about paved roads. " * 13)
    bot.move_to(bot.clock.now + dt.timedelta(minutes=8, seconds=5))
    bot.coffee.meetup_runner.tick()
    (box,) = boxes(bot)
    thumb(bot, meetup_id, box.id, "up", "UTHUMB")
    assert bot.organise("end").params["text"].startswith("The meeting has ended")
    return meetup_id


def _summary(bot, words: str, user: str = "U8") -> str:
    name = f"sum-{abs(hash(words))}"
    status, ack = bot.command(f"summary {words}".strip(), user=user, reply=name)
    assert status == 200 and ack["text"] == "Working on it…"
    answer = bot.reply(name)
    assert answer.params["response_type"] == "ephemeral"
    return shown(answer)


# ---- 1. /coffee summary for the days people write ---------------------------------------------


def test_summary_takes_the_days_people_write_and_refuses_others_with_an_example(bot):
    bot.schedule()
    assert "No lean coffee meeting has ended here yet." in _summary(bot, "")
    _ended_meeting(bot)
    latest = _summary(bot, "")
    assert "*Lean coffee summary · " in latest and "*2. Platform as a product*" in latest
    for words in ("last", "24 march", "march 24", "2026-03-24", "24th Mar 2026", "Mar 24"):
        assert _summary(bot, words) == latest, words
    assert "No lean coffee meeting was held here on 25 March." in _summary(bot, "25 march")
    assert "No lean coffee meeting was held here on 2025-03-24." in _summary(bot, "2025-03-24")
    for words in ("yesterday", "31 february", "march", "24/03", "2026-13-01"):
        refusal = _summary(bot, words)
        assert "as a date; try `/coffee summary 24 march` (or `last`)." in refusal, words


# ---- 2 and 4. the summary's lists, as Slack draws them, and who took part ------------------------


def test_the_summary_lists_with_bullets_and_names_everyone_who_took_part_without_a_ping(bot):
    meetup_id = _ended_meeting(bot)
    for text in (shown(bot.posts()[-1]), _summary(bot, "last")):
        assert "Lean coffee summary" in text
        assert "\n- " not in text and "    - " not in text  # Slack shows "- " as a hyphen
        assert "• *2. Platform as a product* · _User UPROP2_ · 3 votes" in text
        assert "      ◦ Roman vote 1: 👍 1  👎 0  ✋ 0 → the meeting ended first" in text
        assert "      ◦ _Action:_ Write the product brief (owner: User U6)" in text
        assert "*Not discussed (1), carried over to the next meetup*\n• 1. Golden paths" in text
        # proposers, voters, the thumb and the note-takers; the owner only owns
        assert (
            "*Taking part (9):* User U1, User U2, User U3, User U5, User UNOTE, User UPROP1, "
            "User UPROP2, User UTHUMB, User UVOTER"
        ) in text
        assert "<@" not in text and "<!channel>" not in text
    assert meetup_id


# ---- 3. the Markdown, privately in Slack and on the server, rendered as CommonMark -------------


def _markdown_in(answer_text: str) -> str:
    """The Markdown the code blocks of an answer hold, as a person copies it."""
    chunks = re.findall(r"```(.*?)```", answer_text, flags=re.S)
    assert chunks, answer_text
    return html.unescape("\n".join(chunks)) + "\n"


def _html(markdown: str) -> str:
    return MarkdownIt("commonmark").render(markdown)


def test_markdown_in_slack_renders_as_the_nested_list_it_is_with_names(bot):
    _ended_meeting(bot)
    name = "md"
    bot.command("summary markdown 24 march", user="U8", reply=name)
    answer = bot.reply(name)
    assert answer.params["response_type"] == "ephemeral"
    text = shown(answer)
    assert "as Markdown*, for the meeting notes: copy it below." in text
    page = _html(_markdown_in(text))
    assert page.startswith("<h2>Lean coffee, Tue 24 Mar, 16:00 GMT</h2>\n<h3>Discussed</h3>\n<ul>")
    # one list item per topic, its votes and notes a list nested inside it
    item = re.search(r"<li><strong>2\. Platform as a product</strong>(.*?)</li>\n</ul>", page, re.S)
    assert item is not None, page
    inner = item.group(1)
    assert inner.startswith(" · <em>User UPROP2</em> · 3 votes · ")
    assert "\n<ul>\n<li>Roman vote 1: 👍 1 · 👎 0 · ✋ 0 → the meeting ended first</li>" in inner
    assert inner.endswith("<li><em>Action:</em> Write the product brief (owner: User U6)")
    # user text stays text: no link, heading, emphasis, ordered list or raw HTML of its own
    assert (
        "<li><em>Takeaway:</em> &lt;!channel&gt; *bold* [x](https://e.org) # h &amp; 1. list "
        "&lt;b&gt;hi&lt;/b&gt;</li>"
    ) in inner
    assert "<a " not in page and "<ol" not in page and "<b>" not in page
    assert (
        "<h3>Not discussed (1), carried over to the next meetup</h3>\n<ul>\n<li>1. Golden" in page
    )
    assert "<h3>Taking part (9)</h3>\n<p>User U1, User U2, User U3, User U5, User UNOTE," in page


def test_a_long_markdown_answer_is_split_into_code_blocks_and_cut_with_a_note(bot):
    _ended_meeting(bot, notes=30)
    bot.command("summary markdown", user="U8", reply="long")
    answer = bot.reply("long")
    blocks = answer.params["blocks"]
    code = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    code = [c for c in code if c.startswith("```")]
    assert len(code) >= 3 and all(len(c) <= SECTION_TEXT for c in code)
    assert "more lines did not fit one Slack message" in shown(answer)
    # each block ends at a whole line: every copied line is a whole list item
    for line in _markdown_in(shown(answer)).splitlines():
        assert line == "" or line.startswith(("#", "- ", "  - ")), line


def test_the_export_on_the_server_is_commonmark_with_a_readable_stand_in_for_names(
    bot, db_url, monkeypatch
):
    _ended_meeting(bot)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    result = CliRunner().invoke(main, ["coffee", "export", CHANNEL, "--date", "24 march"])
    assert result.exit_code == 0, result.output
    page = _html(result.output)
    assert "<li><strong>2. Platform as a product</strong> · <em>member UPROP2</em>" in page
    assert "(owner: member U6)</li>" in page
    refused = CliRunner().invoke(main, ["coffee", "export", CHANNEL, "--date", "someday"])
    assert refused.exit_code != 0 and "try `/coffee summary 24 march`" in refused.output


# ---- 5. voting's last call ---------------------------------------------------------------------


def _last_calls(bot) -> list[str]:
    return [shown(p) for p in bot.posts() if p.params["text"].startswith("Voting closes")]


def test_voting_last_call_goes_once_an_hour_before_with_the_count_and_no_dms(
    bot, coffee_settings, store, background
):
    _, (golden, product) = bot.to_voting(["Golden paths", "Platform"])
    bot.vote(golden, "U1")
    bot.vote(product, "U1")
    bot.vote(product, "U2")
    bot.move_to(MEETUP - dt.timedelta(minutes=61))
    bot.coffee.meetup_runner.tick()
    assert _last_calls(bot) == []
    bot.move_to(MEETUP - dt.timedelta(minutes=60))
    _, other = build(coffee_settings, store, bot.clock, background)  # a second process
    bot.coffee.meetup_runner.tick()
    other.meetup_runner.tick()
    bot.coffee.meetup_runner.tick()
    (call,) = _last_calls(bot)
    assert call.startswith("Voting closes in 1 hour: 2 people have voted so far.")
    (post,) = [p for p in bot.posts() if p.params["text"].startswith("Voting closes")]
    assert post.params["channel"] == CHANNEL and "thread_ts" not in post.params
    assert bot.dms() == {}
    assert bot.meetups()[0].closing_reminded


def test_no_last_call_when_voting_is_shorter_than_two_hours_or_already_over(bot):
    bot.to_collecting(SCHEDULE.replace("vote 24h", "vote 1h"))
    bot.command("propose Golden paths", user="UPROP1")
    bot.move_to(MEETUP - dt.timedelta(minutes=30))
    assert bot.coffee.meetup_runner.tick() == 1  # voting opens, an hour before the start
    bot.coffee.meetup_runner.tick()
    bot.move_to(MEETUP + dt.timedelta(minutes=1))
    bot.coffee.meetup_runner.tick()
    assert _last_calls(bot) == []


def test_a_bot_back_within_the_last_hour_says_the_minutes_left(bot):
    bot.to_voting(["Golden paths"])
    bot.move_to(MEETUP - dt.timedelta(minutes=10))
    bot.coffee.meetup_runner.tick()
    assert _last_calls(bot)[0].startswith("Voting closes in 10 minutes: nobody has voted yet.")


# ---- 6. vote bars on the agenda ------------------------------------------------------------------


def test_the_agenda_draws_votes_as_bars_to_scale(bot):
    _, (golden, product, _portals) = bot.to_voting(
        ["Golden paths", "Platform", "Portals"], text=SCHEDULE + " votes 20 multi"
    )
    for n in range(20):
        bot.vote(product, f"UV{n}")
    for n in range(5):
        bot.vote(golden, f"UV{n}")
    bot.move_to(MEETUP - dt.timedelta(minutes=1))
    bot.organise("close")
    agenda = next(p for p in bot.posts() if p.params["text"].startswith("Lean coffee agenda"))
    text = shown(agenda)
    assert "*2.* Platform · ▇▇▇▇▇▇▇▇▇▇ *20* votes · _User UPROP2_" in text
    assert "*1.* Golden paths · ▇▇▇ *5* votes · _User UPROP1_" in text  # 5 of 20: 2.5 -> 3
    assert "*3.* Portals · *0* votes · _User UPROP3_" in text


# ---- 7. actions that outlive the meeting ---------------------------------------------------------


def _click_done(bot, value: str, user: str, name: str):
    assert bot.click(actions.DONE, value, user=user, reply=name) == 200
    return bot.reply(name)


def test_open_actions_are_listed_privately_and_marked_done_by_their_owner_or_an_organiser(bot):
    _ended_meeting(bot)
    bot.command("actions", user="U9", reply="list")
    listed = bot.reply("list")
    assert listed.params["response_type"] == "ephemeral"
    text = shown(listed)
    assert "*1 open action from past lean coffees*" in text
    assert "• _Action:_ Write the product brief\n      Owner: *User U6* · " in text
    assert "Platform as a product" in text and HOSTILE not in text  # takeaways stay out
    (done,) = [
        b["accessory"]["value"] for b in listed.params["blocks"] if "accessory" in b
    ]  # one Done button
    refused = _click_done(bot, done, "U9", "nope")
    assert refused.params["text"] == "Only the action's owner or an organiser can mark it done."
    assert refused.params["replace_original"] is False
    with bot.store.session() as db:
        assert db.get(CoffeeTakeaway, int(done)).done_at is None
    marked = _click_done(bot, done, "U6", "yes")
    assert marked.params["replace_original"] is True
    assert "Marked done." in shown(marked) and "No open actions" in shown(marked)
    again = _click_done(bot, done, ORGANISER, "again")
    assert "That one was marked done already." in shown(again)
    with bot.store.session() as db:
        row = db.get(CoffeeTakeaway, int(done))
        assert (row.done_by, row.done_at is not None) == ("U6", True)


def test_an_organiser_marks_anyones_action_and_a_stale_button_is_answered(bot):
    _ended_meeting(bot)
    with bot.store.session() as db:
        action = db.scalar(select(CoffeeTakeaway.id).where(CoffeeTakeaway.kind == "action"))
    marked = _click_done(bot, str(action), ORGANISER, "org")
    assert "Marked done." in shown(marked)
    gone = _click_done(bot, "999999", ORGANISER, "gone")
    assert gone.params["text"] == "That action is gone."
    bot.command("actions", user="U9", reply="none")
    assert "No open actions from past lean coffees here" in shown(bot.reply("none"))


# ---- 8. /coffee with should_escape on ------------------------------------------------------------


def test_people_channels_links_and_specials_picked_in_a_topic_show_as_words_never_pings(bot):
    bot.to_collecting()
    # exactly as Slack sends it with should_escape on; the last "<!channel>" was typed as text
    raw = (
        "propose Ask <@U123|alice> and <@U456> in <#C999|ops> about "
        "<https://x.org/a?b=1&amp;c=2|the doc> and <https://y.org> <!here> <!channel> "
        "<!subteam^S1|@platform> by <!date^1774368000^{date_short}|24 Mar> &lt;!channel&gt; "
        "<mailto:wg@example.org|wg@example.org>"
    )
    body = command_body(
        "/coffee", raw, user_id="UPROP1", team_id=TEAM, as_typed=False,
        response_url=bot.slack.response_url("esc"),
    )  # fmt: skip
    response = bot.app.dispatch(bolt_request(SIGNING_SECRET, body))
    ack = json.loads(response.body)
    assert ack["text"].startswith("Added"), ack
    (topic,) = bot.topics()
    assert topic.title == (
        "Ask @alice and @U456 in #ops about the doc (https://x.org/a?b=1&c=2) and https://y.org "
        "here channel platform by 24 Mar <!channel> wg@example.org"
    )
    drawn = shown(bot.updates()[-1])
    assert "the doc (https://x.org/a?b=1&amp;c=2)" in drawn and "&lt;!channel&gt;" in drawn
    for ping in ("<@", "<!here", "<!channel", "<#", "<!subteam"):
        assert ping not in drawn.replace("<!date^", "")
    with bot.store.session() as db:
        assert db.scalar(select(CoffeeTopic.title)) == topic.title


def test_a_series_reminder_in_the_last_hour_stands_in_for_the_last_call_with_the_count(bot):
    _, (golden,) = bot.to_voting(["Golden paths"], text=SCHEDULE + " remind 1h")
    bot.vote(golden, "U1")
    bot.move_to(MEETUP - dt.timedelta(minutes=59))
    bot.coffee.meetup_runner.tick()
    bot.coffee.meetup_runner.tick()
    assert _last_calls(bot) == []
    (reminder,) = [p for p in bot.posts() if p.params["text"].startswith("Lean coffee starts")]
    assert "cast your votes above (1 person has voted so far)." in reminder.params["text"]


def test_the_manifest_asks_slack_to_escape_coffee_and_a_picked_meeting_link_still_reads(bot):
    manifest = yaml.safe_load((Path(__file__).parents[2] / "manifest.yml").read_text())
    (coffee,) = [c for c in manifest["features"]["slash_commands"] if c["command"] == "/coffee"]
    assert coffee["should_escape"] is True
    # a link typed in `/coffee schedule` arrives in Slack's brackets, and is the link
    raw = SCHEDULE + " link <https://zoom.us/j/123?pwd=a&amp;b=c>"
    body = command_body(
        "/coffee", raw, user_id=ORGANISER, team_id=TEAM, as_typed=False,
        response_url=bot.slack.response_url("link"),
    )  # fmt: skip
    assert bot.app.dispatch(bolt_request(SIGNING_SECRET, body)).status == 200
    assert "meeting link https://zoom.us/j/123?pwd=a&amp;b=c" in bot.reply("link").params["text"]
    with bot.store.session() as db:
        assert db.scalar(select(CoffeeSeries.link)) == "https://zoom.us/j/123?pwd=a&b=c"
