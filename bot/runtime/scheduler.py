"""The scheduler every process runs, and the election that lets only one of them work it.

Every `wgbot serve`, `run` or `clock` process starts this scheduler; a lease job tries for the
clock lease every few seconds, and the work jobs (DM delivery, channel posts and redraws held
back by their throttle or a retry, journey steps, follow-ups, lean coffee, talk reminders, the
purge of old deliveries) run only in the process that holds it. When the holder dies another
process takes the lease on its next try (within LEASE_EVERY seconds), recovers the deliveries
the dead holder left half-done, and carries on. The database stays the source of truth:
every step is a conditional update, so even two holders by accident never send anything twice.
That, not the scheduler, is what makes a restart safe: the jobs live in memory and begin afresh
with each process, and whatever fell due meanwhile is found in the database on the first run.

One job is every process's own, lease or not: loading a new catalog revision into memory
(WARM_JOB), so the first answer after an import does not pay for it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler

from bot import metrics
from bot.coffee.feature import CoffeeFeature
from bot.delivery.channel import Courier
from bot.importers.feeds import FeedChecker
from bot.onboarding.feature import OnboardingFeature
from bot.runtime.lease import Lease
from bot.talks.reminders import TalkReminders
from bot.times import utcnow

log = logging.getLogger(__name__)

LEASE_JOB = "clock-lease"
OUTBOX_JOB = "onboarding-outbox"
CHANNEL_JOB = "channel-posts"  # posts and redraws due: retries, and redraws the throttle held
PURGE_JOB = "delivery-purge"
CHANNEL_EVERY = 1.0  # seconds: a throttled redraw lands within this of its throttle
FOLLOW_UP_JOB = "onboarding-follow-ups"
JOURNEY_JOB = "onboarding-journey-steps"  # owes the steps of journeys begun since its last run
COFFEE_JOB = "coffee-clock"
REMINDERS_JOB = "talk-reminders"
WARM_JOB = "catalog-warm"
FEEDS_JOB = "schedule-feeds"  # checks the schedule feeds that are due (each has its interval)
FEEDS_EVERY = 15.0  # seconds: how late past its due time a feed may be checked
WARM_EVERY = 10.0  # seconds: how soon after an import every process has the new catalog loaded
LEASE_EVERY = 5.0  # seconds: how soon a replica takes over from a holder that died
DRAIN_INSTANCES = 4  # the long drain and the quick returns of ticks and nudges meanwhile


class LeasedScheduler:
    """The process's scheduler: the lease job always, the work jobs while it holds the lease."""

    def __init__(
        self,
        lease: Lease,
        onboarding: OnboardingFeature,
        coffee: CoffeeFeature | None = None,
        *,
        lease_every: float = LEASE_EVERY,
        reminders: TalkReminders | None = None,
        warm: Callable[[], object] | None = None,
        feeds: FeedChecker | None = None,
        courier: Courier | None = None,
    ) -> None:
        self.lease, self.onboarding, self.coffee = lease, onboarding, coffee
        self.courier = courier or (coffee.meetup_runner.courier if coffee else None)
        # every process's own job, not the lease holder's: load a new catalog revision
        self.warm = warm
        # talk reminders go out through the onboarding outbox, so they share its sender
        self.reminders = reminders or TalkReminders(
            onboarding.store, onboarding.clock, onboarding.sender
        )
        self.lease_every = lease_every
        self.feeds = feeds
        self.scheduler = BackgroundScheduler(
            timezone=dt.UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )

    @property
    def holds(self) -> bool:
        return self.lease.held

    def start(self) -> LeasedScheduler:
        now = utcnow()
        add = self.scheduler.add_job
        add(self.campaign, "interval", seconds=self.lease_every, id=LEASE_JOB,
            replace_existing=True, next_run_time=now)  # fmt: skip
        # a drain paces DMs and may run for minutes: the ticks and nudges meanwhile start and
        # return at once (the drain takes one caller at a time and sees their rows too), rather
        # than APScheduler warning that the job is still running on each of them
        add(self.held(self.onboarding.sender.drain), "interval", seconds=5, id=OUTBOX_JOB,
            replace_existing=True, max_instances=DRAIN_INSTANCES)  # fmt: skip
        if self.onboarding.settings.follow_up_days:
            add(self.held(self.onboarding.owe_follow_ups), "interval", hours=1,
                id=FOLLOW_UP_JOB, replace_existing=True)  # fmt: skip
        add(self.held(self.onboarding.owe_journey_steps), "interval", minutes=10, id=JOURNEY_JOB,
            replace_existing=True)  # fmt: skip
        if self.courier is not None:
            add(self.held(self.courier.drain), "interval", seconds=CHANNEL_EVERY, id=CHANNEL_JOB,
                replace_existing=True)  # fmt: skip
        add(self.held(self.purge), "interval", hours=1, id=PURGE_JOB, replace_existing=True)
        if self.coffee is not None:
            add(self.held(self.coffee.meetup_runner.tick), "interval", seconds=5, id=COFFEE_JOB,
                replace_existing=True)  # fmt: skip
        add(self.held(self.reminders.tick), "interval", minutes=1, id=REMINDERS_JOB,
            replace_existing=True)  # fmt: skip
        if self.feeds is not None:
            add(self.held(self.check_feeds), "interval", seconds=FEEDS_EVERY, id=FEEDS_JOB,
                replace_existing=True)  # fmt: skip
        if self.warm is not None:
            add(self._logged(self.warm), "interval", seconds=WARM_EVERY, id=WARM_JOB,
                replace_existing=True, next_run_time=now)  # fmt: skip
        self.scheduler.start()
        self.onboarding.sender.nudge = lambda: self._now(OUTBOX_JOB)
        return self

    def campaign(self) -> None:
        """Try for the lease (or confirm it); a new holder first tidies up after the last one."""
        was = self.lease.held
        holds = self.lease.acquire()
        metrics.CLOCK_HOLDER.set(1 if holds else 0)
        if was and not holds and self.feeds is not None:
            self.feeds.forget()  # another process checks them now; start afresh if back
        if holds and not was:
            try:
                recovered = self.onboarding.sender.recover()
                if recovered:
                    log.info("took over %d deliveries the last clock holder left", recovered)
            except Exception:
                log.exception("could not recover the last holder's deliveries")
            # whatever fell due while nobody held the clock happens now. From a thread of its
            # own: APScheduler's shutdown holds the job store's lock while it waits for running
            # jobs, so a job that called modify_job itself could stop a shutdown for good.
            threading.Thread(target=self._catch_up, name="clock-catch-up", daemon=True).start()

    def purge(self) -> int:
        """Forget DMs and posts delivered longer ago than the retention setting."""
        keep = dt.timedelta(days=self.onboarding.settings.outbox_retention_days)
        purged = self.onboarding.sender.purge(keep)
        if self.courier is not None:
            purged += self.courier.purge(keep)
        if purged:
            log.info("purged %d delivered messages older than %s", purged, keep)
        return purged

    def _catch_up(self) -> None:
        for job in (
            OUTBOX_JOB, CHANNEL_JOB, FOLLOW_UP_JOB, JOURNEY_JOB, COFFEE_JOB, REMINDERS_JOB,
            FEEDS_JOB,
        ):  # fmt: skip
            self._now(job)

    def check_feeds(self) -> None:
        """Check the schedule feeds that are due. The DMs an import owed go out on the outbox's
        next tick (not nudged from here: a job that modifies jobs can block a shutdown)."""
        if self.feeds is None:
            return
        for check in self.feeds.tick():
            metrics.FEED_CHECKS.labels(check.outcome).inc()

    def run_due(self) -> None:
        """Run every job now, in the caller's thread: a clock moved forward (the sandbox's)
        sees at once what fell due, as the scheduler would on its next ticks."""
        self.campaign()
        for job in self.scheduler.get_jobs():
            if job.id != LEASE_JOB:
                job.func()

    def held(self, work: Callable[[], object]) -> Callable[[], None]:
        """`work` as the scheduler runs it: only while this process holds the clock's lease."""

        def job() -> None:
            if self.lease.held:
                work()

        job.__name__ = getattr(work, "__name__", "job")
        return job

    @staticmethod
    def _logged(work: Callable[[], object]) -> Callable[[], None]:
        def job() -> None:
            try:
                work()
            except Exception:  # the next tick, or the next answer, tries again
                log.warning("%s failed", getattr(work, "__name__", "a job"), exc_info=True)

        job.__name__ = getattr(work, "__name__", "job")
        return job

    def _now(self, job_id: str) -> None:
        """Run a job now rather than at its next tick (a join just happened, or a takeover)."""
        if not self.lease.held and job_id != LEASE_JOB:
            return  # the holder delivers it on its next tick
        try:
            self.scheduler.modify_job(job_id, next_run_time=utcnow())
        except Exception:  # not scheduled here, or shutting down; the next start runs it
            log.debug("could not run %s now", job_id, exc_info=True)

    def stop(self) -> None:
        """Let running jobs finish, then free the lease for another process at once."""
        self.onboarding.sender.stop.set()
        try:
            self.scheduler.shutdown(wait=True)
        except Exception:
            log.debug("scheduler already stopped", exc_info=True)
        self.lease.release()
        metrics.CLOCK_HOLDER.set(0)
