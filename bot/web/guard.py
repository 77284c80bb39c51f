"""A WSGI guard in front of Bolt's adapter: bounded bodies, and Slack's signature checked
before anything parses a byte.

Bolt's request object parses the body in its constructor, before its own signature check, so
unsigned junk (a JSON array, a broken `payload=`) raised a traceback and a 500, and Bolt logs
every request that fails verification whole. Here the body is read up to a cap, the signature
and timestamp are verified, and only a verified request reaches Bolt; a refused one is logged
as one line without its body.
"""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

from slack_sdk.signature import SignatureVerifier

from bot import metrics

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Slack's largest bodies are view submissions: a 100-block modal whose every input holds 3,000
# CJK characters, its 2,000-character hints echoed back, comes to about 2.9 MiB form-encoded.
MAX_BODY = 4 * 1024 * 1024
MAX_SKEW = 5 * 60  # seconds; what Slack and Bolt allow

_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() would take " 1", "١٢" or "+1"
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")  # hmac.compare_digest refuses non-ASCII text

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Refused(Exception):
    def __init__(self, status: str, reason: str, length: int) -> None:
        super().__init__(reason)
        self.status, self.reason, self.length = status, reason, length


def guard(
    wsgi_app: WsgiApp,
    signing_secret: str,
    *,
    path: str = EVENTS_PATH,
    max_body: int = MAX_BODY,
) -> WsgiApp:
    """Wrap `wsgi_app` so that a POST to `path` reaches it only when bounded and signed."""
    verifier = SignatureVerifier(signing_secret)
    withhold_bolt_bodies()

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != path or environ.get("REQUEST_METHOD") != "POST":
            return wsgi_app(environ, start_response)
        try:
            body = read_body(environ, max_body)
            verify(verifier, environ, body)
        except Refused as refused:
            log.warning("refused POST %s (%d bytes): %s", path, refused.length, refused.reason)
            metrics.refused(refused.status)
            return _answer(start_response, refused.status, refused.reason)
        inner = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        try:
            return wsgi_app(inner, start_response)
        except Exception:
            # Bolt's request parses the body outside its own error handling: a signed body it
            # cannot read (a JSON array, `"user": 5`) lands here
            log.error("could not read a signed request (%d bytes)", len(body), exc_info=True)
            return _answer(start_response, "400 Bad Request", "malformed request", sys.exc_info())

    return guarded


def read_body(environ: dict[str, Any], max_body: int) -> bytes:
    """The body, never more than `max_body` bytes of it read; Refused beyond that."""
    stream = environ.get("wsgi.input")
    declared = (environ.get("CONTENT_LENGTH") or "").strip()
    if declared:
        if not (declared.isascii() and declared.isdigit() and len(declared) <= 15):
            raise Refused("400 Bad Request", "bad Content-Length", 0)
        length = int(declared)
        if length > max_body:
            raise Refused("413 Content Too Large", "body over the cap", length)
        return stream.read(length) if stream is not None and length else b""
    if stream is not None and environ.get("wsgi.input_terminated"):
        body: bytes = stream.read(max_body + 1)  # no length given: one byte past the cap at most
        if len(body) > max_body:
            raise Refused("413 Content Too Large", "body over the cap", len(body))
        return body
    return b""  # PEP 3333: without a length, the body is not to be read


def verify(verifier: SignatureVerifier, environ: dict[str, Any], body: bytes) -> None:
    """Slack's v0 signature over the raw body, with a timestamp at most five minutes off."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
    signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
    if not timestamp or not signature:
        raise Refused("401 Unauthorized", "unsigned", len(body))
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Refused("401 Unauthorized", "malformed timestamp", len(body))
    if abs(verifier.clock.now() - int(timestamp)) > MAX_SKEW:
        raise Refused("401 Unauthorized", "stale timestamp", len(body))
    if not _SIGNATURE.fullmatch(signature):
        raise Refused("401 Unauthorized", "malformed signature", len(body))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("401 Unauthorized", "body is not UTF-8", len(body)) from None
    if not verifier.is_valid(text, timestamp, signature):
        raise Refused("401 Unauthorized", "bad signature", len(body))


def _answer(
    start_response: Callable[..., Any], status: str, text: str, exc_info: Any = None
) -> list[bytes]:
    body = f"{text}\n".encode()
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    start_response(status, headers, exc_info)
    return [body]


class _WithoutBody(logging.Filter):
    """Bolt logs a request that fails its check whole: body, response_url and all."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Invalid request signature detected"):
            record.msg, record.args = "Invalid request signature detected (body withheld)", ()
        return True


def withhold_bolt_bodies() -> None:
    bolt = logging.getLogger("slack_bolt.RequestVerification")
    if not any(isinstance(f, _WithoutBody) for f in bolt.filters):
        bolt.addFilter(_WithoutBody())
