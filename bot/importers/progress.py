"""A progress bar for `wgbot import` on large files (readers are told of each entry)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import click

from bot.importers.records import Progress


class TerminalProgress(Progress):
    """A progress bar on stderr for files of more than `threshold` entries."""

    def __init__(self, threshold: int = 500) -> None:
        self.threshold = threshold
        self._open = ExitStack()  # the bar, while one is shown: click's progressbar is a context
        self._update: Callable[[int], None] | None = None

    def start(self, total: int, label: str) -> None:
        if total > self.threshold:
            bar = self._open.enter_context(
                click.progressbar(
                    length=total,
                    label=f"reading {Path(label).name} ({total:,} entries)",
                    file=sys.stderr,
                )
            )
            self._update = bar.update

    def advance(self, n: int = 1) -> None:
        if self._update is not None:
            self._update(n)

    def finish(self) -> None:
        self._open.close()
        self._update = None
