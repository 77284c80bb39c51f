"""The WG-Platforms Slack bot."""

from pathlib import Path

__version__ = "0.1.0"

# The repository root holds `data/`; an editable install (the README's way) keeps it beside `bot/`.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
