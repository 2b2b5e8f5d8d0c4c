"""Change organisations' own data. Every write is atomic, permission-checked and audited."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kraftsamla.core import access
from kraftsamla.core.audit import audit_record, snapshot
from kraftsamla.core.models import AuditAction
from kraftsamla.core.services import model_save_audited
from kraftsamla.organisations.models import (
    PROFILE_FIELDS,
    ClimateProfile,
    Membership,
    Organisation,
)


class StaleEditError(ValidationError):
    """Raised when someone else saved the object after the editor opened it."""

    CODE = "stale"


@transaction.atomic
def climate_profile_update(
    *,
    actor,
    organisation: Organisation,
    data: dict,
    expected_version: int | None = None,
) -> ClimateProfile:
    """Create or update the organisation's climate profile.

    `expected_version` is the version the editor saw; if someone saved in
    between, nothing is written and StaleEditError tells the editor.
    """
    profile = ClimateProfile.objects.select_for_update().filter(
        organisation=organisation
    ).first() or ClimateProfile(organisation=organisation)
    access.require(
        actor,
        "organisations.climateprofile.change",
        profile,
        _("You may not edit this organisation's climate profile."),
    )
    if profile.pk and expected_version is not None and profile.version != expected_version:
        raise StaleEditError(
            _(
                "Someone else saved this profile while you were editing. Review their changes "
                "below and save again."
            ),
            code=StaleEditError.CODE,
        )
    values = dict(data)
    if values.get("staff_fte") is not None:
        values["staff_fte"] = Decimal(str(values["staff_fte"]))
    if profile.pk:
        profile.version += 1
    profile.updated_by = actor
    return model_save_audited(
        actor=actor, obj=profile, data=values, fields=PROFILE_FIELDS, organisation=organisation
    )


@transaction.atomic
def membership_create(
    *,
    actor,
    member: Organisation,
    body: Organisation,
    role: str,
    start_date=None,
    end_date=None,
    note: str = "",
    is_demo: bool = False,
) -> Membership:
    """Link `member` to `body`. Only platform staff or the body's editors may do it."""
    access.require(
        actor, "organisations.membership.create", body, _("You may not change this body's members.")
    )
    membership = Membership(
        member=member,
        body=body,
        role=role,
        start_date=start_date,
        end_date=end_date,
        note=note,
        is_demo=is_demo,
    )
    membership.full_clean()
    # The unique constraint treats an empty start date as distinct from every other
    # one (SQL NULL semantics), so an open-ended link could be stored twice.
    if (
        start_date is None
        and Membership.objects.filter(
            member=member, body=body, role=role, start_date__isnull=True
        ).exists()
    ):
        raise ValidationError(
            _("%(member)s already has this role in %(body)s.") % {"member": member, "body": body},
            code="duplicate",
        )
    membership.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=membership,
        organisation=body,
        after=snapshot(membership),
    )
    return membership


ORGANISATION_FIELDS = ["name", "short_name", "slug", "kind", "website", "description", "is_demo"]


@transaction.atomic
def organisation_create(*, actor, data: dict) -> Organisation:
    """Register an organisation that the reference data lacks (a company, a university, an
    association), e.g. a partner in a joint application. Staff only."""
    access.require(
        actor, "organisations.organisation.create", None, _("Only staff register organisations.")
    )
    return model_save_audited(
        actor=actor, obj=Organisation(), data=data, fields=ORGANISATION_FIELDS
    )
