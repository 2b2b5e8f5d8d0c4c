"""Matching of municipalities: each component by hand, the ranking on the real reference data,
privacy of themes and capital profiles, bad weights, the page and the API."""

from __future__ import annotations

import csv
import io
import math

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kraftsamla.capacity.models import CapitalKey
from kraftsamla.core.access import SYSTEM, Access
from kraftsamla.organisations.models import Organisation
from kraftsamla.twinning import matching, selectors
from kraftsamla.twinning.matching import Place, Private, Purpose
from tests.factories.accounts import UserFactory
from tests.factories.projects import ProjectFactory
from tests.factories.support import NeedFactory
from tests.helpers import (
    ADMIN_M,
    PRIVATE,
    PUBLIC,
    count_queries,
    demo_user,
    org_by_slug,
    translate,
)

pytestmark = pytest.mark.django_db

CAPITALS = [key.value for key in CapitalKey]


def place(pk: int, **changes) -> Place:
    values = {
        "id": pk,
        "code": f"{pk:04d}",
        "name": f"Kommun {pk}",
        "slug": f"kommun-{pk}",
        "x_km": 0.0,
        "y_km": 0.0,
        "county": "05",
        "fa_region": "20",
        "population": 10_000,
        "size_class": "10k-25k",
        "shares": (0.5, 0.5),
        "top_sector": "transport",
        "trend": -0.2,
        "bodies": frozenset(),
        "neighbours": frozenset(),
    }
    values.update(changes)
    return Place(**values)


def client_for(user=None) -> Client:
    client = Client()
    client.force_login(user or UserFactory())
    return client


# --- Each component, computed by hand ------------------------------------------------------


def test_distance_component_by_hand():
    a = place(1, x_km=0.0, y_km=0.0, neighbours=frozenset({2}))
    b = place(2, x_km=30.0, y_km=40.0, county="05", fa_region="21")
    values, details = matching.components_of(a, b, Private(), Purpose.TWIN)
    assert details["km"] == pytest.approx(50.0)
    # 0.4 · (1 − 50/400) + 0.2 (neighbours) + 0.2 (same county) + 0 (other FA region)
    assert values["distance"] == pytest.approx(0.4 * 0.875 + 0.2 + 0.2)
    far = place(3, x_km=500.0, y_km=0.0, county="25", fa_region="60")
    assert matching.components_of(a, far, Private(), Purpose.TWIN)[0]["distance"] == 0.0


def test_map_units_become_kilometres():
    """One degree of latitude (MAP_SCALE map units) is 111.2 km."""
    linkoping, mjolby = (
        selectors.places_by_id()[org_by_slug(s).pk] for s in ("linkoping", "mjolby")
    )
    # About 30 km apart as the crow flies (centre to centre).
    assert 20 < matching.distance_km(linkoping, mjolby) < 45


def test_size_component_by_hand():
    assert matching.size_similarity(10_000, 10_000) == 1.0
    assert matching.size_similarity(10_000, 100_000) == pytest.approx(0.5)
    assert matching.size_similarity(1_000, 100_000) == 0.0
    assert matching.size_similarity(50_000, 20_000) == pytest.approx(1 - math.log10(2.5) / 2)
    assert matching.size_similarity(None, 5) is None


def test_emission_component_by_hand():
    a = place(1, shares=(0.6, 0.3, 0.1), trend=-0.30)
    b = place(2, shares=(0.4, 0.4, 0.2), trend=-0.10)
    # Shares: 1 − ½(0.2 + 0.1 + 0.1) = 0.8; trend: 1 − 0.2/0.5 = 0.6.
    assert matching.shares_similarity(a.shares, b.shares) == pytest.approx(0.8)
    assert matching.trend_similarity(a.trend, b.trend) == pytest.approx(0.6)
    assert matching.emission_similarity(a, b) == pytest.approx(0.7 * 0.8 + 0.3 * 0.6)
    # Without a trend on one side the shares alone count.
    assert matching.emission_similarity(a, place(3, shares=b.shares, trend=None)) == pytest.approx(
        0.8
    )


def test_shared_memberships_by_hand():
    a = place(1, bodies=frozenset({10, 11, 12}))
    b = place(2, bodies=frozenset({11, 12, 13}))
    assert matching.components_of(a, b, Private(), Purpose.PEER)[0]["programmes"] == pytest.approx(
        2 / 4
    )
    # Neither in any body: left out, not zero.
    assert (
        matching.components_of(place(3), place(4), Private(), Purpose.PEER)[0]["programmes"] is None
    )


def test_capital_similarity_and_complement_by_hand():
    mine = (40.0, 60.0, 80.0, None, 50.0, 50.0, 50.0)
    theirs = (70.0, 60.0, 50.0, 90.0, 50.0, 50.0, 50.0)
    # Similar: the gaps 30, 0, 30, 0, 0, 0 over six capitals both have: 1 − 60/600.
    assert matching.capital_similarity(mine, theirs) == pytest.approx(0.9)
    # Complement: they cover 30 of my gap of 60 + 40 + 20 + 50 + 50 + 50 = 270.
    assert matching.capital_complement(mine, theirs) == pytest.approx(30 / 270)
    assert matching.capital_complement((100.0,) * 7, (100.0,) * 7) == 0.0
    assert matching.capital_similarity((None,) * 7, theirs) is None


def test_weighted_mean_leaves_out_missing_components():
    values = {"distance": 0.5, "size": 1.0, "themes": None}
    weights = {"distance": 2, "size": 1, "themes": 5}
    assert matching.combine(values, weights) == pytest.approx((2 * 0.5 + 1.0) / 3)


@pytest.mark.parametrize("purpose", [Purpose.TWIN, Purpose.PEER])
def test_all_pairs_agree_with_one_ranking(purpose):
    """Everyone against everyone (float32 strips, symmetric) gives each place the same best
    candidates and scores as ranking it alone."""
    features = selectors.features()
    weights = {**matching.PRESETS[purpose], "themes": 0, "capitals": 0}
    rows, scores = matching.best_for_all(features, weights, purpose=purpose, limit=10)
    assert rows.shape == (len(features), 10)
    for slug in ("linkoping", "gavle", "bjurholm"):
        target = features.places[features.index[org_by_slug(slug).pk]]
        full = matching.rank(target, features, weights=weights, purpose=purpose)
        row = features.index[target.id]
        assert scores[row] == pytest.approx([m.score for m in full[:10]], abs=1e-5)
        assert row not in rows[row]
        assert features.places[rows[row][0]].id == full[0].place.id


def test_ranking_of_pairs_built_by_hand_equals_the_formulas():
    """The arrays give every component exactly as `components_of` computes it pair by pair."""
    a = place(1, x_km=0.0, y_km=0.0, neighbours=frozenset({2}), bodies=frozenset({10, 11}))
    others = [
        place(
            2,
            x_km=30.0,
            y_km=40.0,
            fa_region="21",
            neighbours=frozenset({1}),
            bodies=frozenset({11}),
        ),
        place(3, x_km=500.0, county="25", population=100_000, shares=(0.9, 0.1), trend=None),
        place(4, x_km=None, y_km=None, county="", population=None, shares=None),
    ]
    private = Private(
        themes={
            1: frozenset({"capital:financial", "sector:transport"}),
            2: frozenset({"capital:financial"}),
        },
        capitals={1: (40.0, 60.0, None), 3: (70.0, 60.0, 50.0)},
    )
    for purpose in (Purpose.TWIN, Purpose.COMPLEMENT):
        weights = matching.PRESETS[purpose]
        ranked = matching.rank(a, [a, *others], weights=weights, purpose=purpose, private=private)
        for match in ranked:
            values, details = matching.components_of(a, match.place, private, purpose)
            assert match.values == pytest.approx(values)
            assert match.score == pytest.approx(matching.combine(values, weights))
            assert match.details["km"] == pytest.approx(details["km"])
            assert match.details["neighbours"] == details["neighbours"]
        features = matching.Features([a, *others])
        rows, scores = matching.best_for_all(
            features,
            weights,
            purpose=purpose,
            private=matching.PrivateFeatures(features, private),
            limit=3,
        )
        assert scores[0] == pytest.approx([m.score for m in ranked], abs=1e-6)


# --- Ranking on the real reference data ----------------------------------------------------


def test_linkopings_twin_candidates_include_mjolby_as_neighbour_in_the_same_county(rf):
    request = rf.get("/")
    request.user = UserFactory()
    linkoping = org_by_slug("linkoping")
    result = selectors.matching_for(
        request, linkoping, purpose=Purpose.TWIN, weights=matching.PRESETS[Purpose.TWIN]
    )
    top = {m.place.slug: m for m in result.shown[:10]}
    assert "mjolby" in top
    reasons = " ".join(top["mjolby"].reasons)
    assert translate("neighbours") in reasons
    assert translate("same county and FA region") in reasons
    assert top["mjolby"].details["neighbours"] and top["mjolby"].details["same_county"]


def test_peer_search_ranks_mid_sized_cities_above_a_small_rural_one(rf):
    request = rf.get("/")
    request.user = UserFactory()
    gavle = org_by_slug("gavle")
    result = selectors.matching_for(
        request, gavle, purpose=Purpose.PEER, weights=matching.PRESETS[Purpose.PEER], shown=None
    )
    position = {m.place.slug: i for i, m in enumerate(result.matches)}
    for peer in ("borlange", "eskilstuna"):
        assert position[peer] < position["bjurholm"]
    assert position["bjurholm"] > len(result.matches) // 2


def test_pilot_twin_needs_a_programme_with_a_pilot_group():
    from kraftsamla.twinning.forms import MatchingForm

    form = MatchingForm({"purpose": Purpose.PILOT_TWIN})
    assert not form.is_valid()
    assert "programme" in form.errors
    empty = Organisation.objects.create(
        name="Tomt program", slug="tomt-program", kind="national_programme"
    )
    form = MatchingForm({"purpose": Purpose.PILOT_TWIN, "programme": empty.slug})
    assert not form.is_valid()
    message = translate("%(programme)s has no pilot group: no municipality takes part in it today.")
    assert message % {"programme": "Tomt program"} in form.errors["programme"]


def test_pilot_twin_candidates_are_the_pilots(rf):
    request = rf.get("/")
    request.user = UserFactory()
    vc = org_by_slug("viable-cities-klimatneutrala-stader-2030")
    mjolby = org_by_slug("mjolby")
    result = selectors.matching_for(
        request,
        mjolby,
        purpose=Purpose.PILOT_TWIN,
        weights=matching.PRESETS[Purpose.PILOT_TWIN],
        programme=vc,
        shown=None,
    )
    pilots = selectors.pilot_group(vc)
    assert result.matches and all(m.place.id in pilots for m in result.matches)
    # A pilot gets the municipalities outside the group.
    linkoping = org_by_slug("linkoping")
    result = selectors.matching_for(
        request,
        linkoping,
        purpose=Purpose.PILOT_TWIN,
        weights=matching.PRESETS[Purpose.PILOT_TWIN],
        programme=vc,
        shown=None,
    )
    assert all(m.place.id not in pilots for m in result.matches)


# --- Privacy -------------------------------------------------------------------------------


def test_themes_count_only_what_is_shared_with_the_viewer():
    linkoping, norrkoping = org_by_slug("linkoping"), org_by_slug("norrkoping")
    ProjectFactory(
        owner=linkoping,
        capitals=["financial"],
        emission_sectors=["transport"],
        sharing_level=PUBLIC,
    )
    secret = ProjectFactory(
        owner=norrkoping,
        capitals=["financial"],
        emission_sectors=["transport"],
        sharing_level=PRIVATE,
    )
    stranger = UserFactory()
    seen = selectors.private_build(Access(stranger))
    assert linkoping.pk in seen.themes
    assert norrkoping.pk not in seen.themes
    # Staff see the private idea, so the pair has shared themes for them.
    staff = selectors.private_build(Access(SYSTEM))
    assert {"capital:financial", "sector:transport"} <= staff.themes[secret.owner_id]


def test_capital_profiles_count_only_published_shared_results():
    molndal = org_by_slug("molndal")
    stranger = selectors.private_build(Access(UserFactory()))
    own = selectors.private_build(Access(demo_user(ADMIN_M)))
    everyone = selectors.private_build(Access(SYSTEM))
    # Whatever the demo shares publicly, a stranger never sees more than staff.
    assert set(stranger.capitals) <= set(everyone.capitals)
    if molndal.pk in everyone.capitals and molndal.pk not in stranger.capitals:
        assert molndal.pk in own.capitals


def test_private_needs_leave_the_component_out_and_the_page_says_so():
    linkoping, mjolby = org_by_slug("linkoping"), org_by_slug("mjolby")
    NeedFactory(organisation=linkoping, capital="financial", sharing_level=PUBLIC)
    NeedFactory(organisation=mjolby, capital="financial", sharing_level=PRIVATE)
    response = client_for().get(reverse("twinning:matching", args=["linkoping"]))
    assert response.status_code == 200
    row = next(r for r in response.context["rows"] if r["match"].place.slug == "mjolby")
    assert row["match"].values["themes"] is None
    assert translate("left out") in response.content.decode()


def test_private_need_is_counted_for_its_own_people():
    linkoping, mjolby = org_by_slug("linkoping"), org_by_slug("mjolby")
    NeedFactory(organisation=linkoping, capital="human", sharing_level=PUBLIC)
    NeedFactory(organisation=mjolby, capital="human", sharing_level=PRIVATE)
    insider = UserFactory(organisation=mjolby)
    seen = selectors.private_build(Access(insider))
    assert "capital:human" in seen.themes[mjolby.pk]


# --- Bad weights ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"w_distance": "-1"}, "w_distance"),
        ({f"w_{k}": "0" for k in matching.COMPONENTS}, "__all__"),
        ({"w_size": "tre"}, "w_size"),
        ({"purpose": "pilot_twin"}, "programme"),
    ],
)
def test_bad_input_is_a_field_error_with_status_400(params, field):
    response = client_for().get(reverse("twinning:matching", args=["linkoping"]), params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert response.context["result"] is None


def test_swedish_decimal_weights_are_accepted():
    response = client_for().get(
        reverse("twinning:matching", args=["linkoping"]), {"w_distance": "1,5"}
    )
    assert response.status_code == 200
    assert response.context["result"].weights["distance"] == 1.5


# --- The page ------------------------------------------------------------------------------


def test_page_needs_a_login_and_shows_map_table_and_reasons():
    url = reverse("twinning:matching", args=["linkoping"])
    assert Client().get(url).status_code in (302, 403)
    response = client_for().get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="map twin-map"' in html and "twin-candidate" in html
    assert 'id="candidate-mjolby"' in html
    assert translate("same county and FA region") in html or translate("same county") in html


def test_page_in_english_has_english_reasons():
    client = client_for()
    url = reverse("twinning:matching", args=["linkoping"])
    assert "samma län och FA-region" in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(url).content.decode()
    assert "neighbours, same county and FA region" in html


def test_unknown_municipality_is_404():
    assert client_for().get(reverse("twinning:matching", args=["ingenstans"])).status_code == 404


def test_index_leads_to_the_matching_page():
    client = client_for()
    response = client.get(reverse("twinning:index"), {"kommun": "mjolby"})
    assert response.status_code == 302
    assert response["Location"] == reverse("twinning:matching", args=["mjolby"])
    assert client.get(reverse("twinning:index"), {"kommun": "x"}).status_code == 400


def test_csv_download_has_every_candidate():
    response = client_for().get(
        reverse("twinning:matching", args=["linkoping"]), {"format": "csv-plain"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    municipalities = Organisation.objects.filter(kind="municipality").count()
    assert sum(1 for row in rows if row and row[0].isdigit()) == municipalities - 1


def test_page_queries_do_not_grow_with_candidates():
    client = client_for()
    url = reverse("twinning:matching", args=["linkoping"])
    client.get(url)  # fills the caches
    queries, response = count_queries(lambda: client.get(url, {"purpose": "peer"}))
    assert response.status_code == 200
    assert queries <= 12


# --- API -----------------------------------------------------------------------------------


def test_api_returns_components_for_a_purpose():
    client = client_for()
    url = reverse("api:twinning-matches", args=["linkoping"])
    data = client.get(url, {"purpose": "twin", "limit": 5}).json()
    assert data["purpose"] == "twin" and len(data["candidates"]) == 5
    first = data["candidates"][0]
    assert set(first["components"]) == set(matching.COMPONENTS)
    mjolby = client.get(url, {"limit": 20}).json()["candidates"]
    assert any(c["municipality"] == "mjolby" and c["neighbours"] for c in mjolby)


def test_api_refuses_bad_weights_and_anonymous_callers():
    url = reverse("api:twinning-matches", args=["linkoping"])
    assert Client().get(url).status_code in (401, 403)
    response = client_for().get(url, {"w_size": "-2"})
    assert response.status_code == 400
    assert "w_size" in response.json()["error"]["fields"]
    assert client_for().get(url, {"limit": "0"}).status_code == 400


def test_api_refuses_blank_parameters():
    url = reverse("api:twinning-matches", args=["linkoping"])
    response = client_for().get(url, {"w_size": ""})
    assert response.status_code == 400
    assert "w_size" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("purpose", "shared"),
    [(Purpose.TWIN, True), (Purpose.COMPLEMENT, True), (Purpose.PEER, False)],
)
def test_all_pairs_agree_with_one_ranking_when_data_is_missing_here_and_there(purpose, shared):
    """Random places, some without a boundary, population, emissions, trend, bodies,
    themes or capitals: every place's best scores are the same both ways."""
    import random

    rng = random.Random(12)

    def maybe(value, chance=0.15):
        return None if rng.random() < chance else value

    places = []
    for pk in range(1, 301):
        raw = [rng.random() for _ in range(4)]
        x = maybe(rng.uniform(0, 800))
        places.append(
            place(
                pk,
                x_km=x,
                y_km=None if x is None else rng.uniform(0, 800),
                county=rng.choice(["", "01", "05", "14"]),
                fa_region=rng.choice(["", "20", "21"]),
                population=maybe(int(10 ** rng.uniform(3, 6))),
                shares=maybe(tuple(v / sum(raw) for v in raw)),
                trend=maybe(rng.uniform(-0.5, 0.2)),
                bodies=frozenset(rng.sample(range(8), rng.randint(0, 2))),
            )
        )
    private = Private()
    if shared:
        private = Private(
            themes={
                p.id: frozenset(rng.sample(["capital:a", "capital:b", "sector:c"], 2))
                for p in places
                if rng.random() < 0.5
            },
            capitals={
                p.id: tuple(maybe(rng.uniform(0, 100), 0.2) for _ in range(7))
                for p in places
                if rng.random() < 0.5
            },
        )
    features = matching.Features(places)
    weights = matching.PRESETS[purpose]
    rows, scores = matching.best_for_all(
        features,
        weights,
        purpose=purpose,
        private=matching.PrivateFeatures(features, private) if shared else None,
        limit=8,
    )
    for target in places[::37]:
        ranked = matching.rank(target, features, weights=weights, purpose=purpose, private=private)
        row = features.index[target.id]
        assert scores[row] == pytest.approx([m.score for m in ranked[:8]], abs=1e-5)
        for match in ranked[:3]:
            values, _details = matching.components_of(target, match.place, private, purpose)
            assert match.score == pytest.approx(matching.combine(values, weights))
