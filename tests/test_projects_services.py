"""The project lifecycle: each transition allowed and denied per role, and bad input."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from kraftsamla.core import access
from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import AuditEvent, Role
from kraftsamla.projects import services
from kraftsamla.projects.models import FundingSource, Project, ProjectEvent, ProjectStatus
from tests.factories.accounts import UserFactory
from tests.factories.projects import ProjectFactory
from tests.helpers import COORDINATOR, PRIVATE, PUBLIC, demo_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(db):
    return demo_user(COORDINATOR)


@pytest.fixture
def idea(molndal):
    return ProjectFactory(owner=molndal)


def _prepared(project):
    return services.project_prepare(actor=SYSTEM, project=project, reason="r", next_step="n")


def test_create_needs_an_editor_of_the_owner(molndal, editor_m, viewer_m):
    project = services.project_create(actor=editor_m, owner=molndal, data={"title": "Idé"})
    assert project.status == ProjectStatus.IDEA
    assert project.participations.get().organisation == molndal
    assert project.events.get().to_status == ProjectStatus.IDEA
    with pytest.raises(PermissionDenied):
        services.project_create(actor=viewer_m, owner=molndal, data={"title": "Idé"})


def test_edit_allowed_for_owner_editors_and_denied_for_others(idea, editor_m, viewer_m, ale):
    services.project_update(actor=editor_m, project=idea, data={"summary": "Ny"})
    assert Project.objects.get(pk=idea.pk).summary == "Ny"
    for person in (viewer_m, UserFactory(organisation=ale, role=Role.EDITOR)):
        with pytest.raises(PermissionDenied):
            services.project_update(actor=person, project=idea, data={"summary": "x"})


def test_prepare_by_the_body_coordinator_not_by_the_owner(idea, coordinator, admin_m, ale):
    with pytest.raises(PermissionDenied):
        services.project_prepare(actor=admin_m, project=idea, reason="r", next_step="n")
    services.project_prepare(
        actor=coordinator, project=idea, reason="Bra idé", next_step="Möte", participants=[ale]
    )
    idea.refresh_from_db()
    assert idea.status == ProjectStatus.IN_PREPARATION
    event = idea.events.last()
    assert (event.from_status, event.to_status, event.reason, event.next_step) == (
        ProjectStatus.IDEA,
        ProjectStatus.IN_PREPARATION,
        "Bra idé",
        "Möte",
    )
    assert event.actor == coordinator
    assert idea.participations.filter(organisation=ale).exists()


def test_a_body_viewer_may_not_decide(idea, gr):
    body_viewer = UserFactory(organisation=gr, role=Role.VIEWER)
    assert not access.allows(body_viewer, "projects.project.prepare", idea)


def test_a_body_the_owner_is_not_member_of_may_not_decide(linkoping, coordinator):
    project = ProjectFactory(owner=linkoping)
    assert not access.allows(coordinator, "projects.project.prepare", project)


@pytest.mark.parametrize(
    "action, service",
    [
        ("prioritise", "project_prioritise"),
        ("park", "project_park"),
        ("decline", "project_decline"),
    ],
)
def test_decisions_by_the_body_with_a_reason(idea, coordinator, editor_m, action, service):
    _prepared(idea)
    decide = getattr(services, service)
    with pytest.raises(PermissionDenied):
        decide(actor=editor_m, project=idea, reason="x")
    with pytest.raises(ValidationError) as error:
        decide(actor=coordinator, project=idea, reason="  ")
    assert "reason" in error.value.message_dict
    decide(actor=coordinator, project=idea, reason="Skäl")
    idea.refresh_from_db()
    assert idea.status == services.TRANSITIONS[action][1]
    assert idea.events.last().reason == "Skäl"


def test_start_and_complete_by_owner_editors(idea, editor_m, viewer_m, coordinator):
    for person in (viewer_m, coordinator):
        with pytest.raises(PermissionDenied):
            services.project_start(actor=person, project=idea)
    services.project_start(actor=editor_m, project=idea)
    with pytest.raises(PermissionDenied):
        services.project_complete(
            actor=viewer_m, project=idea, results="r", lessons="l", reusable="u"
        )
    with pytest.raises(ValidationError) as error:
        services.project_complete(
            actor=editor_m, project=idea, results="", lessons="l", reusable=""
        )
    assert set(error.value.message_dict) == {"results", "reusable"}
    services.project_complete(actor=editor_m, project=idea, results="r", lessons="l", reusable="u")
    idea.refresh_from_db()
    assert (idea.status, idea.results, idea.lessons, idea.reusable) == (
        ProjectStatus.COMPLETED,
        "r",
        "l",
        "u",
    )


def test_a_transition_not_allowed_from_the_status_saves_nothing(idea, editor_m, coordinator):
    events = ProjectEvent.objects.count()
    audits = AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.project_complete(
            actor=editor_m, project=idea, results="r", lessons="l", reusable="u"
        )
    assert error.value.messages == ["A project that is “Idea” cannot become “Completed”."]
    with pytest.raises(ValidationError):
        services.project_prioritise(actor=coordinator, project=idea, reason="x")
    idea.refresh_from_db()
    assert idea.status == ProjectStatus.IDEA and idea.results == ""
    assert ProjectEvent.objects.count() == events
    assert AuditEvent.objects.count() == audits


def test_replicate_links_back_and_marks_the_origin(molndal, ale):
    origin = ProjectFactory(owner=molndal, sharing_level=PUBLIC)
    services.project_start(actor=SYSTEM, project=origin)
    ale_editor = UserFactory(organisation=ale, role=Role.EDITOR)
    with pytest.raises(ValidationError):
        services.project_replicate(actor=ale_editor, origin=origin, owner=ale)
    services.project_complete(actor=SYSTEM, project=origin, results="r", lessons="l", reusable="u")
    replica = services.project_replicate(actor=ale_editor, origin=origin, owner=ale)
    origin.refresh_from_db()
    assert (replica.owner, replica.origin, replica.status) == (ale, origin, ProjectStatus.IDEA)
    assert origin.status == ProjectStatus.REPLICATED
    assert origin.events.last().to_status == ProjectStatus.REPLICATED
    second = services.project_replicate(actor=SYSTEM, origin=origin, owner=ale)
    assert second.origin == origin
    origin.refresh_from_db()
    assert origin.status == ProjectStatus.REPLICATED


def test_replicate_denied_for_a_private_origin_and_for_a_viewer(molndal, ale):
    origin = ProjectFactory(owner=molndal, sharing_level=PRIVATE)
    ale_editor = UserFactory(organisation=ale, role=Role.EDITOR)
    assert not access.allows(ale_editor, "projects.project.replicate", origin)
    public = ProjectFactory(owner=molndal, sharing_level=PUBLIC)
    assert access.allows(ale_editor, "projects.project.replicate", public)
    ale_viewer = UserFactory(organisation=ale, role=Role.VIEWER)
    assert not access.allows(ale_viewer, "projects.organisation.create", ale)


@pytest.mark.parametrize(
    "data, sources, field",
    [
        ({"title": ""}, None, "title"),
        ({"title": "x", "budget": Decimal(-1)}, None, "budget"),
        (
            {"title": "x", "budget": Decimal(100)},
            [{"funder_name": "A", "amount": Decimal(101)}],
            "funding_sources",
        ),
        (
            {"title": "x", "budget": Decimal(100)},
            [{"funder_name": "A", "amount": Decimal(-5)}],
            "funding_sources",
        ),
        ({"title": "x"}, [{"funder_name": "A", "amount": Decimal(5)}], "budget"),
        (
            {
                "title": "x",
                "start_date": datetime.date(2025, 2, 1),
                "end_date": datetime.date(2025, 1, 1),
            },
            None,
            "end_date",
        ),
        ({"title": "x", "capitals": ["nonsense"]}, None, "capitals"),
    ],
)
def test_bad_input_gives_a_field_error_and_saves_nothing(molndal, data, sources, field):
    projects, sources_before = Project.objects.count(), FundingSource.objects.count()
    with pytest.raises(ValidationError) as error:
        services.project_create(actor=SYSTEM, owner=molndal, data=data, funding_sources=sources)
    assert field in error.value.message_dict
    assert Project.objects.count() == projects
    assert FundingSource.objects.count() == sources_before


def test_funding_sources_within_the_budget_are_saved(molndal):
    project = ProjectFactory(
        owner=molndal,
        budget=Decimal(100),
        funding_sources=[
            {"funder_name": "A", "amount": Decimal(60)},
            {"funder_name": "B", "amount": Decimal(40)},
        ],
    )
    assert sorted(project.funding_sources.values_list("amount", flat=True)) == [40, 60]
