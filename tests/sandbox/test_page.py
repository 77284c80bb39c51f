"""The sandbox page in a real browser: what a person types and clicks reaches the real app as
Slack sends it, and what the app answers is drawn as Slack draws it."""

from __future__ import annotations

from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from slack_sdk import WebClient

from bot.onboarding.views import TICK
from bot.sandbox.people import CHANNEL
from tests.sandbox.conftest import Page, needs_browser

pytestmark = needs_browser


def test_talks_platform_day_shows_all_its_talks(page: Page) -> None:
    page.open("UMEMBER")
    page.type("/talks platform-day")
    answer = page.message_with("14 talks")
    assert "Only visible to you" in answer.text
    talks = answer.find_elements(By.CSS_SELECTOR, "a[href*='sched.com/event/']")
    assert len(talks) == 14
    # mrkdwn drawn, not shown raw: bold, links with their labels, dates in the reader's zone
    assert answer.find_elements(By.CSS_SELECTOR, ".bk-text b a")
    assert "<https://" not in answer.text and "*" not in answer.text
    assert "<!date" not in answer.text and answer.find_elements(By.CSS_SELECTOR, "time.date")
    assert not answer.find_elements(By.CSS_SELECTOR, ".unsupported")
    page.save("channel-answer")

    # the Details menu opens on a click, lists every talk, and answers with the one picked
    menu = answer.find_element(By.CSS_SELECTOR, "button.bk-menu[data-action-id='talks_details']")
    assert menu.text == "Details of a talk…" and not answer.find_elements(By.TAG_NAME, "option")
    page.click(lambda: page.message_with("14 talks").find_element(By.CSS_SELECTOR, ".bk-menu"))
    options = page.until(lambda d: page.message_with("14 talks").find_elements(
        By.CSS_SELECTOR, ".bk-menu-list [role='option']"))  # fmt: skip
    assert len(options) == 14
    boosting = ".//*[@role='option'][starts-with(normalize-space(), 'Boosting Developer')]"
    page.click(lambda: page.message_with("14 talks").find_element(By.XPATH, boosting))
    details = page.until(lambda d: [m for m in page.messages() if m.find_elements(
        By.XPATH, ".//button[normalize-space()='Follow']")])  # fmt: skip
    assert "Samantha Coffman" in details[-1].text and "Boosting Developer" in details[-1].text
    assert not page.driver.find_elements(By.CSS_SELECTOR, ".bk-menu-list")  # closed once picked

    # More pages on in place; Share posts it for everyone and removes the private one
    page.click(
        lambda: page.message_with("14 talks").find_element(
            By.XPATH, ".//button[normalize-space()='Share in channel']"
        )
    )
    shared = page.until(lambda d: [m for m in page.messages() if "14 talks" in m.text
                                   and "Only visible to you" not in m.text])  # fmt: skip
    assert shared and len(shared[0].find_elements(By.CSS_SELECTOR, "a[href*='sched.com']")) >= 10


def test_a_newcomer_joins_reads_the_welcome_ticks_an_item_and_the_home_agrees(page: Page) -> None:
    page.open("UMEMBER")
    page.driver.find_element(By.ID, "join").click()  # someone joins: the page acts as them
    page.until(lambda d: d.find_element(By.ID, "person").get_attribute("value") == "UNEWCOMER")
    welcome = page.message_with("Getting started")
    assert "Nia" in welcome.text
    page.save("welcome-dm")

    item = welcome.find_elements(By.CSS_SELECTOR, f"button[data-action-id='{TICK}']")[0]
    block = item.get_attribute("data-block-id")
    assert item.text == "Done"
    page.click(lambda: page.driver.find_element(By.CSS_SELECTOR, f"[data-block-id='{block}'] "
               f"button[data-action-id='{TICK}']"))  # fmt: skip
    # the message is redrawn in place (chat.update) with the item ticked
    selector = f"[data-block-id='{block}'] button[data-action-id='{TICK}']"
    page.until(lambda d: page.message_with("Getting started").find_element(
        By.CSS_SELECTOR, selector).text == "Undo")  # fmt: skip
    assert "(1/" in page.message_with("Getting started").text

    page.surface("home")
    home = page.driver.find_element(By.ID, "home")
    page.until(lambda d: home.find_elements(By.CSS_SELECTOR, selector))
    assert home.find_element(By.CSS_SELECTOR, selector).text == "Undo"
    assert "(1/" in home.text
    page.save("app-home")


def _coffee(page: Page) -> Any:
    """The meetup's channel message (the latest one about the lean coffee)."""
    return page.message_with("Lean coffee ·")


def _until_the_coffee_shows(page: Page, words: str, step: str = "day", most: int = 20) -> None:
    """Move the clock forward until the meetup's message says `words`."""
    for _ in range(most):
        if any(words in m.text for m in page.messages() if "Lean coffee ·" in m.text):
            return
        page.advance(step)
    raise AssertionError(f"the meetup never showed {words!r}")


def test_two_people_propose_and_vote_and_the_agenda_counts_their_votes(page: Page) -> None:
    page.open("UORGANISER")
    _until_the_coffee_shows(page, "Propose a topic")

    # the organiser proposes through the modal
    page.click(
        lambda: _coffee(page).find_element(
            By.XPATH, ".//button[normalize-space()='Propose a topic']"
        )
    )
    modal = page.until(lambda d: d.find_element(By.CSS_SELECTOR, ".modal"))
    modal.find_element(By.CSS_SELECTOR, "[data-action-id='topic']").send_keys(
        "Golden paths & <paved> roads"
    )
    page.save("modal")
    modal.find_element(By.CSS_SELECTOR, "[data-modal='submit']").click()
    page.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".modal"))
    page.until(lambda d: "Golden paths & <paved> roads" in _coffee(page).text)

    # a member proposes with the command
    page.act_as("UMEMBER")
    page.type("/coffee propose Platform *maturity* models")
    # drawn as Slack draws the mrkdwn it is sent (the bot escapes only &, < and >)
    page.until(lambda d: "Platform maturity models" in _coffee(page).text)
    assert _coffee(page).find_elements(By.XPATH, ".//b[normalize-space()='maturity']")

    _until_the_coffee_shows(page, "Voting is open")
    page.save("lean-coffee-voting")
    for person, topics in (("UMEMBER", ("Golden", "Platform")), ("UORGANISER", ("Golden",))):
        page.act_as(person)
        for words in topics:
            vote = (
                f".//div[contains(@class,'bk-section')][contains(., '{words}')]"
                "//button[normalize-space()='Vote']"
            )
            page.click(lambda v=vote: _coffee(page).find_element(By.XPATH, v))
            page.message_with("votes left")
    page.advance("day")
    agenda = page.message_with("Agenda ·")
    lines = agenda.text
    assert "Golden paths & <paved> roads · ▇▇ 2 votes" in lines
    assert "Platform maturity models · ▇ 1 vote" in lines
    assert lines.index("Golden") < lines.index("Platform")


def test_mrkdwn_and_blocks_are_drawn_as_slack_draws_them(page: Page) -> None:
    client = WebClient(base_url=page.box.url + "/api/", token="xoxb-sandbox")
    text = (
        "*bold* _italic_ ~struck~ `co*de*` <https://example.org/a?b=1&amp;c=2|a link> "
        "<@UMEMBER> <#C0WGPLAT> &lt;b&gt;not bold&lt;/b&gt; &amp; co "
        "<!date^1700000000^{date_num} at {time}|14 Nov 2023, 22:13 UTC>"
    )
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "A *plain* header"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "rich_text", "elements": [
            {"type": "rich_text_section", "elements": [{"type": "text", "text": "rich"}]}]},
        {"type": "actions", "elements": [
            {"type": "users_select", "action_id": "who",
             "placeholder": {"type": "plain_text", "text": "Someone"}}]},
    ]  # fmt: skip
    client.chat_postMessage(channel=CHANNEL, text="fallback", blocks=blocks)
    page.open("UORGANISER")
    shown = page.message_with("not bold")
    body = shown.find_element(By.CSS_SELECTOR, ".bk-section .bk-text")
    assert body.find_element(By.TAG_NAME, "b").text == "bold"
    assert body.find_element(By.TAG_NAME, "i").text == "italic"
    assert body.find_element(By.TAG_NAME, "s").text == "struck"
    assert body.find_element(By.TAG_NAME, "code").text == "co*de*"  # nothing styled in code
    link = body.find_element(By.LINK_TEXT, "a link")
    assert link.get_attribute("href") == "https://example.org/a?b=1&c=2"
    assert "@Max Member" in body.text and "#wg-platforms" in body.text
    assert "<b>not bold</b> & co" in body.text  # escaped text shown literally
    assert len(body.find_elements(By.TAG_NAME, "b")) == 1
    date = body.find_element(By.CSS_SELECTOR, "time.date")
    assert date.get_attribute("title") == "14 Nov 2023, 22:13 UTC"
    expected = page.js(
        "const d = new Date(1700000000 * 1000);"
        "return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-"
        "${String(d.getDate()).padStart(2, '0')}`"
    )  # the reader's own zone, whatever the browser's is
    assert date.text.startswith(expected + " at ")
    assert shown.find_element(By.CSS_SELECTOR, ".bk-header").text == "A *plain* header"
    unsupported = [e.text for e in shown.find_elements(By.CSS_SELECTOR, ".unsupported")]
    assert unsupported == ["unsupported block: rich_text"]
    # a users_select is Slack's picker of the workspace's people
    picker = shown.find_element(By.CSS_SELECTOR, "button.bk-menu[data-type='users_select']")
    assert picker.text == "Someone"


def test_a_page_of_200_messages_redraws_only_the_one_that_changed(page: Page) -> None:
    client = WebClient(base_url=page.box.url + "/api/", token="xoxb-sandbox")
    stamps = [
        client.chat_postMessage(channel=CHANNEL, text=f"Message {n}")["ts"] for n in range(200)
    ]
    page.open("UMEMBER")
    page.until(lambda d: len(page.messages(visible=False)) >= 200)
    page.js(
        "window.kept = new Map([...document.querySelectorAll('#messages > .msg')]"
        ".map(m => [m.dataset.key, m])); window.before = sandbox.redraws;"
    )
    client.chat_update(channel=CHANNEL, ts=stamps[100], text="Message 100, *redrawn*")
    page.message_with("Message 100, redrawn")
    same = page.js(
        "const key = arguments[0]; let same = 0;"
        "document.querySelectorAll('#messages > .msg').forEach(m => {"
        "  if (m.dataset.key !== key && window.kept.get(m.dataset.key) === m) same += 1; });"
        "return [sandbox.redraws - window.before, same, window.kept.size];",
        f"{CHANNEL}/{stamps[100]}",
    )
    redrawn, untouched, total = same
    assert redrawn == 1 and untouched == total - 1


def test_a_menu_opens_on_a_click_and_holds_what_was_picked(page: Page) -> None:
    client = WebClient(base_url=page.box.url + "/api/", token="xoxb-sandbox")
    first = {"text": {"type": "plain_text", "text": "Berlin <3"}, "value": "ber"}
    groups = [
        {"label": {"type": "plain_text", "text": "Europe"}, "options": [
            first, {"text": {"type": "plain_text", "text": "London"}, "value": "lon"}]},
        {"label": {"type": "plain_text", "text": "Americas"}, "options": [
            {"text": {"type": "plain_text", "text": "Toronto :tada:"}, "value": "yyz"}]},
    ]  # fmt: skip
    blocks = [
        {"type": "section", "block_id": "where", "text": {"type": "mrkdwn", "text": "Where?"},
         "accessory": {"type": "static_select", "action_id": "city", "option_groups": groups,
                       "initial_option": first}},
    ]  # fmt: skip
    client.chat_postMessage(channel=CHANNEL, text="where", blocks=blocks)
    page.open("UMEMBER")
    shown = page.message_with("Where?")
    menu = shown.find_element(By.CSS_SELECTOR, ".bk-menu")
    assert menu.text == "Berlin <3"  # the initial option, shown literally
    menu.click()
    listed = shown.find_element(By.CSS_SELECTOR, ".bk-menu-list")
    groups_shown = [g.text for g in listed.find_elements(By.CSS_SELECTOR, ".bk-option-group")]
    assert groups_shown == ["Europe", "Americas"]
    options = listed.find_elements(By.CSS_SELECTOR, "[role='option']")
    assert [o.text for o in options] == ["Berlin <3", "London", "Toronto 🎉"]
    assert [o.get_attribute("aria-selected") for o in options] == ["true", "false", "false"]
    assert menu.get_attribute("aria-expanded") == "true"

    # Escape closes it, and so does a second click; nothing was picked
    page.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    assert not shown.find_elements(By.CSS_SELECTOR, ".bk-menu-list")
    menu.click()
    menu.click()
    assert not shown.find_elements(By.CSS_SELECTOR, ".bk-menu-list")
    assert menu.get_attribute("aria-expanded") == "false"

    # what a pick sends is Slack's shape: the option itself, in the action and in the state
    # (kept on the page: the app has no listener for this made-up menu)
    page.js(
        "window.sent = []; const real = WebSocket.prototype.send;"
        "WebSocket.prototype.send = function (d) { const r = JSON.parse(d);"
        "  if (r.route === 'action') window.sent.push(r); else real.call(this, d); };"
    )
    menu.click()
    shown.find_element(By.XPATH, ".//*[@role='option'][starts-with(., 'Toronto')]").click()
    body = page.until(lambda d: page.js("return window.sent"))[0]["body"]
    toronto = {"text": {"type": "plain_text", "text": "Toronto :tada:"}, "value": "yyz"}
    assert body["action"] == {"action_id": "city", "block_id": "where", "type": "static_select",
                              "selected_option": toronto}  # fmt: skip
    assert body["state"] == {"where": {"city": {"type": "static_select",
                                                "selected_option": toronto}}}  # fmt: skip
    assert menu.text == "Toronto 🎉" and not shown.find_elements(By.CSS_SELECTOR, ".bk-menu-list")


def test_the_composer_empties_with_the_answer_and_keeps_what_was_typed_meanwhile(
    page: Page,
) -> None:
    page.open("UMEMBER")
    page.type("/talks platform-day")
    page.message_with("14 talks")
    page.until(lambda d: d.find_element(By.ID, "compose").get_attribute("value") == "")

    # the box still holds the command while it is on its way (emptied with the answer's own
    # frame); someone types the next one meanwhile: that stays in the box
    page.js(
        "const real = WebSocket.prototype.send;"
        "WebSocket.prototype.send = function (d) { real.call(this, d);"
        "  if (JSON.parse(d).route !== 'command') return;"
        "  const box = document.getElementById('compose');"
        "  window.whileSent = box.value; box.value = '/speakers abby';"
        "  WebSocket.prototype.send = real; };"
    )
    page.type("/speakers whitney lee")
    # her answer, after the /talks one that names her too
    page.until(lambda d: len([m for m in page.messages() if "Whitney Lee" in m.text]) >= 2)
    page.until(lambda d: d.execute_script("return sandbox.lastCommand.ack_seconds !== undefined"))
    assert page.js("return window.whileSent") == "/speakers whitney lee"
    assert page.driver.find_element(By.ID, "compose").get_attribute("value") == "/speakers abby"
