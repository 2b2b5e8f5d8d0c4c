"""Every capacity permission and sharing rule, each with an allowed and a denied case.

Checked three ways where they exist: the rule in capacity/policies.py asked through
`access.allows`, the database filter the lists use (`access.scope` in assessments_visible),
and the service that enforces it.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from kraftsamla.accounts.models import Role
from kraftsamla.capacity import selectors, services
from kraftsamla.capacity.models import Assessment, RoleGroup, Status
from kraftsamla.core import access
from kraftsamla.organisations.models import Membership
from tests.factories.accounts import UserFactory
from tests.factories.capacity import (
    AssessmentFactory,
    FrameworkFactory,
    PublishedAssessmentFactory,
    add_and_open,
    statements_of,
    transition,
)
from tests.helpers import (
    PRIVATE,
    PUBLIC,
    REGION,
    demo_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def framework(db):
    return FrameworkFactory()


@pytest.fixture
def coordinator(db):
    """Sara Samordnare, administrator of Göteborgsregionen."""
    return demo_user("samordnare@demo.kraftsamla.se")


@pytest.fixture
def ale_editor(db):
    return demo_user("strateg.ale@demo.kraftsamla.se")


def visible_ids(viewer) -> set[int]:
    return set(selectors.assessments_visible(viewer).values_list("id", flat=True))


def sees(viewer, assessment: Assessment) -> bool:
    """The rule and the list filter must agree; return what they say."""
    rule = access.allows(viewer, "capacity.assessment.view", assessment)
    listed = assessment.pk in visible_ids(viewer)
    assert rule == listed, f"rule says {rule}, list says {listed}"
    return rule


@pytest.fixture
def molndal_set(molndal):
    """Mölndal's assessments in every status and sharing level that matter."""
    return {
        "draft_public": PublishedAssessmentFactory(
            organisation=molndal,
            sharing_level=PUBLIC,
            status=Status.DRAFT,
            year=2030,
            per_capital=0,
        ),
        "open_public": PublishedAssessmentFactory(
            organisation=molndal, sharing_level=PUBLIC, status=Status.OPEN, year=2032, per_capital=0
        ),
        "closed_region": PublishedAssessmentFactory(
            organisation=molndal,
            sharing_level=REGION,
            status=Status.CLOSED,
            year=2033,
            per_capital=0,
        ),
        "published_private": PublishedAssessmentFactory(
            organisation=molndal, sharing_level=PRIVATE, year=2034, per_capital=0
        ),
        "published_region": PublishedAssessmentFactory(
            organisation=molndal, sharing_level=REGION, year=2035, per_capital=0
        ),
        "published_public": PublishedAssessmentFactory(
            organisation=molndal, sharing_level=PUBLIC, year=2036, per_capital=0
        ),
    }


# --- Who sees an assessment -----------------------------------------------------------


@pytest.mark.parametrize("email", ["admin.molndal", "redaktor.molndal", "lasare.molndal"])
def test_the_organisations_people_see_all_its_assessments_including_drafts(email, molndal_set):
    person = demo_user(f"{email}@demo.kraftsamla.se")
    for name, assessment in molndal_set.items():
        assert sees(person, assessment), name


def test_outsiders_see_only_published_public_assessments(molndal_set, ale_editor, anonymous):
    no_role = UserFactory()
    for outsider in (ale_editor, no_role):
        for name, assessment in molndal_set.items():
            assert sees(outsider, assessment) == (name == "published_public"), name
    for name, assessment in molndal_set.items():
        allowed = access.allows(anonymous, "capacity.assessment.view", assessment)
        assert allowed == (name == "published_public"), name
    anonymous_ids = visible_ids(anonymous)
    assert {a.pk for a in molndal_set.values()} & anonymous_ids == {
        molndal_set["published_public"].pk
    }
    # Whatever else is in the database, anonymous visitors only ever see published public ones.
    assert (
        not Assessment.objects.filter(pk__in=anonymous_ids)
        .exclude(status=Status.PUBLISHED, sharing_level=PUBLIC)
        .exists()
    )


def test_the_regional_coordinator_sees_published_region_shared_assessments_of_members(
    molndal_set, coordinator
):
    expected = {"published_region", "published_public"}
    for name, assessment in molndal_set.items():
        assert sees(coordinator, assessment) == (name in expected), name


def test_the_regional_coordinator_does_not_see_region_shared_assessments_of_non_members(
    coordinator, linkoping
):
    region = PublishedAssessmentFactory(
        organisation=linkoping, sharing_level=REGION, year=2035, per_capital=0
    )
    public = PublishedAssessmentFactory(
        organisation=linkoping, sharing_level=PUBLIC, year=2036, per_capital=0
    )
    assert not sees(coordinator, region)
    assert sees(coordinator, public)  # public is public


def test_people_of_a_member_do_not_see_each_others_region_shared_assessments(
    molndal_set, ale_editor
):
    # Ale and Mölndal are both members of Göteborgsregionen; REGION means the body, not peers.
    assert not sees(ale_editor, molndal_set["published_region"])


def test_a_former_member_is_no_longer_shared_with_the_region(molndal_set, coordinator, molndal, gr):
    Membership.objects.filter(member=molndal, body=gr).update(
        start_date=datetime.date(2000, 1, 1), end_date=datetime.date(2020, 12, 31)
    )
    assert not sees(coordinator, molndal_set["published_region"])
    assert sees(coordinator, molndal_set["published_public"])


def test_platform_staff_see_everything(molndal_set, staff):
    for name, assessment in molndal_set.items():
        assert sees(staff, assessment), name


# --- Who manages ----------------------------------------------------------------------


def test_administrators_and_editors_manage_assessments(molndal, admin_m, editor_m, staff):
    for manager in (admin_m, editor_m, staff):
        assert access.allows(manager, "capacity.assessment.create", molndal)
    assessment = AssessmentFactory(organisation=molndal, actor=editor_m)
    assert access.allows(admin_m, "capacity.assessment.manage", assessment)
    assert access.allows(editor_m, "capacity.assessment.view_respondents", assessment)
    services.respondent_add(
        actor=editor_m, assessment=assessment, user=admin_m, role_group=RoleGroup.SENIOR_MANAGERS
    )
    transition(assessment, editor_m, "open", "close", "publish", "reopen")
    services.assessment_update_sharing(actor=admin_m, assessment=assessment, sharing_level=PUBLIC)
    assessment.refresh_from_db()
    assert assessment.sharing_level == PUBLIC


def test_a_viewer_cannot_manage(molndal, admin_m, viewer_m):
    assert not access.allows(viewer_m, "capacity.assessment.create", molndal)
    with pytest.raises(PermissionDenied):
        AssessmentFactory(organisation=molndal, actor=viewer_m)
    assessment = AssessmentFactory(organisation=molndal, actor=admin_m)
    assert not access.allows(viewer_m, "capacity.assessment.manage", assessment)
    assert not access.allows(viewer_m, "capacity.assessment.view_respondents", assessment)
    with pytest.raises(PermissionDenied):
        services.respondent_add(
            actor=viewer_m, assessment=assessment, user=viewer_m, role_group=RoleGroup.OPERATIONAL
        )
    services.respondent_add(
        actor=admin_m, assessment=assessment, user=viewer_m, role_group=RoleGroup.OPERATIONAL
    )
    for action in ("open", "close", "publish", "reopen"):
        with pytest.raises(PermissionDenied):
            services.assessment_transition(actor=viewer_m, assessment=assessment, action=action)
    with pytest.raises(PermissionDenied):
        services.assessment_update_sharing(
            actor=viewer_m, assessment=assessment, sharing_level=PUBLIC
        )
    transition(assessment, admin_m, "open")
    with pytest.raises(PermissionDenied):
        services.agreed_score_save(
            actor=viewer_m,
            assessment=assessment,
            statement=statements_of(assessment.framework)[0],
            score=2,
        )
    assessment.refresh_from_db()
    assert (assessment.status, assessment.sharing_level) == (Status.OPEN, REGION)


def test_outsiders_and_coordinators_cannot_manage_a_members_assessments(
    molndal, admin_m, coordinator, ale_editor, anonymous
):
    assessment = AssessmentFactory(organisation=molndal, actor=admin_m)
    for outsider in (coordinator, ale_editor, anonymous):
        assert not access.allows(outsider, "capacity.assessment.create", molndal)
        assert not access.allows(outsider, "capacity.assessment.manage", assessment)
        with pytest.raises(PermissionDenied):
            AssessmentFactory(organisation=molndal, actor=outsider, year=2040)
        with pytest.raises(PermissionDenied):
            services.assessment_transition(actor=outsider, assessment=assessment, action="open")


# --- Who answers ----------------------------------------------------------------------


def test_only_a_respondent_of_the_organisation_answers_an_open_assessment(
    molndal, admin_m, editor_m, viewer_m
):
    assessment = add_and_open(
        AssessmentFactory(organisation=molndal, actor=admin_m), admin_m, [viewer_m]
    )
    assert access.allows(viewer_m, "capacity.assessment.answer", assessment)  # viewers may answer
    assert not access.allows(editor_m, "capacity.assessment.answer", assessment)  # not a respondent
    assessment = transition(assessment, admin_m, "close")
    assert not access.allows(viewer_m, "capacity.assessment.answer", assessment)


# --- Who sees the details (statement by statement, notes) ------------------------------


def test_the_organisations_people_see_the_details_others_do_not(
    molndal_set, viewer_m, coordinator, ale_editor, staff, anonymous
):
    shared = molndal_set["published_public"]
    for insider in (viewer_m, staff):
        assert access.allows(insider, "capacity.assessment.view_details", shared)
    for outsider in (coordinator, ale_editor, anonymous):
        assert access.allows(outsider, "capacity.assessment.view", shared)
        assert not access.allows(outsider, "capacity.assessment.view_details", shared)


# --- Regional overview ----------------------------------------------------------------


def test_the_bodys_people_see_the_regional_overview(gr, coordinator, staff):
    assert access.allows(coordinator, "capacity.regional_overview.view", gr)
    assert access.allows(
        UserFactory(organisation=gr, role=Role.VIEWER), "capacity.regional_overview.view", gr
    )
    assert access.allows(staff, "capacity.regional_overview.view", gr)


def test_a_municipalitys_people_do_not_see_the_regional_overview(
    gr, molndal, admin_m, ale_editor, anonymous
):
    for person in (admin_m, ale_editor, anonymous):
        assert not access.allows(person, "capacity.regional_overview.view", gr)
    # A municipality has no regional overview, not even for its own people.
    assert not access.allows(admin_m, "capacity.regional_overview.view", molndal)
    assert not access.allows(
        UserFactory(organisation=molndal, role=Role.ADMIN),
        "capacity.regional_overview.view",
        molndal,
    )


def test_the_regional_overview_menu_lists_only_the_users_bodies(gr, coordinator, admin_m):
    assert list(selectors.bodies_coordinated(coordinator)) == [gr]
    assert not selectors.bodies_coordinated(admin_m).exists()
