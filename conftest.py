"""Options of the test run, registered here at the root so that they work however pytest is
started (with or without paths)."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--screenshots",
        metavar="DIR",
        default=None,
        help="Also save the sandbox browser tests' screenshots here (the README's are made "
        "with --screenshots docs/screenshots); by default they go to the run's temporary folder.",
    )
