"""Factories for the capacity framework, assessments, respondents and answers.

Everything goes through the capacity services. The real framework (framework_data/
framework_v1.json) may or may not be loaded, and the demo assessments with it, so tests
import a small framework of their own (7 capitals, 2 statements each by default) and make it
current, and publish their assessments in YEAR, a year the demo data never uses.
"""

from __future__ import annotations

import factory

from kraftsamla.capacity import services
from kraftsamla.capacity.models import (
    Assessment,
    AssessmentResult,
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
from kraftsamla.core.models import Role, SharingLevel
from kraftsamla.organisations.models import Organisation

from .accounts import UserFactory

TEST_VERSION = "test-fixture"
YEAR = 2031  # the demo assessments use 2024 and 2025
CAPITAL_KEYS = [c.value for c in CapitalKey]
BUILDING_STEPS = [
    ["political"],
    ["financial"],
    ["relational", "human"],
    ["organisational", "dynamic", "real"],
]
# The transitions that take an open assessment to each status.
STEPS_FROM_OPEN = {
    Status.OPEN: (),
    Status.CLOSED: ("close",),
    Status.PUBLISHED: ("close", "publish"),
}


def _bilingual(text: str) -> dict[str, str]:
    return {"sv": f"{text} (sv)", "en": text}


def framework_data(version: str = TEST_VERSION, per_capital: int = 2) -> dict:
    """The JSON structure framework_import reads, with 7 capitals of `per_capital` statements."""
    return {
        "version": version,
        "title": _bilingual("Test framework"),
        "overall": _bilingual("Transition capacity, for tests."),
        "source": "Kraftsamla tests",
        "building_steps": BUILDING_STEPS,
        "building_order_explanation": _bilingual("Political capital first."),
        "scale": [
            {
                "score": i,
                "label": _bilingual(f"Level {i}"),
                "description": _bilingual(f"Description {i}"),
            }
            for i in range(5)
        ],
        "collaboration_forms": [
            {
                "key": f.value,
                "name": _bilingual(f"Form {f.value}"),
                "description": _bilingual("Helps."),
            }
            for f in CollaborationForm
        ],
        "capitals": [
            {
                "key": key,
                "name": _bilingual(f"Capital {key}"),
                "definition": _bilingual(f"Definition of {key}"),
                "guiding_question": _bilingual(f"Question about {key}?"),
                "statements": [
                    {
                        "key": f"{key}-{n}",
                        "text": _bilingual(f"Statement {n} about {key}"),
                        "levels": {str(i): _bilingual(f"{key}-{n} level {i}") for i in range(5)},
                    }
                    for n in range(1, per_capital + 1)
                ],
            }
            for key in CAPITAL_KEYS
        ],
    }


class FrameworkFactory(factory.Factory):
    """A framework imported by `framework_import`, current unless make_current=False."""

    class Meta:
        model = Framework

    version = TEST_VERSION
    per_capital = 2
    make_current = True

    @classmethod
    def _create(cls, model_class, *, version, per_capital, make_current):
        return services.framework_import(
            actor=SYSTEM, data=framework_data(version, per_capital), make_current=make_current
        )


def statements_of(framework: Framework) -> list[Statement]:
    return list(
        Statement.objects.filter(capital__framework=framework)
        .select_related("capital")
        .order_by("capital__order", "order")
    )


class AssessmentFactory(factory.Factory):
    """A draft assessment started by `assessment_create` (actor: the system unless given)."""

    class Meta:
        model = Assessment

    organisation = factory.SubFactory("tests.factories.organisations.OrganisationFactory")
    actor = SYSTEM
    year = YEAR
    purpose = Purpose.BASELINE
    mode = Mode.GROUP
    sharing_level = SharingLevel.REGION
    framework = None

    @classmethod
    def _create(cls, model_class, *, actor, **kwargs):
        return services.assessment_create(actor=actor, **kwargs)


def add_and_open(
    assessment: Assessment, actor, users, role_group=RoleGroup.STRATEGIC
) -> Assessment:
    """Add the users as respondents and open the assessment."""
    for user in users:
        services.respondent_add(
            actor=actor, assessment=assessment, user=user, role_group=role_group
        )
    return services.assessment_transition(actor=actor, assessment=assessment, action="open")


def answer_all(assessment: Assessment, user, score, per_capital: int | None = None) -> None:
    """Answer every statement (or the first `per_capital` of each capital).

    `score` is an int, None ("don't know") or {capital key: score}.
    """
    for statement in statements_of(assessment.framework):
        if per_capital is not None and statement.order >= per_capital:
            continue
        value = score.get(statement.capital.key) if isinstance(score, dict) else score
        services.answer_save(
            actor=user,
            assessment=assessment,
            statement=statement,
            score=value,
            dont_know=value is None,
        )


def transition(assessment: Assessment, actor, *actions: str) -> Assessment:
    for action in actions:
        assessment = services.assessment_transition(
            actor=actor, assessment=assessment, action=action
        )
    return assessment


class PublishedAssessmentFactory(factory.Factory):
    """An assessment answered alone by a new editor of the organisation, moved to `status`.

    The editor answers every statement with `score` (an int, None for "don't know", or
    {capital key: score}), or only the first `per_capital` statements of each capital
    (0: none; the capital scores are then missing). `status` may be any step on the way.
    """

    class Meta:
        model = Assessment

    organisation = factory.SubFactory("tests.factories.organisations.OrganisationFactory")
    score = 2
    sharing_level = SharingLevel.REGION
    year = YEAR
    purpose = Purpose.BASELINE
    status = Status.PUBLISHED
    framework = None
    per_capital = None

    @classmethod
    def _create(cls, model_class, *, organisation, score, status, per_capital, **kwargs):
        editor = UserFactory(organisation=organisation, role=Role.EDITOR)
        assessment = AssessmentFactory(
            organisation=organisation, actor=editor, mode=Mode.INDIVIDUAL, **kwargs
        )
        if status == Status.DRAFT:
            return assessment
        add_and_open(assessment, editor, [editor])
        answer_all(assessment, editor, score, per_capital)
        return transition(assessment, editor, *STEPS_FROM_OPEN[status])


class StoredResultsFactory(factory.Factory):
    """An assessment of the current framework with chosen per-capital results (0–100).

    Made and moved to `status` through the services (unanswered); when published, the
    stored results get the chosen `scores` ({capital key: score or None}), because exact
    figures such as 31 cannot be reached by answering a handful of statements. Tests of
    what reads the stored results (effects, rankings, coverage) use it.
    """

    class Meta:
        model = Assessment

    organisation = factory.SubFactory("tests.factories.organisations.OrganisationFactory")
    year = YEAR
    scores = factory.LazyFunction(dict)
    sharing_level = SharingLevel.REGION
    status = Status.PUBLISHED
    purpose = Purpose.OTHER

    @classmethod
    def _create(cls, model_class, *, organisation: Organisation, scores, status, **kwargs):
        editor = UserFactory(organisation=organisation, role=Role.EDITOR)
        assessment = AssessmentFactory(
            organisation=organisation, actor=editor, mode=Mode.INDIVIDUAL, **kwargs
        )
        if status == Status.DRAFT:
            return assessment
        add_and_open(assessment, editor, [editor])
        assessment = transition(assessment, editor, *STEPS_FROM_OPEN[status])
        if status == Status.PUBLISHED:
            AssessmentResult.objects.filter(assessment=assessment).delete()
            AssessmentResult.objects.bulk_create(
                [
                    AssessmentResult(
                        assessment=assessment, capital_key=key, score=score, share_answered=1.0
                    )
                    for key, score in scores.items()
                ]
            )
        return assessment
