"""Only the sandbox's own page may drive it.

Another site open in the same browser could otherwise act as anyone in the sandbox, in three
ways, each refused here:

- a WebSocket to the sandbox from the other site's page: the browser says which page opened it
  (Origin), which must be the sandbox's own: http, the host name the socket was reached at,
  the page's port;
- DNS rebinding: the other site points its own name at this machine, and its page, now "the
  same origin", reads and writes the sandbox. The browser still sends that name as Host: only
  this machine's own names (and bare addresses, which no one can rebind) are answered;
- a plain form or fetch posted across sites (form-encoded and text bodies need no CORS
  preflight): the browser marks it with Origin or Sec-Fetch-Site. The app's own Web API
  client sends neither, and the page's own requests name the page.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

# what a browser says of a request made by the page itself, or typed into its address bar
SAME_SITE = ("same-origin", "none")
READS = ("GET", "HEAD")


class Own:
    """What the sandbox's own page looks like to the sandbox: the names this machine is
    reached by, and the port the page is served on."""

    def __init__(self, bound_host: str, page_port: int) -> None:
        self.page_port = int(page_port)
        self.names = {"localhost", bound_host.strip("[]").lower(), socket.gethostname().lower()}

    def host(self, header: str | None) -> bool:
        """A Host header this machine answers to. None (no header, so no browser) is fine."""
        return header is None or self.known(_hostname(header))

    def known(self, name: str | None) -> bool:
        """One of this machine's names, or an address (no one can rebind an address)."""
        return name is not None and (name in self.names or _is_address(name))

    def page(self, origin: str | None, host_header: str | None) -> bool:
        """`origin` is the sandbox's page as served at the host this request was sent to."""
        try:
            parts = urlsplit(origin or "")
            port = parts.port or 80
        except ValueError:
            return False
        at = parts.hostname if host_header is None else _hostname(host_header)
        return (
            parts.scheme == "http"
            and parts.hostname == at
            and self.known(at)
            and port == self.page_port
        )

    def refusal(self, environ: Mapping[str, Any]) -> str | None:
        """Why this HTTP request is not the page's or the app's own, or None when it is."""
        host = environ.get("HTTP_HOST")
        if not self.host(host):
            return "this sandbox answers to this machine's own names only"
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if method in READS and not path.startswith(("/api/", "/response/")):
            return None  # the page, its files and state: reading them changes nothing
        origin, site = environ.get("HTTP_ORIGIN"), environ.get("HTTP_SEC_FETCH_SITE")
        if origin is not None and not self.page(origin, host):
            return "only the sandbox's own page may do this"
        if site is not None and site not in SAME_SITE:
            return "only the sandbox's own page may do this"
        return None


def _hostname(netloc: str | None) -> str | None:
    """The host name of a Host header ("name:port", "[::1]:80"), lower-case; None if it is
    not one."""
    if not netloc or any(c in netloc for c in "/?#@\\ "):
        return None
    try:
        parts = urlsplit(f"//{netloc}")
        parts.port  # noqa: B018 - raises ValueError on a port that is not one
    except ValueError:
        return None
    return parts.hostname or None


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
