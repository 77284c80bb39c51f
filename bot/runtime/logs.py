"""Logging for a running bot: plain lines or one JSON object a line, never a secret."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterable

from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

# Slack tokens look alike wherever they turn up (a URL, an exception's repr): mask them all.
TOKEN = re.compile(r"\b(xox[abposr]|xapp)-[A-Za-z0-9-]+")
# Bolt reads SLACK_BOT_TOKEN from the environment itself and warns that the client we hand it
# (built from the same token) wins; true, harmless and alarming, so it is not logged.
BOLT_CLIENT_WARNING = warning_client_prioritized_and_token_skipped()


class Redact(logging.Filter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 8]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return TOKEN.sub(r"\1-[redacted]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("slack_bolt") and record.getMessage() == BOLT_CLIENT_WARNING:
            return False
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(Redact(secrets))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # APScheduler logs every run of every job: the lease job alone would write a line every 5 s
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
