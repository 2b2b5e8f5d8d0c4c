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


# Every row of the session's data (reference data, demo data and whatever tests/conftest.py
# loads), copied once straight after the real loaders ran, as (model, columns, rows).
_snapshot: list[tuple[type, list[str], list[tuple]]] | None = None
# Content types and permissions are written again by Django after each flush (post_migrate);
# sessions and the admin log belong to one test. None of them is copied.
_SKIPPED_TABLE_APPS = {"contenttypes", "sessions", "admin"}


def _snapshot_models() -> list[type]:
    from django.apps import apps

    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.app_label not in _SKIPPED_TABLE_APPS
        and model._meta.label != "auth.Permission"
    ]


def _take_snapshot() -> list[tuple[type, list[str], list[tuple]]]:
    from django.db import connection

    qn = connection.ops.quote_name
    # On PostgreSQL read every value as text: psycopg passes text back untyped, so the
    # server converts it to the column's type (JSON, dates, decimals) on the way in.
    cast = "::text" if connection.vendor == "postgresql" else ""
    snapshot = []
    with connection.cursor() as cursor:
        for model in _snapshot_models():
            columns = [f.column for f in model._meta.local_concrete_fields]
            cursor.execute(
                f"SELECT {', '.join(qn(c) + cast for c in columns)} FROM {qn(model._meta.db_table)}"
            )
            rows = cursor.fetchall()
            if rows:
                snapshot.append((model, columns, rows))
    return snapshot


def _restore_snapshot(snapshot) -> None:
    from django.core.management.color import no_style
    from django.db import connection, transaction

    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        # Foreign keys are deferred to the commit, so the order of the tables does not matter.
        for model, columns, rows in snapshot:
            # Rows a post_migrate handler may have written after the flush are replaced.
            table = qn(model._meta.db_table)
            column_list = ", ".join(qn(c) for c in columns)
            cursor.execute(f"DELETE FROM {table}")
            if connection.vendor == "postgresql":
                # COPY is several times faster than INSERT for the 26 000 emission rows.
                with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})", rows
                )
        for sql in connection.ops.sequence_reset_sql(no_style(), [m for m, _, _ in snapshot]):
            cursor.execute(sql)


@pytest.fixture
def site_data(transactional_db) -> None:
    """The real reference data and the demo data, present again after each flush.

    The live server needs a transactional database, which is flushed after every test. The
    first browser test takes the data the session loaded (or loads it with the real loaders
    if another transactional test flushed it already) and copies every row; the following
    tests write the same rows back, which takes a fraction of a second instead of seconds.
    Demo passwords are set again with the (fast) hasher the tests use.
    """
    global _snapshot
    from kraftsamla.accounts.models import User
    from kraftsamla.core.demo import demo_data_load
    from kraftsamla.organisations.demo import DEMO_PASSWORD, DEMO_USERS
    from kraftsamla.organisations.models import Organisation, OrganisationKind
    from kraftsamla.organisations.reference import reference_data_load

    if _snapshot is not None:
        _restore_snapshot(_snapshot)
        return
    if not Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).exists():
        reference_data_load()
        demo_data_load(skip=("capacity", "support"))
    for user in User.objects.filter(email__in=[u.email for u in DEMO_USERS]):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    _snapshot = _take_snapshot()


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
