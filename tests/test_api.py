"""The JSON API v1: organisation list and detail, filters, errors, authentication."""

from __future__ import annotations

import pytest

from kraftsamla.accounts.models import Role, User
from kraftsamla.organisations.models import Membership, Organisation, OrganisationKind
from tests.factories.accounts import UserFactory
from tests.helpers import county_count, member_municipality_count, municipality_count, token_client

pytestmark = pytest.mark.django_db

LIST = "/api/v1/organisations/"
ME = "/api/v1/me/"


def detail_url(slug: str) -> str:
    return f"{LIST}{slug}/"


def assert_error(response, status: int, code: str) -> dict:
    """Check the one machine-readable error shape and return its `error` object."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


# --- List: pagination -------------------------------------------------------------


def test_list_is_paginated_with_total_count(client):
    response = client.get(LIST, {"kind": "municipality"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["count"] == municipality_count()
    assert len(data["results"]) == 50
    assert data["previous"] is None
    assert data["next"] and "page=2" in data["next"] and "kind=municipality" in data["next"]


def test_list_without_filters_counts_every_organisation(client):
    data = client.get(LIST).json()
    assert data["count"] == Organisation.objects.count()
    assert data["count"] > municipality_count() + county_count()


def test_following_next_walks_all_pages_without_duplicates(client):
    url, slugs = f"{LIST}?kind=municipality&page_size=100", []
    pages = 0
    while url:
        data = client.get(url).json()
        slugs += [o["slug"] for o in data["results"]]
        url = data["next"]
        pages += 1
    assert pages == 3
    assert len(slugs) == len(set(slugs)) == municipality_count()


def test_list_results_are_sorted_by_name_and_have_the_documented_fields(client):
    results = client.get(LIST, {"kind": "municipality", "page_size": 20}).json()["results"]
    expected = Organisation.objects.filter(kind="municipality").order_by("name", "pk")
    assert [o["slug"] for o in results] == list(expected.values_list("slug", flat=True)[:20])
    first = results[0]
    assert set(first) == {
        "slug",
        "name",
        "short_name",
        "kind",
        "actor_group",
        "code",
        "county",
        "population",
        "population_date",
        "population_class",
        "fa_region",
        "is_demo",
        "url",
    }


def test_list_item_shape_for_a_municipality(client):
    data = client.get(LIST, {"code": "1481"}).json()
    assert data["count"] == 1
    item = data["results"][0]
    assert item["slug"] == "molndal"
    assert item["kind"] == "municipality"
    assert item["actor_group"] == "public"
    assert item["county"] == {"code": "14", "name": item["county"]["name"]}
    assert "Västra Götaland" in item["county"]["name"]
    assert item["population"] == Organisation.objects.get(slug="molndal").population
    assert item["population_class"] == "50k-100k"
    assert item["fa_region"]["code"]
    assert item["url"] == "http://testserver/api/v1/organisations/molndal/"


def test_page_size_is_honoured_and_capped_at_500(client):
    assert len(client.get(LIST, {"page_size": 7}).json()["results"]) == 7
    Organisation.objects.bulk_create(
        Organisation(name=f"Testföretag {i:03}", slug=f"testforetag-{i:03}", kind="company")
        for i in range(200)
    )
    total = Organisation.objects.count()
    assert total > 500
    # More than the documented maximum is refused, not quietly capped.
    assert_error(client.get(LIST, {"page_size": 100000}), 400, "invalid_filter")
    data = client.get(LIST, {"page_size": 500}).json()
    assert data["count"] == total
    assert len(data["results"]) == 500
    assert data["next"] and "page=2" in data["next"]
    second = client.get(data["next"]).json()
    assert len(second["results"]) == total - 500


def test_invalid_page_size_is_refused_as_documented(client):
    for bad in ("abc", "0", "-3", "null", ""):
        error = assert_error(client.get(LIST, {"page_size": bad}), 400, "invalid_filter")
        assert "page_size" in error["fields"]
    assert len(client.get(LIST).json()["results"]) == 50


def test_page_size_of_500_returns_all_municipalities_on_one_page(client):
    data = client.get(LIST, {"kind": "municipality", "page_size": 500}).json()
    assert len(data["results"]) == municipality_count()
    assert data["next"] is None


def test_last_page_has_no_next(client):
    data = client.get(LIST, {"kind": "municipality", "page": 6}).json()
    assert len(data["results"]) == municipality_count() - 5 * 50
    assert data["next"] is None
    assert data["previous"]


def test_page_past_the_end_is_404_with_error_body_not_500(client):
    response = client.get(LIST, {"kind": "municipality", "page": "999"})
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("page", ["0", "abc", "-1", ""])
def test_bad_page_number_is_400_with_error_body_not_500(client, page):
    response = client.get(LIST, {"kind": "municipality", "page": page})
    assert "page" in assert_error(response, 400, "invalid_filter")["fields"]


# --- List: filters ----------------------------------------------------------------


def test_filter_kind_county(client):
    data = client.get(LIST, {"kind": "county"}).json()
    assert data["count"] == county_count()
    assert {o["kind"] for o in data["results"]} == {"county"}


def test_filter_county_keeps_only_its_municipalities(client):
    data = client.get(LIST, {"county": "14", "kind": "municipality", "page_size": 500}).json()
    expected = Organisation.objects.filter(kind="municipality", county__code="14").count()
    assert data["count"] == expected == municipality_count(county__code="14")
    assert {o["county"]["code"] for o in data["results"]} == {"14"}


def test_filter_q_matches_name_and_code(client):
    by_name = client.get(LIST, {"q": "Mölndal"}).json()
    assert "molndal" in [o["slug"] for o in by_name["results"]]
    by_code = client.get(LIST, {"q": "1481"}).json()
    assert [o["slug"] for o in by_code["results"]] == ["molndal"]
    nothing = client.get(LIST, {"q": "no-such-place-xyz"}).json()
    assert nothing["count"] == 0 and nothing["results"] == []


def test_filter_code(client):
    assert [o["slug"] for o in client.get(LIST, {"code": "1481"}).json()["results"]] == ["molndal"]
    county = client.get(LIST, {"code": "14"}).json()["results"]
    assert len(county) == 1 and county[0]["kind"] == "county"


def test_filter_population_class(client):
    data = client.get(LIST, {"population_class": "200k+", "page_size": 500}).json()
    slugs = {o["slug"] for o in data["results"]}
    assert {"goteborg", "stockholm", "malmo"} <= slugs
    assert all(o["population"] >= 200_000 for o in data["results"])
    small = client.get(LIST, {"population_class": "lt10k", "kind": "municipality"}).json()
    assert small["count"] > 0
    assert all(o["population"] < 10_000 for o in small["results"])


def test_filter_fa_region(client, molndal):
    code = molndal.fa_region.code
    data = client.get(LIST, {"fa_region": code, "page_size": 500}).json()
    assert data["count"] == Organisation.objects.filter(fa_region__code=code).count()
    assert "molndal" in {o["slug"] for o in data["results"]}
    assert {o["fa_region"]["code"] for o in data["results"]} == {code}


def test_filter_member_of(client, gr):
    data = client.get(
        LIST, {"member_of": "goteborgsregionen", "kind": "municipality", "page_size": 500}
    ).json()
    assert data["count"] == member_municipality_count("goteborgsregionen")
    slugs = {o["slug"] for o in data["results"]}
    assert {"molndal", "ale", "goteborg", "kungsbacka"} <= slugs
    # Every result really is a member, and there are no duplicates.
    assert len(slugs) == member_municipality_count("goteborgsregionen")
    assert all(Membership.objects.filter(member__slug=s, body=gr).exists() for s in slugs)


def test_filters_combine(client):
    data = client.get(
        LIST, {"member_of": "goteborgsregionen", "population_class": "50k-100k"}
    ).json()
    slugs = {o["slug"] for o in data["results"]}
    assert "molndal" in slugs
    assert "goteborg" not in slugs and "ale" not in slugs


def test_empty_filter_values_are_ignored(client):
    assert client.get(LIST, {"kind": "", "county": ""}).json()["count"] == (
        Organisation.objects.count()
    )


def test_format_param_is_allowed(client):
    response = client.get(LIST, {"kind": "county", "format": "json"})
    assert response.status_code == 200
    assert response.json()["count"] == county_count()


# --- List: filter errors --------------------------------------------------------


def test_unknown_filter_param_is_400_invalid_filter(client):
    error = assert_error(client.get(LIST, {"kommun": "x"}), 400, "invalid_filter")
    assert set(error["fields"]) == {"kommun"}
    assert isinstance(error["fields"]["kommun"], list) and error["fields"]["kommun"]
    # The message names the allowed filters so a client can correct itself.
    assert "county" in error["fields"]["kommun"][0]


def test_several_unknown_params_are_all_reported(client):
    error = assert_error(
        client.get(LIST, {"foo": "1", "bar": "2", "kind": "county"}), 400, "invalid_filter"
    )
    assert set(error["fields"]) == {"foo", "bar"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"code": "12345"}, "code"),
        ({"code": "1"}, "code"),
        ({"code": "abcd"}, "code"),
        ({"county": "ABC"}, "county"),
        ({"county": "99"}, "county"),
        ({"kind": "planet"}, "kind"),
        ({"population_class": "huge"}, "population_class"),
        ({"fa_region": "nowhere"}, "fa_region"),
        ({"member_of": "no-such-body"}, "member_of"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_malformed_filter_values_are_400_with_field_errors(client, params, field):
    error = assert_error(client.get(LIST, params), 400, "invalid_filter")
    assert list(error["fields"]) == [field]
    assert all(isinstance(m, str) and m for m in error["fields"][field])


def test_filter_error_is_json_even_for_a_browser(client):
    response = client.get(LIST, {"county": "ABC"}, HTTP_ACCEPT="application/json")
    assert_error(response, 400, "invalid_filter")


# --- List: performance ------------------------------------------------------------


def test_list_query_count_does_not_grow_with_page_size(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6) as small:
        assert len(client.get(LIST, {"page_size": 5}).json()["results"]) == 5
    with django_assert_max_num_queries(len(small.captured_queries)):
        data = client.get(LIST, {"page_size": 500}).json()
    assert len(data["results"]) == data["count"] > 300


def test_filtered_list_query_count_is_bounded(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        data = client.get(
            LIST, {"member_of": "goteborgsregionen", "county": "14", "page_size": 500}
        ).json()
    assert data["count"] > 0


# --- Detail -------------------------------------------------------------------------


def test_detail_of_a_municipality(client):
    response = client.get(detail_url("molndal"))
    assert response.status_code == 200
    data = response.json()
    assert data["slug"] == "molndal"
    assert data["code"] == "1481"
    assert data["kind"] == "municipality"
    for key in ("website", "description", "belongs_to", "members", "emissions", "climate_profile"):
        assert key in data


def test_detail_lists_memberships(client):
    data = client.get(detail_url("molndal")).json()
    bodies = {m["body"]["slug"]: m for m in data["belongs_to"]}
    assert "goteborgsregionen" in bodies
    link = bodies["goteborgsregionen"]
    assert link["role"] == "member"
    assert link["member"]["slug"] == "molndal"
    assert set(link["body"]) == {"slug", "name", "kind", "code"}
    assert data["members"] == []


def test_detail_of_a_body_lists_its_members(client):
    data = client.get(detail_url("goteborgsregionen")).json()
    member_slugs = {m["member"]["slug"] for m in data["members"]}
    assert {"molndal", "ale", "goteborg"} <= member_slugs
    municipalities = [m for m in data["members"] if m["member"]["kind"] == "municipality"]
    assert len(municipalities) == member_municipality_count("goteborgsregionen")
    assert data["emissions"] == []


def test_detail_twin_city_link_has_dates(client):
    data = client.get(detail_url("mjolby")).json()
    twin = [m for m in data["belongs_to"] if m["role"] == "twin_city"]
    assert len(twin) == 1
    assert twin[0]["body"]["slug"] == "linkoping"
    assert twin[0]["start_date"] == "2024-12-01"
    assert twin[0]["end_date"] == "2027-10-31"


def test_detail_emissions_per_year_with_sectors_and_per_inhabitant(client, molndal):
    data = client.get(detail_url("molndal")).json()
    emissions = data["emissions"]
    assert len(emissions) >= 5
    years = [e["year"] for e in emissions]
    assert years == sorted(years)
    assert years[0] == 1990
    latest = emissions[-1]
    assert set(latest) == {"year", "total_tonnes_co2e", "tonnes_co2e_per_inhabitant", "sectors"}
    assert len(latest["sectors"]) >= 5
    assert latest["total_tonnes_co2e"] == pytest.approx(sum(latest["sectors"].values()), rel=1e-3)
    population = molndal.population_figures.get(year=latest["year"]).population
    per_inhabitant = latest["total_tonnes_co2e"] / population
    assert latest["tonnes_co2e_per_inhabitant"] == pytest.approx(per_inhabitant, abs=1e-3)
    assert 0 < latest["tonnes_co2e_per_inhabitant"] < 50


def test_detail_of_a_county_has_no_emissions(client):
    data = client.get(detail_url(Organisation.objects.filter(kind="county").first().slug)).json()
    assert data["kind"] == "county"
    assert data["emissions"] == []


def test_detail_unknown_slug_is_404_with_error_body(client):
    error = assert_error(client.get(detail_url("no-such-organisation")), 404, "not_found")
    assert "fields" not in error


@pytest.mark.parametrize(
    "slug", ["goteborgsregionen", "molndal", "viable-cities-klimatneutrala-stader-2030"]
)
def test_detail_query_count_does_not_grow_with_memberships(
    client, slug, django_assert_max_num_queries
):
    # A body with 20+ members must not cost a query per membership (N+1).
    with django_assert_max_num_queries(8):
        assert client.get(detail_url(slug)).status_code == 200


# --- Detail: climate profile visibility -------------------------------------------


def test_anonymous_sees_a_public_climate_profile(client):
    profile = client.get(detail_url("kungsbacka")).json()["climate_profile"]
    assert profile is not None
    assert profile["sharing_level"] == "public"
    assert profile["target_year"] == 2040
    assert set(profile) == {
        "contact_name",
        "contact_email",
        "staff_fte",
        "target_year",
        "strategy_url",
        "summary",
        "sharing_level",
        "version",
        "updated_at",
    }


def test_anonymous_does_not_see_a_private_or_regional_profile(client):
    assert client.get(detail_url("ale")).json()["climate_profile"] is None
    assert client.get(detail_url("molndal")).json()["climate_profile"] is None


def test_regional_coordinator_sees_a_members_region_profile_via_token(gr):
    coordinator = User.objects.get(email="samordnare@demo.kraftsamla.se")
    api = token_client(coordinator)
    profile = api.get(detail_url("molndal")).json()["climate_profile"]
    assert profile is not None and profile["sharing_level"] == "region"
    # …but not a member's private profile.
    assert api.get(detail_url("ale")).json()["climate_profile"] is None


def test_outsider_with_token_does_not_see_a_region_profile():
    outsider = UserFactory(organisation=Organisation.objects.get(slug="stockholm"), role=Role.ADMIN)
    assert token_client(outsider).get(detail_url("molndal")).json()["climate_profile"] is None


def test_own_people_see_their_private_profile(ale):
    viewer = UserFactory(organisation=ale, role=Role.VIEWER)
    profile = token_client(viewer).get(detail_url("ale")).json()["climate_profile"]
    assert profile is not None and profile["sharing_level"] == "private"


def test_platform_staff_sees_a_private_profile(staff):
    assert token_client(staff).get(detail_url("ale")).json()["climate_profile"] is not None


def test_list_never_leaks_climate_profiles(client):
    results = client.get(LIST, {"q": "Ale"}).json()["results"]
    assert results and all("climate_profile" not in o for o in results)


# --- /me and authentication -----------------------------------------------------------


def test_me_anonymous_is_401_with_www_authenticate(client):
    response = client.get(ME)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Token")


def test_me_with_token(molndal):
    user = UserFactory(organisation=molndal, role=Role.EDITOR, full_name="Åsa Öberg")
    response = token_client(user).get(ME)
    assert response.status_code == 200
    assert response.json() == {
        "email": user.email,
        "full_name": "Åsa Öberg",
        "is_platform_staff": False,
        "roles": [{"organisation": "molndal", "role": "editor"}],
    }


def test_me_marks_platform_staff(staff):
    assert token_client(staff).get(ME).json()["is_platform_staff"] is True


@pytest.mark.parametrize("header", ["Token not-a-real-token", "Token ", "Token a b"])
def test_bad_token_is_401(client, header):
    UserFactory()
    response = client.get(ME, HTTP_AUTHORIZATION=header)
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"].startswith("Token")


def test_bad_token_is_401_on_public_endpoints_too(client):
    response = client.get(LIST, HTTP_AUTHORIZATION="Token deadbeef")
    assert response.status_code == 401


def test_token_of_inactive_user_is_refused():
    user = UserFactory()
    api = token_client(user)
    user.is_active = False
    user.save()
    assert api.get(ME).status_code == 401


def test_session_auth_works_for_the_browser(client, gr):
    user = UserFactory(organisation=gr, role=Role.VIEWER)
    client.force_login(user)
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["email"] == user.email
    # The session also unlocks region-shared data for a coordinating body's people.
    assert client.get(detail_url("molndal")).json()["climate_profile"] is not None


def test_browsable_api_renders_html_for_a_browser(client):
    response = client.get(detail_url("molndal"), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"molndal" in response.content


def test_api_is_read_only(client, staff):
    client.force_login(staff)
    before = Organisation.objects.count()
    response = client.post(LIST, {"name": "X"}, content_type="application/json")
    assert_error(response, 405, "method_not_allowed")
    assert_error(client.delete(detail_url("molndal")), 405, "method_not_allowed")
    assert Organisation.objects.count() == before
    assert Organisation.objects.filter(slug="molndal", kind=OrganisationKind.MUNICIPALITY).exists()


def test_the_direct_representations_equal_drfs_own_for_every_demo_organisation(rf):
    """The serializers build their dicts directly for speed; the fields, names, types and
    values must stay what DRF's declared fields give (the OpenAPI contract)."""
    from rest_framework import serializers

    from kraftsamla.organisations import selectors
    from kraftsamla.organisations.serializers import (
        MembershipSerializer,
        OrganisationDetailSerializer,
        OrganisationListSerializer,
    )

    request = rf.get("/api/v1/organisations/")
    context = {"request": request}
    organisations = list(
        selectors.organisation_with_profile_queryset().filter(is_demo=True)
        | selectors.organisation_with_profile_queryset().filter(slug__in=["molndal", "goteborg"])
    )
    assert len(organisations) > 10
    # The detail reads the county and FA region from the cached reference data instead.
    slugs = [organisation.slug for organisation in organisations]
    without_places = list(
        selectors.organisation_for_api_detail_queryset().filter(slug__in=slugs).order_by("slug")
    )
    organisations.sort(key=lambda organisation: organisation.slug)
    for serializer_class in (OrganisationListSerializer, OrganisationDetailSerializer):
        serializer = serializer_class(context=context)
        for organisation, lean in zip(organisations, without_places, strict=True):
            direct = serializer.to_representation(organisation)
            generic = serializers.Serializer.to_representation(serializer, organisation)
            assert direct == dict(generic), organisation.slug
            assert serializer.to_representation(lean) == direct, organisation.slug
    memberships = list(Membership.objects.select_related("member", "body"))
    assert memberships
    for membership in memberships:
        direct = MembershipSerializer().to_representation(membership)
        generic = serializers.Serializer.to_representation(MembershipSerializer(), membership)
        assert direct == generic


def test_the_api_memberships_equal_the_pages_in_the_serializers_shape():
    from rest_framework import serializers

    from kraftsamla.organisations import selectors
    from kraftsamla.organisations.serializers import MembershipSerializer

    for slug in (
        "goteborgsregionen",
        "molndal",
        "linkoping",
        "viable-cities-klimatneutrala-stader-2030",
    ):
        organisation = Organisation.objects.get(slug=slug)
        page = selectors.memberships_of(organisation)
        api = selectors.memberships_for_api(organisation)
        for key in ("belongs_to", "members"):
            expected = [
                serializers.Serializer.to_representation(MembershipSerializer(), m)
                for m in page[key]
            ]
            assert api[key] == expected, (slug, key)
        assert api["belongs_to"] or api["members"], slug
