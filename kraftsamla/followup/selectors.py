"""Read follow-up data, scoped to what the viewer may see, in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.http import Http404

from kraftsamla.core import access
from kraftsamla.followup import trends
from kraftsamla.followup.models import (
    EmissionTarget,
    Gender,
    IndicatorDefinition,
    IndicatorValue,
    Target,
)
from kraftsamla.organisations import selectors as organisation_selectors
from kraftsamla.organisations.models import Organisation


def organisation_get(slug: str) -> Organisation:
    """Return the organisation with the slug, or raise Http404."""
    try:
        return organisation_selectors.organisation_get(slug=slug)
    except Organisation.DoesNotExist:
        raise Http404 from None


def indicators() -> list[IndicatorDefinition]:
    return list(IndicatorDefinition.objects.select_related("owner"))


def values_visible(who, organisation: Organisation):
    return access.scope(
        who,
        "followup.value.view",
        IndicatorValue.objects.filter(organisation=organisation),
    )


def targets_visible(who, organisation: Organisation):
    return access.scope(
        who, "followup.target.view", Target.objects.filter(organisation=organisation)
    )


@dataclass
class IndicatorRow:
    """One indicator of one organisation: its values, target and status."""

    indicator: IndicatorDefinition
    values: dict[int, float] = field(default_factory=dict)
    by_gender: dict[str, dict[int, float]] = field(default_factory=dict)
    target: Target | None = None
    assessment: trends.Assessment | None = None

    @property
    def latest_year(self) -> int | None:
        return max(self.values) if self.values else None

    @property
    def latest_value(self) -> float | None:
        return self.values[self.latest_year] if self.values else None

    @property
    def base_value(self) -> float | None:
        if self.target is None:
            return None
        if self.target.base_value is not None:
            return self.target.base_value
        return self.values.get(self.target.base_year)

    def trajectory(self) -> dict[int, float]:
        """Return the target's trajectory year by year (empty when it cannot be drawn)."""
        target, base = self.target, self.base_value
        if target is None or base is None:
            return {}
        try:
            return {
                year: trends.trajectory_value(
                    year=year,
                    base_year=target.base_year,
                    base_value=base,
                    target_year=target.target_year,
                    target_value=target.target_value,
                    kind=target.trajectory,
                )
                for year in range(target.base_year, target.target_year + 1)
            }
        except trends.TrajectoryError:
            return {}


def _assess(row: IndicatorRow) -> None:
    target = row.target
    if target is None:
        return
    row.assessment = trends.indicator_status(
        row.values,
        lower_is_better=row.indicator.lower_is_better,
        base_year=target.base_year,
        base_value=row.base_value,
        target_year=target.target_year,
        target_value=target.target_value,
        trajectory=target.trajectory,
    )


def indicator_rows(who, organisation: Organisation) -> list[IndicatorRow]:
    """Return the organisation's indicators with visible values or targets (three queries).

    An indicator's status uses its earliest visible target that has not passed, else its
    latest one.
    """
    rows: dict[int, IndicatorRow] = {}
    definitions = {d.pk: d for d in IndicatorDefinition.objects.all()}
    for indicator_id, year, gender, value in values_visible(who, organisation).values_list(
        "indicator_id", "year", "gender", "value"
    ):
        row = rows.setdefault(indicator_id, IndicatorRow(definitions[indicator_id]))
        row.by_gender.setdefault(gender, {})[year] = value
        if gender == Gender.TOTAL:
            row.values[year] = value
    targets: dict[int, list[Target]] = defaultdict(list)
    for target in targets_visible(who, organisation).order_by("target_year"):
        targets[target.indicator_id].append(target)
    for indicator_id, found in targets.items():
        row = rows.setdefault(indicator_id, IndicatorRow(definitions[indicator_id]))
        latest = row.latest_year or 0
        upcoming = [t for t in found if t.target_year > latest]
        row.target = upcoming[0] if upcoming else found[-1]
    for row in rows.values():
        _assess(row)
    return sorted(rows.values(), key=lambda r: r.indicator.pk)


def indicator_row(who, organisation: Organisation, indicator: IndicatorDefinition) -> IndicatorRow:
    """Return one indicator's row for the organisation (404 when nothing of it is visible)."""
    for row in indicator_rows(who, organisation):
        if row.indicator.pk == indicator.pk:
            return row
    raise Http404


def indicator_get(pk: int) -> IndicatorDefinition:
    try:
        return IndicatorDefinition.objects.get(pk=pk)
    except IndicatorDefinition.DoesNotExist:
        raise Http404 from None


def emission_targets_visible(who, organisation: Organisation):
    return access.scope(
        who,
        "followup.emissiontarget.view",
        EmissionTarget.objects.filter(organisation=organisation),
    )


@dataclass
class EmissionTargetPage:
    target: EmissionTarget
    plan: trends.EmissionPlan | None
    problem: str
    series: dict[int, float]


def emission_series(organisation: Organisation, sector: str = "") -> dict[int, float]:
    """Return the municipality's emissions by year: one sector's, or the total."""
    table = organisation_selectors.emission_table(organisation)
    return dict(table.values.get(sector, {}) if sector else table.totals)


def emission_target_page(target: EmissionTarget) -> EmissionTargetPage:
    """Return the target with its plan against SMHI's series (or why there is none)."""
    series = emission_series(target.organisation, target.sector)
    try:
        plan = trends.emission_plan(
            series,
            base_year=target.base_year,
            target_year=target.target_year,
            target_share=target.target_share,
        )
        problem = ""
    except trends.TrajectoryError as exc:
        plan, problem = None, str(exc)
    return EmissionTargetPage(target=target, plan=plan, problem=problem, series=series)


def emission_target_pages(who, organisation: Organisation) -> list[EmissionTargetPage]:
    return [emission_target_page(t) for t in emission_targets_visible(who, organisation)]
