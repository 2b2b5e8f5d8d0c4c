"""How a regional body ranks its members' projects: criteria, weights and the weighted score.

Pure functions over plain data (no queries), so the page, the downloads, the API and the
tests compute the same numbers.

The rule (also shown on the portfolio page):

- Each criterion has a weight, a whole number from 0 to 10 (0: not counted).
- The body scores a project 0–4 on a criterion, always "4 = best for the region": a cheap
  project scores 4 on cost, an easy one 4 on feasibility.
- The **weighted score** is Σ(weight × score) / Σ(weight) over the criteria *scored* for
  the project, rounded to two decimals (0–4). A criterion not yet scored is left out of
  both sums, not counted as 0, and the list says how much of the weight was scored
  ("coverage"), so a project judged on one criterion is not taken for one judged on all.
- The ranked list puts projects with a score first, best first (ties: higher coverage,
  then title); projects with no score at all come last, marked "not scored".
- **Impact** is the weighted score over the criteria on the impact axis; **effort** is
  4 − the weighted score over those on the effort axis (high feasibility and low cost
  mean little effort). A project is placed in the impact × effort chart only when it has
  both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from kraftsamla.projects.models import SCORE_MAX, CriterionAxis

TWO_PLACES = Decimal("0.01")
# Where the chart's quadrants meet: the middle of the 0–4 scale.
MIDPOINT = Decimal(2)


@dataclass(frozen=True)
class Criterion:
    key: str
    name: str
    description: str
    weight: int
    axis: str


def _defaults():
    """The criteria a body starts with (translated, until it saves its own words)."""
    return (
        (
            "emission_impact",
            _("Expected emission impact"),
            _("4: large, lasting cuts in the region's emissions; 0: none to speak of."),
            3,
            CriterionAxis.IMPACT,
        ),
        (
            "capitals",
            _("Capitals strengthened"),
            _("4: strengthens several of the members' capitals, above all weak ones; 0: none."),
            2,
            CriterionAxis.IMPACT,
        ),
        (
            "shared_by",
            _("Municipalities that share it"),
            _("4: many members have the same need or take part; 0: one municipality alone."),
            2,
            CriterionAxis.IMPACT,
        ),
        (
            "feasibility",
            _("Feasibility"),
            _("4: can start soon with the staff and knowledge at hand; 0: hardly feasible."),
            2,
            CriterionAxis.EFFORT,
        ),
        (
            "cost",
            _("Cost"),
            _("4: low cost or fully funded; 0: very costly with no funding in sight."),
            1,
            CriterionAxis.EFFORT,
        ),
        (
            "regional_fit",
            _("Fit with the region's goals"),
            _("4: carries out the region's climate goals directly; 0: no link to them."),
            2,
            CriterionAxis.IMPACT,
        ),
    )


def default_criteria() -> list[Criterion]:
    """Return the default criteria, their texts in the active language."""
    return [
        Criterion(key, str(name), str(description), weight, str(axis))
        for key, name, description, weight, axis in _defaults()
    ]


DEFAULT_KEYS = tuple(row[0] for row in _defaults())


def _rounded(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def weighted_score(
    criteria: Sequence[Criterion], scores: Mapping[str, int], axis: str | None = None
) -> Decimal | None:
    """Return Σ(weight × score) / Σ(weight) over the scored criteria (of `axis` if given),
    rounded to two decimals; None when none of them is scored or their weights are all 0."""
    total = weight_sum = 0
    for criterion in criteria:
        if axis is not None and criterion.axis != axis:
            continue
        if criterion.key in scores and criterion.weight:
            total += criterion.weight * scores[criterion.key]
            weight_sum += criterion.weight
    if not weight_sum:
        return None
    return _rounded(Decimal(total) / Decimal(weight_sum))


def coverage(criteria: Sequence[Criterion], scores: Mapping[str, int]) -> Decimal:
    """Return the share (0–1, two decimals) of the criteria's weight that is scored."""
    weights = sum(criterion.weight for criterion in criteria)
    if not weights:
        return Decimal(0)
    scored = sum(criterion.weight for criterion in criteria if criterion.key in scores)
    return _rounded(Decimal(scored) / Decimal(weights))


@dataclass(slots=True)
class Ranked:
    """One project in the ranked list, with the numbers the page and downloads show."""

    project: object
    scores: dict[str, int]
    reasons: dict[str, str] = field(default_factory=dict)
    score: Decimal | None = None
    coverage: Decimal = Decimal(0)
    impact: Decimal | None = None
    effort: Decimal | None = None
    scored_count: int = 0
    rank: int | None = None

    @property
    def is_scored(self) -> bool:
        return self.score is not None

    @property
    def in_chart(self) -> bool:
        return self.impact is not None and self.effort is not None

    @property
    def quadrant(self) -> str:
        """Which quadrant of the impact × effort chart the project falls in ("" if none)."""
        if not self.in_chart:
            return ""
        high = self.impact >= MIDPOINT
        easy = self.effort < MIDPOINT
        return {
            (True, True): str(_("Quick win")),
            (True, False): str(_("Major project")),
            (False, True): str(_("Fill-in")),
            (False, False): str(_("Reconsider")),
        }[(high, easy)]


def rank(
    criteria: Sequence[Criterion],
    projects: Iterable,
    scores: Mapping[int, Mapping[str, tuple[int, str]]],
    *,
    with_reasons: bool = True,
) -> list[Ranked]:
    """Return the projects ranked by weighted score (see the module's rule), numbered.

    `scores` maps a project id to {criterion key: (score, reason)}; scores of criteria the
    body no longer has are ignored. Without `with_reasons` the rows leave the reasons out
    (a large ranking kept in the cache stays small).
    """
    keys = {criterion.key for criterion in criteria}
    rows = []
    for project in projects:
        given = {key: value for key, value in scores.get(project.pk, {}).items() if key in keys}
        plain = {key: score for key, (score, _reason) in given.items()}
        effort_score = weighted_score(criteria, plain, CriterionAxis.EFFORT)
        rows.append(
            Ranked(
                project=project,
                scores=plain,
                reasons=(
                    {key: reason for key, (_score, reason) in given.items()} if with_reasons else {}
                ),
                score=weighted_score(criteria, plain),
                coverage=coverage(criteria, plain),
                impact=weighted_score(criteria, plain, CriterionAxis.IMPACT),
                effort=None if effort_score is None else SCORE_MAX - effort_score,
                scored_count=len(plain),
            )
        )
    rows.sort(
        key=lambda row: (
            row.score is None,
            -(row.score or 0),
            -row.coverage,
            row.project.title.casefold(),
            row.project.pk,
        )
    )
    for number, row in enumerate(rows, start=1):
        row.rank = number if row.is_scored else None
    return rows
