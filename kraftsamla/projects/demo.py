"""Invent demo ideas and projects for Göteborgsregionen's members and Linköping's Viable Cities
project, in several lifecycle states, two of them completed and held up by the region as
good examples (one public, one shared with the region only), and one request to join that
waits for an answer. All of it is marked as demo and written through the services (by the
system actor, and the request by Ale's demo editor); texts are our own words.

The project template for small municipalities is loaded first (if it is not already), and
the running projects plan by it: each gets a checklist with the preparation done, a few
steps of the start phase done, one step overdue and the next steps due in the coming weeks.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kraftsamla.accounts.models import User
from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import SharingLevel
from kraftsamla.organisations.demo import DEMO_USERS
from kraftsamla.organisations.models import Organisation
from kraftsamla.projects import services
from kraftsamla.projects.models import JoinRequest, ParticipationRole, Project, TemplatePhase

CONTACT = {"contact_name": "Demo Kontakt (demo)", "contact_email": "projekt@demo.kraftsamla.se"}

# (owner, title, summary, capitals, collaboration form, sectors, sharing)
IDEAS = {
    "reuse-molndal": (
        "molndal",
        "Återbrukshubb för byggmaterial",
        "Vi vill starta en återbrukshubb där förvaltningar och kommunala bolag lämnar och "
        "hämtar begagnat byggmaterial i stället för att köpa nytt.",
        ["real", "organisational"],
        "resource_base",
        ["waste", "industry"],
    ),
    "reuse-kungsbacka": (
        "kungsbacka",
        "Återbrukshubbar för möbler och byggmaterial",
        "Flera små återbrukshubbar på skolor och förråd, med en gemensam katalog över "
        "möbler och byggmaterial som kan återbrukas.",
        ["real", "relational"],
        "resource_base",
        ["waste"],
    ),
    "reuse-ale": (
        "ale",
        "En hubb för återbruk i en mindre kommun",
        "Som liten kommun saknar vi lokal och personal för en egen hubb för återbruk av "
        "byggmaterial; vi söker grannar att dela en hubb med.",
        ["real", "financial"],
        "resource_base",
        ["waste"],
    ),
    "freight": (
        "partille",
        "Samordnad varudistribution till kommunens verksamheter",
        "Färre leveranser till skolor och äldreboenden genom en gemensam omlastningscentral.",
        ["organisational", "real"],
        "resource_base",
        ["transport"],
    ),
    "charging": (
        "goteborg",
        "Laddplatser vid kommunala arbetsplatser",
        "Laddinfrastruktur för tjänstebilar och anställdas bilar vid kommunens arbetsplatser.",
        ["real", "financial"],
        "room_for_action",
        ["transport"],
    ),
    "contracts": (
        "lerum",
        "Lokala klimatkontrakt med företag",
        "Företag i kommunen skriver under ett lokalt klimatkontrakt med egna åtaganden och "
        "följs upp en gång om året.",
        ["relational", "political"],
        "knowledge_base",
        ["industry", "transport"],
    ),
    "energy": (
        "alingsas",
        "Energikartläggning av föreningslokaler",
        "Enkla energikartläggningar av föreningarnas lokaler med råd om åtgärder.",
        ["human", "real"],
        "knowledge_base",
        ["heating", "electricity_heat"],
    ),
    "food-waste": (
        "kungalv",
        "Mindre matsvinn i skolköken",
        "Mäta och minska matsvinnet i skolköken med elevernas hjälp.",
        ["human"],
        "knowledge_base",
        ["agriculture"],
    ),
    "biogas": (
        "stenungsund",
        "Egen biogasanläggning för kommunens fordon",
        "Bygga en egen biogasanläggning för kommunens fordonsflotta.",
        ["real", "financial"],
        "resource_base",
        ["transport", "agriculture"],
    ),
    "bikes": (
        "kungsbacka",
        "Elcykelpool för hemtjänsten",
        "Hemtjänstens personal lånar elcyklar i stället för bil på korta turer i tätorten.",
        ["real", "human"],
        "resource_base",
        ["transport"],
    ),
    "budget-tjorn": (
        "tjorn",
        "Intern klimatbudget i budgetprocessen",
        "Ett första utkast till en klimatbudget i kommunens egen budgetprocess.",
        ["political", "organisational"],
        "room_for_action",
        [],
    ),
}

VIABLE_CITIES_SUMMARY = (
    "Linköpings projekt i Viable Cities tredje utlysning, med Mjölby som tvillingstad. "
    "Fyra arbetspaket: (1) koordinering, samverkan och delaktighet – ett omställningsteam "
    "inom kommunkoncernen och en omställningsarena med näringsliv, civilsamhälle och "
    "invånare; (2) kunskapsdelning och innovation – innovationsledning, testbäddscheckar "
    "för små och medelstora företag och ett nätverk av organisationer som antar "
    "klimatutmaningar; (3) smart stad – digitalisering som verktyg i omställningen och "
    "fler mätbara nyckeltal för att följa målen; (4) radikal implementering genom "
    "missions – minskade konsumtionsbaserade utsläpp genom cirkularitet, delningsekonomi "
    "och återbruk tillsammans med aktörer utanför kommunen."
)


def _organisation(slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise RuntimeError(f"Reference data is missing {slug}; load it first.")
    return organisation


def _idea(key: str, *, sharing: str = SharingLevel.REGION, **extra) -> Project:
    slug, title, summary, capitals, form, sectors = IDEAS[key]
    data = {
        "title": title,
        "summary": summary,
        "capitals": capitals,
        "collaboration_form": form,
        "emission_sectors": sectors,
        "sharing_level": sharing,
        **CONTACT,
        **extra,
    }
    return services.project_create(actor=SYSTEM, owner=_organisation(slug), data=data, is_demo=True)


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Create or refresh the demo ideas and projects."""
    services.project_template_load_file(actor=SYSTEM)
    Project.objects.filter(is_demo=True).delete()
    for key in ("reuse-molndal", "reuse-kungsbacka", "reuse-ale"):
        _idea(key)

    freight = _idea("freight")
    services.project_prepare(
        actor=SYSTEM,
        project=freight,
        reason="Flera kommuner har samma behov; regionen bereder idén gemensamt (demo).",
        next_step="Kartlägga leveranserna i tre kommuner före sommaren.",
        participants=[_organisation("lerum"), _organisation("harryda")],
    )

    charging = _idea("charging", budget=Decimal(2_000_000))
    services.project_prepare(
        actor=SYSTEM,
        project=charging,
        reason="Passar regionens mål för transporter (demo).",
        next_step="Ta fram en gemensam upphandling.",
    )
    services.project_prioritise(
        actor=SYSTEM, project=charging, reason="Stor effekt på utsläppen till låg kostnad (demo)."
    )

    contracts = _idea(
        "contracts",
        sharing=SharingLevel.PUBLIC,
        business_collaboration="general_business",
        start_date=datetime.date(2025, 1, 1),
    )
    services.project_start(actor=SYSTEM, project=contracts)
    _join_request(contracts)
    _checklist(contracts, started=2, lead="Demo Strateg (demo)")

    energy = _idea(
        "energy",
        sharing=SharingLevel.PUBLIC,
        start_date=datetime.date(2023, 3, 1),
        end_date=datetime.date(2024, 6, 30),
        budget=Decimal(400_000),
    )
    services.project_update(
        actor=SYSTEM,
        project=energy,
        data={},
        funding_sources=[
            {"funder_name": "Energimyndigheten (demo)", "amount": Decimal(250_000)},
            {"funder_name": "Egen finansiering", "amount": Decimal(150_000)},
        ],
    )
    services.project_start(actor=SYSTEM, project=energy)
    services.project_complete(
        actor=SYSTEM,
        project=energy,
        results="30 föreningslokaler kartlagda; hälften har bytt belysning eller styrning.",
        lessons="Föreningarna behöver en person att ringa, inte bara en rapport.",
        reusable="Checklista för kartläggningen och mall för råd till föreningar.",
    )
    services.project_replicate(
        actor=SYSTEM, origin=energy, owner=_organisation("harryda"), is_demo=True
    )
    services.project_mark_good_example(
        actor=SYSTEM,
        project=energy,
        reason="Enkelt att göra efter, och en annan kommun har redan gjort det (demo).",
    )
    _good_example_bikes()

    food = _idea("food-waste")
    services.project_prepare(
        actor=SYSTEM,
        project=food,
        reason="Intressant men resurser saknas i år (demo).",
        next_step="Pröva igen nästa år.",
    )
    services.project_park(actor=SYSTEM, project=food, reason="Inga resurser i år (demo).")

    biogas = _idea("biogas")
    services.project_prepare(
        actor=SYSTEM,
        project=biogas,
        reason="Bereds med regionens energiexperter (demo).",
        next_step="Jämföra med befintliga anläggningar.",
    )
    services.project_decline(
        actor=SYSTEM,
        project=biogas,
        reason="Det finns redan anläggningar i regionen; samverka med dem i stället (demo).",
    )

    _idea("budget-tjorn", sharing=SharingLevel.PRIVATE)
    _checklist(_viable_cities(), started=4, lead="Demo Projektledare (demo)")
    _portfolio_scores(charging=charging, freight=freight, food_waste=food)
    return {
        "projects": Project.objects.filter(is_demo=True).count(),
        "join_requests": JoinRequest.objects.filter(is_demo=True).count(),
        "checklists": Project.objects.filter(is_demo=True, checklist__isnull=False).count(),
    }


# Göteborgsregionen's invented scores of three ideas in its portfolio (criterion: score, reason).
PORTFOLIO_SCORES = {
    "charging": {
        "emission_impact": (3, "Ersätter dieselresor i hemtjänsten (demo)."),
        "shared_by": (4, "Alla medlemmar behöver laddning vid sina lokaler (demo)."),
        "feasibility": (3, "En gemensam upphandling räcker för att komma i gång (demo)."),
        "cost": (2, "Stödet täcker en del av kostnaden (demo)."),
        "regional_fit": (4, "Står i regionens mål för transporter (demo)."),
    },
    "freight": {
        "emission_impact": (2, "Färre halvtomma leveranser, men osäker storlek (demo)."),
        "shared_by": (3, "Tre kommuner har samma behov (demo)."),
        "feasibility": (1, "Kräver att många leverantörer ändrar sina rutiner (demo)."),
    },
    "food-waste": {
        "emission_impact": (1, "Liten effekt på utsläppen i förhållande till insatsen (demo)."),
        "feasibility": (3, "Köken kan börja mäta direkt (demo)."),
        "cost": (4, "Nästan ingen kostnad (demo)."),
    },
}


def _portfolio_scores(**projects: Project) -> None:
    body = _organisation("goteborgsregionen")
    for key, scores in PORTFOLIO_SCORES.items():
        services.portfolio_scores_set(
            actor=SYSTEM, body=body, project=projects[key.replace("-", "_")], scores=scores
        )


# Ale's demo editor asks to join Lerum's climate contracts (the request waits for Lerum).
JOIN_ASKER = next(user.email for user in DEMO_USERS if user.org_slug == "ale")
JOIN_MESSAGE = (
    "Vi i Ale vill gärna gå med: många av våra företag arbetar också i Lerum, och ett "
    "gemensamt klimatkontrakt blir enklare för dem att skriva under (demo)."
)


def _join_request(project: Project) -> None:
    asker = User.objects.filter(email=JOIN_ASKER).first()
    if asker is None:
        raise RuntimeError("The demo people are missing; load the organisations demo first.")
    services.join_request_create(
        actor=asker,
        project=project,
        organisation=_organisation("ale"),
        message=JOIN_MESSAGE,
        is_demo=True,
    )


def _good_example_bikes() -> Project:
    """A completed project shared with the region only, held up as a good example there."""
    bikes = _idea(
        "bikes",
        start_date=datetime.date(2023, 9, 1),
        end_date=datetime.date(2024, 8, 31),
        budget=Decimal(600_000),
    )
    services.project_start(actor=SYSTEM, project=bikes)
    services.project_complete(
        actor=SYSTEM,
        project=bikes,
        results="Tolv elcyklar i två hemtjänstgrupper; var tredje kort tur görs nu med cykel.",
        lessons="Låsbara cykelrum och vinterdäck avgör om cyklarna används året runt.",
        reusable="Rutin för bokning och skötsel av cyklarna, och enkäten till personalen.",
    )
    services.project_mark_good_example(
        actor=SYSTEM,
        project=bikes,
        reason="Minskar bilresorna i en verksamhet som alla kommuner har (demo).",
    )
    return bikes


def _checklist(project: Project, *, started: int, lead: str) -> None:
    """Plan a running project by the template: the preparation and `started` steps of the
    start phase done, the next one overdue, the rest due in the coming weeks (dates kept
    within the project's dates, whenever the demo is loaded)."""
    checklist = services.project_checklist_create(actor=SYSTEM, project=project)
    items = list(checklist.items.order_by("order"))
    today = timezone.localdate()
    start = project.start_date or today
    end = project.end_date

    def within(day: datetime.date) -> datetime.date:
        day = max(day, start)
        return min(day, end) if end else day

    prepared = [item for item in items if item.phase == TemplatePhase.PREPARE]
    rest = [item for item in items if item.phase != TemplatePhase.PREPARE]
    done = prepared + rest[:started]
    for item in done:
        services.checklist_item_update(
            actor=SYSTEM, item=item, responsible=lead, due=start, done=True
        )
    overdue, upcoming = rest[started], rest[started + 1 : started + 4]
    services.checklist_item_update(
        actor=SYSTEM,
        item=overdue,
        responsible=lead,
        due=within(today - datetime.timedelta(days=14)),
        note="Väntar på att styrgruppen ska ses (demo).",
    )
    for weeks, item in enumerate(upcoming, start=2):
        services.checklist_item_update(
            actor=SYSTEM,
            item=item,
            responsible=lead,
            due=within(today + datetime.timedelta(weeks=weeks)),
        )


def _viable_cities() -> Project:
    """Linköping's Viable Cities project, running, with Mjölby as twin city."""
    linkoping, mjolby = _organisation("linkoping"), _organisation("mjolby")
    project = services.project_create(
        actor=SYSTEM,
        owner=linkoping,
        data={
            "title": "Klimatneutrala Linköping – Viable Cities med tvillingstad (demo)",
            "summary": VIABLE_CITIES_SUMMARY,
            "challenge": "Öka takten i omställningen också utanför kommunens egen rådighet.",
            "capitals": ["organisational", "relational", "dynamic"],
            "collaboration_form": "room_for_action",
            "emission_sectors": ["transport", "electricity_heat", "waste"],
            "business_collaboration": "innovation",
            "start_date": datetime.date(2024, 12, 1),
            "end_date": datetime.date(2027, 10, 31),
            "budget": Decimal(8_000_000),
            "sharing_level": SharingLevel.PUBLIC,
            **CONTACT,
        },
        funding_sources=[
            {"funder_name": "Viable Cities (demo)", "amount": Decimal(4_000_000)},
            {"funder_name": "Medfinansiering i arbetstid (demo)", "amount": Decimal(4_000_000)},
        ],
        is_demo=True,
    )
    services.participation_add(
        actor=SYSTEM, project=project, organisation=mjolby, role=ParticipationRole.PARTICIPANT
    )
    services.project_start(
        actor=SYSTEM, project=project, reason="Beviljat i utlysningens tredje våg (demo)."
    )
    return project
