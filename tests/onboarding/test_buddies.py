"""Volunteer buddies: organisers keep the list with `/welcome buddies add|remove|list` (people
arrive escaped, as `<@U…|name>`, since the command's should_escape is on); each newcomer is
paired with the next buddy in turn when their welcome is owed, named in the welcome, and the
buddy gets one DM introducing them. With no buddies nothing changes."""

from __future__ import annotations

import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from sqlalchemy import select

from bot.onboarding import views
from bot.store import Store
from bot.store.models import BuddyPair
from tests.blocks import all_text, assert_valid_blocks
from tests.conftest import DB_TIMEOUT, SIGNING_SECRET
from tests.onboarding.conftest import (
    CHANNEL,
    ORGANISER,
    TEAM,
    Onboarding,
    channel_join,
    dm_of,
    joined,
)
from tests.support.requests import bolt_request

ANN, BOB = "U0ANN", "U0BOB"  # volunteers


def buddies_command(ob: Onboarding, slack, text: str, user_id: str = ORGANISER, name: str = "r"):
    """`/welcome <text>` with `text` exactly as Slack sends it when should_escape is on;
    returns the ack's body and the answer that followed through response_url (or None)."""
    before = len(slack.calls_to("response_url"))
    response, ack = ob.command(
        text, user_id=user_id, response_url=slack.response_url(name), as_typed=False
    )
    assert response.status == 200
    ob.settle()
    answers = slack.calls_to("response_url")[before:]
    return ack, (answers[0].params["text"] if answers else None)


def pairs(ob: Onboarding) -> dict[str, str]:
    with ob.store.session() as s:
        return {p.newcomer_id: p.buddy_id for p in s.scalars(select(BuddyPair))}


def intros(slack) -> list[tuple[str, str]]:
    """(DM channel, text) of each buddy introduction that reached Slack."""
    return [
        (c.params["channel"], c.params["text"])
        for c in slack.calls_to("chat.postMessage")
        if "you are their buddy" in c.params["text"]
    ]


def test_without_buddies_nobody_is_paired_and_the_welcome_names_no_buddy(ob, slack):
    ack, answer = buddies_command(ob, slack, "buddies list")
    assert ack == {}  # nothing left behind: the answer follows
    assert answer is not None and "No buddies yet" in answer
    ob.join("U0NEW", "New")
    ob.drain()
    (post,) = slack.calls_to("chat.postMessage")
    assert "buddy" not in all_text(post.params["blocks"]).lower()
    assert pairs(ob) == {} and ob.rows(kind="buddy_intro") == []


def test_newcomers_are_paired_in_turn_named_in_the_welcome_and_each_buddy_is_introduced_once(
    ob, slack
):
    _, answer = buddies_command(ob, slack, f"buddies add <@{ANN}|ann> <@{BOB}>")
    assert answer is not None
    assert f"<@{ANN}> is now a buddy." in answer and f"<@{BOB}> is now a buddy." in answer
    _, again = buddies_command(ob, slack, f"buddies add <@{ANN}|ann>", name="r2")
    assert again is not None and f"<@{ANN}> was one already." in again

    for user in ("U0N1", "U0N2", "U0N3"):
        ob.join(user, f"Newcomer {user}")
    # duplicates and the other trigger pair nobody again
    ob.join("U0N1", "Newcomer U0N1")
    ob.event(channel_join("U0N2", CHANNEL))
    assert pairs(ob) == {"U0N1": ANN, "U0N2": BOB, "U0N3": ANN}
    assert [(r.user_id, r.scope) for r in ob.rows(kind="buddy_intro")] == [
        (ANN, "buddy:U0N1"),
        (BOB, "buddy:U0N2"),
        (ANN, "buddy:U0N3"),
    ]

    ob.drain()
    ob.drain()  # nothing more
    welcomes = {
        c.params["channel"]: all_text(c.params["blocks"])
        for c in slack.calls_to("chat.postMessage")
        if c.params.get("blocks") and c.params["blocks"][0]["type"] == "header"
    }
    assert f"*Your buddy:* <@{ANN}>" in welcomes[dm_of("U0N1")]
    assert f"*Your buddy:* <@{BOB}>" in welcomes[dm_of("U0N2")]
    for post in slack.calls_to("chat.postMessage"):
        assert_valid_blocks(post.params["blocks"])
    # one introduction per newcomer, to their own buddy
    assert sorted((ch, text.split(" ", 1)[0]) for ch, text in intros(slack)) == [
        (dm_of(ANN), "<@U0N1>"),
        (dm_of(ANN), "<@U0N3>"),
        (dm_of(BOB), "<@U0N2>"),
    ]
    assert all("has just joined WG-Platforms" in text for _, text in intros(slack))

    # organisers see each newcomer's buddy on the Home
    ob.event({"type": "app_home_opened", "user": ORGANISER, "channel": dm_of(ORGANISER)})
    (publish,) = slack.wait_for("views.publish")
    home = all_text(publish.params["view"]["blocks"])
    assert "• *Newcomer U0N2* · welcomed <!date^" in home
    assert [line.rsplit(" · ", 1)[1] for line in home.splitlines() if "*Newcomer" in line] == [
        f"buddy <@{ANN}>",
        f"buddy <@{BOB}>",
        f"buddy <@{ANN}>",
    ]

    _, listed = buddies_command(ob, slack, "buddies list", user_id="U0N1", name="r3")
    assert listed is not None
    assert f"<@{BOB}> (1 newcomer), <@{ANN}> (2 newcomers)" in listed


def test_a_removed_buddy_gets_no_more_newcomers_and_theirs_keep_them(ob, slack):
    buddies_command(ob, slack, f"buddies add <@{ANN}|ann> <@{BOB}|bob>")
    ob.join("U0N1", "One")
    _, answer = buddies_command(ob, slack, f"buddies remove <@{ANN}|ann>", name="r2")
    assert answer is not None and f"<@{ANN}> is no longer a buddy" in answer
    ob.join("U0N2", "Two")
    ob.join("U0N3", "Three")
    assert pairs(ob) == {"U0N1": ANN, "U0N2": BOB, "U0N3": BOB}
    _, gone = buddies_command(ob, slack, f"buddies remove <@{ANN}|ann>", name="r3")
    assert gone is not None and f"<@{ANN}> was not a buddy." in gone


def test_only_organisers_add_or_remove_but_anyone_lists(ob, slack):
    slack.users["U0EVE"] = {"is_admin": False, "is_owner": False}
    _, refused = buddies_command(ob, slack, f"buddies add <@{ANN}|ann>", user_id="U0EVE")
    assert refused is not None and refused.startswith("Only organisers can add or remove")
    _, listed = buddies_command(ob, slack, "buddies list", user_id="U0EVE", name="r2")
    assert listed is not None and "No buddies yet" in listed
    ob.join("U0NEW", "New")
    assert pairs(ob) == {}


def test_escaped_things_that_are_not_people_are_named_plainly_and_ping_nobody(ob, slack):
    for text in (
        "buddies add <!here>",
        "buddies add <#C0GEN|general>",
        "buddies add <https://example.org/x?a=1&amp;b=2|my page>",
        "buddies add <!subteam^S0OPS|@ops>",
        "buddies add",
    ):
        ack, answer = buddies_command(ob, slack, text)
        assert answer is None  # answered at once, nothing stored
        said = ack["text"]
        assert "needs a person" in said
        assert "<!" not in said and "<#" not in said and "<https" not in said, said
    ack, _ = buddies_command(ob, slack, "buddies add <!here>")
    assert "“here” is not a person" in ack["text"]
    ack, _ = buddies_command(ob, slack, "buddies add <#C0GEN|general> &lt;b&gt;")
    assert "“#general &lt;b&gt;” is not a person" in ack["text"]
    ack, _ = buddies_command(ob, slack, "buddies hire <!channel>")
    assert ack["text"].startswith("I don't know `buddies hire`")
    assert pairs(ob) == {}
    # the other /welcome words still work with escaping on
    ack, _ = buddies_command(ob, slack, "<!here>")
    assert "<!here>" not in json.dumps(ack) and "buddies list" in ack["text"]


def test_two_processes_racing_on_the_same_joins_pair_each_newcomer_once_and_in_turn(
    ob, make_onboarding_app, db_url, slack
):
    buddies_command(ob, slack, f"buddies add <@{ANN}|ann> <@{BOB}|bob>")
    other_store = Store(db_url, timeout=DB_TIMEOUT)
    try:
        other = make_onboarding_app(on=other_store, clock=ob.clock)
        users = [f"U0RACE{i:02d}" for i in range(8)]
        bodies = [joined(u, f"Racer {u}") for u in users]
        barrier = threading.Barrier(2)

        def deliver(app_index: int) -> None:
            target = (ob, other)[app_index]
            for body in bodies:
                barrier.wait(timeout=10)
                assert target.post_event(body).status == 200

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(deliver, [0, 1]))
        paired = pairs(ob)
        assert sorted(paired) == users
        assert Counter(paired.values()) == {ANN: 4, BOB: 4}
        rows = ob.rows(kind="buddy_intro")
        assert sorted(r.scope for r in rows) == [f"buddy:{u}" for u in users]
        assert {(r.scope, r.user_id) for r in rows} == {
            (f"buddy:{u}", b) for u, b in paired.items()
        }
    finally:
        other_store.dispose()


def test_a_buddy_hears_of_a_newcomer_only_once_their_welcome_went_out(ob, slack):
    """A channel joiner is known only at delivery: one that turns out to be a bot gets no
    welcome, and its buddy no introduction (it expires unsent); a real person's comes after
    their welcome."""
    buddies_command(ob, slack, f"buddies add <@{ANN}|ann>")
    slack.users["U0BOT"] = {"is_bot": True}
    ob.event(channel_join("U0BOT", CHANNEL))
    ob.event(channel_join("U0PAT", CHANNEL))
    assert pairs(ob) == {"U0BOT": ANN, "U0PAT": ANN}
    ob.drain()
    assert ob.row("U0BOT").state == "skipped"  # a bot: no welcome
    assert [text.split(" ", 1)[0] for _, text in intros(slack)] == ["<@U0PAT>"]
    (waiting,) = [r for r in ob.rows(kind="buddy_intro") if r.state == "pending"]
    assert waiting.scope == "buddy:U0BOT"
    ob.clock.advance(days=31)
    ob.drain()
    assert ob.row(ANN, scope="buddy:U0BOT").state == "skipped"
    assert len(intros(slack)) == 1
    _, listed = buddies_command(ob, slack, "buddies list", name="r2")
    assert listed is not None and f"<@{ANN}> (1 newcomer)" in listed


def pick_body(user_id: str, picked: str, response_url: str) -> str:
    """A users_select choice in the ephemeral answer to /welcome buddies, as Slack sends it."""
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower()},
        "api_app_id": "A0WGBOT",
        "token": "legacy-unused",
        "container": {
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": "C0WGPLAT",
            "is_ephemeral": True,
        },
        "trigger_id": "1337.42.pick",
        "team": {"id": TEAM, "domain": "cloud-native"},
        "channel": {"id": "C0WGPLAT", "name": "wg-platforms"},
        "response_url": response_url,
        "actions": [
            {
                "type": "users_select",
                "action_id": views.BUDDY_PICK,
                "block_id": "buddy_pick",
                "selected_user": picked,
                "action_ts": "1700000001.000200",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def test_organisers_may_pick_a_buddy_with_a_user_picker(ob, slack):
    before = len(slack.calls_to("response_url"))
    ob.command("buddies list", user_id=ORGANISER, response_url=slack.response_url("l"))
    (answer,) = slack.wait_for("response_url", before + 1)[before:]
    assert_valid_blocks(answer.params["blocks"])
    (picker,) = answer.params["blocks"][-1]["elements"]
    assert (picker["type"], picker["action_id"]) == ("users_select", views.BUDDY_PICK)

    response = ob.app.dispatch(
        bolt_request(SIGNING_SECRET, pick_body(ORGANISER, ANN, slack.response_url("p")))
    )
    assert response.status == 200
    (shown,) = slack.wait_for("response_url", before + 2)[before + 1 :]
    assert shown.params["replace_original"] is True
    assert f"<@{ANN}> is now a buddy." in shown.params["text"]
    ob.join("U0NEW", "New")
    assert pairs(ob) == {"U0NEW": ANN}


def test_anyone_else_gets_no_picker_and_a_pick_changes_nothing(ob, slack):
    slack.users["U0EVE"] = {"is_admin": False, "is_owner": False}
    _, listed = buddies_command(ob, slack, "buddies list", user_id="U0EVE")
    assert listed is not None and "No buddies yet" in listed
    (answer,) = slack.calls_to("response_url")
    assert all(b["type"] != "actions" for b in answer.params["blocks"])
    response = ob.app.dispatch(
        bolt_request(SIGNING_SECRET, pick_body("U0EVE", ANN, slack.response_url("p")))
    )
    assert response.status == 200
    refused = slack.wait_for("response_url", 2)[1]
    assert refused.params["text"] == "Only organisers can add or remove buddies."
    ob.join("U0NEW", "New")
    assert pairs(ob) == {}


def test_a_new_buddy_joins_the_round_without_a_backlog_of_turns(ob, slack):
    buddies_command(ob, slack, f"buddies add <@{ANN}|ann> <@{BOB}|bob>")
    ob.join("U0N1", "One")
    ob.join("U0N2", "Two")
    ob.clock.advance(minutes=1)
    buddies_command(ob, slack, "buddies add <@U0CAT|cat>", name="r2")
    for user in ("U0N3", "U0N4", "U0N5", "U0N6"):
        ob.join(user, user)
    assert [pairs(ob)[u] for u in ("U0N1", "U0N2", "U0N3", "U0N4", "U0N5", "U0N6")] == [
        ANN,
        BOB,
        ANN,
        "U0CAT",
        BOB,
        ANN,
    ]
