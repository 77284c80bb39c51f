"""Fetching a published schedule over HTTP, as carefully as a file is read.

Only `https://`, or `http://` to this machine (a local mirror, a test): a schedule is imported
into the store and announced, so it should not travel in the clear. Redirects are followed by
hand, at most MAX_REDIRECTS, each target checked by the same rule. The body is read in chunks
and refused as soon as it passes the importers' size limit (detect.MAX_BYTES), whatever the
server said its length was. A conditional request (ETag, Last-Modified) answered 304 returns
no body.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from bot.importers import detect
from bot.importers.detect import MAX_BYTES
from bot.importers.records import CatalogFileError, Options, Parsed

TIMEOUT = 20.0  # seconds: for each network wait, and for the whole download
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
REDIRECTS = (301, 302, 303, 307, 308)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
USER_AGENT = "wgbot-schedule-import"


class FetchError(CatalogFileError):
    """A schedule that could not be fetched; the message names the address and why."""


@dataclass(frozen=True)
class Fetched:
    url: str  # where the body came from, after redirects
    status: int  # 200, or 304 (not modified: no body)
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def is_url(text: str) -> bool:
    """An address (any scheme://, so that ftp:// is refused by name, not looked for as a file)."""
    return _SCHEME.match(text) is not None


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: resolving it here would not bind where the request goes


def check_url(url: str) -> str:
    """The URL if it may be fetched; a FetchError saying why not otherwise."""
    if len(url) > 2000:
        raise FetchError(f"{url[:80]}…: an address of more than 2,000 characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a bad port raises here, not in the middle of a fetch
    except ValueError as exc:
        raise FetchError(f"{url}: not a valid address ({exc})") from None
    if parts.scheme not in ("https", "http"):
        raise FetchError(f"{url}: not an http(s) address")
    if not host:
        raise FetchError(f"{url}: no host in the address")
    if parts.scheme == "http" and not _loopback(host):
        raise FetchError(f"{url}: only https:// addresses (http:// only to this machine)")
    return url


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hand every redirect back to fetch(), which checks the target before following it."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _opener(url: str) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = [_NoRedirects()]
    if _loopback(urlsplit(url).hostname or ""):
        handlers.append(urllib.request.ProxyHandler({}))  # this machine: never via a proxy
    return urllib.request.build_opener(*handlers)


def _header(headers: Message, name: str, limit: int) -> str | None:
    value = headers.get(name)
    return value[:limit] if value else None


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
) -> Fetched:
    """GET the URL (conditionally, given an ETag or Last-Modified); FetchError on any failure."""
    deadline = time.monotonic() + timeout
    current = check_url(url)
    for _ in range(max_redirects + 1):
        if time.monotonic() > deadline:
            raise FetchError(f"{url}: no answer within {timeout:g} s")
        request = urllib.request.Request(current, headers={"User-Agent": USER_AGENT})
        if etag:
            request.add_header("If-None-Match", etag)
        if last_modified:
            request.add_header("If-Modified-Since", last_modified)
        try:
            with _opener(current).open(request, timeout=timeout) as response:
                body = _read(response, current, max_bytes, deadline)
                headers = response.headers
                return Fetched(
                    current,
                    response.status,
                    body,
                    _header(headers, "ETag", 500),
                    _header(headers, "Last-Modified", 100),
                )
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 304:
                return Fetched(
                    current,
                    304,
                    etag=_header(exc.headers, "ETag", 500) or etag,
                    last_modified=_header(exc.headers, "Last-Modified", 100) or last_modified,
                )
            location = exc.headers.get("Location") if exc.code in REDIRECTS else None
            if not location:
                answer = f"{exc.code} {str(exc.reason)[:100]}"
                raise FetchError(f"{current}: the server answered {answer}") from None
            current = check_url(urljoin(current, location))
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise FetchError(f"{current}: could not fetch it ({reason})") from None
    raise FetchError(f"{url}: more than {max_redirects} redirects")


def _read(response: Any, url: str, max_bytes: int, deadline: float) -> bytes:
    limit = f"the {max_bytes / 2**20:,.1f} MB an import reads; is it the right address?"
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"{url}: {int(declared) / 2**20:,.1f} MB is more than {limit}")
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = response.read(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{url}: more than {limit}")
        if time.monotonic() > deadline:
            raise FetchError(f"{url}: the download took longer than its time limit")
        chunks.append(chunk)


def load(source: str, options: Options | None = None) -> Parsed:
    """Read a schedule from a file or an address, whichever format it is."""
    if is_url(source):
        return detect.parse(fetch(source).body, source, options)
    return detect.load(Path(source), options)
