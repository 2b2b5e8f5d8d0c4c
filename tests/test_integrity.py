"""Data integrity: forms saved once, text length limits, invitation e-mail that may fail."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.urls import reverse

from kraftsamla.accounts.models import EmailStatus, Invitation, Role
from kraftsamla.capacity.models import Answer, Assessment, Respondent, RoleGroup
from kraftsamla.core.audit import audit_record, snapshot
from kraftsamla.core.limits import AUDIT_VALUE_MAX, DESCRIPTION_MAX, EVIDENCE_MAX, NOTE_MAX
from kraftsamla.core.models import AuditAction, AuditEvent
from kraftsamla.support import services as support_services
from kraftsamla.support.models import Enrolment, Need, Offer, OfferStatus
from tests.factories.accounts import UserFactory
from tests.factories.capacity import (
    AssessmentFactory,
    FrameworkFactory,
    add_and_open,
    statements_of,
)
from tests.factories.support import OfferFactory
from tests.helpers import ADMIN_M, EDITOR_M, demo_user, token_client, translate

pytestmark = pytest.mark.django_db

ALREADY_SENT = "This form had already been sent: it was saved only once."


class FailingEmailBackend(BaseEmailBackend):
    """A mail server that cannot be reached."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("no mail server")


def logged_in(email_or_user) -> Client:
    client = Client()
    client.force_login(
        demo_user(email_or_user) if isinstance(email_or_user, str) else email_or_user
    )
    return client


def token_in(response, name: str = "submission_token") -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', response.content.decode())
    assert match, f"no {name} on the page"
    return match.group(1)


def message_texts(client: Client, response) -> list[str]:
    page = client.get(response["Location"])
    return [str(m) for m in page.context["messages"]]


def assert_replayed(client: Client, first, second) -> None:
    """The second submission leads to the first one's page and says nothing was saved twice.

    Both clicks come before the page is shown: it has the first one's message, then this.
    """
    assert first.status_code == 302 and second.status_code == 302
    assert second["Location"] == first["Location"]
    texts = message_texts(client, second)
    assert len(texts) == 2 and texts[-1] == translate(ALREADY_SENT)


@pytest.fixture
def framework(db):
    return FrameworkFactory()


@pytest.fixture
def open_assessment(molndal, framework) -> Assessment:
    admin = demo_user(ADMIN_M)
    return add_and_open(
        AssessmentFactory(organisation=molndal, actor=admin), admin, [demo_user(EDITOR_M)]
    )


# --- Submitting a form twice saves once ---------------------------------------------------


def need_data(token: str, **changes) -> dict:
    return {
        "capital": "human",
        "description": "Kurser i omställning.",
        "priority": "1",
        "year": "2026",
        "sharing_level": "private",
        "submission_token": token,
        **changes,
    }


def test_a_need_form_sent_twice_registers_one_need(molndal):
    client = logged_in(EDITOR_M)
    token = token_in(client.get(reverse("support:organisation", args=[molndal.slug])))
    url = reverse("support:need_create", args=[molndal.slug])
    first = client.post(url, need_data(token))
    second = client.post(url, need_data(token))
    assert Need.objects.filter(organisation=molndal).count() == 1
    assert_replayed(client, first, second)
    # A new rendering of the form has a new token and registers another need.
    again = token_in(client.get(first["Location"]))
    assert again != token
    client.post(url, need_data(again))
    assert Need.objects.filter(organisation=molndal).count() == 2


def test_a_refused_need_form_can_be_corrected_and_sent_with_the_same_token(molndal):
    client = logged_in(EDITOR_M)
    token = token_in(client.get(reverse("support:organisation", args=[molndal.slug])))
    url = reverse("support:need_create", args=[molndal.slug])
    refused = client.post(url, need_data(token, year="1800"))
    assert refused.status_code == 400 and token_in(refused) == token
    assert client.post(url, need_data(token)).status_code == 302
    assert Need.objects.filter(organisation=molndal).count() == 1


def test_an_offer_form_sent_twice_creates_one_offer(gr):
    client = logged_in(UserFactory(organisation=gr, role=Role.EDITOR))
    url = reverse("support:offer_new", args=[gr.slug])
    data = {
        "title": "Dubbelklick",
        "description": "Om kapitalen.",
        "capitals": ["human"],
        "collaboration_form": "knowledge_base",
        "format": "training",
        "status": OfferStatus.OPEN,
        "submission_token": token_in(client.get(url)),
    }
    first = client.post(url, data)
    assert first.status_code == 302, first.context["form"].errors
    second = client.post(url, data)
    assert Offer.objects.filter(title__sv="Dubbelklick").count() == 1
    assert_replayed(client, first, second)


def test_an_enrolment_sent_twice_enrols_once(gr, molndal):
    offer = OfferFactory(provider=gr, seats=1)
    client = logged_in(EDITOR_M)
    editor = demo_user(EDITOR_M)
    token = token_in(client.get(offer.get_absolute_url()))
    url = reverse("support:enrol", args=[offer.pk, molndal.slug])
    data = {"participant": editor.pk, "submission_token": token}
    first = client.post(url, data)
    second = client.post(url, data)
    assert Enrolment.objects.filter(offer=offer).count() == 1
    assert_replayed(client, first, second)


def test_create_assessment_sent_twice_creates_one(molndal, framework):
    client = logged_in(ADMIN_M)
    url = reverse("capacity:organisation", args=[molndal.slug])
    before = Assessment.objects.filter(organisation=molndal).count()
    data = {
        "year": "2031",
        "purpose": "baseline",
        "mode": "group",
        "sharing_level": "region",
        "submission_token": token_in(client.get(url)),
    }
    first = client.post(url, data)
    second = client.post(url, data)
    assert Assessment.objects.filter(organisation=molndal).count() == before + 1
    assert_replayed(client, first, second)


def test_adding_and_inviting_a_respondent_twice_saves_once(
    molndal, open_assessment, django_capture_on_commit_callbacks
):
    client = logged_in(ADMIN_M)
    page = client.get(open_assessment.get_absolute_url())
    colleague = UserFactory(organisation=molndal, role=Role.VIEWER)
    add = reverse("capacity:respondent_add", args=[open_assessment.pk])
    data = {"user": colleague.pk, "role_group": RoleGroup.STRATEGIC}
    data["submission_token"] = token_in(page)
    first, second = client.post(add, data), client.post(add, data)
    assert Respondent.objects.filter(assessment=open_assessment, user=colleague).count() == 1
    assert_replayed(client, first, second)

    invite = reverse("capacity:respondent_invite", args=[open_assessment.pk])
    data = {
        "invite-email": "ny@molndal.example",
        "invite-role_group": RoleGroup.POLITICIANS,
        "invite-submission_token": token_in(page, "invite-submission_token"),
    }
    with django_capture_on_commit_callbacks(execute=True):
        first, second = client.post(invite, data), client.post(invite, data)
    assert Invitation.objects.filter(email="ny@molndal.example").count() == 1
    assert len(mail.outbox) == 1
    assert_replayed(client, first, second)


# --- Length limits ------------------------------------------------------------------------


def test_an_over_long_need_description_is_refused_at_the_field(molndal):
    client = logged_in(EDITOR_M)
    url = reverse("support:need_create", args=[molndal.slug])
    response = client.post(url, need_data("", description="x" * 2_000_000))
    assert response.status_code in (400, 413)
    assert Need.objects.filter(organisation=molndal).count() == 0
    response = client.post(url, need_data("", description="x" * (DESCRIPTION_MAX + 1)))
    assert response.status_code == 400
    assert response.context["form"].errors["description"]
    assert f'maxlength="{DESCRIPTION_MAX}"' in response.content.decode()
    assert Need.objects.filter(organisation=molndal).count() == 0


def test_the_services_refuse_over_long_text_whoever_calls_them(molndal):
    with pytest.raises(ValidationError) as refused:
        support_services.need_save(
            actor=demo_user(EDITOR_M),
            organisation=molndal,
            data={
                "capital": "human",
                "description": "x" * (DESCRIPTION_MAX + 1),
                "priority": 1,
                "year": 2026,
                "sharing_level": "private",
            },
        )
    assert "description" in refused.value.message_dict
    assert not Need.objects.filter(organisation=molndal).exists()


def test_over_long_evidence_through_autosave_is_refused_in_json(open_assessment):
    statement = statements_of(open_assessment.framework)[0]
    response = logged_in(EDITOR_M).post(
        reverse("capacity:autosave", kwargs={"pk": open_assessment.pk}),
        {"statement": statement.pk, "score": "2", "evidence": "x" * (EVIDENCE_MAX + 1)},
    )
    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert not Answer.objects.filter(respondent__assessment=open_assessment).exists()


def test_over_long_capital_note_on_the_answer_page_is_refused(open_assessment):
    url = reverse("capacity:answer", kwargs={"pk": open_assessment.pk, "capital_key": "political"})
    client = logged_in(EDITOR_M)
    page = client.get(url).content.decode()
    assert f'maxlength="{NOTE_MAX}"' in page and f'maxlength="{EVIDENCE_MAX}"' in page
    response = client.post(url, {"strengthen": "x" * (NOTE_MAX + 1)})
    assert response.status_code == 400


def test_over_long_evidence_through_the_api_is_a_field_error(open_assessment, framework):
    client = token_client(demo_user(EDITOR_M))
    response = client.put(
        f"/api/v1/capacity/assessments/{open_assessment.pk}/answers/",
        data=json.dumps(
            {
                "statement": statements_of(framework)[0].key,
                "score": 2,
                "evidence": "x" * (EVIDENCE_MAX + 1),
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "evidence" in error["fields"]
    assert not Answer.objects.filter(respondent__assessment=open_assessment).exists()


def test_the_audit_log_keeps_long_values_short(molndal):
    molndal.description = "å" * 9000
    stored = snapshot(molndal, ["description"])["description"]
    assert len(stored) < AUDIT_VALUE_MAX + 20 and stored.endswith("… [9000]")
    event = audit_record(
        actor=demo_user(ADMIN_M),
        action=AuditAction.UPDATE,
        obj=molndal,
        after={"notes": ["y" * 100_000], "title": {"sv": "z" * 100_000}},
    )
    event = AuditEvent.objects.get(pk=event.pk)
    assert len(json.dumps(event.after)) < 3 * AUDIT_VALUE_MAX


def test_request_bodies_are_capped(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 512 * 1024


# --- Invitation e-mail that cannot be sent --------------------------------------------------


def invite(client: Client, org, email: str, django_capture_on_commit_callbacks):
    url = reverse("accounts:people", args=[org.slug])
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, {"email": email, "role": Role.VIEWER})


def test_an_invitation_whose_e_mail_fails_is_kept_as_failed_and_can_be_sent_again(
    settings, molndal, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.FailingEmailBackend"
    settings.INVITATION_EMAIL_BACKOFF = 0
    client = logged_in(ADMIN_M)
    response = invite(
        client, molndal, "kollega@molndal.example", django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="kollega@molndal.example")
    assert invitation.email_status == EmailStatus.FAILED
    assert invitation.email_attempts == settings.INVITATION_EMAIL_ATTEMPTS
    assert "no mail server" in invitation.email_error
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert translate("E-mail could not be sent") in page.content.decode()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    old_hash = invitation.token_hash
    resend = reverse("accounts:invitation_resend", args=[molndal.slug, invitation.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:people", args=[molndal.slug])
    invitation.refresh_from_db()
    assert invitation.email_status == EmailStatus.SENT and invitation.token_hash != old_hash
    assert Invitation.objects.filter(email="kollega@molndal.example").count() == 1
    (message,) = mail.outbox
    assert message.to == ["kollega@molndal.example"]
    assert (
        AuditEvent.objects.filter(object_id=str(invitation.pk), action=AuditAction.INVITE).count()
        == 2
    )
    assert translate("E-mail sent") in client.get(response["Location"]).content.decode()


def test_a_respondent_invitation_shows_its_e_mail_state_and_goes_back_to_the_assessment(
    settings, open_assessment, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.FailingEmailBackend"
    settings.INVITATION_EMAIL_BACKOFF = 0
    client = logged_in(ADMIN_M)
    url = reverse("capacity:respondent_invite", args=[open_assessment.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"invite-email": "pol@molndal.example", "invite-role_group": RoleGroup.POLITICIANS}
        )
    assert response.status_code == 302
    page = client.get(open_assessment.get_absolute_url()).content.decode()
    assert translate("E-mail could not be sent") in page
    invitation = Invitation.objects.get(email="pol@molndal.example")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    resend = reverse(
        "accounts:invitation_resend", args=[invitation.organisation.slug, invitation.pk]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend, {"next": open_assessment.get_absolute_url()})
    assert response["Location"] == open_assessment.get_absolute_url()
    invitation.refresh_from_db()
    assert invitation.email_status == EmailStatus.SENT
    assert (
        "self-assessment" in mail.outbox[0].body or str(open_assessment.year) in mail.outbox[0].body
    )


def test_only_administrators_may_send_an_invitation_again(
    molndal, django_capture_on_commit_callbacks
):
    invite(logged_in(ADMIN_M), molndal, "x@molndal.example", django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email="x@molndal.example")
    resend = reverse("accounts:invitation_resend", args=[molndal.slug, invitation.pk])
    assert logged_in(EDITOR_M).post(resend).status_code == 403
