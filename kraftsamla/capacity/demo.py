"""Invent plausible demo assessments for Göteborgsregionen's 13 members over two years.

Everything here is invented (is_demo=True) and says so on every page it shows.
Scores are drawn from a seeded random generator so every run gives the same data.
"""

from __future__ import annotations

import random

from django.db import transaction
from django.utils import timezone

from kraftsamla.accounts.access import ROLES
from kraftsamla.accounts.models import OrganisationRole, Role, User
from kraftsamla.capacity import services
from kraftsamla.capacity.models import (
    Answer,
    Assessment,
    CapitalNote,
    CollaborationForm,
    Mode,
    Purpose,
    Respondent,
    RoleGroup,
    Statement,
    Status,
)
from kraftsamla.capacity.selectors import framework_current
from kraftsamla.core.models import SharingLevel
from kraftsamla.core.versions import bump
from kraftsamla.organisations.demo import DEMO_PASSWORD, DEMO_USERS, GR_MEMBERS
from kraftsamla.organisations.models import Organisation, OrganisationKind

YEARS = (2024, 2025)
# Members answering as a group (several respondents); the others answer alone.
GROUP_MEMBERS = {"Göteborg", "Mölndal", "Kungsbacka", "Lerum", "Ale"}
# Members that keep their results private (shown as missing in the regional view).
PRIVATE_MEMBERS = {"Tjörn"}
PUBLIC_MEMBERS = {"Kungsbacka"}
# Members that have not assessed 2025 yet.
NOT_YET_2025 = {"Öckerö", "Lilla Edet"}
ROLE_GROUPS = [
    RoleGroup.POLITICIANS,
    RoleGroup.SENIOR_MANAGERS,
    RoleGroup.STRATEGIC,
    RoleGroup.OPERATIONAL,
]
NOTE_TEXTS = {
    "political": "Demo: Tydligare politiska uppdrag och en gemensam målbild över nämnderna.",
    "financial": "Demo: Hjälp att hitta och söka extern finansiering tillsammans med grannkommuner.",
    "human": "Demo: Utbildning i klimatomställning för chefer och handläggare.",
    "relational": "Demo: Regelbundna nätverksträffar med näringslivet i regionen.",
    "organisational": "Demo: En tvärsektoriell arbetsgrupp med mandat att samordna.",
    "dynamic": "Demo: Metoder för att testa nya arbetssätt i liten skala.",
    "real": "Demo: Gemensam upphandling av laddinfrastruktur.",
}
FORM_FOR = {
    "political": CollaborationForm.ROOM_FOR_ACTION,
    "financial": CollaborationForm.RESOURCE_BASE,
    "human": CollaborationForm.KNOWLEDGE_BASE,
    "relational": CollaborationForm.ROOM_FOR_ACTION,
    "organisational": CollaborationForm.KNOWLEDGE_BASE,
    "dynamic": CollaborationForm.KNOWLEDGE_BASE,
    "real": CollaborationForm.RESOURCE_BASE,
}


def _people(org: Organisation, n: int) -> list[User]:
    """Return n respondents: the printed demo logins of the organisation first, then invented ones."""
    users = [
        u
        for u in User.objects.filter(
            email__in=[d.email for d in DEMO_USERS if d.org_slug == org.slug]
        ).order_by("email")
    ][:n]
    for i in range(1, n - len(users) + 1):
        email = f"respondent{i}.{org.slug}@demo.kraftsamla.se"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                full_name=f"Demo Respondent {i} ({org.display_name})",
                is_demo=True,
            )
        OrganisationRole.objects.get_or_create(
            user=user, organisation=org, defaults={"role": Role.VIEWER}
        )
        users.append(user)
    # New roles: the cached access lookups must read them (the summary audit row is
    # capacity's, so it would not renew them).
    bump(ROLES)
    return users


@transaction.atomic
def load_demo() -> int:
    """Create the demo assessments (idempotent: demo assessments are replaced). Return count."""
    framework = framework_current()
    if framework is None:
        raise RuntimeError("Load the framework first (manage.py load_framework).")
    Assessment.objects.filter(is_demo=True).delete()
    statements = list(
        Statement.objects.filter(capital__framework=framework).select_related("capital")
    )
    return sum(_member_demo_load(name, framework, statements) for name in GR_MEMBERS)


def _member_demo_load(name: str, framework, statements: list[Statement]) -> int:
    """Create one member's demo assessments, one a year; return how many."""
    org = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, short_name=name)
    rng = random.Random(f"kraftsamla-demo-{org.code}")
    capitals = {s.capital.key: s.capital for s in statements}
    # A municipality's underlying level per capital, 0.5–3.3 on the 0–4 scale.
    base = {key: rng.uniform(0.5, 3.0) for key in capitals}
    if org.population and org.population > 100_000:
        base = {k: min(v + 0.6, 3.6) for k, v in base.items()}
    group = name in GROUP_MEMBERS
    people = _people(org, 4 if group else 1)
    created = 0
    for year in YEARS:
        if year == 2025 and name in NOT_YET_2025:
            continue
        is_open = name == "Mölndal" and year == 2025
        assessment = Assessment.objects.create(
            organisation=org,
            framework=framework,
            year=year,
            purpose=Purpose.BASELINE if year == YEARS[0] else Purpose.FOLLOW_UP,
            purpose_note="Demo: påhittad bedömning för att visa Kraftsamla",
            mode=Mode.GROUP if group else Mode.INDIVIDUAL,
            status=Status.OPEN if is_open else Status.CLOSED,
            sharing_level=_sharing_of(name),
            is_demo=True,
        )
        created += 1
        levels = {k: v + (0.35 if year == YEARS[1] else 0.0) for k, v in base.items()}
        _answers_demo_load(assessment, people, statements, levels, rng)
        weakest = sorted(base, key=base.get)[:2]
        _notes_demo_load(assessment, [capitals[key] for key in weakest])
        if not is_open:
            _publish(assessment)
    return created


def _sharing_of(name: str) -> str:
    if name in PRIVATE_MEMBERS:
        return SharingLevel.PRIVATE
    return SharingLevel.PUBLIC if name in PUBLIC_MEMBERS else SharingLevel.REGION


def _answers_demo_load(
    assessment: Assessment,
    people: list[User],
    statements: list[Statement],
    levels: dict[str, float],
    rng: random.Random,
) -> None:
    """Make the people respondents and draw their answers around the capitals' levels."""
    answers = []
    for i, user in enumerate(people):
        respondent = Respondent.objects.create(
            assessment=assessment, user=user, role_group=ROLE_GROUPS[i % len(ROLE_GROUPS)]
        )
        if assessment.status == Status.OPEN and i > 0:
            continue  # Only one person has started on the open assessment.
        # Politicians see things more rosily in this invented data, to show disagreement.
        bias = 0.8 if respondent.role_group == RoleGroup.POLITICIANS else 0.0
        for statement in statements:
            if rng.random() < 0.06:
                answers.append(
                    Answer(respondent=respondent, statement=statement, score=None, dont_know=True)
                )
                continue
            value = levels[statement.capital.key] + bias + rng.gauss(0, 0.6)
            answers.append(
                Answer(
                    respondent=respondent,
                    statement=statement,
                    score=max(0, min(4, round(value))),
                    dont_know=False,
                    evidence="",
                )
            )
    Answer.objects.bulk_create(answers)


def _notes_demo_load(assessment: Assessment, capitals: list) -> None:
    """Let the first respondent say what would strengthen the weakest capitals."""
    first = assessment.respondents.order_by("pk").first()
    CapitalNote.objects.bulk_create(
        [
            CapitalNote(
                respondent=first,
                capital=capital,
                strengthen=NOTE_TEXTS.get(capital.key, "Demo"),
                collaboration_form=FORM_FOR.get(capital.key, ""),
            )
            for capital in capitals
        ]
    )


def _publish(assessment: Assessment) -> None:
    """Store results with the same code the publish step uses, and mark them published."""
    services._store_results(assessment)
    assessment.status = Status.PUBLISHED
    assessment.published_at = timezone.now()
    assessment.save(update_fields=["status", "published_at"])
