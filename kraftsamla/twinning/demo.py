"""Demo twin and peer links, labelled as demo (is_demo=True), written through the services.

- Linköping as pioneer city with Mjölby as its twin city in Viable Cities' call for new
  climate-neutral cities (wave 3), for the call's project period: from Mjölby's working
  committee, 2024-05-20, § 77 (source document 000_44f85679241c7aca).
- Umeå as a pilot city of the EU's NetZeroCities programme, paired in its Twin Cities
  programme with Örnsköldsvik. Umeå being a pilot city and the programme's 20 months
  from September 2023 come from North Sweden's call text (003_9a731c14653acf91); the
  pairing with Örnsköldsvik is invented for the demo and says so.
- Gävle, Borlänge and Eskilstuna as a peer group in Viable Cities, after the Viable
  Cities news item about their meeting in Borlänge (004_c13326591f62fd6b).
"""

from __future__ import annotations

import datetime

from django.db import transaction

from kraftsamla.core.access import SYSTEM
from kraftsamla.organisations.models import (
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
)
from kraftsamla.organisations.services import membership_create
from kraftsamla.twinning import services
from kraftsamla.twinning.models import LinkKind, LinkRole, TwinLink

VIABLE_CITIES = "viable-cities-klimatneutrala-stader-2030"
NETZEROCITIES = "netzerocities-demo"


def _org(slug: str) -> Organisation:
    try:
        return Organisation.objects.get(slug=slug)
    except Organisation.DoesNotExist:
        raise RuntimeError(
            f"Load the reference and organisations demo data first ({slug})."
        ) from None


def _netzerocities() -> Organisation:
    programme, _created = Organisation.objects.get_or_create(
        slug=NETZEROCITIES,
        defaults={
            "name": "NetZeroCities – Twin Cities",
            "short_name": "NetZeroCities",
            "kind": OrganisationKind.NATIONAL_PROGRAMME,
            "website": "https://netzerocities.eu",
            "description": (
                "EU:s uppdrag om klimatneutrala och smarta städer, samordnat av NetZeroCities. "
                "Demo: Umeå är en av pilotstäderna; resten här är exempel."
            ),
            "is_demo": True,
        },
    )
    umea = _org("umea")
    if not Membership.objects.filter(member=umea, body=programme).exists():
        membership_create(
            actor=SYSTEM,
            member=umea,
            body=programme,
            role=MembershipRole.PARTICIPANT,
            start_date=datetime.date(2023, 3, 1),
            note="Pilotstad sedan mars 2023",
            is_demo=True,
        )
    return programme


@transaction.atomic
def load_demo() -> str:
    if TwinLink.objects.filter(is_demo=True).exists():
        return "twin links already loaded"
    vc, nzc = _org(VIABLE_CITIES), _netzerocities()
    services.link_create(
        actor=SYSTEM,
        organisation=_org("linkoping"),
        kind=LinkKind.PIONEER_TWIN,
        role=LinkRole.PIONEER,
        partners=[_org("mjolby")],
        programme=vc,
        start_date=datetime.date(2024, 12, 1),
        end_date=datetime.date(2027, 10, 31),
        description={
            "sv": "Mjölby följer med i Linköpings ansökan i våg 3 som tvillingstad "
            "(källa: Mjölby kommun, arbetsutskottet 2024-05-20, § 77).",
            "en": "Mjölby joins Linköping's wave-3 application as its twin city "
            "(source: Mjölby municipality, working committee 2024-05-20, § 77).",
        },
        is_demo=True,
    )
    services.link_create(
        actor=SYSTEM,
        organisation=_org("umea"),
        kind=LinkKind.PILOT_TWIN,
        role=LinkRole.PILOT,
        partners=[_org("ornskoldsvik")],
        programme=nzc,
        start_date=datetime.date(2023, 9, 1),
        end_date=datetime.date(2025, 4, 30),
        description={
            "sv": "Påhittat par för demonstrationen: Umeå är pilotstad, Örnsköldsvik en "
            "uppdiktad tvillingstad (källa om programmet: North Sweden om Twin Cities).",
            "en": "An invented pair for the demo: Umeå is a pilot city, Örnsköldsvik an "
            "invented twin city (on the programme: North Sweden about Twin Cities).",
        },
        is_demo=True,
    )
    services.link_create(
        actor=SYSTEM,
        organisation=_org("borlange"),
        kind=LinkKind.PEER_GROUP,
        role=LinkRole.PEER,
        partners=[_org("gavle"), _org("eskilstuna")],
        programme=vc,
        start_date=datetime.date(2023, 3, 1),
        description={
            "sv": "Tre av de nyare städerna i Klimatneutrala städer 2030 lär av varandra om "
            "klimatkontrakt, medborgarnas engagemang och samarbete med näringslivet "
            "(källa: Viable Cities nyhet om mötet i Borlänge).",
            "en": "Three of the newer cities in Climate-neutral cities 2030 learn from each "
            "other about climate contracts, citizen engagement and work with business "
            "(source: Viable Cities news about the meeting in Borlänge).",
        },
        is_demo=True,
    )
    return "3 twin and peer links"
