"""Options of the test run, registered here at the root so that they work however pytest is
started (with or without paths)."""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--screenshots",
        metavar="DIR",
        default=None,
        help="Also save the sandbox browser tests' screenshots here (the README's are made "
        "with --screenshots docs/screenshots); by default they go to the run's temporary folder.",
    )


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto`: a worker a core, and one more. The tests spend about a third of their time
    waiting (on the app's threads, sockets, the database), which the extra worker fills: on
    two cores the inner loop takes 50 s rather than 60."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # the number asked for, as pytest-xdist reads it
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1
