"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

The live server is a WSGI thread that shares the test database (``transactional_db``), so a test
builds its data with the real services and then checks what a user sees in the browser. Static
files come through ``django.contrib.staticfiles``, as in development.

Without chromium the tests are skipped with the reason; CI sets ``GUANXI_REQUIRE_BROWSER=1`` so that
a missing browser fails the run instead of passing it silently. ``GUANXI_E2E_SCREENSHOTS=<dir>``
saves a screenshot of every page the layout test visits.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

CHROMIUM = Path(os.environ.get("GUANXI_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-gpu"]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 812}
# Generous, for a busy CI machine; a passing step never waits for it.
TIMEOUT_MS = 15_000


def _browser_required() -> bool:
    return os.environ.get("GUANXI_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}


def _unavailable(reason: str):
    if _browser_required():
        pytest.fail(f"{reason}, and GUANXI_REQUIRE_BROWSER=1 demands the browser tests run", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"browser tests need chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable("browser tests need the playwright Python package")
    expect.set_options(timeout=TIMEOUT_MS)
    # Playwright's sync API keeps an asyncio loop marked as running in this thread, and Django
    # refuses ORM calls under a running loop. The tests call services between browser steps on
    # purpose, so the guard is lifted while the browser is up: for this package only (one chromium
    # for all browser tests), and put back afterwards so the rest of the suite keeps it.
    patch = pytest.MonkeyPatch()
    patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
            yield chromium
            chromium.close()
    finally:
        patch.undo()


class PageProblems:
    """JavaScript errors and failed responses seen by a page, checked after each test."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"JavaScript error: {exc}"))
        page.on("response", self._response)

    def _response(self, response):
        # The WSGI live server has no websocket endpoint; the notification socket retries quietly.
        if response.status >= 500 or (response.status == 404 and "/static/" in response.url):
            self.errors.append(f"{response.status} {response.request.method} {response.url}")


class ServerGate:
    """Lets the live server answer requests while a test's browser is open, and none after it closes.

    Closing a browser context cancels its requests on the browser's side only: a request the browser
    sent just before (a late htmx fragment, the notification socket's retry) may still reach the server
    thread, even after it was accepted from the socket's backlog. On SQLite the live server shares the
    test's one connection, so such a request reading a table while the database flush after the test
    deletes it fails the flush with "database table is locked"; on PostgreSQL the TRUNCATE queues behind
    its open transaction. Counting requests from Django's ``request_started`` leaves a window between
    the accept and that signal, so the gate wraps the whole WSGI application instead: a request is
    counted, or refused with 503 without touching the database, under one lock, and closing the gate
    waits until the counted ones have finished (their response bodies included).
    """

    def __init__(self):
        self.active = 0
        self.is_open = False
        self.changed = threading.Condition()

    def wrap(self, app):
        def gated(environ, start_response):
            with self.changed:
                if not self.is_open:
                    start_response("503 Service Unavailable", [("Content-Type", "text/plain"), ("Connection", "close")])
                    return [b"the test that opened the browser has ended"]
                self.active += 1
            try:
                body = app(environ, start_response)
            except BaseException:
                self._done()
                raise
            return _ClosingBody(body, self._done)

        return gated

    def _done(self):
        with self.changed:
            self.active -= 1
            self.changed.notify_all()

    def open(self):
        with self.changed:
            self.is_open = True

    def close(self, timeout: float = TIMEOUT_MS / 1000) -> bool:
        with self.changed:
            self.is_open = False
            return self.changed.wait_for(lambda: self.active == 0, timeout=timeout)


class _ClosingBody:
    """A WSGI response body that tells the gate when the server has closed it."""

    def __init__(self, body, done):
        self.body, self.done, self.closed = body, done, False

    def __iter__(self):
        return iter(self.body)

    def close(self):
        if self.closed:
            return
        self.closed = True
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.done()


@pytest.fixture(scope="session")
def _server_gate(live_server):
    gate = ServerGate()
    httpd = live_server.thread.httpd
    httpd.set_app(gate.wrap(httpd.get_app()))
    return gate


@pytest.fixture
def server_requests(_server_gate):
    _server_gate.open()
    yield _server_gate
    _server_gate.close()


@pytest.fixture
def open_page(browser, live_server, server_requests):
    """Open a fresh browser context (own cookies) at a viewport; yields pages bound to the live server."""
    contexts, problems = [], []

    def open_(viewport=DESKTOP):
        # Reduced motion turns Bootstrap's collapse and fade transitions off, so that a click never lands
        # on a layout that is still moving.
        context = browser.new_context(
            viewport=viewport, base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", reduced_motion="reduce"
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        problems.append(PageProblems(page))
        return page

    yield open_
    for context in contexts:
        for open_tab in context.pages:
            open_tab.goto("about:blank")  # stops the page's scripts, so no new request starts
        context.close()
    assert server_requests.close(), "the live server still had requests running after the browser closed"
    errors = [error for seen in problems for error in seen.errors]
    assert not errors, "the browser saw problems:\n" + "\n".join(errors)


@pytest.fixture
def page(open_page):
    return open_page(DESKTOP)


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the log-in form, as a user does."""
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/workspace/$"))


@pytest.fixture
def rep(make_user):
    return make_user("rep", display_name="王小明")
