"""The roll-up's statuses from sums computed by the database (`selectors.member_assessments`)
against the reference: `trends.indicator_status` on the values themselves, as
`selectors.indicator_rows` reads them. Cases computed by hand, then several hundred random
series with gaps, gender splits, sharing levels and targets, seen by different viewers."""

from __future__ import annotations

import math
import random

import pytest

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import SharingLevel
from kraftsamla.followup import selectors, services, trends
from kraftsamla.followup.models import (
    Direction,
    Gender,
    IndicatorDefinition,
    IndicatorValue,
    Target,
    Trajectory,
)
from kraftsamla.followup.trends import Status
from kraftsamla.organisations import selectors as organisation_selectors
from tests.factories.accounts import UserFactory
from tests.helpers import COORDINATOR, VIEWER_M, count_queries, demo_user

pytestmark = pytest.mark.django_db

REGION = SharingLevel.REGION


def _indicator(direction=Direction.LOWER, name="Summerad trend") -> IndicatorDefinition:
    return services.indicator_create(
        actor=SYSTEM,
        owner=None,
        data={"name": {"sv": name, "en": name}, "unit": "st", "direction": direction},
    )


def _values(organisation, indicator, values, *, gender=Gender.TOTAL, sharing=REGION) -> None:
    for year, value in values.items():
        services.indicator_value_set(
            actor=SYSTEM,
            organisation=organisation,
            indicator=indicator,
            year=year,
            gender=gender,
            data={"value": value, "sharing_level": sharing},
        )


def _target(organisation, indicator, *, sharing=REGION, **data) -> Target:
    data = {"trajectory": Trajectory.LINEAR, "sharing_level": sharing, **data}
    return services.target_create(
        actor=SYSTEM, organisation=organisation, indicator=indicator, data=data
    )


def _summed(who, organisations) -> dict:
    """(organisation, indicator) → (assessment, has values), summed by the database."""
    ids = [o.pk for o in organisations]
    definitions = {d.pk: d for d in IndicatorDefinition.objects.all()}
    visible, targets = selectors.rollup_scope(who, ids)
    return selectors.member_assessments(definitions, visible, targets)


def _reference(who, organisations) -> dict:
    """The same from the values themselves (the pages' path), pairs with total values or a
    target only (a pair with women's and men's values only has no total to count)."""
    found = {}
    for organisation in organisations:
        for row in selectors.indicator_rows(who, organisation):
            if row.values or row.target is not None:
                found[(organisation.pk, row.indicator.pk)] = (row.assessment, bool(row.values))
    return found


def _close(a, b, scale=1.0) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * max(1.0, scale))


def _same(summed: trends.Assessment | None, reference: trends.Assessment | None, scale=1.0):
    """Assert the two assessments agree: status and reason exactly, numbers within 1e-9."""
    if reference is None:
        assert summed is None
        return
    assert (summed.status, str(summed.reason)) == (reference.status, str(reference.reason))
    assert summed.latest_year == reference.latest_year
    for name in ("fitted_latest", "projected", "expected_latest", "covered_share"):
        assert _close(getattr(summed, name), getattr(reference, name), scale), name
    if reference.trend is None:
        assert summed.trend is None
    else:
        assert _close(summed.trend.slope, reference.trend.slope, scale)
        # The line itself, where it matters: in the window and in the target year.
        for year in (reference.trend.years[0], reference.trend.years[-1], 2030):
            assert _close(summed.trend.at(year), reference.trend.at(year), scale)


def _both(who, organisation, indicator):
    key = (organisation.pk, indicator.pk)
    return _summed(who, [organisation])[key], _reference(who, [organisation])[key]


# --- By hand ---------------------------------------------------------------------------------


def test_the_sums_give_the_hand_computed_line(molndal):
    # 2020..2022 → 1, 3, 2: x̄ = 2021, ȳ = 2, slope Sxy/Sxx = 1/2, the line is 1.5 in 2020.
    indicator = _indicator()
    _values(molndal, indicator, {2020: 1.0, 2021: 3.0, 2022: 2.0})
    _target(molndal, indicator, base_year=2019, base_value=10.0, target_year=2030, target_value=0)
    (summed, has_values), (reference, _) = _both(SYSTEM, molndal, indicator)
    assert has_values
    assert summed.trend.slope == pytest.approx(0.5, abs=1e-12)
    assert summed.trend.at(2020) == pytest.approx(1.5, abs=1e-9)
    # Rising while lower is better, 6 in 2030 against 0: the wrong way.
    assert summed.status == Status.OFF_TRACK
    _same(summed, reference)


def test_on_track_from_the_sums(molndal):
    # As test_followup_indicators: slope −1, −1 in 2030 (≤ 0), 6 in 2023 ahead of 6.36.
    indicator = _indicator()
    _values(molndal, indicator, {2019: 10.0, 2020: 9.0, 2021: 8.0, 2022: 7.0, 2023: 6.0})
    _target(molndal, indicator, base_year=2019, base_value=10.0, target_year=2030, target_value=0)
    (summed, _), (reference, _) = _both(SYSTEM, molndal, indicator)
    assert summed.status == Status.ON_TRACK
    assert summed.projected == pytest.approx(-1.0, abs=1e-9)
    assert summed.expected_latest == pytest.approx(10 - 40 / 11, abs=1e-9)
    _same(summed, reference)


def test_too_little_data_with_two_values_in_the_window(molndal):
    # Three values, but 2015 is outside the five years up to 2023: two in the window.
    indicator = _indicator()
    _values(molndal, indicator, {2015: 20.0, 2022: 7.0, 2023: 6.0})
    _target(molndal, indicator, base_year=2015, target_year=2030, target_value=0)
    (summed, has_values), (reference, _) = _both(SYSTEM, molndal, indicator)
    assert has_values
    assert summed.status == Status.TOO_LITTLE_DATA
    _same(summed, reference)


def test_too_little_data_without_values_or_base(molndal):
    no_values, no_base = _indicator(name="Utan värden"), _indicator(name="Utan basvärde")
    _target(molndal, no_values, base_year=2019, base_value=5.0, target_year=2030, target_value=0)
    # Three values, but none for the base year 2018 and no base value on the target.
    _values(molndal, no_base, {2021: 8.0, 2022: 7.0, 2023: 6.0})
    _target(molndal, no_base, base_year=2018, target_year=2030, target_value=0)
    summed, reference = _summed(SYSTEM, [molndal]), _reference(SYSTEM, [molndal])
    assessment, has_values = summed[(molndal.pk, no_values.pk)]
    assert (assessment.status, has_values) == (Status.TOO_LITTLE_DATA, False)
    assessment, has_values = summed[(molndal.pk, no_base.pk)]
    assert (assessment.status, has_values) == (Status.TOO_LITTLE_DATA, True)
    assert str(assessment.reason) == str(trends._("There is no value for the base year."))
    for key in ((molndal.pk, no_values.pk), (molndal.pk, no_base.pk)):
        _same(summed[key][0], reference[key][0])


def test_gaps_in_the_years(molndal):
    # 2019, 2021, 2023 → 9, 8, 6: x̄ = 2021, ȳ = 23/3; Sxy = (−2)(4/3) + 0 + 2(−5/3) = −6,
    # Sxx = 8: slope −0.75, the line 23/3 in 2021 and 23/3 − 0.75·9 = 0.9167 in 2030.
    indicator = _indicator()
    _values(molndal, indicator, {2019: 9.0, 2021: 8.0, 2023: 6.0})
    _target(molndal, indicator, base_year=2019, target_year=2030, target_value=0)
    (summed, _), (reference, _) = _both(SYSTEM, molndal, indicator)
    assert summed.trend.slope == pytest.approx(-0.75, abs=1e-12)
    assert summed.projected == pytest.approx(23 / 3 - 0.75 * 9, abs=1e-9)
    # The base value comes from the values (2019: 9); 0.92 left of 6.5 by 2030 is 86 %
    # of the way, but the trend does not reach 0: at risk.
    assert summed.status == Status.AT_RISK
    _same(summed, reference)


def test_only_the_last_five_years_count(molndal):
    # Ten years: a steep fall until 2018, then flat at 5 from 2019 to 2023. The window's
    # slope is 0 (the full series' slope would be far below).
    indicator = _indicator()
    values = {year: 100.0 - 19 * (year - 2014) for year in range(2014, 2019)}
    values.update({year: 5.0 for year in range(2019, 2024)})
    _values(molndal, indicator, values)
    _target(molndal, indicator, base_year=2014, target_year=2030, target_value=0)
    (summed, _), (reference, _) = _both(SYSTEM, molndal, indicator)
    assert summed.trend.slope == pytest.approx(0.0, abs=1e-12)
    assert summed.fitted_latest == pytest.approx(5.0, abs=1e-9)
    # The base value is the 2014 value (100), far outside the window.
    assert summed.expected_latest == pytest.approx(100 - 100 * 9 / 16, abs=1e-9)
    assert summed.status == Status.OFF_TRACK
    _same(summed, reference)


def test_the_status_counts_the_total_only(molndal):
    # Women's and men's values fall fast; the total rises: only the total counts.
    indicator = _indicator()
    _values(molndal, indicator, {2021: 6.0, 2022: 7.0, 2023: 8.0})
    _values(molndal, indicator, {2021: 9.0, 2022: 4.0, 2023: 0.0, 2024: 0.0}, gender="K")
    _values(molndal, indicator, {2019: 9.0, 2020: 5.0, 2024: 1.0}, gender="M")
    _target(molndal, indicator, base_year=2021, target_year=2030, target_value=0)
    only_split = _indicator(name="Bara kön")
    _values(molndal, only_split, {2021: 3.0, 2022: 2.0, 2023: 1.0}, gender="K")
    _target(molndal, only_split, base_year=2021, base_value=3.0, target_year=2030, target_value=0)
    summed, reference = _summed(SYSTEM, [molndal]), _reference(SYSTEM, [molndal])
    assessment, has_values = summed[(molndal.pk, indicator.pk)]
    assert assessment.latest_year == 2023
    assert assessment.trend.slope == pytest.approx(1.0, abs=1e-12)
    assert assessment.status == Status.OFF_TRACK
    _same(assessment, reference[(molndal.pk, indicator.pk)][0])
    # Women's values only: no total, so no values to count and too little data.
    assessment, has_values = summed[(molndal.pk, only_split.pk)]
    assert (assessment.status, has_values) == (Status.TOO_LITTLE_DATA, False)
    _same(assessment, reference[(molndal.pk, only_split.pk)][0])


def test_a_trend_landing_on_the_target_reaches_it_in_both_paths(molndal):
    # From the benchmark's data: slope −1.218 exactly, so the trend is 52.13 − 1.218·… and
    # lands on 44.15 in 2030, the target. Rounding put the values' trend a hair above and
    # the sums' a hair below; a tie reaches the target. The trajectory from 58.35 (2010)
    # is 48.41 in 2024, below the trend's 51.458 (higher is better): on track.
    indicator = _indicator(direction=Direction.HIGHER)
    _values(molndal, indicator, {2020: 57.05, 2021: 53.75, 2022: 55.13, 2023: 51.41, 2024: 52.13})
    _target(
        molndal, indicator, base_year=2010, base_value=58.35, target_year=2030, target_value=44.15
    )
    (summed, _), (reference, _) = _both(SYSTEM, molndal, indicator)
    assert summed.projected == pytest.approx(44.15, abs=1e-9)
    assert summed.status == reference.status == Status.ON_TRACK
    _same(summed, reference)
    # A series that stays on its target (lower is better): reached, and ahead of the way.
    flat = _indicator(name="Platt")
    _values(molndal, flat, dict.fromkeys(range(2020, 2025), 0.1))
    _target(molndal, flat, base_year=2020, base_value=0.3, target_year=2030, target_value=0.1)
    (summed, _), (reference, _) = _both(SYSTEM, molndal, flat)
    assert summed.status == reference.status == Status.ON_TRACK


def test_a_passed_target_is_decided_by_the_latest_value(molndal):
    indicator = _indicator()
    _values(molndal, indicator, {2018: 9.0, 2019: 8.0, 2020: 7.0})
    _target(molndal, indicator, base_year=2015, base_value=10.0, target_year=2020, target_value=7.5)
    (summed, _), (reference, _) = _both(SYSTEM, molndal, indicator)
    assert summed.status == Status.ON_TRACK
    assert summed.latest_year == 2020
    _same(summed, reference)


def test_the_upcoming_target_is_used_and_a_percentage_needs_positive_values(molndal):
    indicator = _indicator(direction=Direction.HIGHER)
    _values(molndal, indicator, {2020: -2.0, 2021: -1.0, 2022: 0.5, 2023: 1.0})
    # Passed by 2023: not used while a later one is there.
    _target(molndal, indicator, base_year=2015, base_value=1.0, target_year=2022, target_value=9)
    _target(
        molndal,
        indicator,
        base_year=2020,
        target_year=2030,
        target_value=10.0,
        trajectory=Trajectory.PERCENT,
    )
    (summed, _), (reference, _) = _both(SYSTEM, molndal, indicator)
    # The base value −2 (2020) cannot start a yearly percentage.
    assert summed.status == Status.TOO_LITTLE_DATA
    assert summed.trend is not None
    _same(summed, reference)


def test_values_the_viewer_may_not_see_do_not_count(gr, molndal):
    # Shared with the region: 10, 9, 8 (slope −1: 1 in 2030, 7 of the remaining 8, at risk).
    # Private: 2024 at 20, which would make Mölndal's own people see it going the wrong way.
    indicator = _indicator()
    _values(molndal, indicator, {2021: 10.0, 2022: 9.0, 2023: 8.0})
    _values(molndal, indicator, {2024: 20.0}, sharing=SharingLevel.PRIVATE)
    _target(molndal, indicator, base_year=2021, target_year=2030, target_value=0)
    private_target = _indicator(name="Privat mål")
    _values(molndal, private_target, {2021: 10.0, 2022: 9.0, 2023: 8.0})
    _target(
        molndal,
        private_target,
        base_year=2021,
        target_year=2030,
        target_value=0,
        sharing=SharingLevel.PRIVATE,
    )
    coordinator = demo_user(COORDINATOR)
    summed, reference = _summed(coordinator, [molndal]), _reference(coordinator, [molndal])
    assessment, _ = summed[(molndal.pk, indicator.pk)]
    assert (assessment.status, assessment.latest_year) == (Status.AT_RISK, 2023)
    _same(assessment, reference[(molndal.pk, indicator.pk)][0])
    # The private target is not seen: values, but no status.
    assert summed[(molndal.pk, private_target.pk)] == (None, True)
    assert reference[(molndal.pk, private_target.pk)] == (None, True)
    # Staff see the private 2024 value: the window is 2021–2024 with it.
    assessment, _ = _summed(SYSTEM, [molndal])[(molndal.pk, indicator.pk)]
    assert assessment.latest_year == 2024
    assert assessment.status == Status.OFF_TRACK
    # An outsider sees neither values nor targets shared with the region.
    outsider = _summed(UserFactory(), [molndal])
    assert (molndal.pk, indicator.pk) not in outsider


def test_the_statuses_take_two_queries_whatever_the_members(gr, molndal, ale):
    definitions = {d.pk: d for d in IndicatorDefinition.objects.all()}
    coordinator = demo_user(COORDINATOR)
    members = organisation_selectors.body_members(gr)
    counts = []
    for chosen in ([molndal.pk], [m.pk for m in members]):
        visible, targets = selectors.rollup_scope(coordinator, chosen)
        counted, _ = count_queries(
            lambda v=visible, t=targets, c=chosen: selectors.member_statuses(definitions, v, t, c)
        )
        counts.append(counted)
    assert counts == [2, 2]


# --- Several hundred random series -----------------------------------------------------------

LEVELS = [SharingLevel.PRIVATE, SharingLevel.REGION, SharingLevel.PUBLIC]


def _random_series(rng: random.Random, members, indicators) -> dict[tuple[int, int], float]:
    """Write random values and targets (bulk: thousands of rows) and return each pair's scale."""
    values, targets, scales = [], [], {}
    for member in members:
        for indicator in indicators:
            scale = 10 ** rng.uniform(-2, 6)
            level = rng.uniform(-0.3, 1.5) * scale
            slope = rng.uniform(-0.1, 0.1) * scale
            latest = rng.randint(2008, 2024)
            kept = rng.choice([0.4, 0.7, 1.0])
            years = [
                y for y in range(latest - rng.randint(0, 14), latest + 1) if rng.random() < kept
            ]
            split = rng.random()
            for year in years:
                genders = ["T"] if split < 0.6 else ["T", "K", "M"] if split < 0.9 else ["K", "M"]
                for gender in genders:
                    noise = rng.gauss(0, 0.05 * scale) * (1 if gender == "T" else 3)
                    values.append(
                        IndicatorValue(
                            indicator=indicator,
                            organisation=member,
                            year=year,
                            gender=gender,
                            value=round(level + slope * (year - 2015) + noise, 3),
                            sharing_level=rng.choices(LEVELS, [1, 4, 2])[0],
                        )
                    )
            target_years = rng.sample(range(2012, 2046), rng.choice([0, 1, 1, 2]))
            for target_year in target_years:
                targets.append(
                    Target(
                        indicator=indicator,
                        organisation=member,
                        base_year=target_year - rng.randint(1, 15),
                        base_value=None if rng.random() < 0.6 else level,
                        target_year=target_year,
                        target_value=level * rng.uniform(-0.5, 2.0),
                        trajectory=rng.choice([Trajectory.LINEAR, Trajectory.PERCENT]),
                        sharing_level=rng.choices(LEVELS, [1, 4, 2])[0],
                    )
                )
            scales[(member.pk, indicator.pk)] = scale
    IndicatorValue.objects.bulk_create(values)
    Target.objects.bulk_create(targets)
    return scales


@pytest.mark.parametrize("seed", [1, 2])
def test_random_series_give_the_same_statuses_as_the_reference(gr, molndal, seed):
    rng = random.Random(f"trend-sql-{seed}")
    members = organisation_selectors.body_members(gr)
    indicators = [
        _indicator(direction=rng.choice([Direction.LOWER, Direction.HIGHER]), name=f"Slump {n}")
        for n in range(300 // len(members) + 1)
    ]
    scales = _random_series(rng, members, indicators)
    assert len(scales) >= 300
    seen = set()
    # Staff, the body's coordinator (region), a Mölndal viewer (its private values too, the
    # others' public ones) and an outsider (public only).
    viewers = (SYSTEM, demo_user(COORDINATOR), demo_user(VIEWER_M), UserFactory())
    for who in viewers:
        summed, reference = _summed(who, members), _reference(who, members)
        assert summed.keys() == reference.keys()
        for key, (assessment, has_values) in reference.items():
            assert summed[key][1] == has_values, key
            _same(summed[key][0], assessment, scales.get(key, 1.0))
            if assessment is not None:
                seen.add(assessment.status)
    # The random series reach every status.
    assert seen == set(Status.values)
