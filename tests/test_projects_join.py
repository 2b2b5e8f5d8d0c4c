"""Asking to join a project: each rule allowed and denied, the constraints, hidden projects,
the e-mails (recipients, language, a mail server that is down), the pages and the API."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kraftsamla.accounts.models import EmailStatus, OrganisationRole
from kraftsamla.core import access
from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import AuditEvent, Role
from kraftsamla.projects import services
from kraftsamla.projects.models import (
    JoinRequest,
    JoinRequestStatus,
    Participation,
    ParticipationRole,
    ProjectStatus,
)
from kraftsamla.projects.tasks import join_request_recipients
from tests.factories.accounts import UserFactory
from tests.factories.projects import ProjectFactory
from tests.helpers import (
    ADMIN_M,
    ALE_EDITOR,
    EDITOR_M,
    PRIVATE,
    PUBLIC,
    count_queries,
    demo_user,
    empty_query_log,
    org_by_slug,
    translate,
)

pytestmark = pytest.mark.django_db


class FailingEmailBackend(BaseEmailBackend):
    """A mail server that cannot be reached."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("no mail server")


def _client(who) -> Client:
    client = Client()
    client.force_login(demo_user(who) if isinstance(who, str) else who)
    return client


@pytest.fixture
def ale_editor(db):
    return demo_user(ALE_EDITOR)


@pytest.fixture
def project(molndal):
    """A public idea of Mölndal, which anyone may see."""
    return ProjectFactory(owner=molndal, title="Gemensam laddinfrastruktur", sharing_level=PUBLIC)


@pytest.fixture
def waiting(project, ale, ale_editor):
    """Ale's request to join Mölndal's project, waiting for an answer."""
    return services.join_request_create(
        actor=ale_editor, project=project, organisation=ale, message="Vi vill vara med."
    )


def _counts() -> tuple[int, int, int]:
    return JoinRequest.objects.count(), Participation.objects.count(), AuditEvent.objects.count()


# --- Services: each rule allowed and denied ------------------------------------------------


def test_request_join_is_allowed_for_another_organisations_editor(project, ale, ale_editor):
    assert access.allows(ale_editor, "projects.project.request_join", project)
    join_request = services.join_request_create(
        actor=ale_editor, project=project, organisation=ale, message="  Vi vill vara med.  "
    )
    assert (join_request.status, join_request.requested_by, join_request.message) == (
        JoinRequestStatus.PENDING,
        ale_editor,
        "Vi vill vara med.",
    )
    assert AuditEvent.objects.filter(
        object_type="projects.joinrequest", object_id=str(join_request.pk)
    ).exists()


@pytest.mark.parametrize("who", ["ale_viewer", "owner_editor", "anonymous"])
def test_request_join_is_denied_to_viewers_the_owner_and_visitors(project, ale, who, editor_m):
    person = {
        "ale_viewer": lambda: UserFactory(organisation=ale, role=Role.VIEWER),
        "owner_editor": lambda: editor_m,
        "anonymous": AnonymousUser,
    }[who]()
    assert not access.allows(person, "projects.project.request_join", project)
    before = _counts()
    with pytest.raises(PermissionDenied):
        services.join_request_create(actor=person, project=project, organisation=ale)
    assert _counts() == before


def test_asking_for_an_organisation_one_does_not_edit_is_denied(project, ale, ale_editor):
    kungsbacka = org_by_slug("kungsbacka")
    assert access.allows(ale_editor, "projects.organisation.request_join", ale)
    assert not access.allows(ale_editor, "projects.organisation.request_join", kungsbacka)
    before = _counts()
    with pytest.raises(PermissionDenied):
        services.join_request_create(actor=ale_editor, project=project, organisation=kungsbacka)
    assert _counts() == before


def test_a_hidden_project_answers_404_and_saves_nothing(molndal, ale, ale_editor):
    hidden = ProjectFactory(owner=molndal, sharing_level=PRIVATE)
    before = _counts()
    with pytest.raises(Http404):
        services.join_request_create(actor=ale_editor, project=hidden, organisation=ale)
    assert _counts() == before


def test_decide_is_allowed_for_the_owners_administrators_and_editors(waiting, admin_m, editor_m):
    assert access.allows(admin_m, "projects.joinrequest.decide", waiting)
    assert access.allows(editor_m, "projects.joinrequest.decide", waiting)
    services.join_request_accept(actor=editor_m, join_request=waiting, role="partner")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.role, waiting.decided_by) == (
        JoinRequestStatus.ACCEPTED,
        ParticipationRole.PARTNER,
        editor_m,
    )
    assert waiting.decided_at is not None
    participation = Participation.objects.get(
        project=waiting.project, organisation=waiting.organisation
    )
    assert participation.role == ParticipationRole.PARTNER


def test_decide_is_denied_to_the_owners_viewer_and_the_asking_organisation(
    waiting, viewer_m, ale_editor
):
    before = _counts()
    for person in (viewer_m, ale_editor):
        assert not access.allows(person, "projects.joinrequest.decide", waiting)
        with pytest.raises(PermissionDenied):
            services.join_request_accept(actor=person, join_request=waiting, role="participant")
        with pytest.raises(PermissionDenied):
            services.join_request_decline(actor=person, join_request=waiting, reason="Nej")
    assert _counts() == before


def test_withdraw_is_allowed_for_the_asking_organisations_editors(waiting, ale_editor):
    assert access.allows(ale_editor, "projects.joinrequest.withdraw", waiting)
    services.join_request_withdraw(actor=ale_editor, join_request=waiting)
    waiting.refresh_from_db()
    assert waiting.status == JoinRequestStatus.WITHDRAWN and waiting.decided_by == ale_editor


def test_withdraw_is_denied_to_the_owner_and_the_asking_organisations_viewer(waiting, admin_m, ale):
    for person in (admin_m, UserFactory(organisation=ale, role=Role.VIEWER)):
        assert not access.allows(person, "projects.joinrequest.withdraw", waiting)
        with pytest.raises(PermissionDenied):
            services.join_request_withdraw(actor=person, join_request=waiting)
    waiting.refresh_from_db()
    assert waiting.status == JoinRequestStatus.PENDING


def test_a_request_is_seen_by_both_organisations_and_nobody_else(waiting, viewer_m, ale):
    assert access.allows(viewer_m, "projects.joinrequest.view", waiting)
    assert access.allows(
        UserFactory(organisation=ale, role=Role.VIEWER), "projects.joinrequest.view", waiting
    )
    outsider = UserFactory(organisation=org_by_slug("kungsbacka"), role=Role.ADMIN)
    assert not access.allows(outsider, "projects.joinrequest.view", waiting)
    assert (
        not access.scope(outsider, "projects.joinrequest.view", JoinRequest.objects.all())
        .filter(pk=waiting.pk)
        .exists()
    )


# --- Services: the invariants -----------------------------------------------------------


def test_one_waiting_request_per_organisation_and_a_new_one_after_an_answer(
    waiting, project, ale, ale_editor, admin_m
):
    before = _counts()
    with pytest.raises(ValidationError) as error:
        services.join_request_create(actor=ale_editor, project=project, organisation=ale)
    assert "organisation" in error.value.message_dict
    assert _counts() == before
    # The database refuses a second waiting request too, whatever the code path.
    with pytest.raises(IntegrityError), transaction.atomic():
        JoinRequest.objects.create(project=project, organisation=ale)
    services.join_request_decline(actor=admin_m, join_request=waiting, reason="Inte nu.")
    again = services.join_request_create(actor=ale_editor, project=project, organisation=ale)
    assert again.status == JoinRequestStatus.PENDING


def test_the_owner_and_a_participant_cannot_ask(project, molndal, ale, waiting, admin_m):
    with pytest.raises(ValidationError) as error:
        services.join_request_create(actor=SYSTEM, project=project, organisation=molndal)
    assert "organisation" in error.value.message_dict
    services.join_request_accept(actor=admin_m, join_request=waiting, role="participant")
    before = _counts()
    with pytest.raises(ValidationError) as error:
        services.join_request_create(actor=SYSTEM, project=project, organisation=ale)
    assert "organisation" in error.value.message_dict
    assert _counts() == before


def test_a_completed_project_takes_no_new_participants(molndal, ale, ale_editor):
    project = ProjectFactory(owner=molndal, sharing_level=PUBLIC)
    services.project_start(actor=SYSTEM, project=project)
    services.project_complete(actor=SYSTEM, project=project, results="r", lessons="l", reusable="u")
    with pytest.raises(ValidationError):
        services.join_request_create(actor=ale_editor, project=project, organisation=ale)
    assert not JoinRequest.objects.filter(project=project).exists()


def test_bad_answers_save_nothing(waiting, admin_m):
    before = _counts()
    with pytest.raises(ValidationError) as error:
        services.join_request_accept(actor=admin_m, join_request=waiting, role="lead")
    assert "role" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.join_request_decline(actor=admin_m, join_request=waiting, reason="  ")
    assert "reason" in error.value.message_dict
    assert _counts() == before
    waiting.refresh_from_db()
    assert waiting.status == JoinRequestStatus.PENDING


def test_an_answered_request_cannot_be_answered_again(waiting, admin_m, ale_editor):
    services.join_request_decline(actor=admin_m, join_request=waiting, reason="Inte nu.")
    before = _counts()
    with pytest.raises(ValidationError):
        services.join_request_accept(actor=admin_m, join_request=waiting, role="participant")
    with pytest.raises(ValidationError):
        services.join_request_withdraw(actor=ale_editor, join_request=waiting)
    assert _counts() == before


def test_the_database_keeps_answers_consistent(waiting):
    now = timezone.now()
    for values in (
        {"status": JoinRequestStatus.DECLINED, "decided_at": now},  # no reason
        {"status": JoinRequestStatus.ACCEPTED, "decided_at": now},  # no role
        {"status": JoinRequestStatus.WITHDRAWN},  # no time
        {"status": JoinRequestStatus.ACCEPTED, "decided_at": now, "role": "lead"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            JoinRequest.objects.filter(pk=waiting.pk).update(**values)


def test_a_message_over_the_limit_saves_nothing(project, ale, ale_editor):
    before = _counts()
    with pytest.raises(ValidationError) as error:
        services.join_request_create(
            actor=ale_editor, project=project, organisation=ale, message="x" * 5000
        )
    assert "message" in error.value.message_dict
    assert _counts() == before


# --- E-mail through the task queue ---------------------------------------------------------


def _owner_admin_emails(organisation) -> set[str]:
    return set(
        OrganisationRole.objects.filter(
            organisation=organisation, role=Role.ADMIN, user__is_active=True
        ).values_list("user__email", flat=True)
    )


def test_a_new_request_e_mails_the_owners_administrators_each_in_their_language(
    project, molndal, ale, ale_editor, django_capture_on_commit_callbacks
):
    english = UserFactory(organisation=molndal, role=Role.ADMIN, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        join_request = services.join_request_create(
            actor=ale_editor,
            project=project,
            organisation=ale,
            message="Vi har laddplatser att dela.",
            link="http://testserver/projekt/1/",
        )
    recipients = {message.to[0] for message in mail.outbox}
    assert recipients == _owner_admin_emails(molndal) and english.email in recipients
    # Editors get nothing when there are administrators.
    assert demo_user(EDITOR_M).email not in recipients
    by_address = {message.to[0]: message for message in mail.outbox}
    in_english = by_address[english.email]
    assert in_english.subject == f"{ale.name} asks to join “{project.title}”"
    assert "Vi har laddplatser att dela." in in_english.body
    assert "http://testserver/projekt/1/" in in_english.body
    assert ale_editor.email in in_english.body
    in_swedish = by_address[demo_user(ADMIN_M).email]
    assert in_swedish.subject == translate("%(organisation)s asks to join “%(project)s”") % {
        "organisation": ale.name,
        "project": project.title,
    }
    join_request.refresh_from_db()
    assert join_request.email_status == EmailStatus.SENT


def test_an_owner_without_administrators_e_mails_its_editors(ale, ale_editor, molndal):
    editor = UserFactory(organisation=org_by_slug("salem"), role=Role.EDITOR)
    project = ProjectFactory(owner=org_by_slug("salem"), sharing_level=PUBLIC)
    join_request = services.join_request_create(actor=ale_editor, project=project, organisation=ale)
    assert join_request_recipients(join_request, "created") == [editor]


def test_the_answer_is_e_mailed_to_the_person_who_asked(
    waiting, admin_m, ale_editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.join_request_accept(actor=admin_m, join_request=waiting, role="partner")
    (message,) = mail.outbox
    assert message.to == [ale_editor.email]
    assert translate("Partner").lower() in message.body
    assert waiting.project.title in message.subject


def test_a_decline_sends_its_reason_in_the_askers_language(
    project, ale, admin_m, django_capture_on_commit_callbacks
):
    asker = UserFactory(organisation=ale, role=Role.EDITOR, language="en")
    join_request = services.join_request_create(actor=asker, project=project, organisation=ale)
    with django_capture_on_commit_callbacks(execute=True):
        services.join_request_decline(
            actor=admin_m, join_request=join_request, reason="Projektet är redan fullt."
        )
    (message,) = mail.outbox
    assert message.to == [asker.email]
    assert message.subject == f"Your request to join “{project.title}” was declined"
    assert "Projektet är redan fullt." in message.body


def test_a_mail_server_that_is_down_never_breaks_the_request(
    settings, project, ale_editor, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.FailingEmailBackend"
    settings.INVITATION_EMAIL_BACKOFF = 0
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(ALE_EDITOR).post(
            reverse("projects:join", args=[project.pk]),
            {"organisation": org_by_slug("ale").pk, "message": "Hej"},
        )
    assert response.status_code == 302
    join_request = JoinRequest.objects.get(project=project)
    assert join_request.status == JoinRequestStatus.PENDING
    assert join_request.email_status == EmailStatus.FAILED
    assert join_request.email_attempts == settings.INVITATION_EMAIL_ATTEMPTS
    assert "no mail server" in join_request.email_error
    # The owner still finds the request on the project page.
    page = _client(ADMIN_M).get(project.get_absolute_url())
    assert [item.join_request for item in page.context["join_requests"]] == [join_request]
    assert translate("E-mail could not be sent") in page.content.decode()


def test_a_withdrawn_request_is_not_e_mailed_late(project, ale, ale_editor, settings):
    from kraftsamla.projects.tasks import send_join_request_email

    join_request = services.join_request_create(actor=ale_editor, project=project, organisation=ale)
    services.join_request_withdraw(actor=ale_editor, join_request=join_request)
    mail.outbox.clear()
    assert send_join_request_email.call(join_request.pk, "created", "x") == "skipped"
    assert mail.outbox == []


def test_demo_requests_e_mail_nobody(project, ale, ale_editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.join_request_create(
            actor=ale_editor, project=project, organisation=ale, is_demo=True
        )
    assert mail.outbox == []


def test_the_worker_sends_the_queued_e_mail(settings, project, ale, ale_editor, monkeypatch):
    from django.test import TestCase
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.join_request_create(actor=ale_editor, project=project, organisation=ale)
    # Queued, not sent: the request never waits for the mail server.
    assert mail.outbox == [] and DBTaskResult.objects.count() == 1
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())
    assert {message.to[0] for message in mail.outbox} == _owner_admin_emails(project.owner)


# --- Pages ----------------------------------------------------------------------------------


def test_the_project_page_offers_the_join_form_only_to_those_who_may_ask(project, ale, viewer_m):
    assert _client(ALE_EDITOR).get(project.get_absolute_url()).context["join_form"] is not None
    for person in (viewer_m, demo_user(EDITOR_M), UserFactory(organisation=ale, role=Role.VIEWER)):
        assert _client(person).get(project.get_absolute_url()).context["join_form"] is None
    assert Client().get(project.get_absolute_url()).context["join_form"] is None


def test_ask_accept_and_see_the_status_on_the_project_page(project, ale):
    asker = _client(ALE_EDITOR)
    html = asker.get(project.get_absolute_url()).content.decode()
    assert translate("Ask to join") in html
    response = asker.post(
        reverse("projects:join", args=[project.pk]),
        {"organisation": ale.pk, "message": "Vi vill vara med."},
    )
    assert response.status_code == 302
    page = asker.get(project.get_absolute_url())
    (item,) = page.context["join_requests"]
    assert item.accept_form is None and item.can_withdraw
    assert page.context["join_form"] is None  # Ale already waits
    assert translate("Waiting for an answer") in page.content.decode()

    owner = _client(ADMIN_M)
    (item,) = owner.get(project.get_absolute_url()).context["join_requests"]
    assert item.accept_form is not None and item.decline_form is not None
    join_request = item.join_request
    url = reverse("projects:join_accept", args=[project.pk, join_request.pk])
    assert asker.post(url, {"role": "partner"}).status_code == 403
    response = owner.post(url, {"role": "partner"})
    assert response.status_code == 302
    assert Participation.objects.get(project=project, organisation=ale).role == "partner"
    html = asker.get(project.get_absolute_url()).content.decode()
    assert translate("Accepted") in html and ale.name in html


def test_decline_needs_a_reason_on_the_form(waiting, project):
    owner = _client(ADMIN_M)
    url = reverse("projects:join_decline", args=[project.pk, waiting.pk])
    response = owner.post(url, {"reason": ""})
    assert response.status_code == 400
    (item,) = response.context["join_requests"]
    assert "reason" in item.decline_form.errors
    assert owner.post(url, {"reason": "Fullt."}).status_code == 302
    waiting.refresh_from_db()
    assert (waiting.status, waiting.reason) == (JoinRequestStatus.DECLINED, "Fullt.")
    # Answering again shows why it cannot be done, at the request.
    response = owner.post(url, {"reason": "Igen"})
    assert response.status_code == 400
    (item,) = response.context["join_requests"]
    assert item.refused is not None and item.refused.non_field_errors()


def test_withdraw_by_url(waiting, project):
    url = reverse("projects:join_withdraw", args=[project.pk, waiting.pk])
    assert _client(ADMIN_M).post(url).status_code == 403
    assert _client(ALE_EDITOR).post(url).status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == JoinRequestStatus.WITHDRAWN


def test_a_hidden_project_is_404_on_every_join_url_and_nothing_is_saved(molndal, ale):
    hidden = ProjectFactory(owner=molndal, sharing_level=PRIVATE)
    asker = _client(ALE_EDITOR)
    before = _counts()
    assert asker.get(reverse("projects:join", args=[hidden.pk])).status_code == 404
    response = asker.post(reverse("projects:join", args=[hidden.pk]), {"organisation": ale.pk})
    assert response.status_code == 404
    assert _counts() == before


def test_the_join_form_shows_field_errors_and_saves_nothing(waiting, project, ale):
    before = _counts()
    asker = _client(ALE_EDITOR)
    response = asker.post(
        reverse("projects:join", args=[project.pk]), {"organisation": ale.pk, "message": "x"}
    )
    assert response.status_code == 400
    assert "organisation" in response.context["form"].errors
    response = asker.post(
        reverse("projects:join", args=[project.pk]),
        {"organisation": org_by_slug("kungsbacka").pk},
    )
    assert response.status_code == 400
    assert _counts() == before


def test_a_viewer_may_not_open_the_join_form(project, ale):
    viewer = UserFactory(organisation=ale, role=Role.VIEWER)
    assert _client(viewer).get(reverse("projects:join", args=[project.pk])).status_code == 403


def test_similar_projects_of_others_offer_ask_to_join(molndal, ale):
    page_project = ProjectFactory(
        owner=molndal, title="Återbrukshubb för kontorsmöbler", sharing_level=PUBLIC
    )
    other = ProjectFactory(
        owner=org_by_slug("kungsbacka"),
        title="Återbrukshubb för kontorsmöbler och inredning",
        sharing_level=PUBLIC,
    )
    own = ProjectFactory(owner=ale, title="Återbrukshubb för möbler i Ale", sharing_level=PUBLIC)
    response = _client(ALE_EDITOR).get(page_project.get_absolute_url())
    similar = {match.project.pk for match in response.context["similar"]}
    assert {other.pk, own.pk} <= similar
    assert other.pk in response.context["similar_to_join"]
    assert own.pk not in response.context["similar_to_join"]
    assert reverse("projects:join", args=[other.pk]) in response.content.decode()
    join_page = _client(ALE_EDITOR).get(reverse("projects:join", args=[other.pk]))
    assert join_page.status_code == 200 and join_page.context["form"] is not None


def test_the_project_page_queries_do_not_grow_with_requests(project, django_assert_max_num_queries):
    owner = _client(ADMIN_M)
    owner.get(project.get_absolute_url())
    first = org_by_slug("ale")
    services.join_request_create(actor=SYSTEM, project=project, organisation=first)
    before, _response = count_queries(lambda: owner.get(project.get_absolute_url()))
    for slug in ("kungsbacka", "lerum", "partille", "alingsas"):
        services.join_request_create(actor=SYSTEM, project=project, organisation=org_by_slug(slug))
    after, response = count_queries(lambda: owner.get(project.get_absolute_url()))
    assert len(response.context["join_requests"]) == 5
    assert after == before
    empty_query_log()
    with django_assert_max_num_queries(25):
        assert owner.get(project.get_absolute_url()).status_code == 200


# --- API ------------------------------------------------------------------------------------


def _api_url(project) -> str:
    return reverse("api:project-join-requests", args=[project.pk])


def test_the_api_lists_requests_to_the_owner_and_to_the_asking_organisation(waiting, project):
    owner = _client(ADMIN_M).get(_api_url(project)).json()
    assert [row["organisation"] for row in owner["results"]] == ["ale"]
    row = owner["results"][0]
    assert row["status"] == "pending" and row["requested_by"] == demo_user(ALE_EDITOR).full_name
    assert demo_user(ALE_EDITOR).email not in str(owner)
    assert _client(ALE_EDITOR).get(_api_url(project)).json()["count"] == 1
    outsider = UserFactory(organisation=org_by_slug("kungsbacka"), role=Role.ADMIN)
    assert _client(outsider).get(_api_url(project)).json()["count"] == 0
    assert Client().get(_api_url(project)).status_code == 401


def test_the_api_creates_a_request_and_refuses_bad_ones(project, molndal):
    asker = _client(ALE_EDITOR)
    response = asker.post(
        _api_url(project),
        {"organisation": "ale", "message": "Hej"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert JoinRequest.objects.filter(project=project, organisation__slug="ale").count() == 1
    again = asker.post(_api_url(project), {"organisation": "ale"}, content_type="application/json")
    assert again.status_code == 400 and "organisation" in again.json()["error"]["fields"]
    unknown = asker.post(
        _api_url(project), {"organisation": "finns-inte"}, content_type="application/json"
    )
    assert unknown.status_code == 400
    other = asker.post(
        _api_url(project), {"organisation": "kungsbacka"}, content_type="application/json"
    )
    assert other.status_code == 403
    hidden = ProjectFactory(owner=molndal, sharing_level=PRIVATE)
    before = _counts()
    response = asker.post(
        _api_url(hidden), {"organisation": "ale"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert asker.get(_api_url(hidden)).status_code == 404
    assert _counts() == before


# --- Demo -------------------------------------------------------------------------------------


def test_the_demo_has_one_waiting_request():
    (join_request,) = JoinRequest.objects.filter(is_demo=True)
    assert join_request.status == JoinRequestStatus.PENDING
    assert (join_request.organisation.slug, join_request.project.owner.slug) == ("ale", "lerum")
    assert join_request.project.status == ProjectStatus.RUNNING
