"""Every rule of the organisations and accounts policies, each with an allowed and a denied case,
and the access vocabulary in kraftsamla/core/access.py itself."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from kraftsamla.accounts.models import Role
from kraftsamla.core import access
from kraftsamla.organisations import selectors
from kraftsamla.organisations.models import (
    ClimateProfile,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
)
from tests.factories.accounts import UserFactory
from tests.factories.organisations import (
    RegionalBodyFactory,
)
from tests.helpers import (
    PRIVATE,
    PUBLIC,
    REGION,
    org_by_slug,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(gr):
    """An administrator of Göteborgsregionen: a regional coordinator."""
    return UserFactory(organisation=gr, role=Role.ADMIN)


def profile(organisation: Organisation, level: str) -> ClimateProfile:
    obj, _created = ClimateProfile.objects.update_or_create(
        organisation=organisation, defaults={"sharing_level": level, "summary": "x"}
    )
    return obj


def allows(user, rule: str, obj=None) -> bool:
    return access.allows(user, rule, obj)


def edits_profile(user, organisation: Organisation) -> bool:
    """May the user change the organisation's climate profile (existing or not yet)?"""
    return allows(
        user, "organisations.climateprofile.change", ClimateProfile(organisation=organisation)
    )


def sees_shared(user, owner: Organisation | None, level: str) -> bool:
    """May the user see data the owner shared at `level` (the owned-and-shared rule)?"""
    return allows(
        user,
        "organisations.climateprofile.view",
        ClimateProfile(organisation=owner, sharing_level=level),
    )


# --- Access: staff and roles --------------------------------------------------------------


def test_platform_staff_is_active_staff_only(staff, anonymous):
    assert access.access_of(staff).is_staff
    assert not access.access_of(UserFactory()).is_staff
    assert not access.access_of(anonymous).is_staff
    assert not access.access_of(UserFactory(is_staff=True, is_active=False)).is_staff


def test_role_in_returns_the_users_role_only_for_that_organisation(molndal, ale):
    editor = UserFactory(organisation=molndal, role=Role.EDITOR)
    assert access.access_of(editor).role_in(molndal) == Role.EDITOR
    assert access.access_of(editor).role_in(ale) is None
    assert access.access_of(editor).role_in(None) is None


def test_role_in_for_anonymous_is_none(anonymous, molndal):
    assert access.access_of(anonymous).role_in(molndal) is None


# --- organisations.organisation.view ------------------------------------------------------


def test_everyone_can_view_organisations_reference_facts(anonymous, molndal, gr):
    assert allows(anonymous, "organisations.organisation.view", molndal)
    assert allows(UserFactory(), "organisations.organisation.view", gr)


# --- organisations.organisation.change / climateprofile.change ----------------------------


@pytest.mark.parametrize(
    ("role", "allowed"), [(Role.ADMIN, True), (Role.EDITOR, True), (Role.VIEWER, False)]
)
def test_admins_and_editors_edit_their_organisation_viewers_do_not(molndal, role, allowed):
    user = UserFactory(organisation=molndal, role=role)
    assert allows(user, "organisations.organisation.change", molndal) is allowed
    assert edits_profile(user, molndal) is allowed


def test_an_editor_of_one_municipality_cannot_edit_another(molndal, ale):
    ale_editor = UserFactory(organisation=ale, role=Role.EDITOR)
    assert allows(ale_editor, "organisations.organisation.change", ale)
    assert not allows(ale_editor, "organisations.organisation.change", molndal)
    assert not edits_profile(ale_editor, molndal)


def test_an_admin_of_a_regional_body_cannot_edit_its_members(coordinator, gr, molndal):
    assert allows(coordinator, "organisations.organisation.change", gr)
    assert not allows(coordinator, "organisations.organisation.change", molndal)
    assert not edits_profile(coordinator, molndal)


def test_staff_can_edit_any_organisation_anonymous_none(staff, anonymous, molndal, ale):
    assert allows(staff, "organisations.organisation.change", molndal)
    assert edits_profile(staff, ale)
    assert not allows(anonymous, "organisations.organisation.change", molndal)
    assert not edits_profile(anonymous, molndal)


def test_a_user_without_any_role_cannot_edit(molndal):
    assert not allows(UserFactory(), "organisations.organisation.change", molndal)


# --- accounts.people.manage / view, organisations.organisation.view_audit_log -------------


@pytest.mark.parametrize(
    ("role", "manage", "view_people", "audit"),
    [
        (Role.ADMIN, True, True, True),
        (Role.EDITOR, False, True, False),
        (Role.VIEWER, False, True, False),
    ],
)
def test_only_admins_manage_people_and_read_the_audit_log(
    molndal, role, manage, view_people, audit
):
    user = UserFactory(organisation=molndal, role=role)
    assert allows(user, "accounts.people.manage", molndal) is manage
    assert allows(user, "accounts.people.view", molndal) is view_people
    assert allows(user, "organisations.organisation.view_audit_log", molndal) is audit


def test_an_admin_of_one_organisation_has_no_say_in_another(molndal, ale):
    admin = UserFactory(organisation=molndal, role=Role.ADMIN)
    assert not allows(admin, "accounts.people.manage", ale)
    assert not allows(admin, "accounts.people.view", ale)
    assert not allows(admin, "organisations.organisation.view_audit_log", ale)


def test_staff_can_manage_people_and_read_every_audit_log(staff, molndal, gr):
    for organisation in (molndal, gr):
        assert allows(staff, "accounts.people.manage", organisation)
        assert allows(staff, "accounts.people.view", organisation)
        assert allows(staff, "organisations.organisation.view_audit_log", organisation)


def test_anonymous_sees_no_people_and_no_audit_log(anonymous, molndal):
    assert not allows(anonymous, "accounts.people.manage", molndal)
    assert not allows(anonymous, "accounts.people.view", molndal)
    assert not allows(anonymous, "organisations.organisation.view_audit_log", molndal)


def test_inactive_staff_loses_everything(molndal):
    former = UserFactory(is_staff=True, is_active=False)
    assert not allows(former, "organisations.organisation.change", molndal)
    assert not allows(former, "accounts.people.manage", molndal)
    assert not allows(former, "organisations.organisation.view_audit_log", molndal)
    assert not sees_shared(former, molndal, PRIVATE)


# --- organisations.climateprofile.view (owned and shared) ---------------------------------


def test_public_data_is_seen_by_everyone(anonymous, molndal):
    assert sees_shared(anonymous, molndal, PUBLIC)
    assert sees_shared(UserFactory(), molndal, PUBLIC)


def test_private_data_is_seen_only_by_the_organisations_people(anonymous, molndal, ale):
    assert sees_shared(UserFactory(organisation=molndal, role=Role.VIEWER), molndal, PRIVATE)
    assert not sees_shared(UserFactory(organisation=ale, role=Role.ADMIN), molndal, PRIVATE)
    assert not sees_shared(UserFactory(), molndal, PRIVATE)
    assert not sees_shared(anonymous, molndal, PRIVATE)


def test_anonymous_sees_nothing_but_public_data(anonymous, molndal):
    assert not sees_shared(anonymous, molndal, REGION)
    assert not sees_shared(anonymous, molndal, PRIVATE)
    assert not sees_shared(anonymous, None, REGION)


def test_staff_see_private_and_region_data(staff, molndal, ale):
    assert sees_shared(staff, ale, PRIVATE)
    assert sees_shared(staff, molndal, REGION)


def test_a_coordinator_sees_a_members_region_shared_profile(coordinator, molndal):
    molndal_profile = ClimateProfile.objects.get(organisation=molndal)
    assert molndal_profile.sharing_level == REGION  # demo data
    assert allows(coordinator, "organisations.climateprofile.view", molndal_profile)
    assert sees_shared(coordinator, molndal, REGION)


def test_a_coordinator_does_not_see_a_members_private_profile(coordinator, ale):
    ale_profile = ClimateProfile.objects.get(organisation=ale)
    assert ale_profile.sharing_level == PRIVATE  # demo data
    assert Membership.objects.filter(member=ale, body__slug="goteborgsregionen").exists()
    assert not allows(coordinator, "organisations.climateprofile.view", ale_profile)


def test_a_coordinator_does_not_see_a_non_members_region_profile(coordinator, linkoping):
    linkoping_profile = profile(linkoping, REGION)
    assert not allows(coordinator, "organisations.climateprofile.view", linkoping_profile)


def test_a_national_programme_participant_sees_participants_region_profiles(linkoping):
    vc = org_by_slug("viable-cities-klimatneutrala-stader-2030")
    vc_viewer = UserFactory(organisation=vc, role=Role.VIEWER)
    assert allows(vc_viewer, "organisations.climateprofile.view", profile(linkoping, REGION))
    assert not allows(vc_viewer, "organisations.climateprofile.view", profile(linkoping, PRIVATE))


def test_a_members_people_do_not_see_other_members_region_profiles(ale, molndal):
    """Sharing with the region means the coordinating body, not every fellow member."""
    ale_editor = UserFactory(organisation=ale, role=Role.EDITOR)
    assert not sees_shared(ale_editor, molndal, REGION)


def test_a_partner_of_a_body_does_not_see_its_members_region_data(molndal):
    chalmers_viewer = UserFactory(organisation=org_by_slug("chalmers-demo"), role=Role.VIEWER)
    assert not sees_shared(chalmers_viewer, molndal, REGION)


def test_a_coordinator_does_not_see_a_partners_region_data(coordinator):
    """Partners are linked to a body but are not members: nothing is shared with it."""
    chalmers = org_by_slug("chalmers-demo")
    assert Membership.objects.filter(
        member=chalmers, body__slug="goteborgsregionen", role=MembershipRole.PARTNER
    ).exists()
    assert not sees_shared(coordinator, chalmers, REGION)


def test_a_twin_city_link_does_not_share_region_data(linkoping):
    """Linköping is not a coordinating body, so its twin city's data stays private to it."""
    mjolby = org_by_slug("mjolby")
    linkoping_user = UserFactory(organisation=linkoping, role=Role.ADMIN)
    assert Membership.objects.filter(member=mjolby, body=linkoping).exists()
    assert not sees_shared(linkoping_user, mjolby, REGION)


def test_a_member_link_to_a_non_coordinating_body_shares_nothing(ale):
    company = RegionalBodyFactory(slug="bolaget", kind=OrganisationKind.COMPANY)
    Membership.objects.create(member=ale, body=company, role=MembershipRole.MEMBER)
    assert not sees_shared(UserFactory(organisation=company, role=Role.ADMIN), ale, REGION)


def test_ended_memberships_grant_nothing(ale):
    today = timezone.localdate()
    ended = RegionalBodyFactory(slug="nedlagt-forbund")
    Membership.objects.create(
        member=ale,
        body=ended,
        role=MembershipRole.MEMBER,
        start_date=today - datetime.timedelta(days=400),
        end_date=today - datetime.timedelta(days=1),
    )
    current = RegionalBodyFactory(slug="aktivt-forbund")
    Membership.objects.create(
        member=ale,
        body=current,
        role=MembershipRole.MEMBER,
        start_date=today - datetime.timedelta(days=400),
        end_date=today,
    )
    ale_profile = profile(ale, REGION)
    assert not allows(
        UserFactory(organisation=ended, role=Role.ADMIN),
        "organisations.climateprofile.view",
        ale_profile,
    )
    # A membership that ends today is still current.
    assert allows(
        UserFactory(organisation=current, role=Role.ADMIN),
        "organisations.climateprofile.view",
        ale_profile,
    )


def test_future_memberships_grant_nothing_yet(ale):
    today = timezone.localdate()
    future = RegionalBodyFactory(slug="framtida-forbund", kind=OrganisationKind.REGION)
    Membership.objects.create(
        member=ale,
        body=future,
        role=MembershipRole.PARTICIPANT,
        start_date=today + datetime.timedelta(days=1),
    )
    started = RegionalBodyFactory(slug="startat-forbund", kind=OrganisationKind.REGION)
    Membership.objects.create(
        member=ale,
        body=started,
        role=MembershipRole.PARTICIPANT,
        start_date=today,
    )
    assert not sees_shared(UserFactory(organisation=future, role=Role.VIEWER), ale, REGION)
    assert sees_shared(UserFactory(organisation=started, role=Role.VIEWER), ale, REGION)


# --- accounts.apitoken.create -------------------------------------------------------------


def test_only_active_signed_in_users_use_api_tokens(anonymous):
    assert allows(UserFactory(), "accounts.apitoken.create")
    assert not allows(UserFactory(is_active=False), "accounts.apitoken.create")
    assert not allows(anonymous, "accounts.apitoken.create")


# --- access.scope / selectors.climate_profiles_visible ------------------------------------


def visible_slugs(user) -> set[str]:
    profiles = selectors.climate_profiles_visible(user)
    return set(profiles.values_list("organisation__slug", flat=True))


@pytest.fixture
def profiles(linkoping, molndal, ale):
    """Demo profiles (Mölndal and Lerum REGION, Ale PRIVATE, Kungsbacka PUBLIC) plus two more."""
    profile(linkoping, REGION)
    profile(org_by_slug("stockholm"), PRIVATE)
    return ClimateProfile.objects.all()


def test_visible_profiles_for_anonymous_are_public_only(profiles, anonymous):
    assert visible_slugs(anonymous) == {"kungsbacka"}


def test_visible_profiles_for_staff_are_all(profiles, staff):
    assert visible_slugs(staff) == set(profiles.values_list("organisation__slug", flat=True))


def test_visible_profiles_for_a_coordinator(profiles, coordinator):
    # Mölndal and Lerum are GR members sharing with the region; Ale is private;
    # Linköping shares with its regions but is not a GR member.
    assert visible_slugs(coordinator) == {"kungsbacka", "molndal", "lerum"}


def test_visible_profiles_for_a_municipality_viewer(profiles, ale):
    assert visible_slugs(UserFactory(organisation=ale, role=Role.VIEWER)) == {"kungsbacka", "ale"}


def test_visible_profiles_ignore_ended_memberships(profiles, ale):
    ended = RegionalBodyFactory(slug="gammalt-forbund")
    Membership.objects.create(
        member=ale,
        body=ended,
        role=MembershipRole.MEMBER,
        end_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    profile(ale, REGION)
    assert visible_slugs(UserFactory(organisation=ended, role=Role.ADMIN)) == {"kungsbacka"}


def test_the_database_filter_agrees_with_the_python_rule(
    profiles, staff, anonymous, coordinator, linkoping, ale
):
    vc = org_by_slug("viable-cities-klimatneutrala-stader-2030")
    users = [
        anonymous,
        staff,
        coordinator,
        UserFactory(),
        UserFactory(organisation=ale, role=Role.EDITOR),
        UserFactory(organisation=linkoping, role=Role.VIEWER),
        UserFactory(organisation=vc, role=Role.VIEWER),
        UserFactory(organisation=org_by_slug("chalmers-demo"), role=Role.VIEWER),
    ]
    everything = list(ClimateProfile.objects.select_related("organisation"))
    for user in users:
        expected = {
            p.pk for p in everything if allows(user, "organisations.climateprofile.view", p)
        }
        scoped = set(
            access.scope(
                user, "organisations.climateprofile.view", ClimateProfile.objects.all()
            ).values_list("pk", flat=True)
        )
        assert scoped == expected, user
        selected = selectors.climate_profiles_visible(user).values_list("pk", flat=True)
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
    assert selectors.climate_profile_for(anonymous, org_by_slug("kungsbacka")) is not None


# --- organisations.membership, accounts.account, accounts.apitoken.revoke, accounts.user ----


def test_a_bodys_editors_create_memberships_its_viewers_do_not(gr, molndal):
    assert allows(
        UserFactory(organisation=gr, role=Role.EDITOR), "organisations.membership.create", gr
    )
    assert not allows(
        UserFactory(organisation=gr, role=Role.VIEWER), "organisations.membership.create", gr
    )
    assert not allows(
        UserFactory(organisation=molndal, role=Role.ADMIN), "organisations.membership.create", gr
    )


def test_memberships_are_public_facts(anonymous, gr):
    assert allows(anonymous, "organisations.membership.view", gr)


def test_only_logged_in_people_have_an_account_page(anonymous):
    for action in ("view", "change"):
        assert allows(UserFactory(), f"accounts.account.{action}")
        assert not allows(anonymous, f"accounts.account.{action}")


def test_a_token_is_revoked_by_its_owner_or_staff(staff):
    from kraftsamla.accounts.models import ApiToken

    owner = UserFactory()
    token = ApiToken(user=owner, key_hash="x", prefix="x")
    assert allows(owner, "accounts.apitoken.revoke", token)
    assert allows(staff, "accounts.apitoken.revoke", token)
    assert not allows(UserFactory(), "accounts.apitoken.revoke", token)


def test_only_staff_edit_accounts_in_the_admin(staff):
    user = UserFactory()
    assert allows(staff, "accounts.user.change_in_admin", user)
    assert not allows(UserFactory(is_superuser=True), "accounts.user.change_in_admin", user)


# --- kraftsamla/core/access.py itself -------------------------------------------------------


CONDITIONS = {
    "is_staff": access.IsStaff(),
    "has_any_role": access.HasRole("organisation"),
    "has_edit_role": access.HasRole("organisation", {Role.ADMIN, Role.EDITOR}),
    "shared_with": access.SharedWith("organisation"),
    "is_public": access.FieldIs("sharing_level", PUBLIC),
    "owned_and_shared": access.owned_and_shared("organisation"),
    "staff_or_viewer_role": access.IsStaff() | access.HasRole("organisation", {Role.VIEWER}),
    "role_and_region": access.HasRole("organisation") & access.FieldIs("sharing_level", REGION),
    "always": access.Always(),
    "logged_in": access.LoggedIn(),
}


@pytest.mark.parametrize("name", sorted(CONDITIONS))
def test_each_conditions_check_and_filter_agree(
    name, profiles, staff, anonymous, coordinator, linkoping, ale
):
    condition = CONDITIONS[name]
    users = [
        anonymous,
        staff,
        coordinator,
        UserFactory(),
        UserFactory(organisation=ale, role=Role.EDITOR),
        UserFactory(organisation=linkoping, role=Role.VIEWER),
        UserFactory(
            organisation=org_by_slug("viable-cities-klimatneutrala-stader-2030"), role=Role.VIEWER
        ),
        UserFactory(is_staff=True, is_active=False),
    ]
    everything = list(ClimateProfile.objects.all())
    for user in users:
        who = access.access_of(user)
        checked = {p.pk for p in everything if condition.check(who, p)}
        filtered = set(ClimateProfile.objects.filter(condition.q(who)).values_list("pk", flat=True))
        assert checked == filtered, (name, user)


def test_get_visible_answers_404_for_hidden_and_missing_objects(coordinator, ale, molndal):
    from django.http import Http404

    rule = "organisations.climateprofile.view"
    profiles = ClimateProfile.objects.all()
    profile(ale, PRIVATE)
    assert access.get_visible(coordinator, rule, profiles, organisation=molndal).organisation == (
        molndal
    )
    with pytest.raises(Http404):
        access.get_visible(coordinator, rule, profiles, organisation=ale)
    with pytest.raises(Http404):
        access.get_visible(coordinator, rule, profiles, pk=-1)


def test_require_raises_permission_denied(molndal):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        access.require(UserFactory(), "organisations.organisation.change", molndal)


def test_access_of_a_request_is_reused_and_rebuilt_when_the_user_changes(rf, molndal):
    first, second = UserFactory(organisation=molndal, role=Role.VIEWER), UserFactory()
    request = rf.get("/")
    request.user = first
    built = access.access_of(request)
    assert request.access is built
    assert access.access_of(request) is built
    assert built.role_in(molndal) == Role.VIEWER
    request.user = second
    rebuilt = access.access_of(request)
    assert rebuilt is not built and rebuilt.user is second
    assert rebuilt.role_in(molndal) is None
    assert request.access is rebuilt


def test_the_system_actor_is_allowed_everything_and_scopes_nothing_away(molndal):
    assert allows(access.SYSTEM, "organisations.organisation.change", molndal)
    assert allows(access.SYSTEM, "accounts.people.manage", molndal)
    assert access.access_of(access.SYSTEM).is_staff
    everything = ClimateProfile.objects.all()
    assert access.scope(access.SYSTEM, "organisations.climateprofile.view", everything).count() == (
        everything.count()
    )


def test_an_unknown_rule_is_an_error(staff):
    with pytest.raises(Exception, match="no rule|No policy"):
        access.allows(staff, "organisations.organisation.fly")
    with pytest.raises(Exception, match="No policy"):
        access.allows(staff, "nowhere.thing.view")


def test_checks_declares_the_rules_on_the_view():
    @access.checks("organisations.organisation.view")
    def view(request):
        return None

    assert view.access_rules == ("organisations.organisation.view",)
    with pytest.raises(Exception, match="at least one"):
        access.checks()
