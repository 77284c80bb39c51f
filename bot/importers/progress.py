"""A progress bar for `wgbot import` on large files (readers are told of each entry)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click._termui_impl import ProgressBar

from bot.importers.records import Progress


class TerminalProgress(Progress):
    """A progress bar on stderr for files of more than `threshold` entries."""

    def __init__(self, threshold: int = 500) -> None:
        self.threshold = threshold
        self._bar: ProgressBar[int] | None = None

    def start(self, total: int, label: str) -> None:
        if total > self.threshold:
            bar: ProgressBar[int] = click.progressbar(
                length=total,
                label=f"reading {Path(label).name} ({total:,} entries)",
                file=sys.stderr,
            )
            self._bar = bar.__enter__()

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
