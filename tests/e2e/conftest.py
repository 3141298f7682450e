"""Browser journeys in headless Chromium (Playwright's sync API driving Debian's /usr/bin/chromium).

What every browser test gets from here:

- ``demo``: the live server (pytest-django's ``live_server``) with ``load_demo`` loaded into its
  database. The database is a ``transactional_db`` (the server thread must see the writes) with a
  serialized rollback, so the rows the migrations seed (the 三会一课 cadence rules) come back for
  the tests that run after a flush. load_demo runs at most once per test worker; every journey
  gets its rows back from a snapshot (``tests/demo_snapshot.py``).
- Every browser context prefers reduced motion, as a phone can be set to: Bootstrap then opens
  the menu and collapses without its 0.35 s transitions, which a journey would otherwise wait
  out on every page (the layout walk: 20 s of its 31).
- ``phone`` (375 × 812, touch) and ``desktop`` (1366 × 768): a :class:`Screen` each, i.e. its own
  browser context (own cookies: two people can work side by side), a ``shot(step)`` that saves
  ``e2e-artifacts/<journey>/<step>-<phone|desktop>.png`` when ``E2E_SCREENSHOTS=1`` (``make e2e``
  and CI, which keeps the folder; a failure is photographed always), and a watcher: the test
  FAILS on any console error, uncaught page error, failed request, request to another origin (no
  CDN, no web fonts from outside), or same-origin 4xx/5xx response — except those the journey
  declares with ``screen.expect_status(404, "/meetings/…")``.
- When /usr/bin/chromium (or Playwright) is absent, the e2e tests are skipped with the reason;
  with ``E2E_REQUIRED=1`` (CI, ``make e2e``) they fail instead.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.utils import translation

from tests import demo_snapshot

# Debian's package; E2E_CHROMIUM points elsewhere (or nowhere, to see the skip) when needed.
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "e2e-artifacts"
VIEWPORTS = {
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1366, "height": 768}},
}
# Fail fast: a journey step that cannot find its control says so in seconds, not minutes.
TIMEOUT_MS = 10_000
# Step screenshots are for people reading them (`make e2e`, CI's artefacts): a full-page PNG costs
# about a quarter of a second, a run takes some hundred of them, and no assertion reads them.
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS") == "1"
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PAGE_ICON = re.compile(r"/favicon\.(svg|ico|png)$")


def _required() -> bool:
    return os.environ.get("E2E_REQUIRED") == "1"


def _unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return (
            f"{CHROMIUM} is absent (install Debian's chromium and fonts-noto-cjk; "
            ".ci/browser does it in CI)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install '.[e2e]')"
    return None


def pytest_collection_modifyitems(config, items):
    """Skip the browser tests cleanly (before any database work) when there is no browser."""
    reason = _unavailable()
    if reason is None or _required():
        return
    skip = pytest.mark.skip(
        reason=f"browser tests skipped: {reason}; set E2E_REQUIRED=1 to make this an error"
    )
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(skip)


# --- the browser --------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser():
    """Headless Chromium, one for the journeys (they run back to back, in one xdist group: see
    ``tests/conftest.py``); the Playwright loop is stopped after the last of them, so the
    non-browser tests that follow never run beside a live event loop."""
    reason = _unavailable()
    if reason is not None:
        if _required():
            pytest.fail(f"E2E_REQUIRED=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread; Django's ORM refuses
    # to run beside one unless told it is safe (it is: the loop only waits on the browser).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# --- the server with the demo -------------------------------------------------------------------


@pytest.fixture
def demo(browser, transactional_db, django_db_serialized_rollback, live_server, settings):
    """The live server with the demo loaded (password: load_demo's default)."""
    from django.core.cache import caches

    from chengjiang.management.commands.load_demo import DEFAULT_PASSWORD

    settings.PASSWORD_HASHERS = FAST_HASHER  # the demo's four logins hash in microseconds
    if not demo_snapshot.restore():  # the shared demo of this worker's earlier tests
        demo_snapshot.load_demo_and_keep()
    for cache in caches.all():
        cache.clear()  # no figure computed by an earlier journey survives
    return SimpleNamespace(url=live_server.url, password=DEFAULT_PASSWORD)


# --- screens: a browser context each, with screenshots and a watcher -----------------------------


@dataclass
class Watcher:
    """Collects what must not happen in a journey; ``expected`` are (status, path regex)."""

    origin: str
    problems: list[str] = field(default_factory=list)
    expected: list[tuple[int, re.Pattern]] = field(default_factory=list)
    downloads: set[str] = field(default_factory=set)
    aborted: list[str] = field(default_factory=list)

    def is_expected(self, status: int | None, url: str) -> bool:
        path = urlsplit(url).path
        return any(
            (status is None or status == want) and rx.search(path) for want, rx in self.expected
        )

    def on_console(self, msg) -> None:
        if msg.type != "error":
            return
        location = msg.location or {}
        where = location.get("url", "")
        # "Failed to load resource: … 404" for a response the journey expects
        if "Failed to load resource" in msg.text and where and self.is_expected(None, where):
            return
        line = location.get("lineNumber")
        at = f"{where}:{line + 1}" if where and line is not None else where or "?"
        self.problems.append(f"console error: {msg.text} (at {at})")

    def on_page_error(self, error) -> None:
        self.problems.append(f"uncaught page error: {error}")

    def on_request(self, request) -> None:
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        if not url.startswith(self.origin):
            self.problems.append(f"request to another origin: {request.method} {url}")

    def on_response(self, response) -> None:
        if (
            response.url.startswith(self.origin)
            and response.status >= 400
            and not self.is_expected(response.status, response.url)
        ):
            self.problems.append(
                f"HTTP {response.status} for {response.request.method} {response.url}"
            )

    def on_request_failed(self, request) -> None:
        failure = request.failure or ""
        if "ERR_ABORTED" in failure:
            # a navigation that became a download ends "aborted"; judged at the end
            self.aborted.append(request.url)
            return
        self.problems.append(f"failed request: {request.method} {request.url} ({failure})")

    def on_download(self, download) -> None:
        self.downloads.add(download.url)

    def all_problems(self) -> list[str]:
        """Each problem once, with how many times it happened."""
        # The browser fetches a page's icon after the load event; when the journey moves on at
        # once, the next navigation cancels that fetch (ERR_ABORTED). A missing icon still fails
        # the journey through its 404 (on_response); a cancelled one is no page problem.
        stray = [
            u
            for u in self.aborted
            if u not in self.downloads and not PAGE_ICON.search(urlsplit(u).path)
        ]
        found = self.problems + [f"aborted request: {u}" for u in stray]
        counts = {p: found.count(p) for p in found}
        return [p if n == 1 else f"{p} (×{n})" for p, n in counts.items()]


@dataclass
class Screen:
    """One person's browser window: a Playwright page plus the journey's helpers."""

    page: object
    kind: str  # "phone" | "desktop"
    base_url: str
    folder: Path
    watch: Watcher
    password: str

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str):
        return self.page.goto(self.url(path))

    def path(self) -> str:
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def shot(self, step: str, *, always: bool = False) -> Path | None:
        """A full-page picture of this step, when screenshots are on (or ``always``)."""
        if not (SCREENSHOTS or always):
            return None
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{step}-{self.kind}.png"
        self.page.screenshot(path=str(target), full_page=True)
        return target

    def expect_status(self, status: int, path_regex: str) -> None:
        """Declare a response this journey expects (e.g. the 404 of another village's record)."""
        self.watch.expected.append((status, re.compile(path_regex)))

    def login(self, username: str, *, next_path: str = "/") -> None:
        """Log in through the portal's login page, by keyboard as a phone user would."""
        page = self.page
        self.goto("/accounts/login/?next=" + next_path)
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=username]").press("Tab")
        page.keyboard.type(self.password)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "/accounts/login/" not in page.url, f"login as {username} failed on {page.url}"

    def pump(self) -> None:
        """Let pending browser events (console, responses) reach the watcher."""
        with contextlib.suppress(Exception):
            self.page.evaluate("0")


def _journey_name(request) -> str:
    name = request.module.__name__.rsplit(".", 1)[-1]
    return name.removeprefix("test_")


@pytest.fixture(scope="module")
def artifacts(request) -> Path:
    """e2e-artifacts/<journey>/, emptied once per module so no stale screenshot survives."""
    folder = ARTIFACTS / _journey_name(request)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _screen(kind, request, browser, demo, artifacts) -> Screen:
    context = browser.new_context(
        base_url=demo.url,
        locale="zh-CN",
        reduced_motion="reduce",
        timezone_id="Asia/Shanghai",
        accept_downloads=True,
        **VIEWPORTS[kind],
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watcher = Watcher(origin=demo.url)
    page.on("console", watcher.on_console)
    page.on("pageerror", watcher.on_page_error)
    page.on("download", watcher.on_download)
    context.on("request", watcher.on_request)
    context.on("response", watcher.on_response)
    context.on("requestfailed", watcher.on_request_failed)
    screen = Screen(
        page=page,
        kind=kind,
        base_url=demo.url,
        folder=artifacts,
        watch=watcher,
        password=demo.password,
    )
    request.node.__dict__.setdefault("e2e_screens", []).append(screen)
    return screen


@pytest.fixture
def phone(request, browser, demo, artifacts):
    screen = _screen("phone", request, browser, demo, artifacts)
    yield screen
    screen.page.context.close()


@pytest.fixture
def desktop(request, browser, demo, artifacts):
    screen = _screen("desktop", request, browser, demo, artifacts)
    yield screen
    screen.page.context.close()


@pytest.fixture
def zh():
    """gettext in the portal's language: journeys name texts by their msgids."""
    with translation.override("zh-hans"):
        yield translation.gettext


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail the test (not its teardown) on anything the watchers saw; on failure keep a picture."""
    screens: list[Screen] = item.__dict__.get("e2e_screens", [])
    try:
        result = yield
    except BaseException:
        for screen in screens:
            with contextlib.suppress(Exception):
                screen.shot("failure", always=True)
        raise
    problems = []
    for screen in screens:
        screen.pump()
        problems += [f"[{screen.kind}] {p}" for p in screen.watch.all_problems()]
    if problems:
        for screen in screens:
            with contextlib.suppress(Exception):
                screen.shot("failure", always=True)
        raise AssertionError("the browser reported problems:\n  " + "\n  ".join(problems))
    return result
