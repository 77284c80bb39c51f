"""An event the bot could not record is answered with an error, so Slack delivers it again."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from tests.onboarding.conftest import Onboarding, newcomer, team_join


def test_a_join_that_could_not_be_stored_is_not_acknowledged_and_its_retry_welcomes(
    ob: Onboarding, monkeypatch
):
    owe = ob.feature.owe_welcome

    def database_down(*args, **kwargs):
        raise OperationalError("INSERT INTO dm_outbox", {}, Exception("connection refused"))

    monkeypatch.setattr(ob.feature, "owe_welcome", database_down)
    first = ob.event(team_join(newcomer("U0RETRY", "Ret")))
    assert first.status >= 500  # Slack retries a non-2xx answer
    assert ob.rows() == []
    monkeypatch.setattr(ob.feature, "owe_welcome", owe)
    retry = ob.event(team_join(newcomer("U0RETRY", "Ret")), headers={"X-Slack-Retry-Num": "1"})
    assert retry.status == 200
    ob.drain()
    assert [r.state for r in ob.rows(user_id="U0RETRY")] == ["sent"]
