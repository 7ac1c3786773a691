"""Browser tests: one Chromium for the whole session, a live server, axe-core, screenshots.

Loaded from tests/conftest.py (`pytest_plugins`). Tests that use these fixtures are marked
`browser`; they run once, in the first (SQLite) pass of `make test`.

The browser is Debian's Chromium (`/usr/bin/chromium`, or `$CHROMIUM`); `make test` installs it
with apt-get when it is missing. Nothing is ever downloaded at run time.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import sync_playwright

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu"]
WIDTHS = (1280, 375)
# axe-core impacts that fail a test; "moderate" and "minor" ones are reported but do not fail.
BLOCKING_IMPACTS = {"serious", "critical"}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(
            f"No Chromium at {path}: run `make test` (it installs Debian's chromium with apt-get) "
            "or set CHROMIUM=/path/to/chromium. Browser tests never download a browser."
        )
    return path


def screenshot_dir() -> Path:
    return Path(os.environ.get("SCREENSHOT_DIR") or Path(settings.BASE_DIR) / "var" / "screenshots")


def pytest_collection_modifyitems(config, items):
    """Run browser tests last, so the rest of the suite runs with Django's async-safety check on."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole test session; each test gets fresh contexts from it.

    Playwright's sync API keeps an asyncio loop running in this thread, which Django reads as
    "called from async code" and refuses database access. The test code here is synchronous
    (the loop only drives the browser), so the check is switched off while the browser is up,
    and browser tests run after all others (pytest_collection_modifyitems above).
    """
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
            yield chromium
            chromium.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


class Visitor:
    """A person at a browser: a page in its own context (cookies), plus checks every step makes."""

    def __init__(self, browser, base_url: str, journey: str, *, locale: str = "en-GB", color_scheme: str = "light"):
        self.base_url = base_url
        self.journey = journey
        self.context = browser.new_context(
            viewport={"width": WIDTHS[0], "height": 900},
            locale=locale,
            color_scheme=color_scheme,
            accept_downloads=True,
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.expected_failures: set[str] = set()  # pages loaded on purpose with a 4xx status
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.console_errors.append(f"page error: {exc}"))
        self.step = 0

    def _on_console(self, message):
        # A CSP violation, a missing file or a script error shows up here.
        if message.type != "error":
            return
        if message.text.startswith("Failed to load resource") and message.location.get("url") in self.expected_failures:
            return
        self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str, *, status: int = 200):
        if status >= 400:
            self.expected_failures.add(self.url(path))
        response = self.page.goto(self.url(path))
        assert response is not None and response.status == status, (path, response and response.status)
        return response

    def shot(self, name: str) -> list[Path]:
        """Screenshot the current page at 1280 and 375 px wide (full page), then go back to 1280."""
        self.step += 1
        folder = screenshot_dir() / self.journey
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{self.page.url} is {overflow}px wider than a {width}px screen"
            path = folder / f"{self.step:02d}-{name}-{width}.png"
            self.page.screenshot(path=str(path), full_page=True)
            paths.append(path)
        self.page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        return paths

    def assert_accessible(self):
        """axe-core on the current page, every rule (WCAG 2.0-2.2 A/AA and best practices):
        no serious or critical violation."""
        results = Axe().run(self.page)
        blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"{self.page.url}:\n" + "\n".join(
            f"  {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:5]]}" for v in blocking
        )

    def assert_no_console_errors(self):
        assert not self.console_errors, self.console_errors

    def close(self):
        self.context.close()


@pytest.fixture
def visitor_factory(live_server, browser):
    """Make visitors (each with its own cookies) for a journey; every one is checked for console errors.

    live_server comes first so that it is torn down last: the browser must close its keep-alive
    connections while the server's shared SQLite connection is still shareable.
    """
    visitors = []

    def make(journey: str, **options) -> Visitor:
        visitor = Visitor(browser, live_server.url, journey, **options)
        visitors.append(visitor)
        return visitor

    yield make
    for visitor in visitors:
        try:
            visitor.assert_no_console_errors()
        finally:
            visitor.close()


@pytest.fixture
def live_published(transactional_db, demo_content, content_dir, settings):
    """The demo content published into the database the live server reads (committed: the
    database is emptied after each live-server test)."""
    settings.CONTENT_DIR = content_dir
    demo_content.restore()
    return content_dir


def text_of(page, selector: str) -> str:
    """The text of the first match as written in the HTML (not as CSS transforms it)."""
    return re.sub(r"\s+", " ", page.locator(selector).first.text_content() or "").strip()


def sign_in(visitor, email: str, password: str, *, next_url: str = "/", totp_secret: str | None = None) -> None:
    """Through the real sign-in form (and the authenticator-code step for staff), landing on `next_url`."""
    from tests.conftest import totp_code

    page = visitor.page
    visitor.goto(f"/accounts/login/?next={next_url}")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    if totp_secret is not None:
        page.fill("input[name=code]", totp_code(totp_secret, valid_for=8))
        page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(visitor.url(next_url))


# Each term of a definition list with its value: the value beside the term (same row, to its right)
# or directly under it (same left edge). A list whose values drift onto the next term's row fails.
_DL_PAIRS_JS = """
() => [...document.querySelectorAll('main dl')].flatMap(dl => [...dl.querySelectorAll('dt')].map(dt => {
  const dd = dt.nextElementSibling;
  if (!dd || dd.tagName !== 'DD') return {term: dt.textContent.trim(), problem: 'no value follows the term'};
  const t = dt.getBoundingClientRect(), d = dd.getBoundingClientRect();
  const beside = Math.abs(d.top - t.top) < 6 && d.left >= t.right - 1;
  const below = d.top >= t.bottom - 1 && Math.abs(d.left - t.left) < 2;
  const at = r => `(${Math.round(r.left)}, ${Math.round(r.top)})`;
  return beside || below ? null : {term: dt.textContent.trim(), problem: `value at ${at(d)}, term at ${at(t)}`};
}).filter(Boolean))
"""


def assert_definition_lists_aligned(page) -> None:
    """Every term on the page sits beside or directly above its own value."""
    misplaced = page.evaluate(_DL_PAIRS_JS)
    assert not misplaced, f"{page.url} at {page.viewport_size['width']} px: {misplaced}"
