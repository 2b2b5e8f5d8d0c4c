"""Factories for follow-up: units, indicators and values, commitments, actions and rounds,
made through the follow-up services as the platform's system actor."""

from __future__ import annotations

import datetime

from django.utils import timezone

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import SharingLevel
from kraftsamla.followup import services
from kraftsamla.followup.models import (
    Action,
    Commitment,
    CommitmentKind,
    FollowupRound,
    IndicatorDefinition,
    IndicatorValue,
    ResponsibleUnit,
    UnitKind,
)


def unit_create(organisation, name: str, *, people=(), parent=None) -> ResponsibleUnit:
    """A department of `organisation`, with `people` acting for it."""
    unit = services.unit_create(
        actor=SYSTEM,
        organisation=organisation,
        data={"name": name, "kind": UnitKind.DEPARTMENT, "parent": parent},
    )
    for person in people:
        services.unit_person_add(actor=SYSTEM, unit=unit, user=person)
    return unit


def indicator_create(
    owner=None, name: str = "Andel elbilar", unit: str = "%"
) -> IndicatorDefinition:
    return services.indicator_create(
        actor=SYSTEM,
        owner=owner,
        data={"name": {"sv": name}, "unit": unit, "direction": "higher"},
    )


def value_set(
    organisation, indicator, year: int, value: float, *, sharing_level=SharingLevel.REGION
) -> IndicatorValue:
    return services.indicator_value_set(
        actor=SYSTEM,
        organisation=organisation,
        indicator=indicator,
        year=year,
        data={"value": value, "sharing_level": sharing_level},
    )


def commitment_create(
    organisation,
    title: str = "Hållbart resande",
    *,
    unit=None,
    indicators=(),
    sharing_level=SharingLevel.PUBLIC,
) -> Commitment:
    return services.commitment_create(
        actor=SYSTEM,
        organisation=organisation,
        data={
            "kind": CommitmentKind.STRATEGY_GOAL,
            "title": {"sv": title},
            "responsible_unit": unit,
            "sharing_level": sharing_level,
        },
        indicators=list(indicators),
    )


def action_create(commitment, title: str, *, unit=None) -> Action:
    return services.action_create(
        actor=SYSTEM, commitment=commitment, data={"title": title, "unit": unit}
    )


def round_open(organisation, year: int, *, days_left: int = 20, name: str = "") -> FollowupRound:
    """An open round of `organisation` for `year`, its deadline `days_left` days ahead."""
    return services.round_open(
        actor=SYSTEM,
        organisation=organisation,
        data={
            "name": name or f"Uppföljning {year}",
            "year": year,
            "deadline": timezone.localdate() + datetime.timedelta(days=days_left),
        },
        schedule_reminders=False,
    )
