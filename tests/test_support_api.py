"""The regional-support API: offers (public), coverage, needs by sharing, recommendations."""

from __future__ import annotations

import pytest

from kraftsamla.accounts.models import Role
from kraftsamla.support.models import EnrolmentStatus, Need, OfferStatus
from tests.factories.accounts import UserFactory
from tests.factories.capacity import (
    StoredResultsFactory,
)
from tests.factories.support import (
    RESOURCES,
    EnrolmentFactory,
    NeedFactory,
    OfferFactory,
)
from tests.helpers import (
    ADMIN_M,
    ALE_EDITOR,
    COORDINATOR,
    PRIVATE,
    PUBLIC,
    REGION,
    STAFF,
    VIEWER_M,
    count_queries,
    demo_user,
    empty_query_log,
    stockholm_municipalities,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/support"


def test_offers_of_a_body_are_public_with_uptake(client, gr, molndal):
    o = OfferFactory(
        provider=gr,
        title="Klimatbudget",
        capitals=["financial"],
        collaboration_form=RESOURCES,
        seats=1,
    )
    OfferFactory(provider=gr, title="Planerat", status=OfferStatus.PLANNED)
    OfferFactory(provider=gr, title="Tredje")
    EnrolmentFactory(offer=o, organisation=molndal)
    EnrolmentFactory(offer=o, organisation=molndal, status=EnrolmentStatus.WAITING)

    response = client.get(f"{API}/bodies/{gr.slug}/offers/")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3
    item = next(x for x in data["results"] if x["title"] == "Klimatbudget")
    assert (item["provider"], item["capitals"], item["collaboration_form"]) == (
        gr.slug,
        ["financial"],
        RESOURCES,
    )
    assert (item["seats"], item["enrolled"], item["waiting"], item["avg_rating"]) == (1, 1, 1, None)


def test_offers_of_a_municipality_or_unknown_body_are_not_found(client, molndal):
    assert client.get(f"{API}/bodies/{molndal.slug}/offers/").status_code == 404
    assert client.get(f"{API}/bodies/no-such-body/offers/").status_code == 404


def test_coverage_is_for_the_bodys_people(client, gr, molndal, ale):
    NeedFactory(organisation=molndal, capital="financial", collaboration_form=RESOURCES)
    NeedFactory(
        organisation=ale, capital="financial", collaboration_form=RESOURCES, sharing_level=PRIVATE
    )
    OfferFactory(provider=gr, capitals=["financial", "real"], collaboration_form=RESOURCES, seats=5)
    url = f"{API}/bodies/{gr.slug}/coverage/"

    anonymous = client.get(url)
    assert anonymous.status_code == 401 and "WWW-Authenticate" in anonymous
    client.force_login(demo_user(ADMIN_M))
    assert client.get(url).status_code == 403
    client.force_login(demo_user(COORDINATOR))
    response = client.get(url)
    assert response.status_code == 200
    cells = {(c["capital"], c["collaboration_form"]): c for c in response.json()}
    assert len(cells) == 21
    assert cells[("financial", RESOURCES)] == {
        "capital": "financial",
        "collaboration_form": RESOURCES,
        "needs": 1,
        "municipalities": [molndal.display_name],
        "offers": 1,
        "open_offers": 1,
        "seats": 5,
        "uptake": 0,
        "gap": False,
        "unused": False,
    }
    assert cells[("real", RESOURCES)]["unused"] is True
    year_with_data = str(Need.objects.filter(organisation=molndal).get().year)
    filtered = client.get(url, {"year": year_with_data, "target_group": "politicians"}).json()
    assert sum(c["needs"] for c in filtered) == 1
    no_data = client.get(url, {"year": "2019"})
    assert no_data.status_code == 400 and "year" in str(no_data.json())


def test_needs_respect_sharing(client, molndal, ale):
    outsider = stockholm_municipalities(1)[0]
    needs = {
        (o.slug, s): NeedFactory(organisation=o, capital="human", sharing_level=s)
        for o in (molndal, ale, outsider)
        for s in (PRIVATE, REGION, PUBLIC)
    }

    def listed(who=None):
        client.logout()
        if who is not None:
            client.force_login(who)
        data = client.get(f"{API}/needs/", {"page_size": 500}).json()
        mine = {n.pk for n in needs.values()}
        return {(x["organisation"], x["sharing_level"]) for x in data["results"] if x["id"] in mine}

    public = {(o.slug, PUBLIC) for o in (molndal, ale, outsider)}
    assert listed() == public
    assert listed(demo_user(VIEWER_M)) == public | {("molndal", PRIVATE), ("molndal", REGION)}
    # The coordinator sees what members shared with GR, never their private needs.
    assert listed(demo_user(COORDINATOR)) == public | {("molndal", REGION), ("ale", REGION)}
    # Another member sees nothing of Mölndal but what is public.
    assert listed(demo_user(ALE_EDITOR)) == public | {("ale", PRIVATE), ("ale", REGION)}
    assert len(listed(demo_user(STAFF))) == 9
    client.force_login(demo_user(COORDINATOR))
    only = client.get(f"{API}/needs/", {"organisation": "molndal"}).json()["results"]
    assert {x["organisation"] for x in only} == {"molndal"}
    assert PRIVATE not in {x["sharing_level"] for x in only}


def test_recommendations_for_the_organisations_people(client, gr, molndal):
    StoredResultsFactory(organisation=molndal, year=2031, scores={"financial": 31, "political": 60})
    NeedFactory(organisation=molndal, capital="financial", collaboration_form=RESOURCES)
    best = OfferFactory(
        provider=gr, title="Finansieringsstöd", capitals=["financial"], collaboration_form=RESOURCES
    )
    OfferFactory(provider=gr, title="Politik", capitals=["political"])
    OfferFactory(provider=gr, title="Planerat", status=OfferStatus.PLANNED)
    url = f"{API}/organisations/{molndal.slug}/recommendations/"

    assert client.get(url).status_code == 401
    for outsider in (COORDINATOR, ALE_EDITOR):
        client.force_login(demo_user(outsider))
        assert client.get(url).status_code == 403
    client.force_login(UserFactory(organisation=molndal, role=Role.VIEWER))
    response = client.get(url)
    assert response.status_code == 200
    data = response.json()
    assert [r["offer"]["title"] for r in data] == ["Finansieringsstöd", "Politik"]
    first = data[0]
    assert first["offer"]["id"] == best.pk and first["offer"]["provider"] == gr.slug
    # (100 − 31) × 0.4 + 10 × 2/3 + 25 + 5 + 10 × 1/13 = 65.04
    assert first["score"] == 65.0
    assert len(first["reasons"]) == 3 and all(isinstance(r, str) for r in first["reasons"])
    assert client.get(f"{API}/organisations/no-such-org/recommendations/").status_code == 404


def test_recommendations_query_count_does_not_grow(
    client, gr, molndal, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(organisation=molndal, role=Role.VIEWER))
    url = f"{API}/organisations/{molndal.slug}/recommendations/"
    OfferFactory(provider=gr, capitals=["financial"])
    n, response = count_queries(lambda: client.get(url))
    assert len(response.json()) == 1 and n > 5
    members = list(gr.member_links.filter(role="member").select_related("member"))
    # The writes commit (their on-commit callbacks run), so the cached ranking is renewed.
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(15):
            o = OfferFactory(provider=gr, capitals=["financial", "human"][: 1 + i % 2])
            for link in members[: 1 + i % 5]:
                NeedFactory(organisation=link.member, capital="financial")
                EnrolmentFactory(offer=o, organisation=link.member)
    empty_query_log()
    with django_assert_max_num_queries(n):
        assert len(client.get(url).json()) == 10


def test_coverage_query_count_does_not_grow(
    client, gr, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client.force_login(demo_user(COORDINATOR))
    url = f"{API}/bodies/{gr.slug}/coverage/"
    n, response = count_queries(lambda: client.get(url))
    assert response.status_code == 200 and n > 3
    members = list(gr.member_links.filter(role="member").select_related("member"))
    # The writes commit (their on-commit callbacks run), so the cached grid is renewed.
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(20):
            o = OfferFactory(
                provider=gr,
                capitals=["financial", "human", "real"][: 1 + i % 3],
                collaboration_form=RESOURCES,
            )
            for link in members[: 1 + i % 7]:
                NeedFactory(
                    organisation=link.member, capital="financial", collaboration_form=RESOURCES
                )
                EnrolmentFactory(offer=o, organisation=link.member)
    empty_query_log()
    with django_assert_max_num_queries(n):
        data = client.get(url).json()
    assert {
        c["offers"]
        for c in data
        if (c["capital"], c["collaboration_form"]) == ("financial", RESOURCES)
    } == {20}
