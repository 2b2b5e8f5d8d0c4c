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

Two programmes: NetZeroCities' Twin Cities for Umeå and Örnsköldsvik (three modules:
getting started, co-creation, capitalisation; 20 months; an invented travel ceiling) and
the peer group's learning round with one peer meeting in Borlänge (its date invented).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kraftsamla.core.access import SYSTEM
from kraftsamla.organisations.models import (
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
)
from kraftsamla.organisations.services import membership_create
from kraftsamla.twinning import services
from kraftsamla.twinning.models import LinkKind, LinkRole, MeetingKind, TwinLink

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
    programmes = _programmes(vc, nzc)
    return f"3 twin and peer links, {programmes} twinning programmes"


def _aware(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def _programmes(vc: Organisation, nzc: Organisation) -> int:
    services.replication_template_load(actor=SYSTEM)
    umea, ovik = _org("umea"), _org("ornskoldsvik")
    twin_cities = services.programme_create(
        actor=SYSTEM,
        organiser=nzc,
        title={
            "sv": "Twin Cities: Umeå och Örnsköldsvik (demo)",
            "en": "Twin Cities: Umeå and Örnsköldsvik (demo)",
        },
        start_date=datetime.date(2023, 9, 1),
        months=20,
        # The call says travel is paid up to a ceiling without naming it: this one is invented.
        travel_ceiling=Decimal(20000),
        modules=[
            {
                "title": {"sv": "Komma igång", "en": "Getting started"},
                "goal": {
                    "sv": "Lära känna varandra och välja vad som ska tas efter.",
                    "en": "Get to know each other and choose what to take over.",
                },
                "start_date": datetime.date(2023, 9, 1),
                "end_date": datetime.date(2023, 12, 31),
                "done": True,
            },
            {
                "title": {"sv": "Samskapa", "en": "Co-creation"},
                "goal": {
                    "sv": "Anpassa lösningen tillsammans, med workshoppar och studiebesök.",
                    "en": "Adapt the solution together, with workshops and site visits.",
                },
                "start_date": datetime.date(2024, 1, 1),
                "end_date": datetime.date(2024, 10, 31),
                "done": True,
            },
            {
                "title": {"sv": "Kapitalisera", "en": "Capitalisation"},
                "goal": {
                    "sv": "Skriva replikeringsplanen och sprida lärdomarna.",
                    "en": "Write the replication plan and share the lessons.",
                },
                "start_date": datetime.date(2024, 11, 1),
                "end_date": datetime.date(2025, 4, 30),
            },
        ],
        participants=[(umea, LinkRole.PILOT), (ovik, LinkRole.TWIN)],
        is_demo=True,
    )
    people = list(twin_cities.participants.all())
    services.meeting_save(
        actor=SYSTEM,
        programme=twin_cities,
        data={
            "kind": MeetingKind.DIGITAL,
            "title": "Uppstartsmöte (demo)",
            "starts_at": _aware(2023, 9, 20, 9),
            "ends_at": _aware(2023, 9, 20, 11),
            "place": "Digitalt",
            "agenda": "Presentation av Umeås pilotarbete; val av område att replikera.",
            "decisions": "Örnsköldsvik väljer att ta efter arbetet med hållbara resor.",
        },
        participants=people,
    )
    services.meeting_save(
        actor=SYSTEM,
        programme=twin_cities,
        data={
            "kind": MeetingKind.SITE_VISIT,
            "title": "Studiebesök i Umeå (demo)",
            "starts_at": _aware(2024, 3, 12, 10),
            "ends_at": _aware(2024, 3, 12, 16),
            "place": "Umeå",
            "agenda": "Besök hos mobilitetsprojekten; genomgång av uppföljningen.",
        },
        participants=people,
    )
    twin = next(p for p in people if p.role == LinkRole.TWIN)
    services.travel_claim_add(
        actor=SYSTEM, participant=twin, amount=Decimal(6400), description="Resa till Umeå (demo)"
    )
    services.plan_save(
        actor=SYSTEM,
        participant=twin,
        answers={
            "solution": "Umeås arbete med hållbara resor till arbetsplatser (demo).",
            "conditions": "Mindre stad med längre avstånd; fler pendlar med bil.",
        },
    )
    peers = services.programme_create(
        actor=SYSTEM,
        organiser=vc,
        title={
            "sv": "Lärgrupp Gävle, Borlänge och Eskilstuna (demo)",
            "en": "Peer group Gävle, Borlänge and Eskilstuna (demo)",
        },
        start_date=datetime.date(2023, 3, 1),
        months=12,
        modules=[
            {
                "title": {"sv": "Gemensamt lärande", "en": "Learning together"},
                "goal": {
                    "sv": "Dela erfarenheter av klimatkontrakt, medborgarnas engagemang och samarbete med näringslivet.",
                    "en": "Share experience of climate contracts, citizen engagement and work with business.",
                },
                "start_date": datetime.date(2023, 3, 1),
                "end_date": datetime.date(2024, 2, 29),
            }
        ],
        participants=[
            (_org("gavle"), LinkRole.PEER),
            (_org("borlange"), LinkRole.PEER),
            (_org("eskilstuna"), LinkRole.PEER),
        ],
        is_demo=True,
    )
    services.meeting_save(
        actor=SYSTEM,
        programme=peers,
        data={
            "kind": MeetingKind.PEER_MEETING,
            "title": "Träff i Borlänge (demo)",
            # The news item gives no date; this one is invented for the demo.
            "starts_at": _aware(2023, 3, 15, 9),
            "ends_at": _aware(2023, 3, 15, 16),
            "place": "Borlänge",
            "agenda": "Klimatkontrakt, medborgarnas engagemang, samarbete med näringslivet; "
            "eftermiddag med forskarskolan Future-Proof Cities.",
            "notes": "Mindre möten ger tid att gå på djupet i gemensamma frågor.",
            "decisions": "Ses igen.",
            "follow_up": "Bli varandras ambassadörer.",
        },
        participants=list(peers.participants.all()),
    )
    return 2
