"""Shared fixtures: reference data loaded once per session, demo organisations, staff."""

from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings

from kraftsamla.accounts.models import User
from kraftsamla.core.demo import demo_data_load
from kraftsamla.organisations.models import Organisation
from kraftsamla.organisations.reference import reference_data_load
from tests.factories.accounts import StaffFactory
from tests.helpers import ADMIN_M, EDITOR_M, VIEWER_M, demo_user, org_by_slug
from tests.session_data import session_data_copied, session_data_restore

os.environ.setdefault("KRAFTSAMLA_ALLOW_INSECURE_KEY", "1")

# With DJANGO_CACHE_URL (CI: redis://127.0.0.1:6379/15) the suite runs against the
# production cache, Redis, under a key prefix of its own; otherwise local memory.
CACHE_URL = os.environ.get("DJANGO_CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    TEST_CACHES = {
        "default": {
            "BACKEND": "tests.redis_cache.PrefixedRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": f"kraftsamla-test-{uuid.uuid4().hex[:12]}",
        }
    }
else:
    TEST_CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

FRAMEWORK_FILE = (
    Path(__file__).resolve().parent.parent / "kraftsamla/capacity/framework_data/framework_v1.json"
)


@pytest.fixture(scope="session", autouse=True)
def _test_cache():
    """Use the test cache from the start (the loaders bump data versions) to the end."""
    with override_settings(CACHES=TEST_CACHES):
        cache.clear()
        yield
        cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(_test_cache, django_db_setup, django_db_blocker):
    """Load the real reference data and the demo data once into the test database."""
    with django_db_blocker.unblock():
        reference_data_load()
        if FRAMEWORK_FILE.exists():
            call_command("load_framework", stdout=io.StringIO())
        call_command("load_project_template", stdout=io.StringIO())
        # Every app's demo.py, as `manage.py load_demo_data` runs them; support's tests
        # build their own offers and needs, so its demo is left out.
        demo_data_load(skip=("support",))


@pytest.fixture(scope="session")
def _media_root(tmp_path_factory) -> Path:
    """Where uploaded files go in the tests (never the project's own media/ folder)."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _settings_for_tests(settings, _media_root):
    settings.CACHES = TEST_CACHES
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Tasks run when enqueued; tests/test_tasks.py runs the real database worker.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = _media_root
    # Every page that answers must have asked one of the rules its view declares.
    settings.KRAFTSAMLA_STRICT_ACCESS = True
    # A write is seen by the next request (tests of the background rebuild turn it on).
    settings.KRAFTSAMLA_STALE_WHILE_REBUILD = False
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def molndal(db) -> Organisation:
    return org_by_slug("molndal")


@pytest.fixture
def ale(db) -> Organisation:
    return org_by_slug("ale")


@pytest.fixture
def gr(db) -> Organisation:
    return org_by_slug("goteborgsregionen")


@pytest.fixture
def linkoping(db) -> Organisation:
    """A municipality without demo assessments, outside Göteborgsregionen."""
    return org_by_slug("linkoping")


@pytest.fixture
def admin_m(db) -> User:
    return demo_user(ADMIN_M)


@pytest.fixture
def editor_m(db) -> User:
    return demo_user(EDITOR_M)


@pytest.fixture
def viewer_m(db) -> User:
    return demo_user(VIEWER_M)


@pytest.fixture
def staff(db) -> User:
    return StaffFactory()


@pytest.fixture
def anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def _flushes_database(item) -> bool:
    fixtures = getattr(item, "fixturenames", ())
    return "transactional_db" in fixtures or "live_server" in fixtures


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the last of a run of transactional tests, write the session's data back.

    pytest-django flushes the database after such a test. In one process they run last;
    with pytest-xdist a worker may get ordinary tests after them, which need the data.
    """
    yield
    if nextitem is None or not _flushes_database(item) or _flushes_database(nextitem):
        return
    if not session_data_copied():
        return
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        session_data_restore()
