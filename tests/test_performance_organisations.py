"""Issue 9 for organisation pages and the platform: caching without leaks, 304 after the
permission check, query counts of the API, Redis as the cache, sessions, compression."""

from __future__ import annotations

import gzip
import json
import os

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kraftsamla.accounts.models import OrganisationRole, Role
from kraftsamla.core import caching
from tests.factories.accounts import UserFactory
from tests.helpers import ADMIN_M, ALE_EDITOR, demo_user, roles_renewed

pytestmark = pytest.mark.django_db

ALE_PAGE = "/organisationer/ale/"
ALE_API = "/api/v1/organisations/ale/"
ALE_PRIVATE_CONTACT = "Demo: Hållbarhetsstrateg"  # Ale's climate profile is private
AUDIT_URL = "/organisationer/molndal/logg/"


def queries_of(client: Client, url: str, **headers) -> tuple[int, object]:
    queries, response = sql_of(client, url, **headers)
    return len(queries), response


def sql_of(client: Client, url: str, **headers) -> tuple[list[str], object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    return [query["sql"] for query in captured.captured_queries], response


# --- no private data in a shared cache entry ----------------------------------------------


@pytest.mark.parametrize("editor_first", [True, False])
def test_a_private_profile_never_reaches_a_viewer_of_another_scope(editor_first):
    """The page's cached blocks are shared; the profile is rendered per viewer's scope."""
    editor = Client()
    editor.force_login(demo_user(ALE_EDITOR))
    anonymous = Client()
    order = [(editor, True), (anonymous, False)]
    for client, sees_profile in order if editor_first else reversed(order):
        for url in (ALE_PAGE, ALE_API):
            text = client.get(url).content.decode()
            assert (ALE_PRIVATE_CONTACT in text) is sees_profile, (url, sees_profile)


def test_an_etag_of_one_viewer_is_no_304_for_another():
    editor = Client()
    editor.force_login(demo_user(ALE_EDITOR))
    editor.get(ALE_PAGE)  # sets the CSRF cookie the page's forms use
    etag = editor.get(ALE_PAGE)["ETag"]
    assert editor.get(ALE_PAGE, headers={"if-none-match": etag}).status_code == 304
    response = Client().get(ALE_PAGE, headers={"if-none-match": etag})
    assert response.status_code == 200
    assert ALE_PRIVATE_CONTACT not in response.content.decode()


def test_a_cached_page_shows_a_change_at_once(molndal, django_capture_on_commit_callbacks):
    from kraftsamla.organisations import services

    client = Client()
    client.force_login(demo_user(ADMIN_M))
    assert "Ny strateg" not in client.get("/organisationer/molndal/").content.decode()
    profile = molndal.climate_profile
    with django_capture_on_commit_callbacks(execute=True):
        services.climate_profile_update(
            actor=demo_user(ADMIN_M),
            organisation=molndal,
            data={"contact_name": "Ny strateg"},
            expected_version=profile.version,
        )
    assert "Ny strateg" in client.get("/organisationer/molndal/").content.decode()


# --- 304 only after the permission check -------------------------------------------------


def test_someone_who_lost_access_gets_403_not_304(molndal, monkeypatch):
    """Even with an unchanged ETag (same sharing scope, no version bump), the audit log
    checks the permission before it answers 304."""
    admin = UserFactory(organisation=molndal, role=Role.ADMIN)
    client = Client()
    client.force_login(admin)
    monkeypatch.setattr(caching, "viewer_scope", lambda who: "same for everyone")
    client.get(AUDIT_URL)  # sets the CSRF cookie the page's forms use
    response = client.get(AUDIT_URL)
    assert response.status_code == 200
    etag = response["ETag"]
    assert client.get(AUDIT_URL, headers={"if-none-match": etag}).status_code == 304
    # Outside the services, so no data version changes: only the check can refuse.
    OrganisationRole.objects.filter(user=admin).update(role=Role.VIEWER)
    roles_renewed()
    assert client.get(AUDIT_URL, headers={"if-none-match": etag}).status_code == 403


def test_a_role_given_takes_effect_on_the_next_request(molndal, django_capture_on_commit_callbacks):
    """A person's roles are cached (accounts/access.py); a role write renews them on commit."""
    from kraftsamla.accounts import services

    person = UserFactory(organisation=molndal, role=Role.VIEWER)
    client = Client()
    client.force_login(person)
    assert client.get(AUDIT_URL).status_code == 403
    assert client.get(AUDIT_URL).status_code == 403  # now from the cached roles
    with django_capture_on_commit_callbacks(execute=True):
        services.organisation_role_set(
            actor=demo_user(ADMIN_M), organisation=molndal, user=person, role=Role.ADMIN
        )
    assert client.get(AUDIT_URL).status_code == 200


@pytest.mark.parametrize(
    "url", ["/organisationer/", "/organisationer/molndal/", "/organisationer/karta/"]
)
def test_public_pages_answer_304_to_their_etag(url):
    client = Client()
    client.get(url)  # sets the CSRF cookie the page's forms use
    etag = client.get(url)["ETag"]
    count, response = queries_of(client, url, if_none_match=etag)
    assert response.status_code == 304
    assert count <= 1


# --- query counts: repeat views and the API ----------------------------------------------


@pytest.mark.parametrize(
    "url, limit",
    [
        ("/organisationer/", 0),
        ("/organisationer/?kind=municipality&county=14", 0),
        ("/organisationer/molndal/", 1),
        ("/organisationer/karta/?metric=emissions", 0),
        ("/api/v1/organisations/molndal/", 1),
        ("/api/v1/organisations/goteborgsregionen/", 1),
        ("/api/v1/organisations/?page_size=100", 2),
    ],
)
def test_repeat_views_take_at_most_their_queries(url, limit):
    client = Client()
    first = client.get(url)
    count, again = queries_of(client, url)
    assert count <= limit
    assert again.content == first.content or "csrfmiddlewaretoken" in first.content.decode()


def test_api_detail_logged_in_adds_only_who_is_asking(cached_sessions):
    client = Client()
    client.force_login(demo_user(ALE_EDITOR))
    client.get(ALE_API)
    count, response = queries_of(client, ALE_API)
    assert response.json()["climate_profile"]["contact_name"] == ALE_PRIVATE_CONTACT
    # The user, their roles and the organisations their bodies coordinate (the sharing
    # scope), then the organisation with its profile; the session comes from the cache.
    assert count <= 4


def test_api_detail_first_view_takes_a_few_queries():
    """With nothing cached: the organisation, its memberships, and once per reference-data
    release its emission series and the counties' and FA regions' names."""
    count, response = queries_of(Client(), "/api/v1/organisations/molndal/")
    assert response.status_code == 200
    assert count <= 7


def test_api_detail_after_a_register_change_takes_two_queries(django_capture_on_commit_callbacks):
    """The organisation (with its profile), then its memberships; the emissions and the
    county and FA-region names are kept per reference-data release."""
    from kraftsamla.core import versions

    client = Client()
    client.get("/api/v1/organisations/molndal/")
    with django_capture_on_commit_callbacks(execute=True):
        versions.bump(*versions.scopes_for("organisations.membership", None))
    count, response = queries_of(client, "/api/v1/organisations/molndal/")
    assert response.json()["emissions"]
    assert count <= 2


def test_a_climate_profile_edit_keeps_the_map_list_and_chart_but_not_the_page(
    molndal, django_capture_on_commit_callbacks
):
    from django.test import RequestFactory

    from kraftsamla.organisations import services, views

    request = RequestFactory().get("/")
    request.user = demo_user(ADMIN_M)
    kept = (views.MAP, views.ORGANISATION_LIST, views.EMISSIONS_BLOCK, views.MEMBERSHIPS_BLOCK)
    before = {page.name: caching.block_key(request, page) for page in kept}
    page_before = caching.block_key(request, views.ORGANISATION_PAGE)
    with django_capture_on_commit_callbacks(execute=True):
        services.climate_profile_update(
            actor=demo_user(ADMIN_M),
            organisation=molndal,
            data={"contact_name": "Ny strateg"},
            expected_version=molndal.climate_profile.version,
        )
    assert {page.name: caching.block_key(request, page) for page in kept} == before
    assert caching.block_key(request, views.ORGANISATION_PAGE) != page_before


def test_a_new_membership_shows_at_once_on_the_list_and_pages(
    molndal, django_capture_on_commit_callbacks
):
    from kraftsamla.core.access import SYSTEM
    from kraftsamla.organisations import services
    from kraftsamla.organisations.models import MembershipRole
    from tests.factories.organisations import RegionalBodyFactory

    body = RegionalBodyFactory(name="Nytt samarbete")
    client = Client()
    list_url = f"/organisationer/?member_of={body.slug}"
    # No members yet, so the body is no choice of the filter (which then lists everyone).
    assert f'value="{body.slug}"' not in client.get(list_url).content.decode()
    assert "Mölndal" not in client.get(f"/organisationer/{body.slug}/").content.decode()
    assert "Nytt samarbete" not in client.get("/organisationer/molndal/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_create(
            actor=SYSTEM, member=molndal, body=body, role=MembershipRole.MEMBER
        )
    listed = client.get(list_url).content.decode()
    assert f'value="{body.slug}"' in listed and 'role="status">1 organisation<' in listed
    assert "Mölndal" in client.get(f"/organisationer/{body.slug}/").content.decode()
    assert "Nytt samarbete" in client.get("/organisationer/molndal/").content.decode()
    api = client.get("/api/v1/organisations/molndal/").json()
    assert body.slug in [link["body"]["slug"] for link in api["belongs_to"]]


# --- Redis, sessions ---------------------------------------------------------------------


def test_the_suite_uses_redis_when_a_cache_url_is_set():
    uses_redis = os.environ.get("DJANGO_CACHE_URL", "").startswith(("redis://", "rediss://"))
    assert isinstance(caches["default"], RedisCache) is uses_redis
    engine = "cached_db" if uses_redis else "db"
    assert f"django.contrib.sessions.backends.{engine}" == settings.SESSION_ENGINE


@pytest.fixture
def cached_sessions(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


def test_logout_takes_effect_for_another_client_with_the_same_cookie(cached_sessions):
    """Two workers share Redis; logging out deletes the row and the cache entry."""
    user = UserFactory()
    browser = Client()
    browser.force_login(user)
    other_worker = Client()
    other_worker.cookies = browser.cookies
    assert other_worker.get("/konto/").status_code == 200
    browser.get("/")  # a CSRF cookie for the logout form
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    browser.post("/konto/logga-ut/", {"csrfmiddlewaretoken": token})
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = other_worker.cookies[
        settings.SESSION_COOKIE_NAME
    ].value
    assert stolen.get("/konto/").status_code == 302


def test_a_cached_session_is_read_without_a_query(cached_sessions):
    client = Client()
    client.force_login(UserFactory())
    client.get("/organisationer/")
    queries, response = sql_of(client, "/organisationer/")
    assert response.status_code == 200
    assert not [sql for sql in queries if "django_session" in sql]


# --- compression -------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/organisationer/", "/api/v1/organisations/molndal/"])
def test_responses_are_gzipped_with_random_padding(url):
    client = Client()
    plain = client.get(url)
    first = client.get(url, headers={"accept-encoding": "gzip"})
    second = client.get(url, headers={"accept-encoding": "gzip"})
    assert first["Content-Encoding"] == second["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in first["Vary"]
    assert len(first.content) < len(plain.content) / 2
    # Django pads the gzip header at random (against BREACH): the bytes differ each time.
    assert first.content != second.content
    if url.startswith("/api/"):
        assert json.loads(gzip.decompress(first.content)) == plain.json()
        assert gzip.decompress(first.content) == gzip.decompress(second.content)


def test_a_visitors_query_parameters_stay_on_their_own_cached_list():
    Client().get("/organisationer/?kind=municipality&campaign=secret-token")
    html = Client().get("/organisationer/?kind=municipality").content.decode()
    assert "secret-token" not in html
