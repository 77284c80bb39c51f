"""Another site open in the same browser cannot drive the sandbox: a page served from another
host at the sandbox page's own port opens its socket and posts to its Web API, as an attacker's
page would, and nothing it asks for happens; the sandbox's own page still works."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.sandbox.people import CHANNEL
from bot.sandbox.server import Sandbox
from tests.sandbox.conftest import Page, WebDriver, needs_browser

pytestmark = needs_browser

FOREIGN_HOST = "127.0.0.2"  # another host to the browser, on this machine

ATTACK = """<!doctype html><html><body>
<iframe name="sink" id="sink"></iframe>
<form id="form" target="sink" method="POST" action="{page}/api/chat.postMessage">
  <input name="channel" value="{channel}"><input name="text" value="forged by a form">
</form>
<script>
const mark = (what, value) => {{ document.body.dataset[what] = value; }};
const socket = new WebSocket("ws://127.0.0.1:{socket}/");
socket.onopen = () => {{
  mark("socket", "open");
  socket.send(JSON.stringify({{id: 1, route: "command", body: {{as: "UORGANISER",
    channel: "{channel}", text: "/coffee schedule every 8 weeks"}}}}));
}};
socket.onmessage = () => mark("socket", "answered");
socket.onclose = () => {{ if (!document.body.dataset.socket) mark("socket", "refused"); }};
document.getElementById("sink").onload = () => mark("form", "sent");
document.getElementById("form").submit();
fetch("{page}/api/chat.postMessage", {{method: "POST", mode: "no-cors",
  headers: {{"Content-Type": "text/plain"}}, body: "channel={channel}&text=forged+by+fetch"}})
  .then(() => mark("fetch", "sent"), () => mark("fetch", "failed"));
</script></body></html>"""


@pytest.fixture
def foreign_page(sandbox: Sandbox) -> Iterator[str]:
    """The attacker's page, at another host and the sandbox page's own port."""
    page = ATTACK.format(page=sandbox.url, socket=sandbox.live.port, channel=CHANNEL).encode()

    class Serve(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer((FOREIGN_HOST, sandbox.own.page_port), Serve)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://{FOREIGN_HOST}:{sandbox.own.page_port}/"
    server.shutdown()
    server.server_close()


def test_a_page_from_another_host_can_neither_connect_nor_post(
    browser: WebDriver, sandbox: Sandbox, foreign_page: str, page: Page
) -> None:
    before = sandbox.workspace.seq
    browser.get(foreign_page)
    marks = "return [document.body.dataset.socket, document.body.dataset.form, " \
            "document.body.dataset.fetch]"  # fmt: skip
    page.until(lambda d: all(d.execute_script(marks)))
    assert browser.execute_script(marks) == ["refused", "sent", "sent"]
    # nothing it asked for happened: no post, no schedule change, nothing new on any page
    forged = [m.text for m in sandbox.workspace.all_messages() if "forged" in m.text]
    assert not forged
    assert sandbox.workspace.seq == before
    # the sandbox's own page, in the same browser, still drives it
    page.open("UMEMBER")
    page.type("/talks platform-day")
    assert "Only visible to you" in page.message_with("14 talks").text
