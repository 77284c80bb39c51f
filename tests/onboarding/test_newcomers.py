"""Only real newcomers are welcomed: invitations wait for the join, other organisations and
workflow bots get nothing, Enterprise Grid colleagues do. Real payloads (tests/payloads), over
signed HTTP and over Socket Mode."""

from __future__ import annotations

import datetime as dt

from bot.onboarding.newcomers import INVITED
from bot.onboarding.outbox import INVITE_RECHECK, INVITE_WAIT
from tests.blocks import all_text
from tests.onboarding.conftest import CHANNEL, T0, TEAM, dm_of
from tests.payloads import load

SPENGLER = "W012A3CDE"  # the person in the team_join payloads


def test_an_invitation_is_welcomed_only_once_the_person_has_joined(ob, slack, transport):
    invited = load("team_join_invited")
    assert invited.event["user"]["is_invited_user"] is True
    ob.send(invited, transport)
    row = ob.row(SPENGLER)
    # owed, but not yet: no name, so the sender will ask users.info whether they have joined
    assert (row.state, row.name, row.scope, row.body) == ("pending", "", "first", "workspace")
    assert row.due_at == T0 + INVITE_RECHECK
    assert ob.drain() == 0 and ob.sent() == []

    # an hour later they still have not accepted: looked at, not welcomed, no attempt used
    slack.users[SPENGLER] = {"is_invited_user": True}
    ob.clock.advance(hours=1)
    assert ob.drain() == 1
    assert [c.method for c in ob.sent()] == ["users.info"]
    row = ob.row(SPENGLER)
    assert (row.state, row.attempts, row.last_error) == ("pending", 0, INVITED)
    assert row.due_at == T0 + 2 * INVITE_RECHECK
    assert ob.drain() == 0  # nothing is due before then

    # they accept: the next look welcomes them
    slack.users[SPENGLER] = {"is_invited_user": False, "profile": {"display_name": "spengler"}}
    ob.clock.advance(hours=1)
    assert ob.drain() == 1
    (post,) = slack.calls_to("chat.postMessage")
    assert post.params["channel"] == dm_of(SPENGLER)
    assert "Hi spengler!" in all_text(post.params["blocks"])
    row = ob.row(SPENGLER)
    assert (row.state, row.attempts, row.name) == ("sent", 1, "spengler")


def test_the_join_after_an_invitation_sends_the_welcome_at_once(ob, slack, transport):
    nudges: list[str] = []
    ob.feature.sender.nudge = lambda: nudges.append("drain now")
    ob.send(load("team_join_invited"), transport)
    assert nudges == []  # nothing is due: no point waking the sender
    joined = load("team_join")
    assert not joined.event["user"].get("is_invited_user")
    ob.send(joined, transport)
    assert nudges == ["drain now"]
    row = ob.row(SPENGLER)
    assert (row.state, row.due_at) == ("pending", T0)
    assert ob.drain() == 1
    assert [c.method for c in ob.sent()] == ["users.info", "conversations.open", "chat.postMessage"]
    # the same join delivered again (a retry) is not a second welcome
    ob.send(joined.but_event(), transport)
    assert ob.drain() == 0
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_an_invitation_never_accepted_is_given_up(ob, slack):
    ob.send(load("team_join_invited"))
    slack.users[SPENGLER] = {"is_invited_user": True}
    ob.clock.advance(seconds=(INVITE_WAIT + dt.timedelta(minutes=1)).total_seconds())
    assert ob.drain() == 1
    row = ob.row(SPENGLER)
    assert (row.state, row.last_error) == ("skipped", "invited, never joined")
    assert slack.calls_to("conversations.open") == [] and slack.calls_to("chat.postMessage") == []
    ob.clock.advance(days=1)
    assert ob.drain() == 0


def test_a_channel_join_by_someone_still_invited_waits_for_them(ob, slack, transport):
    joined = load("member_joined_channel")
    user_id = joined.event["user"]
    slack.users[user_id] = {"is_invited_user": True}
    ob.send(joined, transport)
    assert ob.drain() == 1
    row = ob.row(user_id)
    assert (row.scope, row.state, row.last_error) == ("first", "pending", INVITED)
    assert row.body == f"channel:{CHANNEL}"  # the trigger that owed it
    assert slack.calls_to("chat.postMessage") == []
    slack.users[user_id] = {"is_invited_user": False}
    ob.clock.advance(hours=1)
    assert ob.drain() == 1
    (post,) = slack.calls_to("chat.postMessage")
    assert post.params["channel"] == dm_of(user_id)
    assert ob.row(user_id).state == "sent"


def test_a_member_of_another_organisation_joining_a_welcome_channel_gets_nothing(
    ob, slack, transport
):
    joined = load("member_joined_channel_slack_connect")
    user_id = joined.event["user"]
    # users.info of a Slack Connect partner: their own organisation's team
    slack.users[user_id] = {"team_id": "T0PARTNER", "profile": {"team": "T0PARTNER"}}
    ob.send(joined, transport)
    row = ob.row(user_id)
    assert row.team_id == TEAM  # the row belongs to the bot's workspace, not the partner's
    asked = len(slack.calls_to("auth.test"))  # Bolt's own, authorising the request
    assert ob.drain() == 1
    row = ob.row(user_id)
    assert (row.state, row.last_error) == ("skipped", "from another organisation")
    assert slack.calls_to("conversations.open") == [] and slack.calls_to("chat.postMessage") == []
    # whether the bot is on Enterprise Grid (it is not) was asked once, and is remembered
    assert len(slack.calls_to("auth.test")) == asked + 1
    slack.users["W0PARTNER2"] = {"team_id": "T0PARTNER"}
    ob.send(joined.but_event(user="W0PARTNER2"), transport)
    assert ob.drain() == 1
    assert (ob.row("W0PARTNER2").state, len(slack.calls_to("auth.test"))) == ("skipped", asked + 1)


def test_a_team_join_carrying_another_organisations_user_records_nothing(ob, slack, transport):
    joined = load("team_join")
    stranger = {**joined.event["user"], "team_id": "T0PARTNER", "id": "W0PARTNER3"}
    ob.send(joined.but_event(user=stranger), transport)
    assert ob.rows() == []
    assert ob.drain() == 0 and ob.sent() == []


def test_enterprise_grid_colleagues_are_newcomers_and_other_grids_are_not(
    make_onboarding_app, slack, transport
):
    slack.enterprise_id = "E0GRID"  # auth.test: this workspace belongs to the E0GRID org
    ob = make_onboarding_app()
    colleague = load("team_join_grid_colleague")
    assert colleague.event["user"]["team_id"] != TEAM
    ob.send(colleague, transport)
    assert ob.row(SPENGLER).name == "spengler"  # decided from the event: no lookup needed

    # channel joins: users.info shows the home workspace, and the organisation
    slack.users["W0SISTER"] = {
        "team_id": "T0SISTER",
        "enterprise_user": {"id": "W0SISTER", "enterprise_id": "E0GRID", "teams": ["T0SISTER"]},
    }
    slack.users["W0ORGWIDE"] = {"team_id": "E0GRID"}  # an org-level user reports the org
    slack.users["W0ELSEWHERE"] = {
        "team_id": "T0THEIRS",
        "enterprise_user": {"id": "W0ELSEWHERE", "enterprise_id": "E0THEIRS"},
    }
    joined = load("member_joined_channel")
    for user_id in ("W0SISTER", "W0ORGWIDE", "W0ELSEWHERE"):
        ob.send(joined.but_event(user=user_id), transport)
    assert ob.drain() == 4
    states = {r.user_id: (r.state, r.last_error) for r in ob.rows()}
    assert states == {
        SPENGLER: ("sent", ""),
        "W0SISTER": ("sent", ""),
        "W0ORGWIDE": ("sent", ""),
        "W0ELSEWHERE": ("skipped", "from another organisation"),
    }
    posted = sorted(c.params["channel"] for c in slack.calls_to("chat.postMessage"))
    assert posted == sorted(dm_of(u) for u in (SPENGLER, "W0SISTER", "W0ORGWIDE"))


def test_workflow_bots_are_not_welcomed(ob, slack, transport):
    workflow = load("team_join_workflow_bot")
    user = workflow.event["user"]
    assert (user["is_workflow_bot"], user["is_bot"]) == (True, False)
    ob.send(workflow, transport)
    assert ob.rows() == []

    slack.users[user["id"]] = {"is_workflow_bot": True, "is_bot": False}
    ob.send(load("member_joined_channel").but_event(user=user["id"]), transport)
    assert ob.drain() == 1
    row = ob.row(user["id"])
    assert (row.state, row.last_error) == ("skipped", "a workflow bot")
    assert [c.method for c in ob.sent()] == ["users.info"]


def test_app_users_are_still_welcomed(ob, slack, transport):
    """is_app_user marks a person who authorised an app, not a bot."""
    joined = load("team_join")
    ob.send(joined.but_event(user={**joined.event["user"], "is_app_user": True}), transport)
    assert ob.drain() == 1
    (post,) = slack.calls_to("chat.postMessage")
    assert post.params["channel"] == dm_of(SPENGLER)


def test_an_invited_guest_waits_when_guests_are_welcomed_and_gets_nothing_otherwise(
    make_onboarding_app, slack
):
    guest = {**load("team_join_invited").event["user"], "is_restricted": True}
    ob = make_onboarding_app()
    ob.send(load("team_join_invited").but_event(user=guest))
    assert ob.rows() == []  # a guest, whether or not they have joined yet

    ob = make_onboarding_app(welcome_guests=True)
    ob.send(load("team_join_invited").but_event(user=guest))
    assert ob.row(SPENGLER).state == "pending"
    assert ob.drain() == 0
