"""Browser tests: a real headless Chromium, driven by Playwright, against pytest-django's live server.

One browser for the whole session; a fresh context (cookies, storage, viewport) for every test.
The live server runs in another thread, so every test here uses a transactional database: the
data the fixtures load is committed and visible to the server, and flushed after the test.

Chromium: $NORTHSTAR_CHROMIUM, else `chromium` / `chromium-browser` on PATH, else Playwright's own
download (`playwright install chromium`). Without any of them the tests are skipped.

Screenshots and other artefacts go to $NORTHSTAR_TEST_OUTPUT/<test name>/ (default:
<repo>/test-results/<test name>/); a failing test leaves a screenshot of its page there.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# The shared fixtures live in northstar/conftest.py, which pytest does not apply to this folder.
from northstar.conftest import lcr, officer, register  # noqa: F401

REPO_DIR = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def chromium_executable() -> str | None:
    return (
        os.environ.get("NORTHSTAR_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="session")
def browser() -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's synchronous API keeps an event loop on the main thread, so Django refuses ORM
    # calls from the tests themselves ("You cannot call this from an async context"). The tests
    # make those calls between browser steps, never at the same time, so allow them while the
    # browser is up.
    allow_async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_api.sync_playwright().start()
    try:
        try:
            browser = playwright.chromium.launch(
                executable_path=chromium_executable(), args=CHROMIUM_ARGS, headless=True
            )
        except sync_api.Error as exc:
            pytest.skip(f"No Chromium to drive (set NORTHSTAR_CHROMIUM): {exc.message[:200]}")
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if allow_async_unsafe is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = allow_async_unsafe


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    """$NORTHSTAR_TEST_OUTPUT/<test name>/ (default test-results/<test name>/), emptied first."""
    base = Path(os.environ.get("NORTHSTAR_TEST_OUTPUT") or REPO_DIR / "test-results")
    path = base / _safe_name(request.node.name)
    shutil.rmtree(path, ignore_errors=True)  # no stale screenshots from an earlier run
    path.mkdir(parents=True)
    return path


@pytest.fixture(autouse=True)
def _no_map_tiles(settings) -> None:
    """The map draws boundaries only, whatever this machine's environment says about tiles."""
    settings.NORTHSTAR_MAP_TILE_URL = ""


@pytest.fixture
def context_options() -> dict:
    """Override in a test module (or parametrize) for another viewport, no JavaScript, etc."""
    return {}


@pytest.fixture
def context(browser, live_server, context_options) -> Iterator:
    """A fresh browser context per test, on the live server, cut off from the internet."""
    options = {"viewport": DESKTOP, "locale": "en-GB", **context_options}
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    # Any request elsewhere fails (and so shows as a console error): pages must be self-contained.
    context.route(
        re.compile(r"^https?://(?!(127\.0\.0\.1|localhost)[:/])"), lambda route: route.abort()
    )
    yield context
    context.close()


@pytest.fixture
def page(context, request: pytest.FixtureRequest, output_dir: Path) -> Iterator:
    """A page that fails the test on any uncaught JavaScript error or console error."""
    page = context.new_page()
    problems: list[str] = []

    def on_console(message) -> None:
        if message.type == "error":
            problems.append(f"console.error: {message.text} ({message.location.get('url')})")

    page.on("pageerror", lambda exc: problems.append(f"uncaught: {exc}"))
    page.on("console", on_console)
    yield page
    call = getattr(request.node, "report_call", None)
    if call is not None and call.failed and not page.is_closed():
        page.screenshot(path=output_dir / "failure.png", full_page=True)
    assert not problems, "JavaScript errors on the page:\n" + "\n".join(problems)


@pytest.fixture
def sign_in():
    """sign_in(page, user): sign in through the login form, as a person would."""
    from northstar.accounts.tests.factories import TEST_PASSWORD

    def sign_in(page, user, password: str = TEST_PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return sign_in
