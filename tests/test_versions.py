"""Data versions and version-keyed caching: a write changes the key at once, on commit."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import RequestFactory

import kraftsamla.config.urls  # noqa: F401 - imports every view, so every page is declared
from kraftsamla.core import caching, versions
from kraftsamla.core.access import SYSTEM
from kraftsamla.core.audit import audit_record
from kraftsamla.core.models import AuditAction, Role
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.organisations import RegionalBodyFactory

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/x/")
    request.user = user
    return request


def test_a_version_is_stable_until_a_write_bumps_it(django_capture_on_commit_callbacks):
    before = versions.versions_of(["support"])["support"]
    assert versions.versions_of(["support"])["support"] == before
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(actor=SYSTEM, action=AuditAction.UPDATE, object_type="support.need")
    assert versions.versions_of(["support"])["support"] != before


def test_a_bump_waits_for_the_commit(django_capture_on_commit_callbacks):
    before = versions.versions_of(["capacity"])["capacity"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        versions.bump("capacity")
    assert versions.versions_of(["capacity"])["capacity"] == before
    assert len(callbacks) == 1


def test_an_organisations_write_bumps_its_own_scope_and_the_apps(
    molndal, ale, django_capture_on_commit_callbacks
):
    scopes = ["support", f"support:org:{molndal.pk}", f"support:org:{ale.pk}"]
    before = versions.versions_of(scopes)
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(
            actor=SYSTEM,
            action=AuditAction.CREATE,
            object_type="support.need",
            organisation=molndal,
        )
    after = versions.versions_of(scopes)
    assert after["support"] != before["support"]
    assert after[f"support:org:{molndal.pk}"] != before[f"support:org:{molndal.pk}"]
    assert after[f"support:org:{ale.pk}"] == before[f"support:org:{ale.pk}"]


def test_a_flushed_version_never_matches_an_old_key():
    old = versions.fingerprint(["organisations"], "x")
    cache.clear()
    assert versions.fingerprint(["organisations"], "x") != old


def test_viewers_with_the_same_scope_share_a_block_and_others_do_not(molndal, ale):
    viewer_a = UserFactory(organisation=molndal, role=Role.VIEWER)
    viewer_b = UserFactory(organisation=molndal, role=Role.EDITOR)
    other = UserFactory(organisation=ale, role=Role.VIEWER)
    body = RegionalBodyFactory(members=[molndal])
    coordinator = UserFactory(organisation=body, role=Role.VIEWER)
    scopes = {
        caching.viewer_scope(_request(user))
        for user in (viewer_a, viewer_b, other, coordinator, StaffFactory(), AnonymousUser())
    }
    # Same organisation, different role: the role is part of the scope too.
    assert len(scopes) == 6
    assert caching.viewer_scope(_request(viewer_a)) == caching.viewer_scope(
        _request(UserFactory(organisation=molndal, role=Role.VIEWER))
    )


TEST_PAGE = caching.declare("tests.page", depends_on=("support",))


def test_cached_block_is_rebuilt_after_a_write(django_capture_on_commit_callbacks):
    calls = []

    def build():
        calls.append(1)
        return f"<p>{len(calls)}</p>"

    request = _request(AnonymousUser())
    first = caching.cached_block(request, TEST_PAGE, build=build)
    again = caching.cached_block(request, TEST_PAGE, build=build)
    assert first == again == "<p>1</p>"
    with django_capture_on_commit_callbacks(execute=True):
        versions.bump("support")
    assert caching.cached_block(request, TEST_PAGE, build=build) == "<p>2</p>"


def test_not_modified_answers_304_only_for_the_current_etag(django_capture_on_commit_callbacks):
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.cache import SessionStore

    def request_with(etag=""):
        request = RequestFactory().get("/x/", HTTP_IF_NONE_MATCH=etag)
        request.user = AnonymousUser()
        request.session = SessionStore()
        request._messages = FallbackStorage(request)
        return request

    etag, response = caching.not_modified(request_with(), TEST_PAGE)
    assert response is None
    _etag, response = caching.not_modified(request_with(etag), TEST_PAGE)
    assert response is not None and response.status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        versions.bump("support")
    _etag, response = caching.not_modified(request_with(etag), TEST_PAGE)
    assert response is None


@pytest.mark.parametrize(
    "page, scope",
    [(page, scope) for page in caching.DECLARED.values() for scope in page.depends_on],
    ids=lambda value: getattr(value, "name", value),
)
def test_every_declared_page_changes_with_each_scope_it_depends_on(
    page, scope, django_capture_on_commit_callbacks
):
    """Generated from the declarations: a write in any scope a page names changes its key."""
    request = _request(AnonymousUser())
    before = caching.block_key(request, page)
    app, _sep, rest = scope.partition(":org:")
    narrower = versions.NARROWER.get(scope)
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(
            actor=SYSTEM,
            action=AuditAction.UPDATE,
            object_type=narrower.example_object_type() if narrower else f"{app}.anything",
            organisation=int(rest) if rest else None,
        )
    assert caching.block_key(request, page) != before


def test_every_scope_a_page_names_is_an_app_an_organisation_or_declared():
    """A typo in `depends_on` would name a scope no write ever changes: a stale page."""
    for page in caching.DECLARED.values():
        for scope in page.depends_on:
            assert ":" not in scope or ":org:" in scope or scope in versions.NARROWER, (
                page.name,
                scope,
            )


def test_narrower_scopes_change_only_with_their_writes(django_capture_on_commit_callbacks):
    from kraftsamla.organisations.scopes import REFERENCE, REFERENCE_DATA_TYPE, REGISTER

    def changed_by(object_type):
        scopes = ["organisations", REFERENCE, REGISTER]
        before = versions.versions_of(scopes)
        with django_capture_on_commit_callbacks(execute=True):
            audit_record(actor=SYSTEM, action=AuditAction.UPDATE, object_type=object_type)
        after = versions.versions_of(scopes)
        return {scope for scope in scopes if after[scope] != before[scope]}

    everything = {"organisations", REFERENCE, REGISTER}
    assert changed_by(REFERENCE_DATA_TYPE) == everything
    assert changed_by("organisations.demo") == everything
    assert changed_by("organisations.membership") == {"organisations", REGISTER}
    assert changed_by("organisations.climateprofile") == {"organisations"}
    assert changed_by("support.need") == set()
