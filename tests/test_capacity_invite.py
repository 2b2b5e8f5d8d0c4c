"""Inviting respondents by e-mail: existing colleagues are added, others invited."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from kraftsamla.accounts import services as account_services
from kraftsamla.accounts.models import Invitation, OrganisationRole, Role
from kraftsamla.capacity import services
from kraftsamla.capacity.models import Respondent, RoleGroup, Status
from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.capacity import (
    AssessmentFactory,
    FrameworkFactory,
)

pytestmark = pytest.mark.django_db


def url_builder(token: str) -> str:
    return f"http://testserver/konto/inbjudan/{token}/"


@pytest.fixture
def assessment(molndal):
    FrameworkFactory()
    coordinator = UserFactory(organisation=molndal, role=Role.EDITOR)
    return AssessmentFactory(organisation=molndal, actor=coordinator), coordinator


def test_a_colleague_with_a_role_is_added_at_once(assessment, molndal):
    a, coordinator = assessment
    colleague = UserFactory(organisation=molndal, role=Role.VIEWER)
    outcome, respondent = services.respondent_invite(
        actor=coordinator,
        assessment=a,
        email=colleague.email.upper(),
        role_group=RoleGroup.POLITICIANS,
        accept_url_builder=url_builder,
    )
    assert outcome == "added"
    assert respondent.user == colleague and respondent.role_group == RoleGroup.POLITICIANS
    assert not mail.outbox


def test_a_newcomer_is_invited_and_becomes_respondent_on_accepting(
    assessment, molndal, django_capture_on_commit_callbacks
):
    a, coordinator = assessment
    # The editor (not an administrator) may invite respondents, always as viewers.
    with django_capture_on_commit_callbacks(execute=True):
        outcome, invitation = services.respondent_invite(
            actor=coordinator,
            assessment=a,
            email="politiker@molndal.example",
            role_group=RoleGroup.POLITICIANS,
            accept_url_builder=url_builder,
        )
    assert outcome == "invited" and invitation.role == Role.VIEWER
    assert invitation.respondent_invitation.assessment == a
    assert invitation.invited_by == coordinator
    body = mail.outbox[-1].body
    token = re.search(r"/konto/inbjudan/([^/]+)/", body).group(1)
    assert str(a.year) in body
    user = account_services.invitation_accept(
        token=token, full_name="Pia Politiker", password=PASSWORD + "x"
    )
    assert OrganisationRole.objects.get(user=user, organisation=molndal).role == Role.VIEWER
    respondent = Respondent.objects.get(assessment=a, user=user)
    assert respondent.role_group == RoleGroup.POLITICIANS


def test_a_viewer_may_not_invite_respondents(assessment, molndal):
    a, _coordinator = assessment
    viewer = UserFactory(organisation=molndal, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        services.respondent_invite(
            actor=viewer,
            assessment=a,
            email="x@example.org",
            role_group=RoleGroup.POLITICIANS,
            accept_url_builder=url_builder,
        )
    assert not Invitation.objects.filter(email="x@example.org").exists()


def test_closed_assessments_take_no_new_respondents(assessment, molndal):
    a, coordinator = assessment
    a.status = Status.CLOSED
    a.save(update_fields=["status"])
    with pytest.raises(ValidationError):
        services.respondent_invite(
            actor=coordinator,
            assessment=a,
            email="y@example.org",
            role_group=RoleGroup.POLITICIANS,
            accept_url_builder=url_builder,
        )
    assert not Invitation.objects.filter(email="y@example.org").exists()


def test_the_assessment_page_invites_by_e_mail(assessment, molndal):
    a, coordinator = assessment
    client = Client()
    client.force_login(coordinator)
    url = reverse("capacity:respondent_invite", kwargs={"pk": a.pk})
    response = client.post(
        url,
        {
            "invite-email": "ny@molndal.example",
            "invite-role_group": RoleGroup.SENIOR_MANAGERS,
        },
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="ny@molndal.example")
    link = invitation.respondent_invitation
    assert link.assessment == a and link.role_group == RoleGroup.SENIOR_MANAGERS
    page = client.get(a.get_absolute_url()).content.decode()
    assert "ny@molndal.example" in page
    bad = client.post(
        url,
        {
            "invite-email": "nope",
            "invite-role_group": RoleGroup.SENIOR_MANAGERS,
        },
    )
    assert bad.status_code == 400
    assert 'id="id_invite-email-errors"' in bad.content.decode()
