"""Three `wgbot serve` replicas on one PostgreSQL database and no clock process: they migrate an
empty database once, elect one clock, and when its holder is killed mid-delivery another takes
over; every newcomer gets one DM, the one being posted at the kill is `unknown` until the new
holder finds it in the DM channel's history (never sent twice), and a lean coffee whose voting
closed during the takeover is closed and announced once."""

from __future__ import annotations

import datetime as dt
import signal
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.sandbox.web_api import Call, WebApi
from bot.store import Store
from bot.store.models import CoffeeMeetup, CoffeeSeries, OutboxMessage
from tests.onboarding.conftest import envelope, newcomer, team_join
from tests.processes import HANG, bot_env, ran_out_of_time, serve, wait_for, wait_until_up

pytestmark = pytest.mark.slow  # several replicas as processes

COFFEE_CHANNEL = "C0COFFEE"


@pytest.fixture
def pg_url(db_url: str) -> str:
    if not db_url.startswith("postgres"):
        pytest.skip("several replicas share a PostgreSQL database")
    return db_url  # the fixture left it empty: no schema at all


def _voting_meetup(store: Store, closes_at: dt.datetime) -> int:
    with store.session() as db:
        series = CoffeeSeries(
            team_id="T0001", channel_id=COFFEE_CHANNEL, timezone="UTC", weekday=0, at="16:00",
            every_weeks=2, anchor=closes_at.date(),
        )  # fmt: skip
        db.add(series)
        db.flush()
        meetup = CoffeeMeetup(
            series_id=series.id,
            starts_at=closes_at,
            collect_at=closes_at - dt.timedelta(days=3),
            vote_at=closes_at - dt.timedelta(days=1),
            state="voting",
        )
        db.add(meetup)
        db.flush()
        return meetup.id


def test_three_replicas_fail_over_without_loss_or_doubles(
    pg_url: str, slack: WebApi, tmp_path: Path
):
    env = bot_env(slack.api_url, pg_url, tmp_path, WGBOT_DMS_PER_MINUTE="600")
    replicas = [serve(env, tmp_path / f"serve-{i}.log") for i in range(3)]
    try:
        wait_until_up(*replicas)
        # started together on an empty database: migrated once, nobody failed
        store = Store(pg_url)
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        for r in replicas:
            assert r.proc.poll() is None and "Traceback" not in r.output()

        holder = wait_for(
            lambda: [r for r in replicas if r.holds_clock()], "a replica to take the clock"
        )
        assert len(holder) == 1
        (holder,) = holder
        others = [r for r in replicas if r is not holder]

        # the holder's first DM reaches Slack and then hangs: the holder dies while posting it
        slack.fail("chat.postMessage", status=0, delay=60, applied=True)
        users = [f"U0FAIL{i:02d}" for i in range(9)]
        for i, user in enumerate(users):
            body = envelope(team_join(newcomer(user, f"Newcomer {i}")))
            assert replicas[i % 3].post(body, "application/json") == 200
        assert slack.wait_until(lambda calls: "chat.postMessage" in {c.method for c in calls}, HANG)
        closes_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
        meetup = _voting_meetup(store, closes_at)
        holder.stop(signal.SIGKILL)

        # another replica takes the lease, recovers and delivers the rest once
        wait_for(lambda: [r for r in others if r.holds_clock()], "a new clock holder")

        def dms_and_agenda(calls: list[Call]) -> bool:
            return len({c.params["channel"] for c in calls if c.method == "chat.postMessage"}) >= 10

        assert slack.wait_until(dms_and_agenda, HANG), "the other eight DMs and the agenda"

        # a DM reaches Slack before its sender records it as sent: wait for the record itself
        def settled() -> list[OutboxMessage] | None:
            with store.session() as db:
                rows = list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.user_id)))
            unsettled = {"pending", "sending", "posting", "unknown", "checking"}
            return None if any(r.state in unsettled for r in rows) else rows

        rows = wait_for(settled, "every DM recorded as sent")

        def agenda_recorded() -> tuple[str, str] | None:
            with store.session() as db:
                closed = db.get(CoffeeMeetup, meetup)
                assert closed is not None
                return (closed.state, closed.agenda_ts) if closed.agenda_ts else None

        state, agenda_ts = wait_for(agenda_recorded, "the agenda recorded on its meetup")
        assert [r.user_id for r in rows] == users  # one owed DM per newcomer
        states = sorted(r.state for r in rows)
        assert states == ["sent"] * 9  # the lost one was found where it had arrived
        assert slack.calls_to("conversations.history")
        posts = slack.calls_to("chat.postMessage")
        dm_channels = [c.params["channel"] for c in posts if c.params["channel"] != COFFEE_CHANNEL]
        assert len(dm_channels) == len(set(dm_channels)) == 9  # nobody welcomed twice
        agenda = [c for c in posts if c.params["channel"] == COFFEE_CHANNEL]
        assert len(agenda) == 1 and (state, agenda_ts) == ("closed", agenda[0].answer["ts"])

        # the survivors stop cleanly on SIGTERM, their work finished inside their stop budget,
        # and a stop frees the lease at once
        for r in others:
            assert r.stop(signal.SIGTERM) == 0
            assert "Traceback" not in r.output(), r.output()
            assert ran_out_of_time(r.output()) == []
        store.dispose()
    finally:
        for r in replicas:
            if r.proc.poll() is None:
                r.proc.kill()
                r.proc.wait()
