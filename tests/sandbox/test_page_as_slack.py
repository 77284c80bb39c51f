"""The sandbox page shows what Slack would: notices once and never in the way, dates and days
on the sandbox's clock, threads under their parent, quotes, the people picker, and what each
clock button jumps over."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from selenium.webdriver.common.by import By
from slack_sdk import WebClient

from bot.sandbox.people import CHANNEL
from tests.sandbox.conftest import Page, needs_browser

pytestmark = needs_browser


def _client(page: Page) -> WebClient:
    return WebClient(base_url=page.box.url + "/api/", token="xoxb-sandbox")


def _toasts(page: Page) -> list[str]:
    return [n.text for n in page.driver.find_elements(By.CSS_SELECTOR, "#notices .notice")]


def _caught_up(page: Page, person: str) -> None:
    """Until the page follows `person` and has drawn every change made so far."""
    page.until(
        lambda d: page.js("return [sandbox.me, sandbox.seq]") == [person, page.box.workspace.seq]
    )


def _replies(page: Page) -> str:
    """What the board's thread link says."""
    link = page.message_with("The board").find_element(By.CSS_SELECTOR, ".thread-link")
    return str(link.text)


def _next(page: Page) -> str:
    """What the page should say comes next, from the store."""
    week = page.box.ahead()["week"]
    if not week:
        return ""
    at = page.js(
        "return new Intl.DateTimeFormat('en-GB', {weekday: 'short', day: 'numeric',"
        " month: 'short', hour: '2-digit', minute: '2-digit'}).format(new Date(arguments[0]))",
        week[0]["at"],
    )
    return f"Next: {week[0]['what']} ({at})"


def _overlaps(page: Page, a: Any, b: Any) -> bool:
    return bool(
        page.js(
            "const a = arguments[0].getBoundingClientRect();"
            "const b = arguments[1].getBoundingClientRect();"
            "return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;",
            a,
            b,
        )
    )


def test_notices_are_shown_once_to_their_person_two_at_most_and_never_over_the_controls(
    page: Page,
) -> None:
    page.open("UMEMBER")
    page.js(
        "window.toasts = []; new MutationObserver((ms) => ms.forEach((m) => m.addedNodes"
        ".forEach((n) => window.toasts.push(n.textContent))))"
        ".observe(document.getElementById('notices'), {childList: true});"
    )
    for n in range(5):
        page.box.workspace.notice(f"Notice {n}")
    page.until(lambda d: _toasts(page) == ["Notice 3", "Notice 4"])  # the newest replace
    page.advance("hour")
    page.until(lambda d: "The clock moved forward one hour." in _toasts(page))
    assert len(_toasts(page)) <= 2
    top, composer = (page.driver.find_element(By.ID, i) for i in ("top", "composer"))
    sidebar = page.driver.find_element(By.ID, "sidebar")
    for toast in page.driver.find_elements(By.CSS_SELECTOR, "#notices .notice"):
        assert not any(_overlaps(page, toast, c) for c in (top, composer, sidebar))
    # clicks pass through a toast to whatever is under it
    assert (
        page.js("return getComputedStyle(document.getElementById('notices')).pointerEvents")
        == "none"
    )

    # a notice for Olu is not Max's; Olu sees it once, however often the page switches
    page.box.workspace.notice("Only for Olu", "UORGANISER")
    page.box.workspace.notice("After Olu's")
    page.until(lambda d: "After Olu's" in page.js("return window.toasts"))
    assert "Only for Olu" not in page.js("return window.toasts")
    page.act_as("UORGANISER")
    _caught_up(page, "UORGANISER")
    page.act_as("UMEMBER")
    _caught_up(page, "UMEMBER")
    page.act_as("UORGANISER")
    _caught_up(page, "UORGANISER")
    shown = page.js("return window.toasts")
    assert shown.count("Only for Olu") == 1
    assert shown.count("The clock moved forward one hour.") == 1  # not replayed by a switch
    assert [t for t in shown if t.startswith("Notice")] == [f"Notice {n}" for n in range(5)]


def test_dates_days_and_message_times_follow_the_sandboxs_clock(page: Page) -> None:
    client = _client(page)
    tomorrow = int((page.box.clock() + dt.timedelta(days=1)).timestamp())
    before = page.box.clock().timestamp()
    client.chat_postMessage(
        channel="UMEMBER", text=f"Meet <!date^{tomorrow}^{{date_pretty}} at {{time}}|then>"
    )
    page.open("UMEMBER", "dm")
    first = page.message_with("Meet")
    assert first.find_element(By.CSS_SELECTOR, "time.date").text.startswith("tomorrow at ")
    # stamped with the sandbox's time, and shown so, as the header shows it
    stamp = int(first.get_attribute("data-ts").split(".")[0])
    assert before - 1 <= stamp <= page.box.clock().timestamp() + 1
    shown_time = page.js(
        "return new Intl.DateTimeFormat('en-GB', {hour: '2-digit', minute: '2-digit'})"
        ".format(new Date(arguments[0] * 1000))",
        stamp,
    )
    assert first.find_element(By.CSS_SELECTOR, ".time").text == shown_time
    assert first.get_attribute("data-day") == "Today"

    page.advance("day")  # the same message, drawn again from the clock that moved
    page.until(lambda d: page.message_with("Meet").find_element(By.CSS_SELECTOR, "time.date")
               .text.startswith("today at "))  # fmt: skip
    page.until(lambda d: page.message_with("Meet").get_attribute("data-day") == "Yesterday")
    client.chat_postMessage(channel="UMEMBER", text="The next day")
    assert page.message_with("The next day").get_attribute("data-day") == "Today"

    page.advance("day")
    slack_day = re.compile(r"^[A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}(st|nd|rd|th)$")
    page.until(lambda d: slack_day.match(page.message_with("Meet").get_attribute("data-day")))
    assert page.message_with("The next day").get_attribute("data-day") == "Yesterday"
    assert (
        page.message_with("Meet")
        .find_element(By.CSS_SELECTOR, "time.date")
        .text.startswith("yesterday at ")
    )
    page.save("day-dividers")


def test_replies_stay_in_their_thread_and_quotes_are_drawn_as_quotes(page: Page) -> None:
    client = _client(page)
    parent = client.chat_postMessage(channel=CHANNEL, text="The board")["ts"]
    vote = client.chat_postMessage(
        channel=CHANNEL, text="Roman vote: keep going?", thread_ts=parent
    )
    client.chat_postMessage(channel=CHANNEL, text="&gt; a quote, escaped\n>and one raw\nthen not")
    page.open("UMEMBER")
    board = page.message_with("The board")
    page.until(lambda d: _replies(page) == "1 reply")
    assert not [m for m in page.messages() if "Roman vote" in m.text]  # not in the channel

    quoted = page.message_with("a quote")
    quotes = quoted.find_elements(By.TAG_NAME, "blockquote")
    assert [q.text for q in quotes] == ["a quote, escaped\nand one raw"]
    assert ">" not in quoted.find_element(By.CSS_SELECTOR, ".content").text

    client.chat_postMessage(channel=CHANNEL, text="Summary: two topics", thread_ts=parent)
    page.until(lambda d: _replies(page) == "2 replies")
    page.click(lambda: page.message_with("The board").find_element(By.CSS_SELECTOR, ".thread-link"))
    panel = page.until(lambda d: d.find_element(By.ID, "thread") if d.find_element(
        By.ID, "thread").is_displayed() else False)  # fmt: skip
    shown = [m.text for m in panel.find_elements(By.CSS_SELECTOR, ".msg")]
    assert len(shown) == 3 and "The board" in shown[0]
    assert "Roman vote" in shown[1] and "Summary" in shown[2]
    assert "2 replies" in panel.find_element(By.CSS_SELECTOR, ".thread-count").text
    # a reply redrawn (chat.update) is redrawn in the open thread
    client.chat_update(channel=CHANNEL, ts=vote["ts"], text="Roman vote: closed")
    page.until(lambda d: "Roman vote: closed" in d.find_element(By.ID, "thread").text)
    page.driver.find_element(By.ID, "thread-close").click()
    assert not page.driver.find_element(By.ID, "thread").is_displayed()
    assert board.is_displayed() or page.message_with("The board")


def test_a_users_select_is_a_picker_of_the_sandboxs_people_sent_as_slack_sends_it(
    page: Page,
) -> None:
    blocks = [
        {"type": "section", "block_id": "who", "text": {"type": "mrkdwn", "text": "Owner?"},
         "accessory": {"type": "users_select", "action_id": "owner",
                       "placeholder": {"type": "plain_text", "text": "Pick someone"}}},
    ]  # fmt: skip
    _client(page).chat_postMessage(channel=CHANNEL, text="owner", blocks=blocks)
    page.open("UMEMBER")
    shown = page.message_with("Owner?")
    picker = shown.find_element(By.CSS_SELECTOR, "button.bk-menu[data-type='users_select']")
    assert picker.text == "Pick someone" and not shown.find_elements(
        By.CSS_SELECTOR, ".unsupported"
    )
    page.js(
        "window.sent = []; const real = WebSocket.prototype.send;"
        "WebSocket.prototype.send = function (d) { const r = JSON.parse(d);"
        "  if (r.route === 'action') window.sent.push(r); else real.call(this, d); };"
    )
    picker.click()
    people = [o.text for o in shown.find_elements(By.CSS_SELECTOR, ".bk-menu-list [role='option']")]
    assert people == ["Max Member", "Olu Organiser"]  # who is in the workspace; not the bot
    shown.find_element(By.XPATH, ".//*[@role='option'][normalize-space()='Olu Organiser']").click()
    body = page.until(lambda d: page.js("return window.sent"))[0]["body"]
    assert body["action"] == {"action_id": "owner", "block_id": "who", "type": "users_select",
                              "selected_user": "UORGANISER"}  # fmt: skip
    assert body["state"] == {"who": {"owner": {"type": "users_select",
                                               "selected_user": "UORGANISER"}}}  # fmt: skip
    assert picker.text == "Olu Organiser"


def test_each_clock_button_says_what_it_jumps_over(page: Page) -> None:
    page.open("UMEMBER")
    week = page.box.ahead()["week"]
    assert week  # the lean coffee set up on start has something ahead within a week
    button = page.driver.find_element(By.CSS_SELECTOR, "[data-step='week']")
    title = button.get_attribute("title")
    assert all(e["what"] in title for e in week), title
    assert page.driver.find_element(By.ID, "ahead").text.startswith(f"Next: {week[0]['what']}")
    hour = page.driver.find_element(By.CSS_SELECTOR, "[data-step='hour']")
    if not page.box.ahead()["hour"]:
        assert hour.get_attribute("title") == "Nothing scheduled falls in that time"
    page.advance("week")
    after = page.box.ahead()["week"]
    expected = "; ".join(e["what"] for e in after) if after else "Nothing scheduled"
    page.until(lambda d: all(w in d.find_element(By.CSS_SELECTOR, "[data-step='week']")
                             .get_attribute("title") for w in expected.split("; ")))  # fmt: skip


def test_a_meeting_takes_an_action_with_its_owner_and_its_summary_is_under_the_board(
    page: Page,
) -> None:
    """The real bot: the takeaway modal's owner picker, and the board's thread."""
    page.open("UORGANISER")
    for _ in range(20):
        if any("Propose a topic" in m.text for m in page.messages() if "Lean coffee ·" in m.text):
            break
        page.advance("day")
    page.type("/coffee propose Golden paths")
    page.until(lambda d: "Golden paths" in page.message_with("Lean coffee ·").text)
    page.type("/coffee start")
    add = ".//button[normalize-space()='Add takeaway']"
    page.until(lambda d: [m for m in page.messages() if m.find_elements(By.XPATH, add)])
    page.click(lambda: [m for m in page.messages() if m.find_elements(By.XPATH, add)][-1]
               .find_element(By.XPATH, add))  # fmt: skip
    modal = page.until(lambda d: d.find_element(By.CSS_SELECTOR, ".modal"))
    assert not modal.find_elements(By.CSS_SELECTOR, ".unsupported")
    modal.find_element(By.CSS_SELECTOR, "[data-action-id='text']").send_keys("Write the guide")
    modal.find_element(By.CSS_SELECTOR, "[data-action-id='kind'] input[value='action']").click()
    modal.find_element(By.CSS_SELECTOR, "button.bk-menu[data-action-id='owner']").click()
    modal.find_element(By.XPATH, ".//*[@role='option'][normalize-space()='Max Member']").click()
    modal.find_element(By.CSS_SELECTOR, "[data-modal='submit']").click()
    page.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".modal"))
    board = page.until(lambda d: [m for m in page.messages() if "Write the guide" in m.text])[-1]
    assert "Max Member" in board.text  # the owner, as the app stored it from selected_user

    page.type("/coffee end")
    # the summary is a reply under the board: "N replies", not a message in the channel
    links = ".thread-link"
    page.until(
        lambda d: [e for m in page.messages() for e in m.find_elements(By.CSS_SELECTOR, links)]
    )
    link = [e for m in page.messages() for e in m.find_elements(By.CSS_SELECTOR, links)][-1]
    assert re.fullmatch(r"\d+ repl(y|ies)", link.text)
    replies = [m.ts for m in page.box.workspace.all_messages() if m.thread_ts]
    # read in one go in the page: a redraw between a look-up and a read would leave it stale
    in_channel = page.js(
        "return [...document.querySelectorAll('#messages > .msg')]"
        ".filter(m => m.offsetParent !== null).map(m => m.dataset.ts)"
    )
    assert replies and not set(in_channel) & set(replies)
    page.click(
        lambda: [e for m in page.messages() for e in m.find_elements(By.CSS_SELECTOR, links)][-1]
    )
    panel = page.until(lambda d: d.find_element(By.ID, "thread") if d.find_element(
        By.ID, "thread").is_displayed() else False)  # fmt: skip
    page.until(lambda d: "summary" in panel.text.lower())
    # the meetup started by hand is no longer ahead of the clock
    page.until(lambda d: d.find_element(By.ID, "ahead").text == _next(page))
    page.save("board-thread")
