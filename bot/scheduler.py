"""The scheduler: one per deployment (in `wgbot run`, or `wgbot clock` beside `wgbot serve`).

Jobs are fixed at start with ids and replace_existing, so a restart never adds copies; the
database is the source of truth, so a missed or doubled run sends nothing twice (rows are
claimed with conditional updates).
"""

from __future__ import annotations

import datetime as dt
import logging

from apscheduler.schedulers.background import BackgroundScheduler

from bot.coffee.listeners import CoffeeFeature
from bot.onboarding.listeners import OnboardingFeature

log = logging.getLogger(__name__)
logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)  # a line every 5 s otherwise

OUTBOX_JOB = "onboarding-outbox"
FOLLOW_UP_JOB = "onboarding-follow-ups"
COFFEE_JOB = "coffee-clock"


def start_scheduler(
    onboarding: OnboardingFeature, coffee: CoffeeFeature | None = None
) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=dt.UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    scheduler.add_job(
        onboarding.sender.drain, "interval", seconds=5, id=OUTBOX_JOB, replace_existing=True
    )
    if onboarding.settings.follow_up_days:
        scheduler.add_job(
            onboarding.owe_follow_ups,
            "interval",
            hours=1,
            id=FOLLOW_UP_JOB,
            replace_existing=True,
            next_run_time=dt.datetime.now(dt.UTC),
        )
    if coffee is not None:
        # runs at start too: a meetup that should have changed while the bot was down does now
        scheduler.add_job(
            coffee.coffee_clock.tick,
            "interval",
            seconds=20,
            id=COFFEE_JOB,
            replace_existing=True,
            next_run_time=dt.datetime.now(dt.UTC),
        )
    scheduler.start()

    def drain_now() -> None:
        """A join just happened: deliver now rather than at the next tick."""
        try:
            scheduler.modify_job(OUTBOX_JOB, next_run_time=dt.datetime.now(dt.UTC))
        except Exception:  # shutting down; the next start drains it
            log.debug("could not nudge the outbox", exc_info=True)

    onboarding.sender.nudge = drain_now
    return scheduler
