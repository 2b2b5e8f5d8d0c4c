"""Follow-up, slice 1: trends and status computed by hand, trajectories, emission-target
arithmetic on Linköping's real SMHI series, the services' refusals, the pages (status as
word and icon, chart with table, sharing) and the API."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import Role, SharingLevel
from kraftsamla.followup import selectors, services, trends
from kraftsamla.followup.models import (
    Direction,
    EmissionTarget,
    EmissionTargetKind,
    IndicatorDefinition,
    IndicatorValue,
    Trajectory,
)
from kraftsamla.followup.trends import Status
from tests.factories.accounts import UserFactory
from tests.helpers import EDITOR_M, VIEWER_M, count_queries, demo_user, translate

pytestmark = pytest.mark.django_db

LOWER = {"lower_is_better": True}


def _status(values, *, target=0.0, target_year=2030, base_year=2019, base_value=10.0, **kw):
    return trends.indicator_status(
        values,
        lower_is_better=kw.get("lower_is_better", True),
        base_year=base_year,
        base_value=base_value,
        target_year=target_year,
        target_value=target,
        trajectory=kw.get("trajectory", Trajectory.LINEAR),
    )


# --- Trends and status, by hand ----------------------------------------------------------


def test_least_squares_by_hand():
    # x̄ = 2021, ȳ = 2; Sxy = (−1)(−1) + 0 + (1)(0) = 1; Sxx = 2: slope 0.5, line 1.5 at 2020.
    trend = trends.least_squares({2020: 1.0, 2021: 3.0, 2022: 2.0})
    assert trend.slope == pytest.approx(0.5)
    assert trend.at(2020) == pytest.approx(1.5)


def test_the_trend_uses_the_last_five_years_only():
    values = {2010: 100.0, 2019: 10.0, 2020: 9.0, 2021: 8.0, 2022: 7.0, 2023: 6.0}
    assert sorted(trends.window(values)) == [2019, 2020, 2021, 2022, 2023]


def test_on_track_when_the_trend_reaches_the_target_and_keeps_up():
    # Slope −1: the trend is 6 in 2023 and −1 in 2030 (below 0). The linear trajectory
    # from 10 (2019) to 0 (2030) is 10 − 10·4/11 = 6.36 in 2023: the trend is ahead.
    result = _status({2019: 10.0, 2020: 9.0, 2021: 8.0, 2022: 7.0, 2023: 6.0})
    assert result.status == Status.ON_TRACK
    assert result.projected == pytest.approx(-1.0)
    assert result.expected_latest == pytest.approx(10 - 40 / 11)


def test_at_risk_when_the_trend_reaches_the_target_but_is_behind_now():
    # Trend: slope −1, 6.5 in 2023, −0.5 in 2030 (reaches 0); trajectory says 6.36 in 2023.
    result = _status({2021: 8.5, 2022: 7.5, 2023: 6.5})
    assert result.status == Status.AT_RISK
    assert result.fitted_latest == pytest.approx(6.5)


def test_at_risk_when_the_trend_covers_at_least_half_of_the_way():
    # Slope −0.8: 6.8 in 2023, 1.2 in 2030; covers 5.6 of the remaining 6.8 (82 %).
    result = _status({2019: 10.0, 2020: 9.2, 2021: 8.4, 2022: 7.6, 2023: 6.8})
    assert result.status == Status.AT_RISK
    assert result.covered_share == pytest.approx(5.6 / 6.8)


def test_off_track_when_the_trend_covers_less_than_half():
    # Slope −0.5: 8 in 2023, 4.5 in 2030; covers 3.5 of the remaining 8 (44 %).
    result = _status({2019: 10.0, 2020: 9.5, 2021: 9.0, 2022: 8.5, 2023: 8.0})
    assert result.status == Status.OFF_TRACK
    assert result.covered_share == pytest.approx(3.5 / 8)


def test_off_track_when_going_the_wrong_way_and_higher_is_better():
    result = _status(
        {2021: 50.0, 2022: 45.0, 2023: 40.0},
        target=100.0,
        base_value=50.0,
        base_year=2021,
        lower_is_better=False,
    )
    assert result.status == Status.OFF_TRACK


def test_too_little_data_with_two_values():
    result = _status({2022: 7.0, 2023: 6.0})
    assert result.status == Status.TOO_LITTLE_DATA
    assert result.icon == "?"


def test_too_little_data_without_a_base_value():
    result = _status({2021: 8.0, 2022: 7.0, 2023: 6.0}, base_value=None)
    assert result.status == Status.TOO_LITTLE_DATA


def test_a_passed_target_year_is_decided_by_the_latest_value():
    values = {2018: 9.0, 2019: 8.0, 2020: 7.0}
    assert _status(values, target=7.5, target_year=2020).status == Status.ON_TRACK
    assert _status(values, target=6.0, target_year=2020).status == Status.OFF_TRACK


def test_a_percentage_trajectory_halves_in_equal_steps():
    # 100 → 25 over 2020–2030: halving every five years, so 50 in 2025.
    value = trends.trajectory_value(
        year=2025,
        base_year=2020,
        base_value=100,
        target_year=2030,
        target_value=25,
        kind=Trajectory.PERCENT,
    )
    assert value == pytest.approx(50.0)
    assert trends.yearly_percentage(
        base_year=2020, base_value=100, target_year=2030, target_value=25
    ) == pytest.approx(0.25**0.1 - 1)


def test_a_percentage_trajectory_cannot_reach_zero():
    with pytest.raises(trends.TrajectoryError):
        trends.trajectory_value(
            year=2025,
            base_year=2020,
            base_value=100,
            target_year=2030,
            target_value=0,
            kind=Trajectory.PERCENT,
        )


# --- Emission targets on Linköping's real series ------------------------------------------

# Linköping (0580), total of SMHI's nine sectors, tonnes CO2e (the loaded reference data).
LINKOPING_1990 = 1_237_762.39
LINKOPING_2024 = 736_445.33


def test_emission_plan_for_linkoping_minus_70_percent_by_2030(linkoping):
    series = selectors.emission_series(linkoping)
    assert series[1990] == pytest.approx(LINKOPING_1990, abs=0.01)
    assert series[2024] == pytest.approx(LINKOPING_2024, abs=0.01)
    plan = trends.emission_plan(series, base_year=1990, target_year=2030, target_share=0.3)
    allowed = 0.3 * LINKOPING_1990  # 371 328.7
    assert plan.target_value == pytest.approx(allowed, abs=0.01)
    assert plan.latest_year == 2024
    # From 736 445 t in 2024 to 371 329 t in 2030: 60 853 t a year, or 10.8 % a year.
    assert plan.required_tonnes_per_year == pytest.approx((LINKOPING_2024 - allowed) / 6)
    assert plan.required_tonnes_per_year == pytest.approx(60_852.77, abs=0.01)
    assert plan.required_percent_per_year == pytest.approx(0.10785, abs=1e-5)
    # Achieved: 2023 → 2024 was a rise of 94 444 t; 1990 → 2000 a fall of 45 513 t a year.
    last = plan.steps[-1]
    assert (last.from_year, last.to_year) == (2023, 2024)
    assert last.tonnes_per_year == pytest.approx(642_001.30 - LINKOPING_2024, abs=0.01)
    first = plan.steps[0]
    assert first.tonnes_per_year == pytest.approx((LINKOPING_1990 - 782_634.43) / 10, abs=0.01)
    assert plan.pace_ratio == pytest.approx(4.127, abs=0.001)


def test_net_zero_has_no_yearly_percentage(linkoping):
    series = selectors.emission_series(linkoping)
    plan = trends.emission_plan(series, base_year=2020, target_year=2045, target_share=0.0)
    assert plan.required_tonnes_per_year == pytest.approx(LINKOPING_2024 / 21)
    assert plan.required_percent_per_year is None


def test_a_base_year_without_figures_is_refused(linkoping):
    with pytest.raises(ValidationError) as caught:
        services.emission_target_create(
            actor=SYSTEM,
            organisation=linkoping,
            data={
                "name": {"sv": "Mål"},
                "kind": EmissionTargetKind.REDUCTION,
                "reduction_percent": 50.0,
                "base_year": 1995,
                "target_year": 2030,
            },
        )
    assert "base_year" in caught.value.message_dict


def test_an_emission_target_before_its_base_year_is_refused(linkoping):
    with pytest.raises(ValidationError) as caught:
        services.emission_target_create(
            actor=SYSTEM,
            organisation=linkoping,
            data={
                "name": {"sv": "Mål"},
                "kind": "net_zero",
                "base_year": 2020,
                "target_year": 2010,
            },
        )
    assert "target_year" in caught.value.message_dict
    assert not EmissionTarget.objects.filter(name__sv="Mål").exists()


# --- Services: refusals and permissions -----------------------------------------------------


@pytest.fixture
def indicator():
    return services.indicator_create(
        actor=SYSTEM,
        owner=None,
        data={
            "name": {"sv": "Testindikator", "en": "Test indicator"},
            "unit": "%",
            "direction": Direction.HIGHER,
        },
    )


def test_a_value_for_a_future_year_is_refused(molndal, indicator):
    next_year = datetime.date.today().year + 1
    with pytest.raises(ValidationError) as caught:
        services.indicator_value_set(
            actor=demo_user(EDITOR_M),
            organisation=molndal,
            indicator=indicator,
            year=next_year,
            data={"value": 1.0},
        )
    assert "year" in caught.value.message_dict
    assert not IndicatorValue.objects.filter(indicator=indicator).exists()


def test_a_target_year_before_the_base_year_is_refused(molndal, indicator):
    with pytest.raises(ValidationError) as caught:
        services.target_create(
            actor=demo_user(EDITOR_M),
            organisation=molndal,
            indicator=indicator,
            data={"target_value": 10.0, "target_year": 2020, "base_year": 2025},
        )
    assert "target_year" in caught.value.message_dict


def test_a_percentage_trajectory_to_zero_is_refused(molndal, indicator):
    with pytest.raises(ValidationError) as caught:
        services.target_create(
            actor=demo_user(EDITOR_M),
            organisation=molndal,
            indicator=indicator,
            data={
                "target_value": 0.0,
                "target_year": 2030,
                "base_year": 2020,
                "trajectory": Trajectory.PERCENT,
            },
        )
    assert "trajectory" in caught.value.message_dict


def test_setting_a_value_again_replaces_it(molndal, indicator):
    editor = demo_user(EDITOR_M)
    for value in (1.0, 2.0):
        services.indicator_value_set(
            actor=editor,
            organisation=molndal,
            indicator=indicator,
            year=2020,
            data={"value": value},
        )
    assert list(
        IndicatorValue.objects.filter(indicator=indicator).values_list("value", flat=True)
    ) == [2.0]


def test_an_editor_reports_values_of_their_own_organisation_only(molndal, ale, indicator):
    editor = demo_user(EDITOR_M)
    services.indicator_value_set(
        actor=editor, organisation=molndal, indicator=indicator, year=2020, data={"value": 1.0}
    )
    with pytest.raises(PermissionDenied):
        services.indicator_value_set(
            actor=editor, organisation=ale, indicator=indicator, year=2020, data={"value": 1.0}
        )


def test_a_viewer_may_not_report_values(molndal, indicator):
    with pytest.raises(PermissionDenied):
        services.indicator_value_set(
            actor=demo_user(VIEWER_M),
            organisation=molndal,
            indicator=indicator,
            year=2020,
            data={"value": 1.0},
        )


def test_only_staff_define_platform_indicators():
    with pytest.raises(PermissionDenied):
        services.indicator_create(
            actor=demo_user(EDITOR_M),
            owner=None,
            data={"name": {"sv": "X"}, "unit": "st", "direction": Direction.LOWER},
        )


def test_a_malformed_kolada_id_is_refused():
    with pytest.raises(ValidationError) as caught:
        services.indicator_create(
            actor=SYSTEM,
            owner=None,
            data={"name": {"sv": "X"}, "unit": "st", "direction": "lower", "kolada_kpi": "X1"},
        )
    assert "kolada_kpi" in str(caught.value)


# --- Sharing: what another municipality sees ----------------------------------------------------


def test_private_values_are_hidden_from_other_municipalities(molndal, ale, indicator):
    services.indicator_value_set(
        actor=SYSTEM,
        organisation=molndal,
        indicator=indicator,
        year=2020,
        data={"value": 42.0, "sharing_level": SharingLevel.PRIVATE},
    )
    outsider = UserFactory(organisation=ale, role=Role.EDITOR)
    assert not selectors.values_visible(outsider, molndal).filter(indicator=indicator).exists()
    assert (
        selectors.values_visible(demo_user(VIEWER_M), molndal).filter(indicator=indicator).exists()
    )
    client = Client()
    client.force_login(outsider)
    url = reverse("followup:indicator", kwargs={"slug": molndal.slug, "pk": indicator.pk})
    assert "42" not in client.get(url).content.decode()
    api = client.get(f"/api/v1/followup/organisations/{molndal.slug}/indicators/").json()
    assert indicator.pk not in [row["indicator"]["id"] for row in api]


def test_region_values_are_seen_by_the_coordinating_body(molndal, indicator):
    from tests.helpers import COORDINATOR

    services.indicator_value_set(
        actor=SYSTEM,
        organisation=molndal,
        indicator=indicator,
        year=2020,
        data={"value": 42.0, "sharing_level": SharingLevel.REGION},
    )
    assert (
        selectors.values_visible(demo_user(COORDINATOR), molndal)
        .filter(indicator=indicator)
        .exists()
    )
    assert not selectors.values_visible(UserFactory(), molndal).filter(indicator=indicator).exists()


# --- Pages ------------------------------------------------------------------------------------


def test_the_organisation_page_shows_status_as_word_and_icon(linkoping):
    response = Client().get(reverse("followup:organisation", kwargs={"slug": "linkoping"}))
    assert response.status_code == 200
    page = response.content.decode()
    emissions = IndicatorDefinition.objects.get(kolada_kpi="N00401")
    row = next(r for r in selectors.indicator_rows(SYSTEM, linkoping) if r.indicator == emissions)
    with translation.override("sv"):
        label = str(Status(row.assessment.status).label)
    assert f'<span aria-hidden="true">{row.assessment.icon}</span> {label}' in page


def test_the_indicator_page_has_a_chart_and_a_table(linkoping):
    emissions = IndicatorDefinition.objects.get(kolada_kpi="N00401")
    url = reverse("followup:indicator", kwargs={"slug": "linkoping", "pk": emissions.pk})
    page = Client().get(url).content.decode()
    assert "<svg" in page and 'role="img"' in page
    assert "<table" in page and "2023" in page
    assert translate("How the status is decided") in page


def test_the_indicator_page_asks_a_constant_number_of_queries(linkoping, molndal):
    emissions = IndicatorDefinition.objects.get(kolada_kpi="N00401")
    client = Client()
    client.get("/")
    counts = []
    for slug in ("linkoping", "molndal"):
        url = reverse("followup:indicator", kwargs={"slug": slug, "pk": emissions.pk})
        counts.append(count_queries(lambda url=url: client.get(url))[0])
    assert counts[0] == counts[1]
    assert counts[0] <= 8


def test_an_unknown_organisation_is_404():
    assert Client().get("/uppfoljning/finns-inte/").status_code == 404


def test_the_emission_target_page_shows_the_required_reduction(linkoping):
    target = EmissionTarget.objects.get(organisation=linkoping, base_year=1990, is_demo=True)
    url = reverse("followup:emission-target", kwargs={"slug": "linkoping", "pk": target.pk})
    page = Client().get(url).content.decode()
    assert "60\u202f853" in page  # tonnes a year from 2024 to 2030
    assert "2023–2024" in page
    assert "<svg" in page


def test_a_region_emission_target_is_404_for_an_outsider(linkoping):
    target = EmissionTarget.objects.get(organisation=linkoping, kind="net_zero", is_demo=True)
    url = reverse("followup:emission-target", kwargs={"slug": "linkoping", "pk": target.pk})
    assert Client().get(url).status_code == 404
    staff = Client()
    staff.force_login(UserFactory(is_staff=True))
    assert staff.get(url).status_code == 200


def test_an_editor_reports_a_value_with_a_swedish_number(molndal, indicator):
    client = Client()
    client.force_login(demo_user(EDITOR_M))
    url = reverse("followup:value-add", kwargs={"slug": "molndal", "pk": indicator.pk})
    response = client.post(url, {"year": 2021, "value": "1 234,5", "sharing_level": "region"})
    assert response.status_code == 302
    assert IndicatorValue.objects.get(indicator=indicator, organisation=molndal).value == 1234.5


def test_a_future_year_is_shown_at_the_field(molndal, indicator):
    client = Client()
    client.force_login(demo_user(EDITOR_M))
    url = reverse("followup:value-add", kwargs={"slug": "molndal", "pk": indicator.pk})
    year = datetime.date.today().year + 1
    response = client.post(url, {"year": year, "value": "3", "sharing_level": "region"})
    assert response.status_code == 400
    assert 'id="value-year-errors"' in response.content.decode()


def test_another_municipality_may_not_post_values(ale, indicator):
    client = Client()
    client.force_login(demo_user(EDITOR_M))
    url = reverse("followup:value-add", kwargs={"slug": "ale", "pk": indicator.pk})
    response = client.post(url, {"year": 2021, "value": "3", "sharing_level": "region"})
    assert response.status_code == 403


def test_the_export_has_the_status(linkoping):
    response = Client().get("/uppfoljning/linkoping/", {"format": "csv"})
    assert response.status_code == 200
    assert "N00401" not in response.content.decode("utf-8-sig")  # names, not ids
    assert translate("Status") in response.content.decode("utf-8-sig")


# --- API -----------------------------------------------------------------------------------------


def test_api_lists_indicators():
    data = Client().get("/api/v1/followup/indicators/").json()
    assert "N00401" in [item["kolada_kpi"] for item in data]


def test_api_gives_status_and_emission_plans(linkoping):
    rows = Client().get("/api/v1/followup/organisations/linkoping/indicators/").json()
    emissions = next(row for row in rows if row["indicator"]["kolada_kpi"] == "N00401")
    assert emissions["status"]["status"] in Status.values
    targets = Client().get("/api/v1/followup/organisations/linkoping/emission-targets/").json()
    public = next(t for t in targets if t["base_year"] == 1990)
    assert public["plan"]["required_tonnes_per_year"] == pytest.approx(60_852.77, abs=0.01)
    assert all(t["sharing_level"] == "public" for t in targets)  # the region one is hidden


# --- A body's roll-up across its members ---------------------------------------------------


def _fleet() -> IndicatorDefinition:
    return IndicatorDefinition.objects.get(is_demo=True, unit="%")


def test_the_body_rollup_counts_members_by_status(gr):
    from tests.helpers import COORDINATOR

    rollup = selectors.body_rollup(demo_user(COORDINATOR), gr)
    fleet = next(row for row in rollup.rows if row.indicator == _fleet())
    # Only Mölndal reports it among the members (Linköping is not one); 30 → 35 over
    # 2020–2024 is about 1.2 a year, far from 100 by 2030: off track.
    assert fleet.reporting == 1
    assert fleet.counts[Status.OFF_TRACK] == 1
    assert sum(fleet.counts.values()) == 1


def test_the_rollup_keeps_region_values_from_outsiders(gr):
    rollup = selectors.body_rollup(UserFactory(), gr)
    assert _fleet() not in [row.indicator for row in rollup.rows]


def test_the_rollup_page_asks_the_same_queries_with_more_reporting_members(gr, ale):
    from tests.helpers import COORDINATOR

    client = Client()
    client.force_login(demo_user(COORDINATOR))
    url = reverse("followup:rollup", kwargs={"slug": gr.slug})
    client.get(url)
    cache.clear()  # count the roll-up as it is built, not read from the cache
    before, response = count_queries(lambda: client.get(url))
    assert response.status_code == 200
    assert f'<span aria-hidden="true">{trends.STATUS_ICONS[Status.OFF_TRACK]}</span>' in (
        response.content.decode()
    )
    for year in (2020, 2021, 2022):
        services.indicator_value_set(
            actor=SYSTEM,
            organisation=ale,
            indicator=_fleet(),
            year=year,
            data={"value": 10.0 + year - 2020, "sharing_level": SharingLevel.REGION},
        )
    cache.clear()
    after, response = count_queries(lambda: client.get(url))
    assert after == before
    # The write changed the data version, so the roll-up was built again: Ale counts now.
    fleet = next(
        row
        for row in selectors.body_rollup(demo_user(COORDINATOR), gr).rows
        if row.indicator == _fleet()
    )
    assert fleet.reporting == 2


def test_the_rollup_is_rebuilt_after_a_write(gr, ale, django_capture_on_commit_callbacks):
    from tests.helpers import COORDINATOR

    coordinator = demo_user(COORDINATOR)
    first = selectors.body_rollup(coordinator, gr)
    assert selectors.body_rollup(coordinator, gr) == first  # read from the cache
    with django_capture_on_commit_callbacks(execute=True):
        for year in (2020, 2021, 2022):
            services.indicator_value_set(
                actor=SYSTEM,
                organisation=ale,
                indicator=_fleet(),
                year=year,
                data={"value": 50.0, "sharing_level": SharingLevel.REGION},
            )
    fleet = next(
        row for row in selectors.body_rollup(coordinator, gr).rows if row.indicator == _fleet()
    )
    assert fleet.reporting == 2


def test_after_a_write_only_that_members_statuses_are_recomputed(
    gr, ale, django_capture_on_commit_callbacks, monkeypatch
):
    from tests.helpers import COORDINATOR

    coordinator = demo_user(COORDINATOR)
    members = len(selectors.body_rollup(coordinator, gr).members)
    computed: list[list[int]] = []
    real = selectors.member_statuses

    def counting(definitions, visible, targets, member_ids):
        computed.append(sorted(member_ids))
        return real(definitions, visible, targets, member_ids)

    monkeypatch.setattr(selectors, "member_statuses", counting)
    with django_capture_on_commit_callbacks(execute=True):
        for year in (2020, 2021, 2022):
            services.indicator_value_set(
                actor=SYSTEM,
                organisation=ale,
                indicator=_fleet(),
                year=year,
                data={"value": 50.0, "sharing_level": SharingLevel.REGION},
            )
    rollup = selectors.body_rollup(coordinator, gr)
    # The roll-up was built again (the follow-up data changed), but of its members only
    # Ale's statuses were read and computed; the others came from their cached entries.
    assert computed == [[ale.pk]]
    assert members > 1
    fleet = next(row for row in rollup.rows if row.indicator == _fleet())
    assert fleet.reporting == 2
    # Another viewer (another sharing scope) has entries of its own.
    outsider = selectors.body_rollup(UserFactory(), gr)
    assert _fleet() not in [row.indicator for row in outsider.rows]


def test_a_municipality_has_no_rollup(molndal):
    assert Client().get(reverse("followup:rollup", kwargs={"slug": "molndal"})).status_code == 404


def test_an_editor_sets_an_emission_target_and_a_bad_base_year_is_shown(molndal):
    client = Client()
    client.force_login(demo_user(EDITOR_M))
    url = reverse("followup:emission-target-add", kwargs={"slug": "molndal"})
    assert client.get(url).status_code == 200
    form = {
        "name_sv": "Minus hälften",
        "kind": "reduction",
        "reduction_percent": "50",
        "base_year": "1995",
        "target_year": "2030",
        "series": "smhi",
        "sharing_level": "public",
    }
    refused = client.post(url, form)
    assert refused.status_code == 400
    assert 'id="id_base_year-errors"' in refused.content.decode()
    saved = client.post(url, {**form, "base_year": "2005"})
    assert saved.status_code == 302
    target = EmissionTarget.objects.get(organisation=molndal, name__sv="Minus hälften")
    assert Client().get(saved["Location"]).status_code == 200
    assert target.target_share == pytest.approx(0.5)


def test_an_editor_sets_a_target_through_the_page(molndal, indicator):
    client = Client()
    client.force_login(demo_user(EDITOR_M))
    url = reverse("followup:target-add", kwargs={"slug": "molndal", "pk": indicator.pk})
    form = {"target_value": "80", "target_year": "2030", "base_year": "2020"}
    response = client.post(url, {**form, "trajectory": "linear", "sharing_level": "region"})
    assert response.status_code == 302
    refused = client.post(
        url, {**form, "target_year": "2010", "trajectory": "linear", "sharing_level": "region"}
    )
    assert refused.status_code == 400
    assert 'id="target-target_year-errors"' in refused.content.decode()
