"""Background work runs in the real database-backed worker (django-tasks-db)."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import TestCase

from kraftsamla.accounts import services
from kraftsamla.accounts.models import EmailStatus, Invitation
from kraftsamla.core.models import Role
from tests.factories.accounts import UserFactory
from tests.helpers import org_by_slug

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_tasks(settings):
    # django-tasks rebuilds its backends when the setting changes.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_an_invitation_is_sent_by_the_worker_and_its_token_is_stored_nowhere(
    database_tasks, monkeypatch
):
    from django_tasks_db.models import DBTaskResult

    molndal = org_by_slug("molndal")
    admin = UserFactory(organisation=molndal, role=Role.ADMIN)
    with TestCase.captureOnCommitCallbacks(execute=True):
        invitation = services.invitation_create(
            actor=admin,
            organisation=molndal,
            email="ny@test.example",
            role=Role.VIEWER,
            accept_url_builder=lambda t: f"http://testserver/konto/inbjudan/{t}/",
        )
    # Queued, not sent: the request that invited never waits for the mail server.
    assert mail.outbox == []
    queued = DBTaskResult.objects.get()
    assert "__token__" in str(queued.args_kwargs)
    # The worker closes "old" connections between tasks; inside the test's transaction
    # that would close the connection the test runs in (PostgreSQL), so it is kept.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    token = mail.outbox[0].body.split("/konto/inbjudan/", 1)[1].split("/", 1)[0]
    invitation.refresh_from_db()
    assert invitation.email_status == EmailStatus.SENT
    assert services.invitation_get_open(token) == invitation
    # Only the e-mail holds the token: neither the invitation nor the queue stores it.
    assert token not in invitation.token_hash
    assert token not in str(DBTaskResult.objects.get().args_kwargs)
    assert Invitation.objects.filter(token_hash__contains=token).count() == 0
