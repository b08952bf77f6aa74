"""A real browser for the web app's tests: Playwright driving Debian's ``chromium`` (apt; no
browser download), headless, once per session, and a fresh page per test that fails the test
when the page asks anything of another origin, logs a console error or a JavaScript exception,
or breaks its Content-Security-Policy.

The fixtures are registered once, by ``tests/integration/api/conftest.py`` (they need the
``api`` fixture of the app under test; imported into several modules, the session-scoped browser
would start once per module, and a second Playwright cannot start beside the first):

    def test_signin(page, api, browser_events):
        browser_events.allow(r"status of 401")     # a console error this test expects
        page.goto(api["url"] + "/app/signin")

``with_axe(page)`` before ``page.goto`` and ``axe_violations(page)`` after it run axe-core.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
AXE = Path(__file__).resolve().parents[1] / "data" / "vendor" / "axe-core-4.14.1" / "axe.min.js"
# Reported as console errors too, with the blocked URL: a CSP violation is never missed.
CSP_REPORTER = """document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});"""


@dataclass
class BrowserEvents:
    """What a page did that a test must not pass with: requests to other origins (aborted),
    console errors and uncaught exceptions, except those a test allows by pattern."""

    origin: str
    outside_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    requested_urls: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def problems(self) -> list[str]:
        errors = [text for text in self.console_errors if not any(p.search(text) for p in self.allowed)]
        return [f"outside request: {url}" for url in self.outside_requests] + [f"console: {e}" for e in errors]


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# Package scope, not session: Playwright's sync API runs an event loop in this thread while it
# is started, so every later asyncio.run() in the session (unit tests) would fail beside it.
@pytest.fixture(scope="package")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_events(api) -> BrowserEvents:
    return BrowserEvents(origin_of(api["url"]))


@pytest.fixture
def page(browser, browser_events: BrowserEvents) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(CSP_REPORTER)
    tab = context.new_page()

    def guard(route):
        url = route.request.url
        browser_events.requested_urls.append(url)
        if url.startswith(("data:", "blob:")) or origin_of(url) == browser_events.origin:
            route.continue_()
        else:
            browser_events.outside_requests.append(url)
            route.abort()

    tab.route("**/*", guard)
    tab.on("console", lambda message: message.type == "error" and browser_events.console_errors.append(
        f"{message.text} ({message.location.get('url', '')})"))
    tab.on("pageerror", lambda error: browser_events.console_errors.append(f"uncaught: {error}"))
    yield tab
    context.close()
    problems = browser_events.problems()
    if problems:
        pytest.fail("the page broke the browser rules:\n" + "\n".join(problems), pytrace=False)


def with_axe(page: Page) -> None:
    """Load axe-core into every document ``page`` opens from now on (as an init script: the
    pages' CSP refuses injected script tags, as it should)."""
    page.add_init_script(path=str(AXE))


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """axe-core's violations of ``impacts`` on the page as it is now."""
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                              nodes: v.nodes.map((n) => n.target.join(" "))}));
    }""")
    return [violation for violation in found if violation["impact"] in impacts]


def save_screenshot(page: Page, name: str) -> Path | None:
    """A PNG of ``page`` as ``<name>.png`` in ``$LEXRAY_SCREENSHOTS_DIR`` when that is set (the
    README's screenshots are made so: ``LEXRAY_SCREENSHOTS_DIR=docs/screenshots pytest ...``);
    None otherwise, so ordinary runs leave the tree alone."""
    folder = os.environ.get("LEXRAY_SCREENSHOTS_DIR")
    if not folder:
        return None
    path = Path(folder) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=False)
    return path
