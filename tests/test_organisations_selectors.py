"""Reads: organisation filters, emission tables, stats and the map."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Sum
from django.utils import timezone

from kraftsamla.organisations import selectors
from kraftsamla.organisations.demo import GR_MEMBERS
from kraftsamla.organisations.models import (
    POPULATION_BOUNDS,
    DataRelease,
    Emission,
    EmissionSector,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
    PopulationClass,
    PopulationFigure,
)
from tests.factories.accounts import UserFactory
from tests.helpers import county_count, municipality_count

pytestmark = pytest.mark.django_db

YEARS = [1990, 2000, 2005, 2010, 2015, 2020, 2021, 2022, 2023, 2024]


def slugs(qs) -> list[str]:
    return list(qs.values_list("slug", flat=True))


# --- organisation_list -------------------------------------------------------------------


def test_no_filters_lists_every_organisation_by_name():
    result = selectors.organisation_list()
    assert result.count() == Organisation.objects.count()
    assert result.query.order_by == ("name", "pk")


def test_q_matches_name_short_name_and_code():
    assert "molndal" in slugs(selectors.organisation_list(q="Mölndal"))
    assert "molndal" in slugs(selectors.organisation_list(q="mölndals kommun"))
    assert slugs(selectors.organisation_list(q="1481")) == ["molndal"]
    # Short name only: Göteborgsregionen's short name has no "(GR)".
    assert "goteborgsregionen" in slugs(selectors.organisation_list(q="Göteborgsregionen"))
    assert slugs(selectors.organisation_list(q="ingen-sådan-ort")) == []


def test_q_does_not_match_partial_codes():
    assert "molndal" not in slugs(selectors.organisation_list(q="148"))


def test_kind_filter():
    counties = selectors.organisation_list(kind=OrganisationKind.COUNTY)
    assert counties.count() == county_count()
    assert set(counties.values_list("kind", flat=True)) == {"county"}
    municipalities = selectors.organisation_list(kind=OrganisationKind.MUNICIPALITY)
    assert municipalities.count() == municipality_count()


def test_county_filter_keeps_only_that_countys_municipalities():
    vg = selectors.organisation_list(county="14")
    assert vg.count() == municipality_count(county__code="14")
    assert set(vg.values_list("county__code", flat=True)) == {"14"}
    assert {"molndal", "ale", "goteborg"} <= set(slugs(vg))
    assert "linkoping" not in slugs(vg)


@pytest.mark.parametrize("population_class", list(PopulationClass.values))
def test_population_class_filter_respects_bounds(population_class):
    low, high = POPULATION_BOUNDS[population_class]
    result = selectors.organisation_list(population_class=population_class)
    populations = list(result.values_list("population", flat=True))
    assert populations, population_class
    assert all(p >= low and (high is None or p < high) for p in populations)


def test_population_classes_partition_the_municipalities():
    seen: list[str] = []
    for population_class in PopulationClass.values:
        seen += slugs(selectors.organisation_list(population_class=population_class))
    assert len(seen) == len(set(seen)) == municipality_count()
    biggest = set(slugs(selectors.organisation_list(population_class="200k+")))
    assert biggest == {"stockholm", "goteborg", "malmo", "uppsala"}


def test_fa_region_filter():
    molndal = Organisation.objects.get(slug="molndal")
    result = selectors.organisation_list(fa_region=molndal.fa_region.code)
    assert result.count() == 20
    assert {"molndal", "ale", "goteborg"} <= set(slugs(result))
    assert set(result.values_list("fa_region__code", flat=True)) == {"15"}


def test_member_of_filter_lists_the_bodys_members_once():
    result = selectors.organisation_list(member_of="goteborgsregionen")
    municipalities = result.filter(kind=OrganisationKind.MUNICIPALITY)
    assert set(municipalities.values_list("short_name", flat=True)) == set(GR_MEMBERS)
    assert len(slugs(result)) == len(set(slugs(result)))
    # Partners linked to GR are listed too, but the body itself is not.
    assert "chalmers-demo" in slugs(result)
    assert "goteborgsregionen" not in slugs(result)


def test_member_of_with_two_links_to_the_same_body_lists_the_member_once(gr, molndal):
    Membership.objects.create(member=molndal, body=gr, role=MembershipRole.PARTNER)
    result = slugs(selectors.organisation_list(member_of="goteborgsregionen"))
    assert result.count("molndal") == 1


def test_code_filter():
    assert slugs(selectors.organisation_list(code="1481")) == ["molndal"]
    counties = selectors.organisation_list(code="14")
    assert counties.get().kind == OrganisationKind.COUNTY


def test_filters_combine():
    result = selectors.organisation_list(
        county="14", population_class="50k-100k", member_of="goteborgsregionen"
    )
    expected = {
        o.slug
        for o in Organisation.objects.filter(
            county__code="14",
            population__gte=50_000,
            population__lt=100_000,
            memberships__body__slug="goteborgsregionen",
        )
    }
    assert set(slugs(result)) == expected
    assert "molndal" in expected


def test_choices_for_the_filter_form():
    counties = selectors.county_choices()
    assert len(counties) == county_count()
    assert ("14", "Västra Götalands län") in counties
    bodies = dict(selectors.coordinating_body_choices())
    assert "goteborgsregionen" in bodies
    assert "viable-cities-klimatneutrala-stader-2030" in bodies
    assert "linkoping" in bodies  # has a twin city
    assert "molndal" not in bodies
    assert ("15", "Göteborg") in selectors.fa_region_choices()


# --- memberships_of ----------------------------------------------------------------------


def test_memberships_of_lists_current_links_both_ways(gr, molndal):
    assert [m.body.slug for m in selectors.memberships_of(molndal)["belongs_to"]] == [
        "goteborgsregionen"
    ]
    members = selectors.memberships_of(gr)["members"]
    assert {m.member.short_name for m in members if m.role == MembershipRole.MEMBER} == set(
        GR_MEMBERS
    )


def test_memberships_of_hides_ended_links(gr):
    orust = Organisation.objects.get(slug="orust")
    Membership.objects.create(
        member=orust,
        body=gr,
        role=MembershipRole.MEMBER,
        end_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert orust not in [m.member for m in selectors.memberships_of(gr)["members"]]
    assert selectors.memberships_of(orust)["belongs_to"] == []


# --- emission_table ----------------------------------------------------------------------


@pytest.fixture
def table(molndal):
    return selectors.emission_table(molndal)


def test_emission_table_has_every_year_and_sector(table):
    assert table.years == YEARS
    assert [code for code, _label in table.sectors] == list(EmissionSector.values)
    assert table.latest_year == 2024
    assert not table.is_empty


def test_emission_totals_equal_the_sum_of_sectors(table, molndal):
    for year in table.years:
        by_sector = sum(table.values[code][year] for code, _label in table.sectors)
        assert table.totals[year] == pytest.approx(by_sector)
        in_db = Emission.objects.filter(municipality=molndal, year=year).aggregate(
            t=Sum("tonnes_co2e")
        )["t"]
        assert table.totals[year] == pytest.approx(in_db)


def test_emission_table_rows_follow_the_sector_order(table):
    rows = list(table.rows())
    assert len(rows) == 9
    label, values = rows[[c for c, _l in table.sectors].index(EmissionSector.TRANSPORT)]
    assert label == EmissionSector.TRANSPORT.label
    transport_1990 = Emission.objects.get(
        municipality__slug="molndal", year=1990, sector=EmissionSector.TRANSPORT
    ).tonnes_co2e
    assert values[0] == pytest.approx(transport_1990)  # Mölndal, transport, 1990
    assert len(values) == len(YEARS)


def test_per_inhabitant_divides_each_year_by_that_years_population(table, molndal):
    assert table.population == molndal.population
    figures = dict(
        PopulationFigure.objects.filter(municipality=molndal).values_list("year", "population")
    )
    for year in table.years:
        assert table.population_by_year[year] == figures[year]
        assert table.per_inhabitant[year] == pytest.approx(table.totals[year] / figures[year])
    assert figures[1990] != molndal.population
    assert table.population_fallback_years == []
    assert 1 < table.per_inhabitant[2024] < 20  # a plausible Swedish figure


def test_a_year_without_a_population_figure_falls_back_to_the_latest_and_says_so(molndal):
    PopulationFigure.objects.filter(municipality=molndal, year=2024).delete()
    table = selectors.emission_table(molndal)
    assert table.population_fallback_years == [2024]
    assert table.population_by_year[2024] == molndal.population
    assert table.per_inhabitant[2024] == pytest.approx(table.totals[2024] / molndal.population)


def test_change_since_is_relative_to_the_base_year(table):
    expected = (table.totals[2024] - table.totals[1990]) / table.totals[1990]
    assert table.change_since(1990) == pytest.approx(expected)
    assert table.change_since(1990) < 0  # Mölndal's emissions have fallen
    assert table.change_since(2024) == 0
    assert table.change_since(1985) is None


def test_emission_table_names_its_release(table):
    release = DataRelease.objects.filter(dataset="emissions").latest("loaded_at")
    assert table.release == release


def test_an_organisation_without_emissions_has_an_empty_table(gr):
    empty = selectors.emission_table(gr)
    assert empty.is_empty
    assert empty.latest_year is None
    assert empty.change_since(1990) is None
    assert list(empty.rows()) == []
    assert empty.release is None


def test_per_inhabitant_is_none_without_population(molndal):
    molndal.population = None
    PopulationFigure.objects.filter(municipality=molndal).delete()
    empty_pop = selectors.emission_table(molndal)
    assert set(empty_pop.per_inhabitant.values()) == {None}
    assert empty_pop.totals[2024] > 0


def test_change_since_a_zero_base_is_none(molndal):
    Emission.objects.filter(municipality=molndal, year=1990).update(tonnes_co2e=0)
    assert selectors.emission_table(molndal).change_since(1990) is None


def test_emission_table_takes_three_queries(molndal, django_assert_num_queries):
    # Emissions, the population of those years, the release.
    with django_assert_num_queries(3):
        selectors.emission_table(molndal)


def test_emission_series_for_the_api(molndal, table):
    series = selectors.emission_series_for_api(molndal)
    assert [s["year"] for s in series] == YEARS
    latest = series[-1]
    assert latest["total_tonnes_co2e"] == round(table.totals[2024], 2)
    population_2024 = PopulationFigure.objects.get(municipality=molndal, year=2024).population
    assert latest["tonnes_co2e_per_inhabitant"] == round(table.totals[2024] / population_2024, 3)
    assert set(latest["sectors"]) == set(EmissionSector.values)
    assert sum(latest["sectors"].values()) == pytest.approx(latest["total_tonnes_co2e"], abs=0.1)


def test_latest_emissions_per_inhabitant(table):
    values = selectors.emissions_per_inhabitant_latest()
    assert len(values) == municipality_count()
    assert values["1481"] == pytest.approx(table.per_inhabitant[2024])
    assert selectors.emission_year_latest() == 2024


# --- platform_stats ----------------------------------------------------------------------


def test_platform_stats_count_each_group():
    assert selectors.platform_stats() == {
        "municipalities": municipality_count(),
        "counties": county_count(),
        "bodies": 3,  # Göteborgsregionen, Viable Cities and the NetZeroCities demo programme
        "partners": 13,  # 9 in the demo's networks, 4 more in the joint application's demo
    }


def test_platform_stats_follow_new_organisations():
    before = selectors.platform_stats()
    Organisation.objects.create(name="Region", slug="region-test", kind=OrganisationKind.REGION)
    Organisation.objects.create(name="Bolag", slug="bolag-test", kind=OrganisationKind.COMPANY)
    stats = selectors.platform_stats()
    assert stats["bodies"] == before["bodies"] + 1
    assert stats["partners"] == before["partners"] + 1


# --- map_features ------------------------------------------------------------------------


def test_map_features_cover_every_municipality(django_assert_num_queries):
    with django_assert_num_queries(1):
        features = selectors.map_features()
    assert len(features) == municipality_count()
    assert len({f["slug"] for f in features}) == municipality_count()
    molndal = next(f for f in features if f["slug"] == "molndal")
    assert molndal["name"] == "Mölndal"
    assert molndal["code"] == "1481"
    assert molndal["population"] == Organisation.objects.get(slug="molndal").population
    assert molndal["path"].startswith("M") and molndal["path"].endswith("Z")
    # Centroids lie inside the map frame, and the south (Malmö) is below the north (Kiruna).
    from kraftsamla.organisations.reference import MAP_HEIGHT, MAP_WIDTH

    for f in features:
        assert 0 <= f["cx"] <= MAP_WIDTH and 0 <= f["cy"] <= MAP_HEIGHT, f["slug"]
    by_slug = {f["slug"]: f for f in features}
    assert by_slug["malmo"]["cy"] > by_slug["kiruna"]["cy"]
    assert by_slug["stockholm"]["cx"] > by_slug["goteborg"]["cx"]


# --- audit and people --------------------------------------------------------------------


def test_audit_events_for_keeps_to_one_organisation(molndal, ale):
    from kraftsamla.accounts.models import Role
    from kraftsamla.organisations import services

    molndal_editor = UserFactory(organisation=molndal, role=Role.EDITOR)
    ale_editor = UserFactory(organisation=ale, role=Role.EDITOR)
    # Giving the roles is audited too; the test is about the events that follow.
    earlier = list(selectors.audit_events_for(molndal).values_list("pk", flat=True))
    services.climate_profile_update(
        actor=molndal_editor, organisation=molndal, data={"summary": "m"}
    )
    services.climate_profile_update(actor=ale_editor, organisation=ale, data={"summary": "a"})
    events = selectors.audit_events_for(molndal).exclude(pk__in=earlier)
    assert events.count() == 1
    assert events.get().after["summary"] == "m"


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["örebro", "ÖREBRO", "Örebro"])
def test_search_ignores_case_of_swedish_letters(query):
    names = {o.short_name for o in selectors.organisation_list(q=query)}
    assert "Örebro" in names
