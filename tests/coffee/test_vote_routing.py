"""A vote click is an app.action listener: a global middleware registered after the app's
assembly still sees it on its way, and the vote it records is in the database when the ack
goes out."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import BoltRequest, BoltResponse

from bot.coffee import views
from tests.coffee.conftest import Bot


def test_a_vote_click_goes_through_the_middleware_chain_to_its_listener(bot: Bot):
    meetup_id, topic_ids = bot.to_voting(["Golden paths", "Team topologies"])
    seen: list[str] = []

    def noted(req: BoltRequest, next: Callable[[], BoltResponse]) -> None:
        actions = req.body.get("actions") or [{}]
        seen.append(actions[0].get("action_id", ""))
        next()

    bot.app.use(noted)
    assert bot.vote(topic_ids[1], "UVOTER") == 200
    assert seen == [views.VOTE]
    assert bot.votes_by_user() == {"UVOTER": 1}  # recorded before the ack
    assert bot.click(views.UNVOTE, f"{meetup_id}:{topic_ids[1]}", "UVOTER") == 200
    assert seen == [views.VOTE, views.UNVOTE]
    assert bot.votes_by_user() == {}
