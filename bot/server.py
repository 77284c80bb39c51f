"""HTTP mode: Bolt's WSGI adapter under waitress, plus a health check for load balancers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.web.guard import guard

EVENTS_PATH = "/slack/events"


def wsgi_app(app: App) -> Callable[..., Iterable[bytes]]:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    slack = guard(slack, app._signing_secret, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        return slack(environ, start_response)

    return application


def serve(app: App, host: str, port: int) -> None:
    from waitress import serve as waitress_serve

    waitress_serve(wsgi_app(app), host=host, port=port, threads=8, ident="wgbot")
