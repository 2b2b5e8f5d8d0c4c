"""Writes to organisations' own data: atomic, permission-checked, audited."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from kraftsamla.accounts.models import Role
from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import AuditAction, AuditEvent, SharingLevel
from kraftsamla.organisations import services
from kraftsamla.organisations.models import (
    ClimateProfile,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
)
from tests.factories.accounts import UserFactory
from tests.helpers import (
    translate,
)

pytestmark = pytest.mark.django_db

PROFILE_DATA = {
    "contact_name": "Klara Klimat",
    "contact_email": "klara@partille.example",
    "staff_fte": 0.5,
    "target_year": 2035,
    "strategy_url": "https://partille.example/klimat",
    "summary": "Vi samordnar klimatarbetet.",
    "sharing_level": SharingLevel.REGION,
}


@pytest.fixture
def partille(db):
    """A municipality without a climate profile yet."""
    organisation = Organisation.objects.get(slug="partille")
    assert not ClimateProfile.objects.filter(organisation=organisation).exists()
    return organisation


@pytest.fixture
def editor(molndal):
    return UserFactory(organisation=molndal, role=Role.EDITOR)


def profile_state(organisation):
    profile = ClimateProfile.objects.filter(organisation=organisation).values().first()
    return profile, AuditEvent.objects.count()


# --- climate_profile_update: create and update -------------------------------------------


def test_an_editor_creates_a_profile_and_it_is_audited(partille):
    editor = UserFactory(organisation=partille, role=Role.EDITOR, email="redaktor@partille.example")
    role_events = list(
        AuditEvent.objects.filter(organisation=partille).values_list("pk", flat=True)
    )

    profile = services.climate_profile_update(
        actor=editor, organisation=partille, data=PROFILE_DATA
    )

    profile.refresh_from_db()
    assert profile.organisation == partille
    assert profile.version == 1
    assert profile.contact_name == "Klara Klimat"
    assert profile.staff_fte == Decimal("0.50")
    assert profile.target_year == 2035
    assert profile.sharing_level == SharingLevel.REGION
    assert profile.updated_by == editor
    event = AuditEvent.objects.exclude(pk__in=role_events).get(organisation=partille)
    assert event.action == AuditAction.CREATE
    assert event.actor == editor
    assert event.actor_label == "redaktor@partille.example"
    assert event.object_type == "organisations.climateprofile"
    assert event.object_id == str(profile.pk)
    assert event.before is None
    assert event.after["contact_name"] == "Klara Klimat"
    assert Decimal(event.after["staff_fte"]) == Decimal("0.5")
    assert event.after["sharing_level"] == "region"


def test_an_editor_updates_a_profile_and_the_audit_shows_before_and_after(editor, molndal):
    profile = ClimateProfile.objects.get(organisation=molndal)
    old_summary, old_version = profile.summary, profile.version

    updated = services.climate_profile_update(
        actor=editor,
        organisation=molndal,
        data={"summary": "Ny sammanfattning.", "target_year": 2032},
        expected_version=old_version,
    )

    updated.refresh_from_db()
    assert updated.pk == profile.pk
    assert updated.version == old_version + 1
    assert updated.summary == "Ny sammanfattning."
    assert updated.target_year == 2032
    # Fields not in `data` are kept.
    assert updated.contact_name == profile.contact_name
    assert updated.sharing_level == profile.sharing_level
    event = AuditEvent.objects.filter(organisation=molndal).latest("created_at")
    assert event.action == AuditAction.UPDATE
    assert event.actor == editor
    assert event.before["summary"] == old_summary
    assert event.after["summary"] == "Ny sammanfattning."
    changed = {field: (before, after) for field, before, after in event.changed_fields()}
    assert changed == {
        "summary": (old_summary, "Ny sammanfattning."),
        "target_year": (2030, 2032),
    }


def test_each_save_increments_the_version(editor, molndal):
    start = ClimateProfile.objects.get(organisation=molndal).version
    for n in range(1, 4):
        profile = services.climate_profile_update(
            actor=editor,
            organisation=molndal,
            data={"summary": f"v{n}"},
            expected_version=start + n - 1,
        )
        assert profile.version == start + n
    assert AuditEvent.objects.filter(organisation=molndal, action=AuditAction.UPDATE).count() == 3


def test_an_admin_and_staff_may_also_edit(staff, molndal):
    admin = UserFactory(organisation=molndal, role=Role.ADMIN)
    services.climate_profile_update(actor=admin, organisation=molndal, data={"summary": "a"})
    services.climate_profile_update(actor=staff, organisation=molndal, data={"summary": "b"})
    assert ClimateProfile.objects.get(organisation=molndal).summary == "b"
    events = AuditEvent.objects.filter(organisation=molndal).order_by("id")
    actors = list(events.values_list("actor", flat=True))
    assert actors[-2:] == [admin.pk, staff.pk]


def test_fte_given_as_text_or_float_is_stored_exactly(editor, molndal):
    services.climate_profile_update(actor=editor, organisation=molndal, data={"staff_fte": 0.08})
    assert ClimateProfile.objects.get(organisation=molndal).staff_fte == Decimal("0.08")
    services.climate_profile_update(actor=editor, organisation=molndal, data={"staff_fte": "1.25"})
    assert ClimateProfile.objects.get(organisation=molndal).staff_fte == Decimal("1.25")
    services.climate_profile_update(actor=editor, organisation=molndal, data={"staff_fte": None})
    assert ClimateProfile.objects.get(organisation=molndal).staff_fte is None


# --- climate_profile_update: permission ---------------------------------------------------


@pytest.mark.parametrize("who", ["viewer", "other_editor", "coordinator", "no_role", "anonymous"])
def test_users_without_permission_are_refused_and_nothing_is_saved(
    anonymous, molndal, ale, gr, who
):
    actor = {
        "viewer": lambda: UserFactory(organisation=molndal, role=Role.VIEWER),
        "other_editor": lambda: UserFactory(organisation=ale, role=Role.EDITOR),
        "coordinator": lambda: UserFactory(organisation=gr, role=Role.ADMIN),
        "no_role": lambda: UserFactory(),
        "anonymous": lambda: anonymous,
    }[who]()
    before = profile_state(molndal)

    with pytest.raises(PermissionDenied):
        services.climate_profile_update(
            actor=actor, organisation=molndal, data={"summary": "Kapat!"}
        )

    assert profile_state(molndal) == before


def test_a_refused_create_does_not_leave_an_empty_profile(ale, partille):
    with pytest.raises(PermissionDenied):
        services.climate_profile_update(
            actor=UserFactory(organisation=ale, role=Role.EDITOR),
            organisation=partille,
            data=PROFILE_DATA,
        )
    assert not ClimateProfile.objects.filter(organisation=partille).exists()


# --- climate_profile_update: concurrent edits ---------------------------------------------


def test_a_stale_expected_version_is_refused_and_nothing_saved(editor, molndal):
    seen_version = ClimateProfile.objects.get(organisation=molndal).version
    colleague = UserFactory(organisation=molndal, role=Role.EDITOR)
    services.climate_profile_update(
        actor=colleague,
        organisation=molndal,
        data={"summary": "Kollegans text."},
        expected_version=seen_version,
    )
    before = profile_state(molndal)

    with pytest.raises(services.StaleEditError) as info:
        services.climate_profile_update(
            actor=editor,
            organisation=molndal,
            data={"summary": "Min text."},
            expected_version=seen_version,
        )

    assert info.value.code == "stale"
    assert isinstance(info.value, ValidationError)
    assert profile_state(molndal) == before
    current = ClimateProfile.objects.get(organisation=molndal)
    assert current.summary == "Kollegans text."
    assert current.version == seen_version + 1
    # With the current version the save goes through.
    services.climate_profile_update(
        actor=editor,
        organisation=molndal,
        data={"summary": "Min text."},
        expected_version=current.version,
    )
    assert ClimateProfile.objects.get(organisation=molndal).summary == "Min text."


def test_an_expected_version_is_ignored_when_creating(partille):
    editor = UserFactory(organisation=partille, role=Role.EDITOR)
    profile = services.climate_profile_update(
        actor=editor, organisation=partille, data={"summary": "Ny"}, expected_version=7
    )
    assert profile.version == 1


# --- climate_profile_update: validation rolls back everything ------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("staff_fte", -1),
        ("target_year", 1999),
        ("target_year", 2101),
        ("contact_email", "not-an-email"),
        ("sharing_level", "everyone"),
        ("strategy_url", "javascript:alert(1)"),
    ],
)
def test_invalid_values_on_update_save_nothing(editor, molndal, field, value):
    before = profile_state(molndal)
    with pytest.raises(ValidationError) as info:
        services.climate_profile_update(
            actor=editor, organisation=molndal, data={"summary": "Ändrad", field: value}
        )
    # Field validators name the field; the database-range checks (fte, target year)
    # are model constraints and report as non-field errors.
    assert set(info.value.message_dict) & {field, "__all__"}
    assert profile_state(molndal) == before
    assert ClimateProfile.objects.get(organisation=molndal).summary != "Ändrad"


@pytest.mark.parametrize(("field", "value"), [("staff_fte", -0.5), ("target_year", 1999)])
def test_invalid_values_on_create_roll_back_the_new_profile_and_audit(partille, field, value):
    editor = UserFactory(organisation=partille, role=Role.EDITOR)
    audit_count = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as info:
        services.climate_profile_update(
            actor=editor, organisation=partille, data={**PROFILE_DATA, field: value}
        )
    assert info.value.messages
    assert not ClimateProfile.objects.filter(organisation=partille).exists()
    assert AuditEvent.objects.count() == audit_count


def test_the_lowest_and_highest_target_years_are_accepted(editor, molndal):
    for year in (2020, 2100):
        services.climate_profile_update(
            actor=editor, organisation=molndal, data={"target_year": year}
        )
        assert ClimateProfile.objects.get(organisation=molndal).target_year == year


# --- membership_create -------------------------------------------------------------------


def test_staff_links_a_member_to_a_body_and_it_is_audited(staff, gr):
    orust = Organisation.objects.get(slug="orust")
    membership = services.membership_create(
        actor=staff,
        member=orust,
        body=gr,
        role=MembershipRole.MEMBER,
        start_date=datetime.date(2026, 1, 1),
        note="Prov",
    )
    assert Membership.objects.filter(pk=membership.pk, member=orust, body=gr).exists()
    event = AuditEvent.objects.filter(organisation=gr).latest("created_at")
    assert event.action == AuditAction.CREATE
    assert event.actor == staff
    assert event.after["member"] == orust.pk
    assert event.after["start_date"] == "2026-01-01"


def test_a_bodys_admin_may_link_members(gr):
    admin = UserFactory(organisation=gr, role=Role.ADMIN)
    orust = Organisation.objects.get(slug="orust")
    services.membership_create(actor=admin, member=orust, body=gr, role=MembershipRole.MEMBER)
    assert Membership.objects.filter(member=orust, body=gr).exists()


def test_a_members_editor_may_not_link_it_to_a_body(ale, gr):
    ale_editor = UserFactory(organisation=ale, role=Role.EDITOR)
    count = Membership.objects.count()
    audit = AuditEvent.objects.count()
    orust = Organisation.objects.get(slug="orust")
    with pytest.raises(PermissionDenied):
        services.membership_create(
            actor=ale_editor,
            member=orust,
            body=gr,
            role=MembershipRole.MEMBER,
        )
    assert Membership.objects.count() == count
    assert AuditEvent.objects.count() == audit


def test_an_organisation_cannot_be_a_member_of_itself(staff, gr):
    count = Membership.objects.count()
    with translation.override("sv"), pytest.raises(ValidationError) as info:
        services.membership_create(actor=staff, member=gr, body=gr, role=MembershipRole.MEMBER)
    assert info.value.messages == [translate("An organisation cannot be a member of itself.")]
    assert Membership.objects.count() == count


def test_a_membership_cannot_end_before_it_starts(staff, gr):
    orust = Organisation.objects.get(slug="orust")
    audit = AuditEvent.objects.count()
    with translation.override("sv"), pytest.raises(ValidationError) as info:
        services.membership_create(
            actor=staff,
            member=orust,
            body=gr,
            role=MembershipRole.MEMBER,
            start_date=datetime.date(2025, 6, 1),
            end_date=datetime.date(2025, 5, 31),
        )
    assert info.value.messages == [translate("The end date must not be before the start date.")]
    assert not Membership.objects.filter(member=orust, body=gr).exists()
    assert AuditEvent.objects.count() == audit


def test_a_membership_may_start_and_end_on_the_same_day(staff, gr):
    orust = Organisation.objects.get(slug="orust")
    day = datetime.date(2025, 6, 1)
    services.membership_create(
        actor=staff,
        member=orust,
        body=gr,
        role=MembershipRole.MEMBER,
        start_date=day,
        end_date=day,
    )
    assert Membership.objects.filter(member=orust, body=gr, end_date=day).exists()


def test_an_unknown_membership_role_is_rejected(staff, gr):
    orust = Organisation.objects.get(slug="orust")
    with pytest.raises(ValidationError) as info:
        services.membership_create(actor=staff, member=orust, body=gr, role="overlord")
    assert "role" in info.value.message_dict


def test_the_same_period_cannot_be_registered_twice(staff, gr):
    orust = Organisation.objects.get(slug="orust")
    start = datetime.date(2024, 1, 1)
    services.membership_create(
        actor=staff, member=orust, body=gr, role=MembershipRole.MEMBER, start_date=start
    )
    with pytest.raises(ValidationError):
        services.membership_create(
            actor=staff, member=orust, body=gr, role=MembershipRole.MEMBER, start_date=start
        )
    assert Membership.objects.filter(member=orust, body=gr).count() == 1


def test_the_system_actor_may_link_and_is_audited_as_system(gr):
    company = Organisation.objects.create(name="Bolag", slug="bolag", kind=OrganisationKind.COMPANY)
    services.membership_create(actor=SYSTEM, member=company, body=gr, role=MembershipRole.PARTNER)
    event = AuditEvent.objects.filter(organisation=gr).latest("created_at")
    assert event.actor is None
    assert event.actor_label == "system"


def test_no_actor_is_refused(gr):
    company = Organisation.objects.create(name="Bolag", slug="bolag", kind=OrganisationKind.COMPANY)
    with pytest.raises(PermissionDenied):
        services.membership_create(actor=None, member=company, body=gr, role=MembershipRole.PARTNER)


def test_an_open_ended_link_cannot_be_registered_twice(staff, gr):
    """Regression: the unique constraint lets NULL start dates through, the service must not."""
    orust = Organisation.objects.get(slug="orust")
    services.membership_create(actor=staff, member=orust, body=gr, role=MembershipRole.MEMBER)
    audit = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.membership_create(actor=staff, member=orust, body=gr, role=MembershipRole.MEMBER)
    assert Membership.objects.filter(member=orust, body=gr).count() == 1
    assert AuditEvent.objects.count() == audit
    # Another role, or a dated period, is still allowed.
    services.membership_create(actor=staff, member=orust, body=gr, role=MembershipRole.PARTNER)
    services.membership_create(
        actor=staff,
        member=orust,
        body=gr,
        role=MembershipRole.MEMBER,
        start_date=datetime.date(2020, 1, 1),
    )
    assert Membership.objects.filter(member=orust, body=gr).count() == 3
