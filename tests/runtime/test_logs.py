"""LOG_FORMAT=json writes one JSON object a line; no secret is ever written."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.runtime.logs import BOLT_CLIENT_WARNING, configure

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
def captured():
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    yield stream
    root.handlers[:], root.level = saved


def _point_at(stream: io.StringIO) -> None:
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)


def test_json_lines_without_secrets(captured):
    configure("INFO", "json", secrets=[SECRET, "xoxb-test-token"])
    _point_at(captured)
    log = logging.getLogger("bot.example")
    log.info("calling with %s and signing %s", "xoxb-123-456-abcdef", SECRET)
    try:
        raise RuntimeError("token xapp-1-A0-999 refused")
    except RuntimeError:
        log.exception("it failed")
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    assert [e["level"] for e in lines] == ["INFO", "ERROR"]
    assert lines[0]["logger"] == "bot.example"
    assert "xoxb-[redacted]" in lines[0]["message"] and SECRET not in captured.getvalue()
    assert "RuntimeError" in lines[1]["exception"] and "xapp-1-A0-999" not in captured.getvalue()


def test_text_logs_leave_out_bolts_misleading_warning(captured):
    configure("DEBUG", "text")
    _point_at(captured)
    logging.getLogger("slack_bolt.App").warning(BOLT_CLIENT_WARNING)
    logging.getLogger("slack_bolt.App").warning("a real warning")
    assert captured.getvalue().count("\n") == 1 and "a real warning" in captured.getvalue()
