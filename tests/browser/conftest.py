"""Fixtures for the headless-Chromium browser tests (Playwright's sync API + axe-core).

The browser is Debian's chromium (or $KRAFTSAMLA_CHROMIUM); Playwright never downloads one.
Without it the browser tests are skipped, unless KRAFTSAMLA_REQUIRE_BROWSER=1 (CI), where
they fail instead. Each test runs against pytest-django's live server, which is transactional:
the database is flushed after every test, so each test loads the real reference data and the
demo data again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from tests.session_data import session_data_restore

# Playwright's sync API runs an event loop in this thread; Django's ORM would refuse to
# run next to it without this (the tests touch the database only outside the page calls).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("KRAFTSAMLA_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _browser_unavailable_reason() -> str | None:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (
            f"Chromium not found at {CHROMIUM} (apt-get install chromium, "
            "or set KRAFTSAMLA_CHROMIUM to its path)"
        )
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as exc:
        return f"Playwright or axe-playwright-python is not installed ({exc})"
    return None


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    reason = _browser_unavailable_reason()
    if reason:
        if os.environ.get("KRAFTSAMLA_REQUIRE_BROWSER") == "1":
            pytest.fail(f"KRAFTSAMLA_REQUIRE_BROWSER=1 but the browser tests cannot run: {reason}")
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def site_data(transactional_db) -> None:
    """The real reference data and the demo data, present again after each flush.

    The live server needs a transactional database, which is flushed after every test;
    `tests/session_data.py` copies the session's rows once and writes them back.
    """
    session_data_restore()


def _console_problem(msg, problems: list[str]) -> None:
    # Failed loads are judged by _response_problem (an error page may be the expected answer).
    if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
        problems.append(f"console error: {msg.text}")


def _response_problem(response, problems: list[str]) -> None:
    # Pages may answer 400 or 404 on purpose; their styles, scripts and images may not.
    if response.status >= 400 and response.request.resource_type != "document":
        problems.append(f"{response.status} for {response.request.resource_type} {response.url}")


@pytest.fixture
def new_page(browser, live_server, site_data) -> Iterator[Callable]:
    """Open pages in fresh browser contexts; fail on console errors (CSP) and broken assets."""
    contexts = []
    problems: list[str] = []

    def open_page(**context_options):
        options = {"viewport": {"width": 1280, "height": 900}, "locale": "sv-SE"}
        options.update(context_options)
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: _console_problem(msg, problems))
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("response", lambda response: _response_problem(response, problems))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, "The browser reported errors:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page):
    """A desktop-sized page in a fresh context (no cookies: Swedish, logged out)."""
    return new_page()
