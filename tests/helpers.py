"""Small helpers shared by the test modules (test data itself is built in tests/factories/)."""

from __future__ import annotations

from django.db import connection, reset_queries
from django.test import Client
from django.utils import translation

from kraftsamla.accounts.models import User
from kraftsamla.accounts.services import api_token_rotate
from kraftsamla.core.models import SharingLevel
from kraftsamla.organisations.models import (
    POPULATION_BOUNDS,
    Membership,
    Organisation,
    OrganisationKind,
)

PRIVATE, REGION, PUBLIC = SharingLevel.PRIVATE, SharingLevel.REGION, SharingLevel.PUBLIC

# People of the demo data (kraftsamla/organisations/demo.py), loaded in the test database.
ADMIN_M = "admin.molndal@demo.kraftsamla.se"
EDITOR_M = "redaktor.molndal@demo.kraftsamla.se"
VIEWER_M = "lasare.molndal@demo.kraftsamla.se"
COORDINATOR = "samordnare@demo.kraftsamla.se"
ALE_EDITOR = "strateg.ale@demo.kraftsamla.se"
STAFF = "personal@demo.kraftsamla.se"
PARTNER = "partner@demo.kraftsamla.se"


def translate(message: str, language: str = "sv") -> str:
    """The text the server shows for `message` in `language`."""
    with translation.override(language):
        return translation.gettext(message)


def translate_plural(singular: str, plural: str, count: int, language: str = "sv") -> str:
    """The server's text for a counted message (`%(counter)s` filled in with `count`)."""
    with translation.override(language):
        return translation.ngettext(singular, plural, count) % {"counter": count}


def demo_user(email: str) -> User:
    """A person of the demo data, by address."""
    return User.objects.get(email=email)


def token_client(user: User) -> Client:
    """A test client that calls the API with a new token of the user."""
    return Client(HTTP_AUTHORIZATION=f"Token {api_token_rotate(actor=user)}")


def org_by_slug(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


def municipality_count(**filters) -> int:
    """How many municipalities the loaded reference data has (optionally filtered)."""
    return Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, **filters).count()


def county_count() -> int:
    return Organisation.objects.filter(kind=OrganisationKind.COUNTY).count()


def member_municipality_count(body_slug: str) -> int:
    """How many municipalities are members of the body today."""
    return (
        Membership.objects.in_force()
        .filter(body__slug=body_slug, member__kind=OrganisationKind.MUNICIPALITY)
        .count()
    )


def stockholm_municipalities(count: int, *, exclude=()) -> list[Organisation]:
    """`count` municipalities of Stockholm county: no demo data, not in Göteborgsregionen."""
    qs = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, county__code="01")
    return list(qs.exclude(pk__in=[o.pk for o in exclude]).order_by("name")[:count])


def population_class_peers(organisation: Organisation, count: int) -> list[Organisation]:
    """Other municipalities of the organisation's population class."""
    low, high = POPULATION_BOUNDS[organisation.population_class]
    qs = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, population__gte=low)
    if high is not None:
        qs = qs.filter(population__lt=high)
    return list(qs.exclude(pk=organisation.pk).order_by("name")[:count])


def count_queries(fn):
    """Run fn and return (number of SQL queries, fn's result).

    Counts with an execute wrapper, because a test-client request empties Django's query
    log when it starts, which makes CaptureQueriesContext miss or undercount queries.
    """
    sql = []

    def wrapper(execute, query, params, many, context):
        sql.append(query)
        return execute(query, params, many, context)

    with connection.execute_wrapper(wrapper):
        result = fn()
    return len(sql), result


def empty_query_log() -> None:
    """Call before django_assert_max_num_queries around a request (see count_queries)."""
    reset_queries()


def cache_holds(text: str) -> bool:
    """Say whether any entry of the default cache (local memory or Redis) contains `text`."""
    from django.core.cache import cache

    raw = text.encode()
    backend = cache._cache if hasattr(cache, "_cache") else None
    if isinstance(backend, dict):  # local memory: pickled values
        return any(raw in value for value in backend.values() if isinstance(value, bytes))
    client = cache._cache.get_client()  # Redis: this run's keys only
    return any(
        raw in (client.get(key) or b"")
        for key in client.scan_iter(match=f"{cache.key_prefix}:*", count=1000)
    )


def cache_entry_count() -> int:
    """Return how many entries the default cache (local memory or Redis) holds."""
    from django.core.cache import cache

    backend = cache._cache if hasattr(cache, "_cache") else None
    if isinstance(backend, dict):
        return len(backend)
    client = cache._cache.get_client()
    return sum(1 for _key in client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))


def roles_renewed() -> None:
    """Renew the cached access lookups as a committed role write does (accounts/access.py),
    for tests that change roles outside the services on purpose (so that no page's data
    version changes)."""
    from django.test import TestCase

    from kraftsamla.accounts.access import ROLES
    from kraftsamla.core.versions import bump

    with TestCase.captureOnCommitCallbacks(execute=True):
        bump(ROLES)


def xlsx_bytes(rows) -> bytes:
    """Return an XLSX file with one sheet holding `rows`, as a spreadsheet program saves it."""
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
