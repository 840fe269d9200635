"""Browser tests: headless Debian Chromium driven by Playwright's sync API against pytest-django's live server.

Every browser test gets a fresh transactional database with the shared cast (see the root conftest),
a live server that sees that data, and new browser contexts (desktop size and zh-CN locale unless told).
"""

import contextlib
import os
import re
from collections.abc import Callable, Generator, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Geolocation, Page, Playwright, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from bench.pageload import ProductionLiveServer, collect_static
from conftest import Cast, build_cast

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}, "locale": "zh-CN"}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "locale": "zh-CN",
    "is_mobile": True,
    "has_touch": True,
}
TIMEOUT_MS = 20_000  # generous: `make test` runs these next to other workers on a busy machine
expect.set_options(timeout=TIMEOUT_MS)

NewPage = Callable[..., Page]


def fresh_fix(page: Page, where: Geolocation | Mapping[str, float]) -> None:
    """Puts the phone at `where` with a position read now. Chromium stamps an emulated position with the time
    the override was set, not the time a page reads it: a position set as a long test starts reaches the server
    older than its maximum age on a busy machine, and the check-out is then refused as stale, as it should be."""
    fix = Geolocation(latitude=where["latitude"], longitude=where["longitude"])
    if "accuracy" in where:  # without it Chromium reports 0 m, which the server refuses
        fix["accuracy"] = where["accuracy"]
    page.context.set_geolocation(fix)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    setattr(item, f"rep_{report.when}", report)  # read by the page fixtures' teardown
    return report


@pytest.fixture(scope="session")
def playwright(django_db_setup: None) -> Iterator[Playwright]:
    # Playwright's sync API leaves an event loop "running" in this thread until it stops, and Django
    # then refuses ORM calls from it (SynchronousOnlyOperation). Allow them while the browser lives.
    # Depending on django_db_setup makes the test database outlive the browser (teardown order).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    p = sync_playwright().start()
    try:
        yield p
    finally:
        p.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def live_cast(transactional_db: None) -> Cast:
    """The shared cast, committed so the live server thread sees it."""
    return build_cast()


def _screenshot_on_failure(request: pytest.FixtureRequest, page: Page, suffix: str) -> None:
    rep = getattr(request.node, "rep_call", None)
    if rep is None or not rep.failed or page.is_closed():
        return
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    with contextlib.suppress(Exception):  # a missing screenshot must not hide the real failure
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{name}{suffix}.png"), full_page=True)


@pytest.fixture
def new_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[NewPage]:
    """new_page(**context_options): a page in a fresh context (own cookies). Closed after the test."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> Page:
        context = browser.new_context(**{**DESKTOP, **options})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for i, context in enumerate(contexts):
        for j, page in enumerate(context.pages):
            _screenshot_on_failure(request, page, suffix=f"-{i}-{j}" if i or j else "")
        context.close()


@pytest.fixture
def page(new_page: NewPage) -> Page:
    """A desktop-sized page (1280x800, zh-CN) in its own context."""
    return new_page()


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The static files as production's collectstatic leaves them (hashed names, gzip and brotli copies)."""
    return collect_static(tmp_path_factory.mktemp("static"))


@pytest.fixture
def production_server(collected_static: Path, transactional_db: None) -> Iterator[ProductionLiveServer]:
    server = ProductionLiveServer(collected_static)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def login(page: Page, live_server: LiveServer | ProductionLiveServer, username: str, password: str) -> None:
    """Sign in through the login form and wait for the home page: the overview for a leader or an
    administrator, Today for a rep."""
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_url(re.compile(rf"^{re.escape(live_server.url)}/(today/)?$"))


def outbox_ready(page: Page) -> None:
    """Wait until the page's outbox script (deferred) has run: before that, a form's submit is not the outbox's,
    and offline it would fail like any form without one."""
    page.wait_for_function("window.fieldloopOutbox !== undefined")


def signal_returns(page: Page) -> None:
    """The phone has a signal again: the browser says so (navigator.onLine, which the outbox reads before it
    tries anything) and the page hears the `online` event that flushes the outbox."""
    page.context.set_offline(False)
    page.wait_for_function("navigator.onLine")
    page.evaluate("window.dispatchEvent(new Event('online'))")


def htmx_settled(page: Page) -> None:
    """Wait until no htmx request is in flight and every swap has settled. htmx wires the triggers of swapped-in
    content only when it settles (20 ms after the swap): an event fired on new content before then is lost, and
    a locator that matches the new content says nothing about it being live yet."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def kept_on_the_device(page: Page) -> None:
    """Wait until the service worker has kept the page in its cache (it opens offline). Read with
    caches.match, which never creates the cache (only the worker writes to it)."""
    page.evaluate("navigator.serviceWorker.ready")
    kept = "caches.match(location.href, {cacheName: 'fieldloop-pages'}).then(Boolean)"
    for _ in range(TIMEOUT_MS // 100):  # evaluate awaits the promise
        if page.evaluate(kept):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{page.url} was not kept on the device")
