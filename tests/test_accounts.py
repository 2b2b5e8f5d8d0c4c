"""Logging in and out, passwords, invitations and API tokens, seen from the browser."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client, TestCase
from django.utils import timezone

from kraftsamla.accounts import services, throttle
from kraftsamla.accounts.models import ApiToken, Invitation, OrganisationRole, Role, User
from kraftsamla.accounts.services import api_token_rotate
from kraftsamla.core.models import AuditAction, AuditEvent
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/konto/logga-in/"
LOGOUT = "/konto/logga-ut/"
ACCOUNT = "/konto/"
API_TOKEN = "/konto/api-nyckel/"
PASSWORD_CHANGE = "/konto/losenord/byt/"
PASSWORD_RESET = "/konto/losenord/aterstall/"
NEW_PASSWORD = "a-new-and-long-secret-42"


def people_url(slug: str = "molndal") -> str:
    return f"/organisationer/{slug}/personer/"


def logged_in_user_id(client: Client):
    return client.session.get(SESSION_KEY)


def link_in(message) -> str:
    match = re.search(r"https?://\S+", message.body)
    assert match, message.body
    return match.group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.fixture
def user():
    return UserFactory(email="karin.lind@test.example", password=PASSWORD)


@pytest.fixture
def admin(molndal):
    return UserFactory(organisation=molndal, role=Role.ADMIN, email="admin@molndal.test.example")


def invite(client: Client, capture, email="ny.kollega@test.example", role=Role.EDITOR):
    """POST the invitation form and run the on-commit e-mail sending."""
    with capture(execute=True):
        return client.post(people_url(), {"email": email, "role": role})


# --- Log in -------------------------------------------------------------------------


def test_login_page_renders_the_form(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_email"' in html and 'id="id_password"' in html
    assert 'autocomplete="current-password"' in html


def test_login_with_email_and_password(client, user):
    response = client.post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert str(logged_in_user_id(client)) == str(user.pk)


def test_login_email_is_case_insensitive(client, user):
    response = client.post(LOGIN, {"email": "  Karin.LIND@Test.Example ", "password": PASSWORD})
    assert response.status_code == 302
    assert str(logged_in_user_id(client)) == str(user.pk)


def test_login_password_is_case_sensitive(client, user):
    response = client.post(LOGIN, {"email": user.email, "password": PASSWORD.upper()})
    assert response.status_code == 400
    assert logged_in_user_id(client) is None


def test_login_redirects_to_a_safe_next(client, user):
    response = client.post(
        LOGIN, {"email": user.email, "password": PASSWORD, "next": "/organisationer/molndal/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/organisationer/molndal/"


def test_login_next_from_the_query_string_is_kept_in_the_form(client, user):
    response = client.get(LOGIN, {"next": "/konto/"})
    assert 'name="next" value="/konto/"' in response.content.decode()
    response = client.post(f"{LOGIN}?next=/konto/", {"email": user.email, "password": PASSWORD})
    assert response["Location"] == "/konto/"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example",
        "https://evil.example/konto/",
        "//evil.example/",
        "http://evil.example@testserver.evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
    ],
)
def test_login_ignores_an_unsafe_next(client, user, next_url):
    response = client.post(LOGIN, {"email": user.email, "password": PASSWORD, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"
    # The login form does not carry the unsafe target along.
    assert 'name="next" value=""' in client.get(LOGIN, {"next": next_url}).content.decode()


def test_login_required_page_sends_next_to_login(client):
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "next=/konto/" in response["Location"]


def test_wrong_password_shows_a_form_error_with_status_400(client, user):
    response = client.post(LOGIN, {"email": user.email, "password": "wrong-password"})
    assert response.status_code == 400
    form = response.context["form"]
    assert form.non_field_errors()
    assert 'id="error-summary"' in response.content.decode()
    assert logged_in_user_id(client) is None


def test_unknown_email_gives_the_same_error_as_a_wrong_password(client, user):
    wrong_password = client.post(LOGIN, {"email": user.email, "password": "nope-nope-nope"})
    unknown = client.post(LOGIN, {"email": "nobody@test.example", "password": "nope-nope-nope"})
    assert unknown.status_code == wrong_password.status_code == 400
    assert unknown.context["form"].errors == wrong_password.context["form"].errors


def test_missing_fields_are_field_errors(client):
    response = client.post(LOGIN, {"email": "not-an-address", "password": ""})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "email" in errors and "password" in errors


def test_inactive_user_cannot_log_in(client):
    inactive = UserFactory(password=PASSWORD, is_active=False)
    response = client.post(LOGIN, {"email": inactive.email, "password": PASSWORD})
    assert response.status_code == 400
    assert logged_in_user_id(client) is None


def test_demo_login_works(client, settings):
    # The demo users were created (once per session) with the default password hasher.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    response = client.post(
        LOGIN, {"email": "admin.molndal@demo.kraftsamla.se", "password": "kraftsamla-demo"}
    )
    assert response.status_code == 302


# --- Rate limit -----------------------------------------------------------------------


def fail_logins(client: Client, email: str, times: int, **extra) -> None:
    for _ in range(times):
        response = client.post(LOGIN, {"email": email, "password": "wrong-password"}, **extra)
        assert response.status_code == 400


def test_rate_limit_refuses_even_the_right_password(client, user):
    limit = settings.LOGIN_FAILURE_LIMIT
    assert limit >= 1
    fail_logins(client, user.email, limit)
    response = client.post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert response.context["form"].non_field_errors()
    assert 'id="error-summary"' in response.content.decode()
    assert logged_in_user_id(client) is None


def test_rate_limit_is_not_reached_before_the_limit(client, user):
    fail_logins(client, user.email, settings.LOGIN_FAILURE_LIMIT - 1)
    response = client.post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_rate_limit_applies_with_a_changed_case_address(client, user):
    fail_logins(client, user.email.upper(), settings.LOGIN_FAILURE_LIMIT)
    response = client.post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429


def test_an_attackers_failures_do_not_lock_the_owner_out_on_another_client(client, user):
    attacker = Client(REMOTE_ADDR="10.0.0.1")
    fail_logins(attacker, user.email, settings.LOGIN_FAILURE_LIMIT, REMOTE_ADDR="10.0.0.1")
    # The attacker's client is locked out of this account, even with the right password ...
    response = attacker.post(
        LOGIN, {"email": user.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 429
    # ... but the owner, on their own client, logs in at once.
    owner = Client(REMOTE_ADDR="10.0.0.2")
    response = owner.post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user_id(owner) == str(user.pk)


def test_colleagues_behind_one_address_are_not_locked_out_by_a_few_failures(client):
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        client.post(LOGIN, {"email": f"typo{i}@test.example", "password": "x" * 12})
    colleague = UserFactory(password=PASSWORD)
    response = client.post(LOGIN, {"email": colleague.email, "password": PASSWORD})
    assert response.status_code == 302


def test_rate_limit_per_client_blocks_guessing_many_addresses(client, user):
    # The per-client limit is wider than the per-address one (offices share addresses).
    for i in range(settings.LOGIN_FAILURE_LIMIT * throttle.IP_LIMIT_FACTOR):
        client.post(
            LOGIN,
            {"email": f"guess{i}@test.example", "password": "x" * 12},
            REMOTE_ADDR="10.0.0.3",
        )
    response = client.post(
        LOGIN, {"email": user.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.3"
    )
    assert response.status_code == 429
    # Someone else, elsewhere, is not affected.
    other_user = UserFactory(password=PASSWORD)
    elsewhere = Client(REMOTE_ADDR="10.0.0.4")
    response = elsewhere.post(LOGIN, {"email": other_user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_rate_limit_cannot_be_dodged_with_a_forged_client_address_header(client, user):
    # Without a proxy in front (DJANGO_BEHIND_PROXY=0), X-Real-IP is not trusted.
    for i in range(settings.LOGIN_FAILURE_LIMIT * throttle.IP_LIMIT_FACTOR):
        client.post(
            LOGIN,
            {"email": f"guess{i}@test.example", "password": "x" * 12},
            HTTP_X_REAL_IP=f"192.0.2.{i}",
        )
    response = client.post(
        LOGIN, {"email": user.email, "password": PASSWORD}, HTTP_X_REAL_IP="192.0.2.200"
    )
    assert response.status_code == 429


# --- Log out --------------------------------------------------------------------------


def test_logout_only_by_post(client, user):
    client.force_login(user)
    assert client.get(LOGOUT).status_code == 405
    assert str(logged_in_user_id(client)) == str(user.pk)
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert logged_in_user_id(client) is None
    assert client.get(ACCOUNT).status_code == 302


def test_logout_form_is_on_every_page_for_a_logged_in_user(client, user):
    client.force_login(user)
    html = client.get("/").content.decode()
    assert re.search(r'<form[^>]+action="/konto/logga-ut/"[^>]+method="post"', html)


def test_logout_is_csrf_protected(user):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    assert csrf_client.post(LOGOUT).status_code == 403
    assert str(logged_in_user_id(csrf_client)) == str(user.pk)


# --- Password change --------------------------------------------------------------------


def test_password_change(client, user):
    client.force_login(user)
    assert client.get(PASSWORD_CHANGE).status_code == 200
    response = client.post(
        PASSWORD_CHANGE,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The session stays valid after the change.
    assert client.get(ACCOUNT).status_code == 200
    fresh = Client()
    assert fresh.post(LOGIN, {"email": user.email, "password": PASSWORD}).status_code == 400
    assert fresh.post(LOGIN, {"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_password_change_with_wrong_old_password_is_refused(client, user):
    client.force_login(user)
    response = client.post(
        PASSWORD_CHANGE,
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_validates_the_new_password(client, user):
    client.force_login(user)
    response = client.post(
        PASSWORD_CHANGE,
        {"old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345"},
    )
    assert "new_password2" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_needs_login(client):
    response = client.get(PASSWORD_CHANGE)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# --- Password reset ---------------------------------------------------------------------


def test_password_reset_sends_a_working_link(client, user):
    assert client.get(PASSWORD_RESET).status_code == 200
    response = client.post(PASSWORD_RESET, {"email": "KARIN.lind@test.example"})
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject and "\n" not in message.subject
    link = link_in(message)
    assert link.startswith("http://testserver/konto/losenord/ny/")

    response = client.get(path_of(link))
    assert response.status_code == 302  # to the set-password URL (token removed from the URL)
    set_password_url = response["Location"]
    response = client.get(set_password_url)
    assert response.status_code == 200
    assert response.context["validlink"] is True

    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    # The link works only once.
    response = Client().get(path_of(link), follow=True)
    assert response.context["validlink"] is False


def test_password_reset_new_passwords_must_match(client, user):
    client.post(PASSWORD_RESET, {"email": user.email})
    set_password_url = client.get(path_of(link_in(mail.outbox[0])))["Location"]
    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_reset_for_an_unknown_address_sends_nothing_but_looks_the_same(client, user):
    known = client.post(PASSWORD_RESET, {"email": user.email})
    unknown = client.post(PASSWORD_RESET, {"email": "nobody@test.example"})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert len(mail.outbox) == 1


def test_password_reset_with_a_tampered_token_is_refused(client, user):
    client.post(PASSWORD_RESET, {"email": user.email})
    link = path_of(link_in(mail.outbox[0]))
    tampered = link.rstrip("/")[:-3] + "zzz/"
    response = client.get(tampered, follow=True)
    assert response.context["validlink"] is False


# --- Invitations: the happy path ------------------------------------------------------


def test_invitation_flow(client, admin, molndal, django_capture_on_commit_callbacks):
    client.force_login(admin)
    page = client.get(people_url())
    assert page.status_code == 200
    assert 'id="invite-heading"' in page.content.decode()

    response = invite(client, django_capture_on_commit_callbacks, "Ny.Kollega@Test.Example")
    assert response.status_code == 302
    assert response["Location"] == people_url()
    # The waiting invitation shows on the people page.
    assert "ny.kollega@test.example" in client.get(people_url()).content.decode()

    invitation = Invitation.objects.get(organisation=molndal, email="ny.kollega@test.example")
    assert invitation.role == Role.EDITOR
    assert invitation.invited_by == admin
    assert invitation.accepted_at is None
    assert invitation.expires_at > timezone.now() + datetime.timedelta(days=13)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ny.kollega@test.example"]
    assert molndal.name in message.subject
    link = link_in(message)
    assert link.startswith("http://testserver/konto/inbjudan/")
    token = link.rstrip("/").rsplit("/", 1)[-1]
    # Only a hash of the token is stored.
    assert invitation.token_hash != token and token not in invitation.token_hash

    invite_event = AuditEvent.objects.get(action=AuditAction.INVITE, organisation=molndal)
    assert invite_event.actor == admin
    assert invite_event.after["email"] == "ny.kollega@test.example"
    assert "token_hash" not in invite_event.after

    # The invitee opens the link in their own browser.
    invitee = Client()
    page = invitee.get(path_of(link))
    assert page.status_code == 200
    html = page.content.decode()
    for field_id in ("id_full_name", "id_password1", "id_password2"):
        assert f'id="{field_id}"' in html
    response = invitee.post(
        path_of(link),
        {"full_name": "Nils Nykvist", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == molndal.get_absolute_url()

    new_user = User.objects.get(email="ny.kollega@test.example")
    assert new_user.full_name == "Nils Nykvist"
    assert new_user.check_password(NEW_PASSWORD)
    assert str(logged_in_user_id(invitee)) == str(new_user.pk)
    assert OrganisationRole.objects.get(user=new_user, organisation=molndal).role == Role.EDITOR
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.accepted_by == new_user

    accept_event = AuditEvent.objects.get(action=AuditAction.ACCEPT, organisation=molndal)
    assert accept_event.actor == new_user
    assert accept_event.after == {"user": new_user.email, "role": Role.EDITOR}

    # The new colleague now sees the people page; the link is used up.
    assert invitee.get(people_url()).status_code == 200
    assert Client().get(path_of(link)).status_code == 404


def test_platform_staff_may_invite(client, staff, molndal, django_capture_on_commit_callbacks):
    client.force_login(staff)
    assert invite(client, django_capture_on_commit_callbacks).status_code == 302
    assert Invitation.objects.filter(organisation=molndal).count() == 1
    assert len(mail.outbox) == 1


def test_logged_in_invitee_with_the_same_address_accepts_with_one_click(
    client, admin, molndal, ale
):
    colleague = UserFactory(organisation=ale, role=Role.VIEWER, email="kollega@test.example")
    _, token = _invitation(admin, molndal, email="Kollega@test.example")
    client.force_login(colleague)
    page = client.get(f"/konto/inbjudan/{token}/")
    assert page.status_code == 200
    assert 'id="id_password1"' not in page.content.decode()
    response = client.post(f"/konto/inbjudan/{token}/")
    assert response.status_code == 302
    assert OrganisationRole.objects.get(user=colleague, organisation=molndal).role == Role.VIEWER
    assert OrganisationRole.objects.filter(user=colleague).count() == 2


# --- Invitations: refused -------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_editor_or_viewer_cannot_invite(client, molndal, role, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(organisation=molndal, role=role))
    page = client.get(people_url())
    assert page.status_code == 200
    assert 'id="invite-heading"' not in page.content.decode()
    assert invite(client, django_capture_on_commit_callbacks).status_code == 403
    assert not Invitation.objects.filter(organisation=molndal).exists()
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action=AuditAction.INVITE).exists()


def test_admin_of_another_organisation_cannot_see_or_invite(
    client, ale, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(organisation=ale, role=Role.ADMIN))
    assert client.get(people_url()).status_code == 403
    assert invite(client, django_capture_on_commit_callbacks).status_code == 403
    assert not Invitation.objects.exists()


def test_anonymous_is_sent_to_login_from_the_people_page(client):
    response = client.post(people_url(), {"email": "x@test.example", "role": Role.ADMIN})
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not Invitation.objects.exists()


def test_people_page_of_an_unknown_organisation_is_404(client, admin):
    client.force_login(admin)
    assert client.get(people_url("no-such-organisation")).status_code == 404


def test_invitation_form_errors(client, admin, django_capture_on_commit_callbacks):
    client.force_login(admin)
    response = invite(
        client, django_capture_on_commit_callbacks, email="not-an-address", role="owner"
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "email" in errors and "role" in errors
    assert 'id="error-summary"' in response.content.decode()
    assert not Invitation.objects.exists()


def test_duplicate_open_invitation_is_a_field_error(
    client, admin, molndal, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    assert invite(client, django_capture_on_commit_callbacks).status_code == 302
    response = invite(client, django_capture_on_commit_callbacks, "NY.kollega@test.example")
    assert response.status_code == 400
    form = response.context["form"]
    assert "email" in form.errors
    assert not form.non_field_errors()
    assert Invitation.objects.filter(organisation=molndal).count() == 1
    assert len(mail.outbox) == 1


def test_inviting_someone_who_already_has_a_role_is_a_field_error(
    client, admin, molndal, django_capture_on_commit_callbacks
):
    member = UserFactory(organisation=molndal, role=Role.VIEWER)
    client.force_login(admin)
    response = invite(client, django_capture_on_commit_callbacks, member.email.upper())
    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_an_expired_invitation_can_be_sent_again(
    client, admin, molndal, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    invite(client, django_capture_on_commit_callbacks)
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = invite(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    new_link = path_of(link_in(mail.outbox[1]))
    invitation_page = Client().get(new_link)
    assert invitation_page.status_code == 200
    assert molndal.name in invitation_page.content.decode()
    assert Client().get(path_of(link_in(mail.outbox[0]))).status_code == 404


def _invitation(admin, organisation, email="gast@test.example", role=Role.VIEWER):
    """Invite through the service, send the e-mail (on commit) and read the token from it."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        invitation = services.invitation_create(
            actor=admin,
            organisation=organisation,
            email=email,
            role=role,
            accept_url_builder=lambda t: f"http://testserver/konto/inbjudan/{t}/",
        )
    return invitation, link_in(mail.outbox[-1]).rstrip("/").rsplit("/", 1)[-1]


def test_expired_invitation_shows_the_not_valid_page(client, admin, molndal):
    invitation, token = _invitation(admin, molndal)
    invitation.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    invitation.save()
    url = f"/konto/inbjudan/{token}/"
    response = client.get(url)
    assert response.status_code == 404
    assert "accounts/invitation_invalid.html" in [t.name for t in response.templates]
    response = client.post(
        url, {"full_name": "Sen Gäst", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 404
    assert not User.objects.filter(email="gast@test.example").exists()


def test_used_invitation_shows_the_not_valid_page(client, admin, molndal):
    _, token = _invitation(admin, molndal)
    services.invitation_accept(token=token, full_name="Gäst", password=NEW_PASSWORD)
    response = client.get(f"/konto/inbjudan/{token}/")
    assert response.status_code == 404
    assert "accounts/invitation_invalid.html" in [t.name for t in response.templates]


def test_unknown_invitation_token_shows_the_not_valid_page(client):
    response = client.get("/konto/inbjudan/not-a-real-token/")
    assert response.status_code == 404
    assert "accounts/invitation_invalid.html" in [t.name for t in response.templates]


def test_logged_in_user_with_another_address_cannot_accept(client, admin, molndal):
    _, token = _invitation(admin, molndal, role=Role.ADMIN)
    other = UserFactory(email="someone.else@test.example")
    client.force_login(other)
    url = f"/konto/inbjudan/{token}/"
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 400
    assert not OrganisationRole.objects.filter(user=other, organisation=molndal).exists()
    assert Invitation.objects.get(email="gast@test.example").accepted_at is None
    assert not AuditEvent.objects.filter(action=AuditAction.ACCEPT).exists()


def test_existing_account_must_log_in_before_accepting(client, admin, molndal):
    existing = UserFactory(email="gast@test.example", password=PASSWORD)
    _, token = _invitation(admin, molndal)
    response = client.post(
        f"/konto/inbjudan/{token}/",
        {"full_name": "Kapare", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    existing.refresh_from_db()
    assert existing.check_password(PASSWORD)
    assert logged_in_user_id(client) is None
    assert not OrganisationRole.objects.filter(user=existing, organisation=molndal).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"full_name": "Gäst", "password1": NEW_PASSWORD, "password2": "different-123456"},
            "password2",
        ),
        ({"full_name": "Gäst", "password1": "short", "password2": "short"}, "password1"),
        (
            {"full_name": "Gäst", "password1": "1234567890123", "password2": "1234567890123"},
            "password1",
        ),
        ({"full_name": "", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, "full_name"),
    ],
)
def test_accept_form_errors_create_nothing(client, admin, molndal, data, field):
    _, token = _invitation(admin, molndal)
    response = client.post(f"/konto/inbjudan/{token}/", data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'id="error-summary"' in response.content.decode()
    assert not User.objects.filter(email="gast@test.example").exists()
    assert Invitation.objects.get(email="gast@test.example").accepted_at is None


# --- Account page and API token ---------------------------------------------------------


def test_account_page_shows_the_roles(client, molndal):
    member = UserFactory(organisation=molndal, role=Role.EDITOR)
    client.force_login(member)
    response = client.get(ACCOUNT)
    assert response.status_code == 200
    html = response.content.decode()
    assert member.email in html
    assert molndal.get_absolute_url() in html


def shown_token(html: str) -> str:
    """Return the token shown on the account page."""
    return html.split('<code class="token">', 1)[1].split("</code>", 1)[0]


def test_account_page_creates_and_replaces_the_api_token(client, user):
    client.force_login(user)
    assert client.get(ACCOUNT).context["token"] is None

    response = client.post(API_TOKEN)
    assert response.status_code == 302
    assert response["Location"] == ACCOUNT
    first = shown_token(client.get(ACCOUNT).content.decode())
    assert len(first) > 30
    api = Client()
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {first}").status_code == 200

    client.post(API_TOKEN)
    second = shown_token(client.get(ACCOUNT).content.decode())
    assert second != first
    assert ApiToken.objects.filter(user=user).count() == 1
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {first}").status_code == 401
    response = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {second}")
    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_api_token_only_by_post_and_only_logged_in(client, user):
    response = client.post(API_TOKEN)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    client.force_login(user)
    assert client.get(API_TOKEN).status_code == 405
    assert not ApiToken.objects.filter(user=user).exists()


def test_the_token_is_shown_once_then_only_its_prefix_and_date(client, user):
    client.force_login(user)
    client.post(API_TOKEN)
    raw = shown_token(client.get(ACCOUNT).content.decode())
    again = client.get(ACCOUNT).content.decode()
    assert raw not in again
    assert f"{raw[:6]}…" in again


def test_only_a_hash_of_the_token_is_stored_and_the_rotation_is_audited(user):
    raw = api_token_rotate(actor=user)
    stored = ApiToken.objects.get(user=user)
    assert stored.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {stored.key_hash, stored.prefix}
    event = AuditEvent.objects.filter(actor=user, object_type="accounts.apitoken").get()
    assert event.action == AuditAction.CREATE
    assert raw not in str(event.after)
    api_token_rotate(actor=user)
    assert AuditEvent.objects.filter(object_type="accounts.apitoken").count() == 2


def test_a_password_change_revokes_the_api_token(client, user):
    raw = api_token_rotate(actor=user)
    client.force_login(user)
    response = client.post(
        PASSWORD_CHANGE,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not ApiToken.objects.filter(user=user).exists()
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 401


# --- The Django admin: no unaudited second write path -----------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/organisationrole/",
        "/admin/accounts/invitation/",
        "/admin/organisations/membership/",
        "/admin/organisations/climateprofile/",
        "/admin/organisations/organisation/",
    ],
)
def test_audited_models_are_read_only_in_the_admin(client, url):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url).status_code == 200
    assert client.get(url + "add/").status_code == 403


def test_user_changes_in_the_admin_are_audited(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    target = UserFactory(full_name="Före")
    client.force_login(admin_user)
    response = client.post(
        f"/admin/accounts/user/{target.pk}/change/",
        {
            "email": target.email,
            "full_name": "Efter",
            "language": "sv",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert target.full_name == "Efter"
    event = AuditEvent.objects.filter(object_type="accounts.user", actor=admin_user).get()
    assert event.action == AuditAction.UPDATE
    assert event.after["full_name"] == "Efter"
    assert "password" not in event.after
