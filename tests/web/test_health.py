"""/healthz, /readyz and /metrics, called as a WSGI server calls them."""

from __future__ import annotations

import io
import json
from typing import Any

from sqlalchemy import text

from bot import metrics
from bot.app import build_app
from bot.store import Store
from bot.web.server import wsgi_app
from tests.conftest import NOW, SIGNING_SECRET
from tests.support.requests import command_body, sign


def call(application: Any, path: str, body: str = "", headers: dict[str, str] | None = None):
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(response_headers)

    environ = {
        "REQUEST_METHOD": "POST" if body else "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body.encode())),
        "wsgi.input": io.BytesIO(body.encode()),
        "SERVER_NAME": "test",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    for key, value in (headers or {}).items():
        environ["HTTP_" + key.upper().replace("-", "_")] = value
    out = b"".join(application(environ, start_response))
    return int(seen["status"].split()[0]), out.decode()


def test_health_and_readiness_when_all_is_well(app, seeded: Store):
    application = wsgi_app(app, seeded, SIGNING_SECRET)
    assert call(application, "/healthz") == (200, "ok\n")
    assert call(application, "/readyz") == (200, "ready\n")
    assert call(wsgi_app(app, seeded, SIGNING_SECRET, stopping=lambda: True), "/readyz") == (
        503,
        "shutting down\n",
    )


def test_not_ready_when_the_schema_is_behind_or_the_database_is_gone(app, seeded: Store, db_url):
    with seeded.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    status, why = call(wsgi_app(app, seeded, SIGNING_SECRET), "/readyz")
    assert status == 503 and "schema at 0004" in why and "wgbot db upgrade" in why
    gone = Store("postgresql://nobody@127.0.0.1:1/none" if "postgres" in db_url else db_url)
    if gone.dialect == "sqlite":  # a SQLite file whose schema table is unreadable
        with gone.engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
        assert call(wsgi_app(app, gone, SIGNING_SECRET), "/readyz")[0] == 503
    else:
        status, why = call(wsgi_app(app, gone, SIGNING_SECRET), "/readyz")
        assert status == 503 and why.startswith("database unavailable")
    assert call(wsgi_app(app, gone, SIGNING_SECRET), "/healthz")[0] == 200  # alive, just not ready
    gone.dispose()


def test_metrics_count_requests_by_kind_and_read_the_outbox(settings, seeded: Store):
    app = build_app(settings, seeded, clock=lambda: NOW)
    metrics.watch_outbox(seeded, lambda: NOW)
    application = wsgi_app(app, seeded, SIGNING_SECRET)
    before = _sample(
        call(application, "/metrics")[1], 'wgbot_requests_total{kind="command:/talks",outcome="ok"}'
    )
    body = command_body("/talks", "platform-day")
    status, answer = call(application, "/slack/events", body, sign(SIGNING_SECRET, body))
    assert status == 200 and "14 talks" in json.dumps(json.loads(answer))
    status, text_ = call(application, "/metrics")
    assert status == 200
    after = _sample(text_, 'wgbot_requests_total{kind="command:/talks",outcome="ok"}')
    assert after == before + 1
    assert 'wgbot_request_seconds_bucket{kind="command:/talks",le="0.1"}' in text_
    assert "wgbot_dm_outbox_oldest_pending_seconds 0.0" in text_
    assert "wgbot_clock_holder" in text_


def _sample(exposition: str, name: str) -> float:
    for line in exposition.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0
