"""Build a small capacity framework and assessments through the services, for the capacity tests.

The real framework content (framework_data/framework_v1.json) may or may not be loaded, and
the demo assessments with it, so the capacity tests never depend on either: they import this
small framework (7 capitals, 2 statements each by default) and make it current, and publish
their own assessments in YEAR, a year the demo data never uses.
"""

from __future__ import annotations

import itertools

from django.utils import translation

from kraftsamla.accounts.models import OrganisationRole, Role, User
from kraftsamla.capacity import services
from kraftsamla.capacity.models import (
    Assessment,
    CapitalKey,
    CollaborationForm,
    Framework,
    Mode,
    Purpose,
    RoleGroup,
    Statement,
    Status,
)
from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import SharingLevel
from kraftsamla.organisations.models import Membership, MembershipRole, Organisation

TEST_VERSION = "test-fixture"
YEAR = 2031  # the demo assessments use 2024 and 2025
CAPITAL_KEYS = [c.value for c in CapitalKey]
BUILDING_STEPS = [
    ["political"],
    ["financial"],
    ["relational", "human"],
    ["organisational", "dynamic", "real"],
]
PASSWORD = "correct-horse-battery"

_emails = itertools.count(1)


def t(message: str, language: str = "sv") -> str:
    """The text the server shows for `message` in `language`."""
    with translation.override(language):
        return translation.gettext(message)


def _bi(text: str) -> dict[str, str]:
    return {"sv": f"{text} (sv)", "en": text}


def framework_data(version: str = TEST_VERSION, per_capital: int = 2) -> dict:
    """The JSON structure framework_import reads, with 7 capitals of `per_capital` statements."""
    return {
        "version": version,
        "title": _bi("Test framework"),
        "overall": _bi("Transition capacity, for tests."),
        "source": "Kraftsamla tests",
        "building_steps": BUILDING_STEPS,
        "building_order_explanation": _bi("Political capital first."),
        "scale": [
            {"score": i, "label": _bi(f"Level {i}"), "description": _bi(f"Description {i}")}
            for i in range(5)
        ],
        "collaboration_forms": [
            {"key": f.value, "name": _bi(f"Form {f.value}"), "description": _bi("Helps.")}
            for f in CollaborationForm
        ],
        "capitals": [
            {
                "key": key,
                "name": _bi(f"Capital {key}"),
                "definition": _bi(f"Definition of {key}"),
                "guiding_question": _bi(f"Question about {key}?"),
                "statements": [
                    {
                        "key": f"{key}-{n}",
                        "text": _bi(f"Statement {n} about {key}"),
                        "levels": {str(i): _bi(f"{key}-{n} level {i}") for i in range(5)},
                    }
                    for n in range(1, per_capital + 1)
                ],
            }
            for key in CAPITAL_KEYS
        ],
    }


def make_framework(
    version: str = TEST_VERSION, *, make_current: bool = True, per_capital: int = 2
) -> Framework:
    return services.framework_import(
        actor=SYSTEM, data=framework_data(version, per_capital), make_current=make_current
    )


def statements_of(framework: Framework) -> list[Statement]:
    return list(
        Statement.objects.filter(capital__framework=framework)
        .select_related("capital")
        .order_by("capital__order", "order")
    )


def make_member(organisation: Organisation | None, role: str = Role.EDITOR, **extra) -> User:
    """A new user with a role in the organisation (password PASSWORD)."""
    n = next(_emails)
    user = User.objects.create_user(
        email=extra.pop("email", f"capacity{n}@test.example"),
        password=PASSWORD,
        full_name=extra.pop("full_name", f"Capacity Person {n}"),
        **extra,
    )
    if organisation is not None:
        OrganisationRole.objects.create(user=user, organisation=organisation, role=role)
    return user


def new_assessment(
    organisation: Organisation,
    actor,
    *,
    year: int = YEAR,
    purpose: str = Purpose.BASELINE,
    sharing: str = SharingLevel.REGION,
    mode: str = Mode.GROUP,
    framework: Framework | None = None,
) -> Assessment:
    return services.assessment_create(
        actor=actor,
        organisation=organisation,
        year=year,
        purpose=purpose,
        mode=mode,
        sharing_level=sharing,
        framework=framework,
    )


def add_and_open(
    assessment: Assessment, actor, users, role_group=RoleGroup.STRATEGIC
) -> Assessment:
    for user in users:
        services.respondent_add(
            actor=actor, assessment=assessment, user=user, role_group=role_group
        )
    return services.assessment_transition(actor=actor, assessment=assessment, action="open")


def answer_all(assessment: Assessment, user, score, per_capital: int | None = None) -> None:
    """Answer every statement (or the first `per_capital` of each capital).

    `score` is an int, None ("don't know") or {capital key: score}.
    """
    for st in statements_of(assessment.framework):
        if per_capital is not None and st.order >= per_capital:
            continue
        value = score.get(st.capital.key) if isinstance(score, dict) else score
        services.answer_save(
            actor=user, assessment=assessment, statement=st, score=value, dont_know=value is None
        )


def transition(assessment: Assessment, actor, *actions: str) -> Assessment:
    for action in actions:
        assessment = services.assessment_transition(
            actor=actor, assessment=assessment, action=action
        )
    return assessment


def published(
    organisation: Organisation,
    *,
    score=2,
    sharing: str = SharingLevel.REGION,
    year: int = YEAR,
    purpose: str = Purpose.BASELINE,
    status: str = Status.PUBLISHED,
    framework: Framework | None = None,
    per_capital: int | None = None,
) -> Assessment:
    """An assessment answered by one new editor of the organisation, moved to `status`.

    The editor answers every statement with `score`, or only the first `per_capital`
    statements of each capital (0: none; the capital scores are then missing).
    """
    person = make_member(organisation, Role.EDITOR)
    assessment = new_assessment(
        organisation,
        person,
        year=year,
        purpose=purpose,
        sharing=sharing,
        mode=Mode.INDIVIDUAL,
        framework=framework,
    )
    if status == Status.DRAFT:
        return assessment
    add_and_open(assessment, person, [person])
    answer_all(assessment, person, score, per_capital)
    steps = {Status.OPEN: (), Status.CLOSED: ("close",), Status.PUBLISHED: ("close", "publish")}
    return transition(assessment, person, *steps[status])


def body_with_members(slug: str, members) -> Organisation:
    """A new regional body with the organisations as current members."""
    from kraftsamla.organisations.models import OrganisationKind

    body = Organisation.objects.create(
        name=f"Test body {slug}", slug=slug, kind=OrganisationKind.REGIONAL_BODY
    )
    Membership.objects.bulk_create(
        [Membership(member=m, body=body, role=MembershipRole.MEMBER) for m in members]
    )
    return body


def municipalities(count: int, *, exclude=()) -> list[Organisation]:
    """`count` municipalities in Stockholm county (none of them in Göteborgsregionen)."""
    from kraftsamla.organisations.models import OrganisationKind

    qs = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, county__code="01")
    return list(qs.exclude(pk__in=[o.pk for o in exclude]).order_by("name")[:count])
