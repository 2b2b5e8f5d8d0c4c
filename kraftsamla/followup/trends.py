"""The arithmetic of follow-up: trends, trajectories, an indicator's status, emission plans.

Pure functions on numbers (no database), so the pages, the API, the exports and the tests
all use the same definitions. The rules, as the indicator page explains them:

- **Trend**: a least-squares straight line through the values of the last `WINDOW` years
  up to the latest year with a value. At least `MIN_POINTS` values are needed.
- **Trajectory**: the path from the base value in the base year to the target value in
  the target year, either linear (the same change every year) or a yearly percentage
  (the same relative change every year).
- **Status**, from the trend projected to the target year:
  - *on track*: the trend reaches the target by the target year and this year's trend
    value is not behind the trajectory;
  - *at risk*: the trend reaches the target but is behind the trajectory now, or it
    covers at least half of the remaining way to the target;
  - *off track*: the trend covers less than half of the remaining way, or goes the wrong
    way;
  - *too little data*: fewer than `MIN_POINTS` values in the window, or no base value to
    draw the trajectory from.
  Once the target year has passed, the latest value decides: on track if it meets the
  target, off track if not.
  Numbers that differ by less than `TIE` of their size count as equal (a trend that lands
  exactly on its target reaches it).

The status is computed from the values (`indicator_status`) or, for a body's roll-up, from
sums of the window that the database computes (`status_from_sums`); both apply one rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _

WINDOW = 5
MIN_POINTS = 3
# The share of the remaining way that a trend must cover to be "at risk" rather than "off".
AT_RISK_SHARE = 0.5
# Numbers closer than this share of their size are equal: a trend that lands on its target
# reaches it however its last digits were rounded (the sums a database computes and the
# values themselves round differently, so the rule must not depend on it).
TIE = 1e-9


class Status(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    TOO_LITTLE_DATA = "too_little_data", _("Too little data")


# A symbol per status, shown next to the word (never colour alone).
STATUS_ICONS = {
    Status.ON_TRACK: "✓",
    Status.AT_RISK: "!",
    Status.OFF_TRACK: "✗",
    Status.TOO_LITTLE_DATA: "?",
}


class TrajectoryError(ValueError):
    """The trajectory cannot be computed from the given numbers."""


@dataclass(frozen=True)
class Trend:
    slope: float
    intercept: float
    years: tuple[int, ...]

    def at(self, year: float) -> float:
        return self.intercept + self.slope * year


def least_squares(points: Mapping[int, float]) -> Trend | None:
    """Return the least-squares line through (year, value) points; None for fewer than two."""
    if len(points) < 2:
        return None
    years = sorted(points)
    n = len(years)
    mean_x = sum(years) / n
    mean_y = sum(points[y] for y in years) / n
    sxx = sum((y - mean_x) ** 2 for y in years)
    sxy = sum((y - mean_x) * (points[y] - mean_y) for y in years)
    slope = sxy / sxx
    return Trend(slope=slope, intercept=mean_y - slope * mean_x, years=tuple(years))


def window(values: Mapping[int, float], size: int = WINDOW) -> dict[int, float]:
    """Return the values of the last `size` calendar years up to the latest year with one."""
    if not values:
        return {}
    latest = max(values)
    return {year: value for year, value in values.items() if year > latest - size}


def trajectory_value(
    *,
    year: int,
    base_year: int,
    base_value: float,
    target_year: int,
    target_value: float,
    kind: str,
) -> float:
    """Return the trajectory's value in `year` (linear or a constant yearly percentage)."""
    if target_year <= base_year:
        raise TrajectoryError(_("The target year must come after the base year."))
    progress = (year - base_year) / (target_year - base_year)
    if kind == "percent":
        if base_value <= 0 or target_value <= 0:
            raise TrajectoryError(_("A yearly percentage needs positive base and target values."))
        return base_value * (target_value / base_value) ** progress
    return base_value + (target_value - base_value) * progress


def yearly_percentage(*, base_year, base_value, target_year, target_value) -> float:
    """Return the constant yearly relative change of a percentage trajectory (−0.05: −5 %)."""
    if base_value <= 0 or target_value <= 0 or target_year <= base_year:
        raise TrajectoryError(_("A yearly percentage needs positive base and target values."))
    return (target_value / base_value) ** (1 / (target_year - base_year)) - 1


@dataclass(frozen=True)
class Assessment:
    """An indicator's status against its target, with the numbers that decided it."""

    status: str
    reason: str  # lazy: translated when shown
    trend: Trend | None = None
    latest_year: int | None = None
    fitted_latest: float | None = None
    projected: float | None = None
    expected_latest: float | None = None
    covered_share: float | None = None

    @property
    def label(self) -> str:
        return str(Status(self.status).label)

    @property
    def icon(self) -> str:
        return STATUS_ICONS[Status(self.status)]


def indicator_status(
    values: Mapping[int, float],
    *,
    lower_is_better: bool,
    base_year: int,
    base_value: float | None,
    target_year: int,
    target_value: float,
    trajectory: str,
) -> Assessment:
    """Return the status of an indicator's values against a target (see the module's rules)."""
    points = window(values)
    latest = max(points) if points else None
    return _judge(
        count=len(points),
        latest=latest,
        latest_value=points.get(latest),
        fit=lambda: least_squares(points),
        lower_is_better=lower_is_better,
        base_year=base_year,
        base_value=base_value,
        target_year=target_year,
        target_value=target_value,
        trajectory=trajectory,
    )


# The year the database's sums count from (x = year − SUMS_ORIGIN): small numbers keep the
# sums of products precise, and the windows of current data lie around it.
SUMS_ORIGIN = 2020


class WindowSums(NamedTuple):
    """The window of a series (`window`) as a database sums it: the number of values
    (`points`), the latest year, and Σx, Σy, Σxy, Σx² with x = year − SUMS_ORIGIN (a tuple:
    a roll-up makes one per member and indicator).

    Gives the same trend as `least_squares` on the window's points (up to rounding); only
    the years themselves are not known, so the trend's `years` is empty.
    """

    points: int
    latest_year: int
    sum_x: float
    sum_y: float
    sum_xy: float
    sum_xx: float

    def trend(self) -> Trend | None:
        if self.points < 2:
            return None
        n = self.points
        # The centred sums Σ(x − x̄)(y − ȳ) and Σ(x − x̄)², times n (exact for whole years).
        sxy = n * self.sum_xy - self.sum_x * self.sum_y
        sxx = n * self.sum_xx - self.sum_x * self.sum_x
        slope = sxy / sxx
        mean_x = SUMS_ORIGIN + self.sum_x / n
        mean_y = self.sum_y / n
        return Trend(slope=slope, intercept=mean_y - slope * mean_x, years=())


def status_from_sums(
    sums: WindowSums | None,
    *,
    latest_value: float | None,
    lower_is_better: bool,
    base_year: int,
    base_value: float | None,
    target_year: int,
    target_value: float,
    trajectory: str,
) -> Assessment:
    """Return the status as `indicator_status` does, from a window's sums (None: no values)
    and the value of its latest year."""
    return _judge(
        count=sums.points if sums else 0,
        latest=sums.latest_year if sums else None,
        latest_value=latest_value,
        fit=sums.trend if sums else lambda: None,
        lower_is_better=lower_is_better,
        base_year=base_year,
        base_value=base_value,
        target_year=target_year,
        target_value=target_value,
        trajectory=trajectory,
    )


# The reasons, made once (a roll-up judges thousands of windows).
_REASON_FEW = _("Fewer than three values in the last five years.")
_REASON_NO_BASE = _("There is no value for the base year.")
_REASON_PASSED_MET = _("The target year has passed: the latest value meets the target.")
_REASON_PASSED_MISSED = _("The target year has passed: the latest value misses the target.")
_REASON_ON_TRACK = _("The trend reaches the target in time and keeps up with the trajectory.")
_REASON_BEHIND = _("The trend reaches the target in time but is behind the trajectory now.")
_REASON_HALF = _("The trend covers at least half of the remaining way to the target.")
_REASON_OFF = _("The trend covers less than half of the remaining way, or goes the wrong way.")


def _judge(
    *,
    count: int,
    latest: int | None,
    latest_value: float | None,
    fit: Callable[[], Trend | None],
    lower_is_better: bool,
    base_year: int,
    base_value: float | None,
    target_year: int,
    target_value: float,
    trajectory: str,
) -> Assessment:
    """Apply the status rule to a window: its number of values, latest year and value, and
    its trend (computed only when the rule needs it)."""
    if count < MIN_POINTS:
        return Assessment(Status.TOO_LITTLE_DATA, _REASON_FEW)
    if base_value is None:
        return Assessment(Status.TOO_LITTLE_DATA, _REASON_NO_BASE)
    sign = -1 if lower_is_better else 1
    if latest >= target_year:
        met = sign * (latest_value - target_value) >= 0
        return Assessment(
            Status.ON_TRACK if met else Status.OFF_TRACK,
            _REASON_PASSED_MET if met else _REASON_PASSED_MISSED,
            latest_year=latest,
        )
    trend = fit()
    fitted = trend.at(latest)
    projected = trend.at(target_year)
    try:
        expected = trajectory_value(
            year=latest,
            base_year=base_year,
            base_value=base_value,
            target_year=target_year,
            target_value=target_value,
            kind=trajectory,
        )
    except TrajectoryError as exc:
        return Assessment(Status.TOO_LITTLE_DATA, str(exc), trend=trend, latest_year=latest)
    numbers = {
        "trend": trend,
        "latest_year": latest,
        "fitted_latest": fitted,
        "projected": projected,
        "expected_latest": expected,
    }
    tie = TIE * max(abs(target_value), abs(fitted), abs(projected), abs(expected))
    reaches = sign * (projected - target_value) >= -tie
    behind = sign * (fitted - expected) < -tie
    remaining = sign * (target_value - fitted)
    covered = sign * (projected - fitted)
    share = covered / remaining if remaining > tie else None
    if reaches and not behind:
        return Assessment(
            Status.ON_TRACK,
            _REASON_ON_TRACK,
            covered_share=share,
            **numbers,
        )
    if reaches:
        return Assessment(
            Status.AT_RISK,
            _REASON_BEHIND,
            covered_share=share,
            **numbers,
        )
    if share is not None and covered >= AT_RISK_SHARE * remaining - tie:
        return Assessment(
            Status.AT_RISK,
            _REASON_HALF,
            covered_share=share,
            **numbers,
        )
    return Assessment(
        Status.OFF_TRACK,
        _REASON_OFF,
        covered_share=share,
        **numbers,
    )


# --- Emission targets ---------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """The change between two years with figures, as an average per year."""

    from_year: int
    to_year: int
    tonnes_per_year: float  # positive: a reduction
    percent_per_year: float | None  # positive: a reduction


@dataclass
class EmissionPlan:
    """A municipality's emissions against its target: what is needed and what was done."""

    base_year: int
    base_value: float
    target_year: int
    target_value: float
    latest_year: int
    latest_value: float
    # The reduction needed every year from the latest year to reach the target.
    required_tonnes_per_year: float
    required_percent_per_year: float | None
    steps: list[Step] = field(default_factory=list)
    # year → value: the straight path from the latest year's figure to the target.
    required_path: dict[int, float] = field(default_factory=dict)
    # year → value: the straight path from the base year to the target.
    target_path: dict[int, float] = field(default_factory=dict)

    @property
    def reduction_so_far(self) -> float | None:
        """Return the share the emissions fell from the base year to the latest year."""
        return 1 - self.latest_value / self.base_value if self.base_value else None

    @property
    def achieved_tonnes_per_year(self) -> float | None:
        """Return the average yearly reduction from the base year to the latest year."""
        years = self.latest_year - self.base_year
        return (self.base_value - self.latest_value) / years if years > 0 else None

    @property
    def is_met(self) -> bool:
        return self.latest_value <= self.target_value

    @property
    def pace_ratio(self) -> float | None:
        """Return how many times faster the reductions must go than they have gone since the
        base year (None when they have not fallen at all)."""
        achieved = self.achieved_tonnes_per_year
        if not achieved or achieved <= 0:
            return None
        return self.required_tonnes_per_year / achieved


def emission_plan(
    series: Mapping[int, float],
    *,
    base_year: int,
    target_year: int,
    target_share: float,
) -> EmissionPlan:
    """Return the plan for reaching `target_share` of the base year's emissions by a year.

    `series` maps years to tonnes (SMHI's years have gaps: 1990, 2000, 2005, …). Raises
    TrajectoryError when the base year has no figure or the target year has passed.
    """
    if base_year not in series:
        raise TrajectoryError(
            _("There is no emission figure for the base year %(year)s.") % {"year": base_year}
        )
    years = sorted(series)
    latest = years[-1]
    if target_year <= latest:
        raise TrajectoryError(
            _("The target year must come after the latest year with figures (%(year)s).")
            % {"year": latest}
        )
    base_value = series[base_year]
    target_value = base_value * target_share
    latest_value = series[latest]
    span = target_year - latest
    required = (latest_value - target_value) / span
    required_percent = (
        1 - (target_value / latest_value) ** (1 / span)
        if target_value > 0 and latest_value > 0
        else None
    )
    steps = []
    for previous, current in zip(years, years[1:], strict=False):
        gap = current - previous
        before, after = series[previous], series[current]
        percent = 1 - (after / before) ** (1 / gap) if before > 0 and after > 0 else None
        steps.append(Step(previous, current, (before - after) / gap, percent))
    required_path = {
        year: latest_value - required * (year - latest) for year in range(latest, target_year + 1)
    }
    target_path = {
        year: base_value
        + (target_value - base_value) * (year - base_year) / (target_year - base_year)
        for year in range(base_year, target_year + 1)
    }
    return EmissionPlan(
        base_year=base_year,
        base_value=base_value,
        target_year=target_year,
        target_value=target_value,
        latest_year=latest,
        latest_value=latest_value,
        required_tonnes_per_year=required,
        required_percent_per_year=required_percent,
        steps=steps,
        required_path=required_path,
        target_path=target_path,
    )


# --- Progress of actions --------------------------------------------------------------------


@dataclass
class ProgressNode:
    """An action as the progress rule sees it."""

    status: str
    progress: int | None
    weight: int
    children: list[ProgressNode] = field(default_factory=list)


def progress_of(node: ProgressNode) -> float | None:
    """Return an action's progress in per cent; None for a cancelled one (it does not count).

    With sub-actions, the progress is their weighted mean (cancelled ones left out);
    otherwise the reported progress, else 100 for a done action and 0 for any other.
    """
    if node.status == "cancelled":
        return None
    if node.children:
        return weighted_progress(node.children)
    if node.progress is not None:
        return float(node.progress)
    return 100.0 if node.status == "done" else 0.0


def weighted_progress(nodes: list[ProgressNode]) -> float | None:
    """Return the weighted mean progress of actions (None when none counts)."""
    total = weights = 0.0
    for node in nodes:
        value = progress_of(node)
        if value is None or node.weight <= 0:
            continue
        total += value * node.weight
        weights += node.weight
    return total / weights if weights else None
