"""Turns at the database are given in the order asked for: a thread that has just let go of
its place queues behind those already waiting, and a wait that runs out leaves the queue."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.store.turns import NoTurn, Turns

WAIT = 30  # seconds: only a broken test waits this long


def until(check: Callable[[], bool]) -> None:
    """Wait until `check()` holds (each waiter enters the queue on a thread of its own)."""
    done = threading.Event()
    for _ in range(WAIT * 1000):
        if check():
            return
        done.wait(0.001)
    raise AssertionError("never happened")


def test_a_place_let_go_goes_to_the_longest_waiter_not_back_to_the_one_letting_go():
    turns = Turns(1)
    order: list[str] = []
    holding, release = threading.Event(), threading.Event()

    def hold_then_ask_again() -> None:
        with turns.turn(WAIT):
            holding.set()
            release.wait(WAIT)
        with turns.turn(WAIT):  # at once again, as a thread serving the next request would
            order.append("again")

    def wait_in_line(name: str) -> None:
        with turns.turn(WAIT):
            order.append(name)

    with ThreadPoolExecutor(4) as pool:
        holder = pool.submit(hold_then_ask_again)
        assert holding.wait(WAIT)
        waiters = []
        for n, name in enumerate(("first", "second", "third"), start=1):
            waiters.append(pool.submit(wait_in_line, name))
            until(lambda n=n: turns.waiting == n)  # each in the queue before the next asks
        release.set()
        holder.result(WAIT)
        for w in waiters:
            w.result(WAIT)
    assert order == ["first", "second", "third", "again"]


def test_places_are_shared_up_to_their_number_and_a_wait_that_runs_out_leaves_the_queue():
    turns = Turns(2)
    with turns.turn(WAIT), turns.turn(WAIT):  # two places: both given at once
        assert turns.waiting == 0
        with pytest.raises(NoTurn), turns.turn(0.01):
            pass
        assert turns.waiting == 0  # gave up: not in the way of anyone after it
    with turns.turn(0.01), turns.turn(0.01):  # both places free again
        pass
