"""Demo funding calls: Viable Cities' call for new climate-neutral cities (wave 3) and three
invented example calls that show other combinations of rule kinds; and Linköping's joint
application to the Viable Cities call with Mjölby as twin city, which passes every rule.

Viable Cities' call is described as Mjölby's working committee summarises it
(2024-05-20, § 77; source document 000_44f85679241c7aca), in our own words. The
reading of "the budget can be extended" as a higher ceiling is our interpretation and
says so on the call page. The invented calls are labelled as invented examples on every
page and name no real funder. Everything here is demo data (is_demo=True), written
through the services by the system actor; the invented calls' dates follow today's date,
so that the demo always has open, upcoming and closed calls.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import SharingLevel
from kraftsamla.funding import services
from kraftsamla.funding.facts import AttachmentType, PartyRole, SignerRole
from kraftsamla.funding.models import Application, Call
from kraftsamla.organisations import services as organisation_services
from kraftsamla.organisations.models import Organisation, OrganisationKind
from kraftsamla.projects.models import Project

VIABLE_CITIES = "viable-cities-klimatneutrala-stader-2030"
SOURCE = "Mjölby kommun, arbetsutskottet 2024-05-20, § 77"
SOURCE_EN = "Mjölby municipality, working committee 2024-05-20, § 77"


def _source(section_sv: str, section_en: str) -> dict[str, str]:
    return {
        "sv": f"Utlysningen, avsnittet ”{section_sv}” (enligt {SOURCE})",
        "en": f"The call, section “{section_en}” (as in {SOURCE_EN})",
    }


VIABLE_CITIES_RULES = [
    {
        "kind": "min_parties",
        "parameters": {"minimum": 4},
        "source": _source("Vem kan söka?", "Who may apply?"),
    },
    {
        "kind": "actor_groups",
        "parameters": {"groups": ["academia", "business", "public", "civil_society"]},
        "source": _source("Vem kan söka?", "Who may apply?"),
    },
    {
        "kind": "coordinator",
        "parameters": {"member_of": [VIABLE_CITIES]},
        "source": _source("Vem kan söka?", "Who may apply?"),
        "interpretation": {
            "sv": "De 23 städerna från våg 1 och 2 är Viable Cities deltagare i registret.",
            "en": "The 23 cities of waves 1 and 2 are Viable Cities' participants in the register.",
        },
    },
    {
        "kind": "max_support",
        "parameters": {
            "amount": 3_000_000,
            "twin_city_raises": [
                {"twin_cities": 1, "raise": 1_000_000},
                {"twin_cities": 2, "raise": 1_500_000},
            ],
        },
        "source": _source("Stödbelopp", "Amount of support"),
        "interpretation": {
            "sv": "Utlysningen säger att budgeten kan utökas med upp till 1 miljon kr med en "
            "tvillingstad och upp till 1,5 miljoner kr med två eller fler. Vi läser det som ett "
            "högsta stöd på 4 respektive 4,5 miljoner kr. Bekräfta tolkningen med finansiären.",
            "en": "The call says the budget can be extended by up to SEK 1 million with one "
            "twin city and by up to SEK 1.5 million with two or more. We read this as a ceiling "
            "of SEK 4 and 4.5 million. Confirm this reading with the funder.",
        },
    },
    {
        "kind": "max_support_share",
        "parameters": {"percent": 50},
        "source": _source("Stödbelopp", "Amount of support"),
    },
    {
        "kind": "own_budget",
        "parameters": {"role": "twin_city"},
        "source": _source("Stödbelopp", "Amount of support"),
    },
    {
        "kind": "allocation",
        "parameters": {"role": "twin_city", "activity": "Transition Lab", "amount": 200_000},
        "source": _source("Tidsram för projektet", "Time frame of the project"),
        "interpretation": {
            "sv": "Beloppet består av 100 000 kr i medfinansiering och 100 000 kr i projektmedel; "
            "här räknas det i varje tvillingstads egen budget.",
            "en": "The amount is SEK 100,000 of co-funding and SEK 100,000 of project funds; "
            "here it is counted in each twin city's own budget.",
        },
    },
    {
        "kind": "attachment",
        "parameters": {
            "role": "twin_city",
            "type": "support_letter",
            "signer_role": "political_leadership",
        },
        "source": _source(
            "Pionjärstäder höjer ambitionen och kan samverka med tvillingstäder",
            "Pioneer cities raise their ambition and may work with twin cities",
        ),
    },
    {
        "kind": "project_dates",
        "parameters": {"earliest_start": "2024-12-01", "latest_end": "2027-10-31"},
        "source": _source("Tidsram för projektet", "Time frame of the project"),
    },
    {
        "kind": "submission_window",
        "parameters": {"opens": "2024-03-06", "closes": "2024-06-05"},
        "source": _source("Tidsram för projektet", "Time frame of the project"),
    },
]

VIABLE_CITIES_CALL = {
    "funder": "Viable Cities",
    "programme": "Klimatneutrala städer 2030",
    "title": {
        "sv": "Nya klimatneutrala städer – pionjärstäder med tvillingstäder (våg 3)",
        "en": "New climate-neutral cities – pioneer cities with twin cities (wave 3)",
    },
    "link": "https://viablecities.se",
    "summary": {
        "sv": "Den tredje vågen vänder sig till städerna i Klimatneutrala städer 2030. En stad "
        "som redan är med, en pionjärstad, kan ta med sig en eller flera tvillingstäder – "
        "grannar eller städer med liknande utmaningar – för att lära av varandra och ställa om "
        "snabbare tillsammans, till exempel genom gemensam strategi, gemensamma upphandlingar "
        "eller konkreta insatser. Projekten pågår i ungefär tre år och beslut väntas i november "
        "2024. Sammanfattat med egna ord från Mjölby kommuns arbetsutskott 2024-05-20, § 77.",
        "en": "The third wave is for the cities in Climate-neutral cities 2030. A city that "
        "already takes part, a pioneer city, may bring one or more twin cities – neighbours or "
        "cities with similar challenges – to learn from each other and speed up the transition "
        "together, for example through a joint strategy, joint procurement or concrete efforts. "
        "Projects run for about three years; decisions are expected in November 2024. "
        "Summarised in our own words from Mjölby's working committee, 2024-05-20, § 77.",
    },
    "who_may_apply": {
        "sv": "Ett konsortium med minst fyra oberoende parter från akademi och forskning, "
        "näringsliv, offentlig sektor och idéburen sektor. Koordinator är en av de 23 städerna "
        "från våg 1 och 2.",
        "en": "A consortium of at least four independent parties from academia and research, "
        "business, the public sector and civil society. The coordinator is one of the 23 "
        "cities of waves 1 and 2.",
    },
    "opens_on": datetime.date(2024, 3, 6),
    "closes_on": datetime.date(2024, 6, 5),
    "project_start_earliest": datetime.date(2024, 12, 1),
    "project_end_latest": datetime.date(2027, 10, 31),
    "max_support": Decimal(3_000_000),
    "max_support_share": Decimal(50),
    "required_attachments": {
        "sv": "Ett stödbrev från varje tvillingstad, undertecknat av dess politiska ledning.",
        "en": "A support letter from each twin city, signed by its political leadership.",
    },
    "capitals": ["political", "organisational", "relational", "dynamic", "financial"],
    "emission_sectors": ["transport", "electricity_heat", "heating", "waste"],
    "sharing_level": SharingLevel.PUBLIC,
}

INVENTED = "Påhittat exempel: ingen verklig utlysning."
INVENTED_EN = "Invented example: not a real call."


def _invented_calls(today: datetime.date) -> list[tuple[str | None, dict, list[dict]]]:
    """(owner slug, call fields, rules) of the invented example calls."""
    days = datetime.timedelta
    vouchers_opens, vouchers_closes = today - days(20), today + days(45)
    circular_opens, circular_closes = today + days(30), today + days(120)
    circular_start = circular_closes + days(90)
    adaptation_opens, adaptation_closes = today - days(5), today + days(25)
    return [
        (
            None,
            {
                "funder": "Exempelstiftelsen för lokal omställning (påhittad)",
                "programme": "Påhittat exempel",
                "title": {
                    "sv": "Omställningscheckar för mindre kommuner (påhittat exempel)",
                    "en": "Transition vouchers for smaller municipalities (invented example)",
                },
                "summary": {
                    "sv": f"{INVENTED} Små belopp för att komma i gång med energi- och "
                    "transportåtgärder, för kommuner som söker tillsammans med en grannkommun.",
                    "en": f"{INVENTED_EN} Small sums to get started on energy and transport "
                    "measures, for municipalities applying together with a neighbour.",
                },
                "who_may_apply": {
                    "sv": "Kommuner som är medlemmar i Göteborgsregionen, två eller fler tillsammans.",
                    "en": "Municipalities that are members of Göteborgsregionen, two or more together.",
                },
                "applicant_kinds": ["municipality"],
                "opens_on": vouchers_opens,
                "closes_on": vouchers_closes,
                "max_support": Decimal(400_000),
                "max_support_share": Decimal(70),
                "required_attachments": {
                    "sv": "En avsiktsförklaring från varje part.",
                    "en": "A letter of intent from each party.",
                },
                "capitals": ["financial", "human"],
                "emission_sectors": ["heating", "transport"],
                "is_invented_example": True,
            },
            [
                {"kind": "min_parties", "parameters": {"minimum": 2}},
                {"kind": "coordinator", "parameters": {"member_of": ["goteborgsregionen"]}},
                {"kind": "max_support", "parameters": {"amount": 400_000}},
                {"kind": "max_support_share", "parameters": {"percent": 70}},
                {
                    "kind": "attachment",
                    "parameters": {"role": "party", "type": "letter_of_intent"},
                },
                {
                    "kind": "submission_window",
                    "parameters": {
                        "opens": vouchers_opens.isoformat(),
                        "closes": vouchers_closes.isoformat(),
                    },
                },
            ],
        ),
        (
            None,
            {
                "funder": "Påhittade innovationsfonden",
                "programme": "Påhittat exempel",
                "title": {
                    "sv": "Gemensamma ansökningar om cirkulära byggmaterial (påhittat exempel)",
                    "en": "Joint applications on circular building materials (invented example)",
                },
                "summary": {
                    "sv": f"{INVENTED} Återbruk av byggmaterial i större skala, där kommuner, "
                    "företag och forskare bygger upp en gemensam marknadsplats.",
                    "en": f"{INVENTED_EN} Reuse of building materials at a larger scale, where "
                    "municipalities, companies and researchers build a shared marketplace.",
                },
                "who_may_apply": {
                    "sv": "Konsortier med kommun, företag och forskning.",
                    "en": "Consortia with a municipality, a company and research.",
                },
                "applicant_kinds": ["municipality", "company", "university"],
                "opens_on": circular_opens,
                "closes_on": circular_closes,
                "project_start_earliest": circular_start,
                "project_end_latest": circular_start + days(3 * 365),
                "max_support": Decimal(2_000_000),
                "max_support_share": Decimal(40),
                "capitals": ["real", "relational"],
                "emission_sectors": ["waste", "industry"],
                "is_invented_example": True,
            },
            [
                {"kind": "min_parties", "parameters": {"minimum": 3}},
                {
                    "kind": "actor_groups",
                    "parameters": {"groups": ["academia", "business", "public"]},
                },
                {"kind": "max_support_share", "parameters": {"percent": 40}},
                {
                    "kind": "allocation",
                    "parameters": {
                        "role": "party",
                        "activity": "Spridning av resultat",
                        "amount": 50_000,
                    },
                },
                {
                    "kind": "project_dates",
                    "parameters": {
                        "earliest_start": circular_start.isoformat(),
                        "latest_end": (circular_start + days(3 * 365)).isoformat(),
                    },
                },
                {
                    "kind": "submission_window",
                    "parameters": {
                        "opens": circular_opens.isoformat(),
                        "closes": circular_closes.isoformat(),
                    },
                },
            ],
        ),
        (
            "goteborgsregionen",
            {
                "funder": "Påhittat regionalt utvecklingsanslag",
                "programme": "Påhittat exempel",
                "title": {
                    "sv": "Kunskapslyft i klimatanpassning för små kommuner (påhittat exempel)",
                    "en": "Climate adaptation skills for small municipalities (invented example)",
                },
                "summary": {
                    "sv": f"{INVENTED} Utbildning och stöd i klimatanpassning för de minsta "
                    "medlemskommunerna; bara medlemmarna ser utlysningen.",
                    "en": f"{INVENTED_EN} Training and support in climate adaptation for the "
                    "smallest member municipalities; only the members see the call.",
                },
                "who_may_apply": {
                    "sv": "Ale, Lilla Edet, Tjörn och Öckerö, med egen insats i tid eller pengar.",
                    "en": "Ale, Lilla Edet, Tjörn and Öckerö, with a contribution of their own in "
                    "time or money.",
                },
                "applicant_kinds": ["municipality"],
                "opens_on": adaptation_opens,
                "closes_on": adaptation_closes,
                "max_support": Decimal(150_000),
                "capitals": ["human", "organisational"],
                "emission_sectors": [],
                "sharing_level": SharingLevel.REGION,
                "is_invented_example": True,
            },
            [
                {
                    "kind": "coordinator",
                    "parameters": {"organisations": ["ale", "lilla-edet", "tjorn", "ockero"]},
                },
                {"kind": "own_budget", "parameters": {"role": "coordinator"}},
                {"kind": "max_support", "parameters": {"amount": 150_000}},
                {
                    "kind": "submission_window",
                    "parameters": {
                        "opens": adaptation_opens.isoformat(),
                        "closes": adaptation_closes.isoformat(),
                    },
                },
            ],
        ),
    ]


def _organisation(slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise RuntimeError(f"The organisations demo is missing {slug}; load it first.")
    return organisation


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Create or refresh the demo calls and one call sent to Göteborgsregionen's members."""
    Application.objects.filter(is_demo=True).delete()
    Call.objects.filter(is_demo=True).delete()
    viable = services.call_create(
        actor=SYSTEM,
        owner=_organisation(VIABLE_CITIES),
        data=VIABLE_CITIES_CALL,
        rules=VIABLE_CITIES_RULES,
        is_demo=True,
    )
    invented = []
    for owner, data, rules in _invented_calls(timezone.localdate()):
        invented.append(
            services.call_create(
                actor=SYSTEM,
                owner=_organisation(owner) if owner else None,
                data=data,
                rules=rules,
                is_demo=True,
            )
        )
    services.call_send(
        actor=SYSTEM,
        call=invented[0],
        body=_organisation("goteborgsregionen"),
        note="Demo: passar de medlemmar som vill komma i gång med energi och transporter. "
        "Hör av er om ni vill söka tillsammans!",
        email=False,
        is_demo=True,
    )
    _linkoping_application(viable)
    return {
        "calls": Call.objects.filter(is_demo=True).count(),
        "applications": Application.objects.filter(is_demo=True).count(),
    }


# --- Linköping's application with Mjölby as twin city ---------------------------------------
#
# From Mjölby's working committee (2024-05-20, § 77; source document 000_44f85679241c7aca):
# Linköping writes and coordinates the application; Mjölby joins as twin city and gets
# 500,000 SEK for its climate work, matched by working time (400,000 SEK of co-funding in
# time and 100,000 SEK for taking part in the Transition Lab; the call asks 200,000 SEK per
# twin city for the Transition Lab, half co-funding, half project funds). The presentation
# in the same document names Almi (work package 2), Tekniska verken (work package 3),
# Stångåstaden (work package 4), Linköping University and SPIRA, a platform for
# associations working on climate. Every other amount, the hours and rates, the
# letter's signatory and the work packages' wording are invented for the demo.

DEMO_RATE = Decimal(500)  # SEK per hour of working time (invented)

PARTNER_ORGANISATIONS = [
    (
        "almi-ostergotland-demo",
        "Almi Företagspartner Östergötland",
        OrganisationKind.COMPANY,
    ),
    ("tekniska-verken-demo", "Tekniska verken i Linköping AB", OrganisationKind.COMPANY),
    ("stangastaden-demo", "AB Stångåstaden", OrganisationKind.COMPANY),
    (
        "spira-linkoping-demo",
        "SPIRA – föreningar för klimat och hållbarhet i Linköping",
        OrganisationKind.CIVIL_SOCIETY,
    ),
]

# (slug, role, [(activity, support, co-funding money, hours)])
DEMO_BUDGET = [
    (
        "linkoping",
        PartyRole.COORDINATOR,
        [
            ("Samordning och omställningsteam (AP1)", 1_200_000, 300_000, 2_200),
            ("Innovation och kunskapsdelning (AP2)", 500_000, 0, 1_000),
            ("Smart stad (AP3)", 300_000, 0, 600),
            ("Hållbar konsumtion (AP4)", 200_000, 0, 400),
        ],
    ),
    (
        "mjolby",
        PartyRole.TWIN_CITY,
        [
            ("Klimatarbete i Mjölby", 400_000, 0, 800),
            ("Transition Lab", 100_000, 0, 200),
        ],
    ),
    ("liu-demo", PartyRole.PARTY, [("Klimatsamverkan med studenter (AP1)", 600_000, 0, 600)]),
    (
        "almi-ostergotland-demo",
        PartyRole.PARTY,
        [("Lärande tvilling till Linköpingsinitiativet (AP2)", 150_000, 0, 300)],
    ),
    ("tekniska-verken-demo", PartyRole.PARTY, [("Klimatsmart stad (AP3)", 200_000, 0, 600)]),
    ("stangastaden-demo", PartyRole.PARTY, [("Mission hållbar konsumtion (AP4)", 150_000, 0, 500)]),
    (
        "spira-linkoping-demo",
        PartyRole.PARTY,
        [("Civilsamhällets omställningskraft (AP1)", 100_000, 0, 100)],
    ),
]

DEMO_WORK_PACKAGES = [
    (
        "Koordinering, samverkan och delaktighet",
        "linkoping",
        ["liu-demo", "spira-linkoping-demo", "mjolby"],
        "Leda omställningen inom kommunkoncernen och bortom dess rådighet (demo).",
        "Omställningsteam, omställningsarena och en plattform för samverkan med universitetet.",
        (1, 34),
    ),
    (
        "Kunskapsdelning och innovation",
        "linkoping",
        ["almi-ostergotland-demo", "mjolby"],
        "En lärande kultur med mer handling, också hos små och medelstora företag (demo).",
        "Innovationsutbildning, testbäddscheckar och deltagande i Transition Lab.",
        (1, 34),
    ),
    (
        "Smart stad för klimatneutralitet",
        "tekniska-verken-demo",
        ["linkoping"],
        "Digitalisering som möjliggörare i omställningen (demo).",
        "En taktisk plan för smart stad och fler mätbara nyckeltal.",
        (3, 30),
    ),
    (
        "Radikal implementering genom missioner",
        "stangastaden-demo",
        ["linkoping", "spira-linkoping-demo"],
        "Minskade konsumtionsbaserade utsläpp tillsammans med aktörer utanför kommunen (demo).",
        "En mission om delningsekonomi och cirkularitet med hyresgäster och föreningar.",
        (6, 34),
    ),
]

DEMO_LETTER = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def _partner(slug: str, name: str, kind: str) -> Organisation:
    existing = Organisation.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    return organisation_services.organisation_create(
        actor=SYSTEM,
        data={
            "slug": slug,
            "name": name,
            "kind": kind,
            "is_demo": True,
            "description": "Demo: part i Linköpings ansökan till Viable Cities (våg 3).",
        },
    )


def demo_parties_add(application: Application, *, actor) -> dict:
    """Add the demo's parties (accepted) with their budget lines; return them by slug."""
    parties = {}
    for slug, role, lines in DEMO_BUDGET:
        organisation = _organisation(slug)
        if role == PartyRole.COORDINATOR:
            party = application.parties.get(organisation=organisation)
        else:
            party = services.party_add(
                actor=actor,
                application=application,
                organisation=organisation,
                role=role,
                invite=False,
            )
            party = services.party_respond(actor=SYSTEM, party=party, accept=True)
        parties[slug] = party
        for activity, support, money, hours in lines:
            services.budget_line_save(
                actor=actor,
                party=party,
                data={
                    "activity": activity,
                    "support": Decimal(support),
                    "cofunding_money": Decimal(money),
                    "hours": Decimal(hours),
                    "hourly_rate": DEMO_RATE,
                },
            )
    return parties


def _linkoping_application(call: Call) -> Application:
    """Linköping's application with Mjölby as twin city, submitted and granted (demo)."""
    for slug, name, kind in PARTNER_ORGANISATIONS:
        _partner(slug, name, kind)
    linkoping = _organisation("linkoping")
    projects = Project.objects.filter(
        owner=linkoping, is_demo=True, title__icontains="Viable Cities"
    )
    application = services.application_create(
        actor=SYSTEM,
        call=call,
        coordinator=linkoping,
        data={
            "title": "Klimatneutrala Linköping med Mjölby som tvillingstad (demo)",
            "summary": "Linköping leder arbetet och tar med Mjölby som tvillingstad, "
            "universitetet, näringslivet och civilsamhället för att öka takten i "
            "omställningen. Demo: belopp, timmar och arbetspaketens lydelse är påhittade "
            "utifrån Mjölby kommuns arbetsutskott 2024-05-20, § 77.",
            "project_start": datetime.date(2024, 12, 1),
            "project_end": datetime.date(2027, 10, 31),
        },
        projects=list(projects),
        is_demo=True,
    )
    parties = demo_parties_add(application, actor=SYSTEM)
    for number, (title, lead, members, goal, deliverables, months) in enumerate(
        DEMO_WORK_PACKAGES, start=1
    ):
        services.work_package_save(
            actor=SYSTEM,
            application=application,
            data={
                "number": number,
                "title": title,
                "lead": parties[lead],
                "goal": goal,
                "deliverables": deliverables,
                "start_month": months[0],
                "end_month": months[1],
            },
            parties=[parties[slug] for slug in members],
        )
    services.application_attachment_add(
        actor=SYSTEM,
        party=parties["mjolby"],
        file=ContentFile(DEMO_LETTER, name="stodbrev-mjolby.pdf"),
        type=AttachmentType.SUPPORT_LETTER,
        signed_by="Kommunstyrelsens ordförande i Mjölby (demo)",
        signer_role=SignerRole.POLITICAL_LEADERSHIP,
    )
    submitted = datetime.date(2024, 6, 4)
    application = services.application_mark_ready(
        actor=SYSTEM, application=application, on=submitted
    )
    # The submission window is checked for the day it was submitted, in 2024.
    application = services.application_submit(actor=SYSTEM, application=application, on=submitted)
    # Granted, as the project bank's demo has the project running (both invented, demo).
    return services.application_decide(
        actor=SYSTEM,
        application=application,
        granted=True,
        decision="Beviljad i utlysningens tredje våg (demo).",
        on=datetime.date(2024, 11, 20),
    )
