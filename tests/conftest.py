"""Shared fixtures: reference data loaded once per session, demo organisations and users."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from kraftsamla.accounts.models import OrganisationRole, Role, User
from kraftsamla.core.demo import demo_data_load
from kraftsamla.organisations.models import Organisation
from kraftsamla.organisations.reference import reference_data_load

os.environ.setdefault("KRAFTSAMLA_ALLOW_INSECURE_KEY", "1")

FRAMEWORK_FILE = (
    Path(__file__).resolve().parent.parent / "kraftsamla/capacity/framework_data/framework_v1.json"
)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real reference data and the demo data once into the test database."""
    with django_db_blocker.unblock():
        reference_data_load()
        if FRAMEWORK_FILE.exists():
            call_command("load_framework", stdout=io.StringIO())
        # Every app's demo.py, as `manage.py load_demo_data` runs them; support's tests
        # build their own offers and needs, so its demo is left out.
        demo_data_load(skip=("support",))


@pytest.fixture(autouse=True)
def _settings_for_tests(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Every page that answers must have asked one of the rules its view declares.
    settings.KRAFTSAMLA_STRICT_ACCESS = True
    cache.clear()
    yield
    cache.clear()


def org(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


@pytest.fixture
def molndal(db) -> Organisation:
    return org("molndal")


@pytest.fixture
def ale(db) -> Organisation:
    return org("ale")


@pytest.fixture
def gr(db) -> Organisation:
    return org("goteborgsregionen")


@pytest.fixture
def make_user(db):
    """Create a user, optionally with a role in an organisation."""
    counter = {"n": 0}

    def make(organisation: Organisation | None = None, role: str | None = None, **extra) -> User:
        counter["n"] += 1
        user = User.objects.create_user(
            email=extra.pop("email", f"user{counter['n']}@test.example"),
            password=extra.pop("password", "correct-horse-battery"),
            full_name=extra.pop("full_name", f"Test Person {counter['n']}"),
            **extra,
        )
        if organisation is not None:
            OrganisationRole.objects.create(
                user=user, organisation=organisation, role=role or Role.VIEWER
            )
        return user

    return make


@pytest.fixture
def staff(make_user) -> User:
    return make_user(is_staff=True)


@pytest.fixture
def anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()
