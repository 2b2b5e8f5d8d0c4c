"""Demo follow-up: indicators with values and targets, and emission targets.

- Greenhouse-gas emissions per inhabitant (Kolada N00401) for Linköping and Mölndal,
  computed from the loaded SMHI emissions and SCB population figures (real figures).
- An invented indicator (share of fossil-free vehicles in the municipality's own fleet)
  with invented values, labelled as demo.
- Demo targets and emission targets. They are examples, not the municipalities' adopted
  targets: their names say "demo".

Linköping follows its climate work with key figures in a public digital service and
yearly climate contracts (Mjölby kommun, arbetsutskottet 2024-05-20, § 77; source document
000_44f85679241c7aca); the report from Göteborgsregionen asks for shared indicators in
the follow-up (Göteborgsregionen & RISE 2025, ch. 5.2; source document
002_9b25a710852bc7c4). Everything is written through the services by the system actor.
"""

from __future__ import annotations

from django.utils import timezone

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import SharingLevel
from kraftsamla.followup import services
from kraftsamla.followup.models import (
    Direction,
    EmissionTarget,
    EmissionTargetKind,
    IndicatorDefinition,
    IndicatorValue,
    Target,
    Trajectory,
)
from kraftsamla.organisations import selectors as organisation_selectors
from kraftsamla.organisations.models import EmissionSector, Organisation

DEMO_MUNICIPALITIES = ("linkoping", "molndal")

EMISSIONS_PER_INHABITANT = {
    "name": {
        "sv": "Utsläpp av växthusgaser per invånare",
        "en": "Greenhouse-gas emissions per inhabitant",
    },
    "unit": "ton CO₂e/inv",
    "direction": Direction.LOWER,
    "description": {
        "sv": "Kommunens territoriella utsläpp delat med folkmängden den 31 december.",
        "en": "The municipality's territorial emissions divided by its population on 31 December.",
    },
    "source": "SMHI, Nationella emissionsdatabasen; SCB (via Kolada N00401)",
    "kolada_kpi": "N00401",
}

FOSSIL_FREE_FLEET = {
    "name": {
        "sv": "Andel fossilfria fordon i kommunens egen fordonsflotta (demo)",
        "en": "Share of fossil-free vehicles in the municipality's own fleet (demo)",
    },
    "unit": "%",
    "direction": Direction.HIGHER,
    "description": {
        "sv": "Påhittat exempel på en egen indikator: hur stor del av kommunens bilar som "
        "går på el, biogas eller annat fossilfritt drivmedel.",
        "en": "An invented example of an own indicator: how many of the municipality's "
        "vehicles run on electricity, biogas or other fossil-free fuel.",
    },
    "source": "Demo",
}

# Invented shares per year (demo data).
FLEET_VALUES = {
    "linkoping": {2019: 41.0, 2020: 47.0, 2021: 52.0, 2022: 58.0, 2023: 63.0, 2024: 69.0},
    "molndal": {2020: 30.0, 2021: 31.5, 2022: 33.0, 2023: 33.5, 2024: 35.0},
}


def _organisation(slug: str) -> Organisation:
    try:
        return Organisation.objects.get(slug=slug)
    except Organisation.DoesNotExist:
        raise RuntimeError(f"Load the reference data first: {slug} is missing.") from None


def _emission_values(organisation: Organisation) -> dict[int, float]:
    table = organisation_selectors.emission_table(organisation)
    return {
        year: round(value, 3)
        for year, value in table.per_inhabitant.items()
        if value is not None and year >= 2015
    }


def load_demo() -> dict[str, int]:
    """Create or refresh the demo indicators, values, targets and emission targets."""
    IndicatorValue.objects.filter(is_demo=True).delete()
    Target.objects.filter(is_demo=True).delete()
    EmissionTarget.objects.filter(is_demo=True).delete()
    IndicatorDefinition.objects.filter(is_demo=True).delete()
    this_year = timezone.localdate().year
    emissions = IndicatorDefinition.objects.filter(kolada_kpi="N00401").first()
    if emissions is None:
        emissions = services.indicator_create(
            actor=SYSTEM, owner=None, data=EMISSIONS_PER_INHABITANT, is_demo=True
        )
    fleet = services.indicator_create(
        actor=SYSTEM, owner=None, data=FOSSIL_FREE_FLEET, is_demo=True
    )
    for slug in DEMO_MUNICIPALITIES:
        municipality = _organisation(slug)
        for year, value in _emission_values(municipality).items():
            services.indicator_value_set(
                actor=SYSTEM,
                organisation=municipality,
                indicator=emissions,
                year=year,
                data={"value": value, "source": "SMHI, SCB", "sharing_level": SharingLevel.PUBLIC},
                is_demo=True,
            )
        for year, value in FLEET_VALUES[slug].items():
            if year < this_year:
                services.indicator_value_set(
                    actor=SYSTEM,
                    organisation=municipality,
                    indicator=fleet,
                    year=year,
                    data={"value": value, "source": "Demo", "sharing_level": SharingLevel.REGION},
                    is_demo=True,
                )
        services.target_create(
            actor=SYSTEM,
            organisation=municipality,
            indicator=fleet,
            data={
                "target_value": 100.0,
                "target_year": 2030,
                "base_year": min(FLEET_VALUES[slug]),
                "trajectory": Trajectory.LINEAR,
                "note": "Demo: påhittat mål.",
                "sharing_level": SharingLevel.REGION,
            },
            is_demo=True,
        )
        services.target_create(
            actor=SYSTEM,
            organisation=municipality,
            indicator=emissions,
            data={
                "target_value": 1.0,
                "target_year": 2030,
                "base_year": 2020,
                "trajectory": Trajectory.PERCENT,
                "note": "Demo: påhittat mål.",
                "sharing_level": SharingLevel.PUBLIC,
            },
            is_demo=True,
        )
        services.emission_target_create(
            actor=SYSTEM,
            organisation=municipality,
            data={
                "name": {
                    "sv": "Demo: −70 % till 2030 jämfört med 1990",
                    "en": "Demo: −70 % by 2030 against 1990",
                },
                "kind": EmissionTargetKind.REDUCTION,
                "reduction_percent": 70.0,
                "base_year": 1990,
                "target_year": 2030,
                "decision": "Demo, inget verkligt beslut",
                "sharing_level": SharingLevel.PUBLIC,
            },
            is_demo=True,
        )
        services.emission_target_create(
            actor=SYSTEM,
            organisation=municipality,
            data={
                "name": {
                    "sv": "Demo: nettonoll för transporter till 2045",
                    "en": "Demo: net zero for transport by 2045",
                },
                "kind": EmissionTargetKind.NET_ZERO,
                "base_year": 2020,
                "target_year": 2045,
                "sector": EmissionSector.TRANSPORT,
                "decision": "Demo, inget verkligt beslut",
                "sharing_level": SharingLevel.REGION,
            },
            is_demo=True,
        )
    return {
        "indicators": IndicatorDefinition.objects.filter(is_demo=True).count(),
        "values": IndicatorValue.objects.filter(is_demo=True).count(),
        "emission targets": EmissionTarget.objects.filter(is_demo=True).count(),
    }
