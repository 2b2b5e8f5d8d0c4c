"""Create clearly labelled demo data: bodies, links, partners and profiles.

The demo people are listed here (DEMO_USERS) with the organisation each belongs to;
accounts/demo.py creates their accounts and roles.

All of it is invented for demonstration (is_demo=True), except the public facts
it builds on: Göteborgsregionen's 13 members, the 23 cities of Viable Cities'
Klimatneutrala städer 2030, and Mjölby as Linköping's twin city (Mjölby's
working committee, 2024-05-20, § 77).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction

from kraftsamla.core.models import Role, SharingLevel
from kraftsamla.organisations.models import (
    ClimateProfile,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
)

DEMO_PASSWORD = "kraftsamla-demo"

GR_MEMBERS = [
    "Ale",
    "Alingsås",
    "Göteborg",
    "Härryda",
    "Kungsbacka",
    "Kungälv",
    "Lerum",
    "Lilla Edet",
    "Mölndal",
    "Partille",
    "Stenungsund",
    "Tjörn",
    "Öckerö",
]
VIABLE_CITIES = [
    "Borås",
    "Borlänge",
    "Enköping",
    "Eskilstuna",
    "Gävle",
    "Göteborg",
    "Helsingborg",
    "Järfälla",
    "Kalmar",
    "Karlstad",
    "Kristianstad",
    "Linköping",
    "Lund",
    "Malmö",
    "Mariestad",
    "Nacka",
    "Skellefteå",
    "Stockholm",
    "Umeå",
    "Uppsala",
    "Växjö",
    "Örebro",
    "Östersund",
]

BODIES = [
    {
        "slug": "goteborgsregionen",
        "name": "Göteborgsregionen (GR)",
        "short_name": "Göteborgsregionen",
        "kind": OrganisationKind.REGIONAL_BODY,
        "website": "https://goteborgsregionen.se",
        "description": "Kommunalförbund för 13 kommuner i Göteborgsregionen. Demo: medlemskapen är verkliga, allt annat här är påhittat för att visa plattformen.",
    },
    {
        "slug": "viable-cities-klimatneutrala-stader-2030",
        "name": "Viable Cities – Klimatneutrala städer 2030",
        "short_name": "Viable Cities",
        "kind": OrganisationKind.NATIONAL_PROGRAMME,
        "website": "https://viablecities.se",
        "description": "Strategiskt innovationsprogram där 23 kommuner har skrivit på Klimatkontrakt 2030. Demo: deltagarna är verkliga, resten är exempel.",
    },
]

PARTNERS = [
    ("chalmers-demo", "Chalmers tekniska högskola", OrganisationKind.UNIVERSITY),
    ("rise-demo", "RISE Research Institutes of Sweden", OrganisationKind.UNIVERSITY),
    ("liu-demo", "Linköpings universitet", OrganisationKind.UNIVERSITY),
    ("vastkustens-energi-demo", "Västkustens Energi AB (påhittat)", OrganisationKind.COMPANY),
    ("exempelbygg-demo", "Exempelbygg i Mölndal AB (påhittat)", OrganisationKind.COMPANY),
    ("ostgota-logistik-demo", "Östgöta Logistik AB (påhittat)", OrganisationKind.COMPANY),
    (
        "klimatforeningen-vast-demo",
        "Klimatföreningen Väst (påhittad)",
        OrganisationKind.CIVIL_SOCIETY,
    ),
    (
        "studieforbundet-demo",
        "Studieförbundet Omställning (påhittat)",
        OrganisationKind.CIVIL_SOCIETY,
    ),
    ("energimyndigheten-demo", "Energimyndigheten", OrganisationKind.AGENCY),
]


@dataclass
class DemoUser:
    email: str
    name: str
    org_slug: str | None
    role: str | None
    description: str
    staff: bool = False


DEMO_USERS = [
    DemoUser(
        "personal@demo.kraftsamla.se", "Petra Plattform", None, None, "platform staff", staff=True
    ),
    DemoUser(
        "samordnare@demo.kraftsamla.se",
        "Sara Samordnare",
        "goteborgsregionen",
        Role.ADMIN,
        "regional coordinator, administrator of Göteborgsregionen",
    ),
    DemoUser(
        "admin.molndal@demo.kraftsamla.se",
        "Anna Administratör",
        "molndal",
        Role.ADMIN,
        "administrator of Mölndal",
    ),
    DemoUser(
        "redaktor.molndal@demo.kraftsamla.se",
        "Erik Redaktör",
        "molndal",
        Role.EDITOR,
        "editor in Mölndal",
    ),
    DemoUser(
        "lasare.molndal@demo.kraftsamla.se",
        "Lisa Läsare",
        "molndal",
        Role.VIEWER,
        "viewer in Mölndal",
    ),
    DemoUser(
        "strateg.ale@demo.kraftsamla.se",
        "Stina Strateg",
        "ale",
        Role.EDITOR,
        "sustainability strategist in Ale (small municipality)",
    ),
    DemoUser(
        "klimat.linkoping@demo.kraftsamla.se",
        "Klara Klimatstrateg",
        "linkoping",
        Role.ADMIN,
        "climate strategist, administrator of Linköping (pioneer city)",
    ),
    DemoUser(
        "miljo.mjolby@demo.kraftsamla.se",
        "Mats Miljöstrateg",
        "mjolby",
        Role.EDITOR,
        "environmental strategist in Mjölby (Linköping's twin city)",
    ),
    DemoUser(
        "partner@demo.kraftsamla.se",
        "Pelle Partner",
        "chalmers-demo",
        Role.VIEWER,
        "partner from academia",
    ),
]

PROFILES = [
    (
        "molndal",
        SharingLevel.REGION,
        "Demo: Klimatstrateg på miljöförvaltningen",
        1.5,
        2030,
        "Demo: Mölndal arbetar med klimatlöften, en klimatinvesteringsplan och samverkan med lokala företag.",
    ),
    (
        "ale",
        SharingLevel.PRIVATE,
        "Demo: Hållbarhetsstrateg",
        0.08,
        2045,
        "Demo: En strateg med 8 % av en tjänst samordnar klimatarbetet. Behöver stöd med ansökningar.",
    ),
    (
        "kungsbacka",
        SharingLevel.PUBLIC,
        "Demo: Miljöstrateg",
        1.0,
        2040,
        "Demo: Kungsbacka följer upp sina klimatmål i en årlig rapport.",
    ),
    (
        "lerum",
        SharingLevel.REGION,
        "Demo: Klimatsamordnare",
        0.5,
        2040,
        "Demo: Lerum har en klimatplan och vill hitta tvillingkommuner för mobilitetsfrågor.",
    ),
]


def _municipality(short_name: str) -> Organisation:
    return Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, short_name=short_name)


def _bodies() -> dict[str, Organisation]:
    bodies = {}
    for spec in BODIES:
        org, _ = Organisation.objects.update_or_create(
            slug=spec["slug"], defaults={**spec, "is_demo": True}
        )
        bodies[spec["slug"]] = org
    return bodies


def _links(gr: Organisation, vc: Organisation) -> None:
    """Göteborgsregionen's members, Viable Cities' participants and one twin-city link."""
    for name in GR_MEMBERS:
        Membership.objects.get_or_create(
            member=_municipality(name),
            body=gr,
            role=MembershipRole.MEMBER,
            start_date=None,
            defaults={"is_demo": True},
        )
    for name in VIABLE_CITIES:
        Membership.objects.get_or_create(
            member=_municipality(name),
            body=vc,
            role=MembershipRole.PARTICIPANT,
            start_date=None,
            defaults={"is_demo": True},
        )
    Membership.objects.get_or_create(
        member=_municipality("Mjölby"),
        body=_municipality("Linköping"),
        role=MembershipRole.TWIN_CITY,
        start_date=datetime.date(2024, 12, 1),
        defaults={
            "end_date": datetime.date(2027, 10, 31),
            "is_demo": True,
            "note": "Viable Cities, utlysning våg 3",
        },
    )


def _partners(gr: Organisation, vc: Organisation) -> None:
    for slug, name, kind in PARTNERS:
        partner, _ = Organisation.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "is_demo": True,
                "description": "Demo: partner som visar plattformens aktörsgrupper.",
            },
        )
        body = vc if slug in ("liu-demo", "ostgota-logistik-demo", "energimyndigheten-demo") else gr
        Membership.objects.get_or_create(
            member=partner,
            body=body,
            role=MembershipRole.PARTNER,
            start_date=None,
            defaults={"is_demo": True},
        )


def _profiles() -> None:
    for slug, level, contact, fte, year, summary in PROFILES:
        ClimateProfile.objects.update_or_create(
            organisation=Organisation.objects.get(slug=slug),
            defaults={
                "sharing_level": level,
                "contact_name": contact,
                "staff_fte": fte,
                "target_year": year,
                "summary": summary,
                "is_demo": True,
            },
        )


@transaction.atomic
def load_demo() -> str:
    """Create or refresh the demo bodies, links, partners and profiles; return a summary."""
    if not Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).exists():
        raise RuntimeError("Load the reference data first (manage.py load_reference_data).")
    bodies = _bodies()
    gr, vc = bodies["goteborgsregionen"], bodies["viable-cities-klimatneutrala-stader-2030"]
    _links(gr, vc)
    _partners(gr, vc)
    _profiles()
    return (
        f"{len(BODIES)} bodies, {len(PARTNERS)} partners and {len(PROFILES)} climate profiles "
        "(invented, marked as demo)."
    )
