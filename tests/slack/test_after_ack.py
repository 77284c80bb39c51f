"""The after-ack pool can be waited on until idle, and drained on shutdown without losing work."""

from __future__ import annotations

import logging
import threading

from bot.app import Features, build_app
from bot.slack.after_ack import AfterAck


def test_wait_idle_is_false_while_work_runs_and_true_once_it_is_done():
    pool = AfterAck(workers=2)
    gate, done = threading.Event(), []
    pool.submit(lambda: (gate.wait(), done.append("slow")))
    pool.submit(done.append, "quick")
    assert pool.wait_idle(0) is False  # the slow task holds it busy
    gate.set()
    assert pool.wait_idle(10) is True
    assert sorted(done) == ["quick", "slow"]
    pool.shutdown()


def test_a_failing_task_is_logged_and_still_counts_as_finished(caplog):
    pool = AfterAck()
    with caplog.at_level(logging.ERROR, logger="bot.slack.after_ack"):
        pool.submit(lambda: 1 / 0)
        assert pool.wait_idle(10) is True
    assert "work after an ack failed" in caplog.text
    assert "ZeroDivisionError" in caplog.text
    pool.shutdown()


def test_shutdown_finishes_everything_queued_then_runs_late_work_on_the_caller():
    pool = AfterAck(workers=1)
    gate, done = threading.Event(), []
    pool.submit(gate.wait)  # the only worker is busy: the rest queue behind it
    for n in range(20):
        pool.submit(done.append, n)
    stopper = threading.Thread(target=lambda: done.append(pool.close(10)))
    stopper.start()
    gate.set()
    stopper.join()
    assert done == [*range(20), True]  # all queued work ran, then shutdown reported idle
    # a straggler after shutdown is not lost: it runs on the thread that submitted it
    ran_on: list[str] = []
    pool.submit(lambda: ran_on.append(threading.current_thread().name))
    assert ran_on == [threading.current_thread().name]


def test_shutdown_says_so_when_work_outlives_its_timeout():
    pool = AfterAck(workers=1)
    gate = threading.Event()
    pool.submit(gate.wait)
    assert pool.close(0) is False
    assert pool.busy == 1
    gate.set()
    assert pool.wait_idle(10) is True


def test_lazy_listeners_share_one_pool_and_notes_have_their_own(settings, seeded, background):
    """Lazy listeners (organisers' commands, modals) wait on one pool; notes through a
    response_url on another, so a slow response_url never holds up a transition or a modal."""
    features = background.track(Features(settings, seeded))
    app = build_app(settings, seeded, features=features)
    runner = app.listener_runner
    assert runner.listener_executor is features.after_ack
    assert runner.lazy_listener_runner.executor is features.after_ack
    assert features.coffee.after_ack is features.notes
    assert features.notes is not features.after_ack
    assert features.onboarding.events == features.talks.cache.event_names  # one catalog cache
    assert features.onboarding.organisers is features.coffee.organisers


def test_as_an_executor_it_finishes_its_work_on_exit():
    done: list[int] = []
    with AfterAck(workers=1) as pool:
        pool.submit(done.append, 1)
    assert done == [1]
