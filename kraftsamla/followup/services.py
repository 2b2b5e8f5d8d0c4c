"""Write follow-up data: indicators, their values and targets, emission targets.

Every function is atomic, keyword-only, takes the actor (a user, or
kraftsamla.core.access.SYSTEM for loaders), asks the follow-up policies and is audited.
Bad input is a ValidationError at the field, and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kraftsamla.core import access
from kraftsamla.core.services import model_save_audited
from kraftsamla.followup import trends
from kraftsamla.followup.models import (
    EmissionTarget,
    Gender,
    IndicatorDefinition,
    IndicatorValue,
    Target,
)
from kraftsamla.organisations import selectors as organisation_selectors
from kraftsamla.organisations.models import Organisation

INDICATOR_FIELDS = ["name", "unit", "direction", "description", "source", "kolada_kpi"]
VALUE_FIELDS = ["value", "source", "sharing_level"]
TARGET_FIELDS = [
    "target_value",
    "target_year",
    "base_year",
    "base_value",
    "trajectory",
    "note",
    "sharing_level",
]
EMISSION_TARGET_FIELDS = [
    "name",
    "kind",
    "reduction_percent",
    "base_year",
    "target_year",
    "sector",
    "decision",
    "sharing_level",
]


def _person(actor):
    """Return the actor as a user to record; None for the system actor."""
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def indicator_create(
    *,
    actor,
    owner: Organisation | None,
    data: Mapping[str, Any],
    is_demo: bool = False,
) -> IndicatorDefinition:
    """Define an indicator for the platform (staff, owner None) or for an organisation."""
    indicator = IndicatorDefinition(owner=owner, is_demo=is_demo)
    access.require(
        actor,
        "followup.indicator.manage",
        indicator,
        _("Only staff and the organisation's administrators and editors define indicators."),
    )
    return model_save_audited(
        actor=actor, obj=indicator, data=data, fields=INDICATOR_FIELDS, organisation=owner
    )


@transaction.atomic
def indicator_value_set(
    *,
    actor,
    organisation: Organisation,
    indicator: IndicatorDefinition,
    year: int,
    data: Mapping[str, Any],
    gender: str = Gender.TOTAL,
    is_demo: bool = False,
) -> IndicatorValue:
    """Set the organisation's value of an indicator for a year (replacing an earlier one)."""
    existing = (
        IndicatorValue.objects.select_for_update()
        .filter(indicator=indicator, organisation=organisation, year=year, gender=gender)
        .first()
    )
    value = existing or IndicatorValue(
        indicator=indicator, organisation=organisation, year=year, gender=gender, is_demo=is_demo
    )
    access.require(
        actor,
        "followup.value.edit",
        value,
        _("Only the organisation's administrators and editors report its values."),
    )
    return model_save_audited(
        actor=actor, obj=value, data=data, fields=VALUE_FIELDS, organisation=organisation
    )


@transaction.atomic
def target_create(
    *,
    actor,
    organisation: Organisation,
    indicator: IndicatorDefinition,
    data: Mapping[str, Any],
    is_demo: bool = False,
) -> Target:
    """Set a target for the organisation's indicator; the trajectory must be computable."""
    target = Target(organisation=organisation, indicator=indicator, is_demo=is_demo)
    access.require(
        actor,
        "followup.target.edit",
        target,
        _("Only the organisation's administrators and editors set its targets."),
    )
    return model_save_audited(
        actor=actor, obj=target, data=data, fields=TARGET_FIELDS, organisation=organisation
    )


@transaction.atomic
def emission_target_create(
    *,
    actor,
    organisation: Organisation,
    data: Mapping[str, Any],
    is_demo: bool = False,
) -> EmissionTarget:
    """Set a municipality's emission target; its base year must have SMHI figures."""
    target = EmissionTarget(organisation=organisation, created_by=_person(actor), is_demo=is_demo)
    access.require(
        actor,
        "followup.emissiontarget.edit",
        target,
        _("Only the municipality's administrators and editors set its emission targets."),
    )
    if not organisation.is_municipality:
        raise ValidationError(_("Emission targets follow a municipality's emission figures."))
    for name in EMISSION_TARGET_FIELDS:
        if name in data:
            setattr(target, name, data[name])
    target.full_clean()
    table = organisation_selectors.emission_table(organisation)
    series = table.values.get(target.sector, {}) if target.sector else table.totals
    try:
        trends.emission_plan(
            series,
            base_year=target.base_year,
            target_year=target.target_year,
            target_share=target.target_share,
        )
    except trends.TrajectoryError as exc:
        field = "target_year" if target.base_year in series else "base_year"
        raise ValidationError({field: str(exc)}) from None
    return model_save_audited(
        actor=actor,
        obj=target,
        data=data,
        fields=EMISSION_TARGET_FIELDS,
        organisation=organisation,
    )
