"""Real-browser fixtures: Debian's Chromium, driven by Playwright, against the app on waitress.

The browser is the system's `/usr/bin/chromium` (scripts/test installs it with `fonts-noto-cjk`);
Playwright never downloads one. Without either, every browser test skips with the reason.

Fixtures, from the outside in:
- `browser` (session): one Chromium for the whole run.
- `kiosk_settings`: the app's Settings over the test database; override it to change the config.
- `live_events`: the app's SSE Broadcaster, to push scan results and door notices to the page.
- `live_kiosk`: the real app on 127.0.0.1 on a free port, over the `ctx` locker; yields its URL.
- `viewport`: portrait 1080×1920; parametrize `viewport` with `screens.VIEWPORTS` for both.
- `page`: a fresh context and page per test, with `live_kiosk` as base URL, so `page.goto("/")`.
- `screenshot`: `screenshot("step")` saves the page to ARTIFACTS/<test name>-<step>.png
  (`of=` another page, such as the demo cabinet beside the kiosk).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from flask import Flask

from locker.boards.in_memory import InMemoryBoard
from locker.config import Settings
from locker.services.context import LockerContext
from locker.web import create_app
from locker.web.live_events import Broadcaster
from tests.browser.screens import PORTRAIT
from tests.support.fakes import FakeClock
from tests.support.waitress_thread import served_in_thread

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the browser tests skip; the rest of the suite does not need Playwright
    sync_playwright = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    # The network is closed: any name the browser tries to resolve fails at once instead of
    # waiting on DNS. The page under test is always an IP literal, which is never resolved.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    # As the kiosk's own unit (deploy/locker-kiosk-browser.service.in): a result page plays
    # its chime and door number with no tap.
    "--autoplay-policy=no-user-gesture-required",
]
TIMEOUT_MS = 10_000  # every Playwright wait: navigation, locators and expect()
SERVER_STOP_TIMEOUT_S = 5.0

SUPPORT_CONTACT = "400-555-0100"
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = (
    Path(os.environ.get("LOCKER_TEST_ARTIFACTS", REPO / "var" / "test-artifacts")) / "screens"
)
LOCAL_HOSTS = {"127.0.0.1"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, launched once; Playwright decides headless and never downloads one."""
    if sync_playwright is None:
        pytest.skip("the playwright package is not installed: pip install -e '.[dev]'")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        yield launched
        launched.close()


@pytest.fixture
def kiosk_settings(db_path: Path) -> Settings:
    """The served app's settings: the test database and a known support contact."""
    return Settings(db=db_path, support_contact=SUPPORT_CONTACT)


@pytest.fixture
def live_events() -> Broadcaster:
    """The served app's Server-Sent Events hub: `live_events.publish({...})` pushes to the page."""
    return Broadcaster()


@pytest.fixture
def kiosk_app(
    ctx: LockerContext,
    board: InMemoryBoard,
    clock: FakeClock,
    live_events: Broadcaster,
    kiosk_settings: Settings,
) -> Flask:
    """The app under test; a test module overrides this to serve a fuller stack (the demo)."""
    return create_app(kiosk_settings, board=board, clock=clock, live=live_events)


@pytest.fixture
def live_kiosk(kiosk_app: Flask, live_events: Broadcaster) -> Iterator[str]:
    """The real app, served by waitress on 127.0.0.1 in a thread; yields its base URL.

    It shares the database, the InMemoryBoard and the FakeClock with `ctx`, so
    `courier.deposit()`, `board` calls and `clock.advance()` in the test show up in the browser,
    and `live_events` with the page's event stream.
    """
    # A worker serving /events sits in its inbox until the next heartbeat (about a second)
    # before it sees that the page is gone. An event that renders nothing makes it write, fail,
    # and return.
    with served_in_thread(
        kiosk_app,
        threads=8,
        name="live-kiosk",
        timeout_s=SERVER_STOP_TIMEOUT_S,
        after_loop=lambda: live_events.publish({"kind": "server-stopping"}),
    ) as running:
        yield running.url
    assert not running.thread.is_alive(), "the kiosk server did not stop"


@pytest.fixture
def viewport() -> dict[str, int]:
    """The screen size; the kiosk's own screen is portrait."""
    return PORTRAIT


@pytest.fixture
def page(browser: Browser, live_kiosk: str, viewport: dict[str, int]) -> Iterator[Page]:
    """A fresh browser context per test, on the live kiosk; fails the test on a non-local request
    or an uncaught script error."""
    context = browser.new_context(base_url=live_kiosk, viewport=viewport, device_scale_factor=1)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    outside: list[str] = []

    def local_only(route: Route) -> None:
        # A kiosk runs offline: a font, script or image from elsewhere would be missing there.
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", local_only)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not outside, f"the page asked for non-local resources: {outside}"
    assert not errors, f"script errors on the page: {errors}"


@pytest.fixture
def screenshot(page: Page, request: pytest.FixtureRequest) -> Callable[..., Path]:
    """`screenshot(step)` saves what the screen shows to ARTIFACTS/<test name>-<step>.png."""
    test_name = re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")

    def take(step: str, full_page: bool = False, of: Page | None = None) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{test_name}-{step}.png"
        (of or page).screenshot(path=path, full_page=full_page, animations="disabled")
        return path

    return take
