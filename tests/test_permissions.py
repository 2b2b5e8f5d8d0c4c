"""Every rule in kraftsamla/core/permissions.py, each with an allowed and a denied case."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from kraftsamla.accounts.models import Role
from kraftsamla.core import access
from kraftsamla.core import permissions as perms
from kraftsamla.core.models import SharingLevel
from kraftsamla.organisations import selectors
from kraftsamla.organisations.models import (
    ClimateProfile,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
)

pytestmark = pytest.mark.django_db

PRIVATE, REGION, PUBLIC = SharingLevel.PRIVATE, SharingLevel.REGION, SharingLevel.PUBLIC


@pytest.fixture
def linkoping(db):
    return org("linkoping")


@pytest.fixture
def coordinator(make_user, gr):
    """An administrator of Göteborgsregionen: a regional coordinator."""
    return make_user(gr, Role.ADMIN)


def org(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


def profile(organisation: Organisation, level: str) -> ClimateProfile:
    obj, _created = ClimateProfile.objects.update_or_create(
        organisation=organisation, defaults={"sharing_level": level, "summary": "x"}
    )
    return obj


def body(slug: str, kind=OrganisationKind.REGIONAL_BODY) -> Organisation:
    return Organisation.objects.create(name=f"Body {slug}", slug=slug, kind=kind)


# --- is_platform_staff / role_in ---------------------------------------------------------


def test_platform_staff_is_active_staff_only(staff, make_user, anonymous):
    assert perms.is_platform_staff(staff)
    assert not perms.is_platform_staff(make_user())
    assert not perms.is_platform_staff(anonymous)
    assert not perms.is_platform_staff(make_user(is_staff=True, is_active=False))


def test_role_in_returns_the_users_role_only_for_that_organisation(make_user, molndal, ale):
    editor = make_user(molndal, Role.EDITOR)
    assert perms.role_in(editor, molndal) == Role.EDITOR
    assert perms.role_in(editor, ale) is None
    assert perms.role_in(editor, None) is None


def test_role_in_for_anonymous_is_none(anonymous, molndal):
    assert perms.role_in(anonymous, molndal) is None


# --- can_view_organisation ---------------------------------------------------------------


def test_everyone_can_view_organisations_reference_facts(anonymous, make_user, molndal, gr):
    assert perms.can_view_organisation(anonymous, molndal)
    assert perms.can_view_organisation(make_user(), gr)


# --- can_edit_organisation / can_edit_climate_profile ------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"), [(Role.ADMIN, True), (Role.EDITOR, True), (Role.VIEWER, False)]
)
def test_admins_and_editors_edit_their_organisation_viewers_do_not(
    make_user, molndal, role, allowed
):
    user = make_user(molndal, role)
    assert perms.can_edit_organisation(user, molndal) is allowed
    assert perms.can_edit_climate_profile(user, molndal) is allowed


def test_an_editor_of_one_municipality_cannot_edit_another(make_user, molndal, ale):
    ale_editor = make_user(ale, Role.EDITOR)
    assert perms.can_edit_organisation(ale_editor, ale)
    assert not perms.can_edit_organisation(ale_editor, molndal)
    assert not perms.can_edit_climate_profile(ale_editor, molndal)


def test_an_admin_of_a_regional_body_cannot_edit_its_members(coordinator, gr, molndal):
    assert perms.can_edit_organisation(coordinator, gr)
    assert not perms.can_edit_organisation(coordinator, molndal)
    assert not perms.can_edit_climate_profile(coordinator, molndal)


def test_staff_can_edit_any_organisation_anonymous_none(staff, anonymous, molndal, ale):
    assert perms.can_edit_organisation(staff, molndal)
    assert perms.can_edit_climate_profile(staff, ale)
    assert not perms.can_edit_organisation(anonymous, molndal)
    assert not perms.can_edit_climate_profile(anonymous, molndal)


def test_a_user_without_any_role_cannot_edit(make_user, molndal):
    assert not perms.can_edit_organisation(make_user(), molndal)


# --- can_manage_people / can_view_people / can_view_audit_log -----------------------------


@pytest.mark.parametrize(
    ("role", "manage", "view_people", "audit"),
    [
        (Role.ADMIN, True, True, True),
        (Role.EDITOR, False, True, False),
        (Role.VIEWER, False, True, False),
    ],
)
def test_only_admins_manage_people_and_read_the_audit_log(
    make_user, molndal, role, manage, view_people, audit
):
    user = make_user(molndal, role)
    assert perms.can_manage_people(user, molndal) is manage
    assert perms.can_view_people(user, molndal) is view_people
    assert perms.can_view_audit_log(user, molndal) is audit


def test_an_admin_of_one_organisation_has_no_say_in_another(make_user, molndal, ale):
    admin = make_user(molndal, Role.ADMIN)
    assert not perms.can_manage_people(admin, ale)
    assert not perms.can_view_people(admin, ale)
    assert not perms.can_view_audit_log(admin, ale)


def test_staff_can_manage_people_and_read_every_audit_log(staff, molndal, gr):
    for organisation in (molndal, gr):
        assert perms.can_manage_people(staff, organisation)
        assert perms.can_view_people(staff, organisation)
        assert perms.can_view_audit_log(staff, organisation)


def test_anonymous_sees_no_people_and_no_audit_log(anonymous, molndal):
    assert not perms.can_manage_people(anonymous, molndal)
    assert not perms.can_view_people(anonymous, molndal)
    assert not perms.can_view_audit_log(anonymous, molndal)


def test_inactive_staff_loses_everything(make_user, molndal):
    former = make_user(is_staff=True, is_active=False)
    assert not perms.can_edit_organisation(former, molndal)
    assert not perms.can_manage_people(former, molndal)
    assert not perms.can_view_audit_log(former, molndal)
    assert not perms.can_view_shared(former, molndal, PRIVATE)


# --- can_view_shared / can_view_climate_profile ------------------------------------------


def test_public_data_is_seen_by_everyone(anonymous, make_user, molndal):
    assert perms.can_view_shared(anonymous, molndal, PUBLIC)
    assert perms.can_view_shared(make_user(), molndal, PUBLIC)


def test_private_data_is_seen_only_by_the_organisations_people(make_user, anonymous, molndal, ale):
    assert perms.can_view_shared(make_user(molndal, Role.VIEWER), molndal, PRIVATE)
    assert not perms.can_view_shared(make_user(ale, Role.ADMIN), molndal, PRIVATE)
    assert not perms.can_view_shared(make_user(), molndal, PRIVATE)
    assert not perms.can_view_shared(anonymous, molndal, PRIVATE)


def test_anonymous_sees_nothing_but_public_data(anonymous, molndal):
    assert not perms.can_view_shared(anonymous, molndal, REGION)
    assert not perms.can_view_shared(anonymous, molndal, PRIVATE)
    assert not perms.can_view_shared(anonymous, None, REGION)


def test_staff_see_private_and_region_data(staff, molndal, ale):
    assert perms.can_view_shared(staff, ale, PRIVATE)
    assert perms.can_view_shared(staff, molndal, REGION)


def test_a_coordinator_sees_a_members_region_shared_profile(coordinator, molndal):
    molndal_profile = ClimateProfile.objects.get(organisation=molndal)
    assert molndal_profile.sharing_level == REGION  # demo data
    assert perms.can_view_climate_profile(coordinator, molndal_profile)
    assert perms.can_view_shared(coordinator, molndal, REGION)


def test_a_coordinator_does_not_see_a_members_private_profile(coordinator, ale):
    ale_profile = ClimateProfile.objects.get(organisation=ale)
    assert ale_profile.sharing_level == PRIVATE  # demo data
    assert Membership.objects.filter(member=ale, body__slug="goteborgsregionen").exists()
    assert not perms.can_view_climate_profile(coordinator, ale_profile)


def test_a_coordinator_does_not_see_a_non_members_region_profile(coordinator, linkoping):
    linkoping_profile = profile(linkoping, REGION)
    assert not perms.can_view_climate_profile(coordinator, linkoping_profile)


def test_a_national_programme_participant_sees_participants_region_profiles(make_user, linkoping):
    vc = org("viable-cities-klimatneutrala-stader-2030")
    vc_viewer = make_user(vc, Role.VIEWER)
    assert perms.can_view_climate_profile(vc_viewer, profile(linkoping, REGION))
    assert not perms.can_view_climate_profile(vc_viewer, profile(linkoping, PRIVATE))


def test_a_members_people_do_not_see_other_members_region_profiles(make_user, ale, molndal):
    """Sharing with the region means the coordinating body, not every fellow member."""
    ale_editor = make_user(ale, Role.EDITOR)
    assert not perms.can_view_shared(ale_editor, molndal, REGION)


def test_a_partner_of_a_body_does_not_see_its_members_region_data(make_user, molndal):
    chalmers_viewer = make_user(org("chalmers-demo"), Role.VIEWER)
    assert not perms.can_view_shared(chalmers_viewer, molndal, REGION)


def test_a_coordinator_does_not_see_a_partners_region_data(coordinator):
    """Partners are linked to a body but are not members: nothing is shared with it."""
    chalmers = org("chalmers-demo")
    assert Membership.objects.filter(
        member=chalmers, body__slug="goteborgsregionen", role=MembershipRole.PARTNER
    ).exists()
    assert not perms.can_view_shared(coordinator, chalmers, REGION)


def test_a_twin_city_link_does_not_share_region_data(make_user, linkoping):
    """Linköping is not a coordinating body, so its twin city's data stays private to it."""
    mjolby = org("mjolby")
    linkoping_user = make_user(linkoping, Role.ADMIN)
    assert Membership.objects.filter(member=mjolby, body=linkoping).exists()
    assert not perms.can_view_shared(linkoping_user, mjolby, REGION)


def test_a_member_link_to_a_non_coordinating_body_shares_nothing(make_user, ale):
    company = body("bolaget", kind=OrganisationKind.COMPANY)
    Membership.objects.create(member=ale, body=company, role=MembershipRole.MEMBER)
    assert not perms.can_view_shared(make_user(company, Role.ADMIN), ale, REGION)


def test_ended_memberships_grant_nothing(make_user, ale):
    today = timezone.localdate()
    ended = body("nedlagt-forbund")
    Membership.objects.create(
        member=ale,
        body=ended,
        role=MembershipRole.MEMBER,
        start_date=today - datetime.timedelta(days=400),
        end_date=today - datetime.timedelta(days=1),
    )
    current = body("aktivt-forbund")
    Membership.objects.create(
        member=ale,
        body=current,
        role=MembershipRole.MEMBER,
        start_date=today - datetime.timedelta(days=400),
        end_date=today,
    )
    ale_profile = profile(ale, REGION)
    assert not perms.can_view_climate_profile(make_user(ended, Role.ADMIN), ale_profile)
    # A membership that ends today is still current.
    assert perms.can_view_climate_profile(make_user(current, Role.ADMIN), ale_profile)


def test_future_memberships_grant_nothing_yet(make_user, ale):
    today = timezone.localdate()
    future = body("framtida-forbund", kind=OrganisationKind.REGION)
    Membership.objects.create(
        member=ale,
        body=future,
        role=MembershipRole.PARTICIPANT,
        start_date=today + datetime.timedelta(days=1),
    )
    started = body("startat-forbund", kind=OrganisationKind.REGION)
    Membership.objects.create(
        member=ale,
        body=started,
        role=MembershipRole.PARTICIPANT,
        start_date=today,
    )
    assert not perms.can_view_shared(make_user(future, Role.VIEWER), ale, REGION)
    assert perms.can_view_shared(make_user(started, Role.VIEWER), ale, REGION)


# --- can_use_api_token -------------------------------------------------------------------


def test_only_active_signed_in_users_use_api_tokens(make_user, anonymous):
    assert perms.can_use_api_token(make_user())
    assert not perms.can_use_api_token(make_user(is_active=False))
    assert not perms.can_use_api_token(anonymous)


# --- visible_sharing_filter / selectors.visible_climate_profiles --------------------------


def visible_slugs(user) -> set[str]:
    profiles = selectors.visible_climate_profiles(user)
    return set(profiles.values_list("organisation__slug", flat=True))


@pytest.fixture
def profiles(linkoping, molndal, ale):
    """Demo profiles (Mölndal and Lerum REGION, Ale PRIVATE, Kungsbacka PUBLIC) plus two more."""
    profile(linkoping, REGION)
    profile(org("stockholm"), PRIVATE)
    return ClimateProfile.objects.all()


def test_visible_profiles_for_anonymous_are_public_only(profiles, anonymous):
    assert visible_slugs(anonymous) == {"kungsbacka"}


def test_visible_profiles_for_staff_are_all(profiles, staff):
    assert visible_slugs(staff) == set(profiles.values_list("organisation__slug", flat=True))


def test_visible_profiles_for_a_coordinator(profiles, coordinator):
    # Mölndal and Lerum are GR members sharing with the region; Ale is private;
    # Linköping shares with its regions but is not a GR member.
    assert visible_slugs(coordinator) == {"kungsbacka", "molndal", "lerum"}


def test_visible_profiles_for_a_municipality_viewer(profiles, make_user, ale):
    assert visible_slugs(make_user(ale, Role.VIEWER)) == {"kungsbacka", "ale"}


def test_visible_profiles_ignore_ended_memberships(profiles, make_user, ale):
    ended = body("gammalt-forbund")
    Membership.objects.create(
        member=ale,
        body=ended,
        role=MembershipRole.MEMBER,
        end_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    profile(ale, REGION)
    assert visible_slugs(make_user(ended, Role.ADMIN)) == {"kungsbacka"}


def test_the_database_filter_agrees_with_the_python_rule(
    profiles, make_user, staff, anonymous, coordinator, linkoping, ale
):
    vc = org("viable-cities-klimatneutrala-stader-2030")
    users = [
        anonymous,
        staff,
        coordinator,
        make_user(),
        make_user(ale, Role.EDITOR),
        make_user(linkoping, Role.VIEWER),
        make_user(vc, Role.VIEWER),
        make_user(org("chalmers-demo"), Role.VIEWER),
    ]
    everything = list(ClimateProfile.objects.select_related("organisation"))
    for user in users:
        expected = {p.pk for p in everything if perms.can_view_climate_profile(user, p)}
        scoped = set(
            access.scope(
                user, "organisations.climateprofile.view", ClimateProfile.objects.all()
            ).values_list("pk", flat=True)
        )
        assert scoped == expected, user
        selected = selectors.visible_climate_profiles(user).values_list("pk", flat=True)
        assert set(selected) == expected


def test_the_sharing_rule_follows_a_custom_owner_path(coordinator, molndal):
    """The owner path is configurable for other models with a sharing level."""
    text = str(access.owned_and_shared("owner").q(access.access_of(coordinator)))
    assert "owner_id__in" in text
    assert "organisation_id" not in text


def test_climate_profile_for_respects_sharing(coordinator, anonymous, molndal, ale):
    assert selectors.climate_profile_for(coordinator, molndal) is not None
    assert selectors.climate_profile_for(coordinator, ale) is None
    assert selectors.climate_profile_for(anonymous, molndal) is None
    assert selectors.climate_profile_for(anonymous, org("kungsbacka")) is not None
