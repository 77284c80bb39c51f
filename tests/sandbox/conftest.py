"""The sandbox in this process, and Debian's headless Chromium driven through its own
chromidriver (nothing is downloaded): the tests use the page as a person does and wait on what
the page shows, never on time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import IsolatedSettings
from bot.sandbox.server import Sandbox, sandbox_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT = 30.0  # seconds: a ceiling for a loaded machine; every wait returns as soon as it holds

try:
    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover - the test extra installs it
    webdriver = None  # type: ignore[assignment]

MISSING = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
if webdriver is None:
    MISSING.append("selenium (pip install -e '.[test]')")
needs_browser = pytest.mark.skipif(
    bool(MISSING),
    reason="the browser tests need Debian's chromium and chromium-driver "
    f"(apt-get install -y chromium chromium-driver); missing: {', '.join(MISSING)}",
)


@pytest.fixture(scope="session")
def browser() -> Iterator[WebDriver]:
    if MISSING:
        pytest.skip(f"no browser: missing {', '.join(MISSING)}")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,860", "--lang=en-GB"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    yield driver
    driver.quit()


# The page's clock starts on a fixed day, whatever today is: a Wednesday morning, so the next
# meetup (Tuesday 17 March, 16:00 London) collects topics from Saturday and votes from Monday,
# each a whole step of a day away. Started on the real day, a Monday evening would find that
# meetup already voting with no topics.
START = dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    settings = sandbox_settings(IsolatedSettings(), tmp_path / "sandbox")
    box = Sandbox(settings, "127.0.0.1", 0, start=START).start()
    yield box
    assert box.deliver is not None
    box.deliver.wait_checked()
    box.stop()
    # the app refused nothing the page sent, and sent nothing Slack would refuse
    wrong = [
        n.text for n in box.workspace.notices if "answered HTTP" in n.text or "refuse" in n.text
    ]
    refused = [m.refused for m in box.workspace.messages.values() if m.refused]
    assert not wrong and not refused, (wrong, refused)


@pytest.fixture
def shots(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: --screenshots DIR (the README's: docs/screenshots), else the run's
    temporary folder, as the run's artifacts."""
    wanted = request.config.getoption("--screenshots")
    if wanted:  # relative to where pytest was started (each test runs in a folder of its own)
        folder = request.config.invocation_params.dir / wanted
    else:
        folder = tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Page:
    """The sandbox page as a person uses it."""

    def __init__(self, driver: WebDriver, box: Sandbox, shots: Path) -> None:
        self.driver, self.box, self.shots = driver, box, shots

    def open(self, person: str = "UMEMBER", surface: str = "channel") -> Page:
        self.driver.get(f"{self.box.url}/?as={person}&surface={surface}")
        self.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready"))
        return self

    def until(self, check: Callable[[Any], Any], timeout: float = WAIT) -> Any:
        return WebDriverWait(
            self.driver,
            timeout,
            poll_frequency=0.05,
            ignored_exceptions=[StaleElementReferenceException],
        ).until(check)

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    # ---- acting ----
    def type(self, line: str) -> None:
        box = self.driver.find_element(By.ID, "compose")
        box.clear()
        box.send_keys(line + "\n")

    def surface(self, name: str) -> None:
        self.driver.find_element(By.ID, f"nav-{name}").click()

    def act_as(self, person: str) -> None:
        self.js(
            "const s = document.getElementById('person'); s.value = arguments[0];"
            "s.dispatchEvent(new Event('change'));",
            person,
        )

    def advance(self, step: str) -> None:
        before = self.js("return sandbox.seq")
        self.driver.find_element(By.CSS_SELECTOR, f"[data-step='{step}']").click()
        self.until(lambda d: self.js("return sandbox.seq") > before)
        self.until(lambda d: d.find_element(By.CSS_SELECTOR, f"[data-step='{step}']").is_enabled())

    def click(self, find: Callable[[], WebElement]) -> None:
        """Click what `find` finds, found again if the page redrew it in between (a message
        is replaced whole when the bot updates it): a stale element was never clicked."""

        def attempt(_: Any) -> bool:
            element = find()
            self.js("arguments[0].scrollIntoView({block: 'center'});", element)
            element.click()
            return True

        self.until(attempt)

    # ---- reading ----
    def messages(self, visible: bool = True) -> list[WebElement]:
        found = self.driver.find_elements(By.CSS_SELECTOR, "#messages > .msg")
        return [m for m in found if m.is_displayed()] if visible else found

    def message_with(self, text: str) -> WebElement:
        """The latest message in view that shows `text`, once there is one."""

        def look(_: Any) -> WebElement | bool:
            hits = [m for m in self.messages() if text in m.text]
            return hits[-1] if hits else False

        found: WebElement = self.until(look)
        return found

    def save(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path


@pytest.fixture
def page(browser: WebDriver, sandbox: Sandbox, shots: Path) -> Page:
    return Page(browser, sandbox, shots)
