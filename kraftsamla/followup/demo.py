"""Demo follow-up: indicators with values and targets, and emission targets.

- Greenhouse-gas emissions per inhabitant (Kolada N00401) for Linköping and Mölndal,
  computed from the loaded SMHI emissions and SCB population figures (real figures).
- An invented indicator (share of fossil-free vehicles in the municipality's own fleet)
  with invented values, labelled as demo.
- Demo targets and emission targets. They are examples, not the municipalities' adopted
  targets: their names say "demo".
- Linköping's yearly climate contract (demo) with responsible units, actions and
  sub-actions, linked to its demo project in the project bank.
- Göteborgsregionen's menu of climate promises (demo) and three members' choices.

Linköping follows its climate work with key figures in a public digital service and
yearly climate contracts (Mjölby kommun, arbetsutskottet 2024-05-20, § 77; source document
000_44f85679241c7aca); the report from Göteborgsregionen asks for shared indicators in
the follow-up (Göteborgsregionen & RISE 2025, ch. 5.2; source document
002_9b25a710852bc7c4). Everything is written through the services by the system actor.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import SharingLevel
from kraftsamla.followup import services
from kraftsamla.followup.models import (
    Commitment,
    CommitmentKind,
    Direction,
    EmissionTarget,
    EmissionTargetKind,
    FollowupRound,
    IndicatorDefinition,
    IndicatorValue,
    ProgressStatus,
    PromiseMenu,
    ResponsibleUnit,
    Target,
    Trajectory,
    UnitKind,
)
from kraftsamla.organisations import selectors as organisation_selectors
from kraftsamla.organisations.models import EmissionSector, Organisation
from kraftsamla.projects.models import Project

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


LINKOPING_UNITS = [
    # (name, kind, parent name)
    ("Kommunstyrelsen", UnitKind.COMMITTEE, None),
    ("Kommunledningsförvaltningen", UnitKind.ADMINISTRATION, "Kommunstyrelsen"),
    ("Hållbarhetsavdelningen (demo)", UnitKind.DEPARTMENT, "Kommunledningsförvaltningen"),
    ("Tekniska nämnden", UnitKind.COMMITTEE, None),
    ("Samhällsbyggnadsförvaltningen", UnitKind.ADMINISTRATION, "Tekniska nämnden"),
    (
        "Trafik- och mobilitetsavdelningen (demo)",
        UnitKind.DEPARTMENT,
        "Samhällsbyggnadsförvaltningen",
    ),
]

# A promise menu in our own words, after the shared list of climate promises that
# Göteborgsregionen's members choose from (Göteborgsregionen & RISE 2025, ch. 3.2 and 4.4;
# source document 002_9b25a710852bc7c4). The promises and choices are invented examples.
GR_PROMISES = [
    ("Fossilfria tjänsteresor", "Fossil-free business travel"),
    ("Klimatkrav när livsmedel upphandlas", "Climate criteria when buying food"),
    ("Laddplatser vid kommunens arbetsplatser", "Charging points at the municipality's workplaces"),
    ("Mindre matsvinn i skolor och äldreboenden", "Less food waste in schools and care homes"),
    ("Solceller på kommunens egna tak", "Solar panels on the municipality's own roofs"),
    ("Begagnade och renoverade möbler först", "Used and refurbished furniture first"),
]
GR_CHOICES = {
    # member slug: [(promise number, status)]
    "molndal": [(1, ProgressStatus.DONE), (3, ProgressStatus.STARTED), (5, ProgressStatus.STARTED)],
    "ale": [(1, ProgressStatus.STARTED), (2, ProgressStatus.NOT_STARTED)],
    "kungsbacka": [(4, ProgressStatus.DONE), (1, ProgressStatus.DONE)],
}


def _linkoping_contract() -> Commitment:
    """Linköping's climate contract (demo) with units, actions and sub-actions."""
    linkoping = _organisation("linkoping")
    ResponsibleUnit.objects.filter(organisation=linkoping, is_demo=True).delete()
    units: dict[str, ResponsibleUnit] = {}
    for name, kind, parent in LINKOPING_UNITS:
        units[name] = services.unit_create(
            actor=SYSTEM,
            organisation=linkoping,
            data={"name": name, "kind": kind, "parent": units.get(parent)},
            is_demo=True,
        )
    emissions = IndicatorDefinition.objects.get(kolada_kpi="N00401")
    contract = services.commitment_create(
        actor=SYSTEM,
        organisation=linkoping,
        data={
            "kind": CommitmentKind.CLIMATE_CONTRACT,
            "title": {
                "sv": "Klimatkontrakt 2030, årets åtaganden (demo)",
                "en": "Climate contract 2030, this year's commitments (demo)",
            },
            "description": {
                "sv": "Demoexempel: kommunens årliga klimatkontrakt med den nationella "
                "satsningen som motpart, med åtgärder, ansvar och uppföljning.",
                "en": "Demo example: the municipality's yearly climate contract with the "
                "national programme as counterpart, with actions, responsibilities and "
                "follow-up.",
            },
            "adopted_by": "Kommunstyrelsen",
            "adopted_on": datetime.date(2025, 3, 4),
            "decision_reference": "KS 2025-00 (demo)",
            "period_start": datetime.date(2025, 1, 1),
            "period_end": datetime.date(2025, 12, 31),
            "responsible_unit": units["Hållbarhetsavdelningen (demo)"],
            "responsible_person": "Klimatstrateg (demo)",
            "capitals": ["political", "organisational", "relational"],
            "emission_sectors": ["transport", "electricity_heat"],
            "status": ProgressStatus.STARTED,
            "sharing_level": SharingLevel.PUBLIC,
        },
        indicators=[emissions],
        is_demo=True,
    )
    project = Project.objects.filter(owner=linkoping, is_demo=True).first()
    arena = services.action_create(
        actor=SYSTEM,
        commitment=contract,
        data={
            "title": "Omställningsarena med näringsliv och civilsamhälle (demo)",
            "unit": units["Hållbarhetsavdelningen (demo)"],
            "starts_on": datetime.date(2025, 1, 1),
            "ends_on": datetime.date(2025, 12, 31),
            "cost": 1_500_000,
            "funding": "Viable Cities och egen arbetstid (demo)",
            "status": ProgressStatus.STARTED,
            "weight": 2,
        },
        projects=[project] if project else None,
        is_demo=True,
    )
    for title, status, progress in (
        ("Bjuda in till fyra arenamöten (demo)", ProgressStatus.STARTED, 50),
        ("Ta fram en klimatinvesteringsplan (demo)", ProgressStatus.DONE, None),
        ("Testbäddscheckar till företag (demo)", ProgressStatus.POSTPONED, 0),
    ):
        services.action_create(
            actor=SYSTEM,
            commitment=contract,
            data={
                "title": title,
                "parent": arena,
                "unit": units["Hållbarhetsavdelningen (demo)"],
                "status": status,
                "progress": progress,
                "status_comment": "Flyttad till nästa år (demo)."
                if status == ProgressStatus.POSTPONED
                else "",
            },
            is_demo=True,
        )
    services.action_create(
        actor=SYSTEM,
        commitment=contract,
        data={
            "title": "Fler laddplatser i centrala parkeringshus (demo)",
            "unit": units["Trafik- och mobilitetsavdelningen (demo)"],
            "starts_on": datetime.date(2025, 4, 1),
            "ends_on": datetime.date(2026, 6, 30),
            "cost": 3_000_000,
            "funding": "Investeringsbudget (demo)",
            "status": ProgressStatus.NOT_STARTED,
        },
        is_demo=True,
    )
    return contract


def _gr_menu() -> PromiseMenu:
    """Göteborgsregionen's promise menu (demo) and three members' choices."""
    PromiseMenu.objects.filter(is_demo=True).delete()
    menu = services.promise_menu_create(
        actor=SYSTEM,
        body=_organisation("goteborgsregionen"),
        data={
            "title": {"sv": "Klimatlöften (demo)", "en": "Climate promises (demo)"},
            "description": {
                "sv": "Demoexempel: en gemensam lista där varje medlem väljer så många löften "
                "den vill, och kommunstyrelsen antar dem.",
                "en": "Demo example: a shared list from which each member chooses as many "
                "promises as it wants, adopted by its municipal executive board.",
            },
            "published_on": datetime.date(2024, 1, 15),
        },
        items=[{"title": {"sv": sv, "en": en}} for sv, en in GR_PROMISES],
        is_demo=True,
    )
    items = {item.number: item for item in menu.items.all()}
    for slug, choices in GR_CHOICES.items():
        member = _organisation(slug)
        for number, status in choices:
            services.promise_choose(
                actor=SYSTEM,
                organisation=member,
                promise=items[number],
                data={
                    "adopted_by": "Kommunstyrelsen",
                    "adopted_on": datetime.date(2024 if number < 4 else 2025, 3, 1),
                    "decision_reference": "KS (demo)",
                    "status": status,
                    "sharing_level": SharingLevel.REGION,
                },
                is_demo=True,
            )
    return menu


def _linkoping_round() -> FollowupRound:
    """An open follow-up round (demo) for Linköping: the units of its climate contract
    report their actions and the emissions indicator, with a deadline a month ahead."""
    FollowupRound.objects.filter(is_demo=True).delete()
    year = timezone.localdate().year - 1
    return services.round_open(
        actor=SYSTEM,
        organisation=_organisation("linkoping"),
        data={
            "name": f"Uppföljning {year} (demo)",
            "year": year,
            "deadline": timezone.localdate() + datetime.timedelta(days=30),
            "remind_days": 7,
        },
        # Demo data queues no e-mail; the round page's button sends the reminder on demand.
        schedule_reminders=False,
        is_demo=True,
    )


def load_demo() -> dict[str, int]:
    """Create or refresh the demo indicators, values, targets, emission targets,
    Linköping's climate contract and Göteborgsregionen's promise menu."""
    Commitment.objects.filter(is_demo=True).delete()
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
    _linkoping_contract()
    _gr_menu()
    _linkoping_round()
    return {
        "commitments": Commitment.objects.filter(is_demo=True).count(),
        "indicators": IndicatorDefinition.objects.filter(is_demo=True).count(),
        "values": IndicatorValue.objects.filter(is_demo=True).count(),
        "emission targets": EmissionTarget.objects.filter(is_demo=True).count(),
    }
