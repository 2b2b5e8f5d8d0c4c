"""The API of a body's capacity follow-up: the page's figures as data, for the body's people."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kraftsamla.capacity.models import Assessment, CapitalKey
from kraftsamla.core.models import Role, SharingLevel
from kraftsamla.organisations.models import OrganisationKind
from kraftsamla.support.models import Enrolment
from tests.factories.accounts import UserFactory
from tests.factories.capacity import StoredResultsFactory
from tests.factories.organisations import (
    MembershipFactory,
    OrganisationFactory,
    RegionalBodyFactory,
)
from tests.factories.support import EnrolmentFactory, OfferFactory
from tests.helpers import count_queries, token_client

pytestmark = pytest.mark.django_db

JAN = datetime.datetime(2024, 1, 15, tzinfo=datetime.UTC)
PATH = "/api/v1/followup/organisations/{slug}/capacity/"


def _at(assessment: Assessment, when: datetime.datetime) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(published_at=when)


def _municipality(name: str):
    return OrganisationFactory(name=name, kind=OrganisationKind.MUNICIPALITY)


def _url(organisation) -> str:
    return reverse("api:followup-capacity", kwargs={"slug": organisation.slug})


@pytest.fixture
def setup():
    """A body with two members: Ås took part in an offer between its 2023 and 2024
    assessments and keeps a private 2025 one; Öby did not take part."""
    aas, oby = _municipality("Ås kommun"), _municipality("Öby kommun")
    body = RegionalBodyFactory(members=[aas, oby])
    _at(
        StoredResultsFactory(organisation=aas, year=2023, scores={"political": 40, "human": 50}),
        JAN,
    )
    later = StoredResultsFactory(organisation=aas, year=2024, scores={"political": 55, "human": 45})
    _at(later, JAN.replace(year=2025))
    StoredResultsFactory(
        organisation=aas,
        year=2025,
        scores={"political": 99, "human": 99},
        sharing_level=SharingLevel.PRIVATE,
    )
    _at(StoredResultsFactory(organisation=oby, year=2023, scores={"political": 30}), JAN)
    enrolment = EnrolmentFactory(offer=OfferFactory(provider=body), organisation=aas)
    Enrolment.objects.filter(pk=enrolment.pk).update(created_at=JAN.replace(month=6))
    coordinator = UserFactory(organisation=body, role=Role.VIEWER)
    return body, aas, oby, coordinator


def _capital(member: dict, key: str) -> dict:
    return next(row for row in member["capitals"] if row["capital"] == key)


def test_the_body_coordinator_gets_the_members_scores_and_changes(setup):
    body, aas, oby, coordinator = setup
    response = token_client(coordinator).get(_url(body), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    data = response.json()
    assert data["body"] == body.slug
    assert data["years"] == [2023, 2024]
    assert [c["key"] for c in data["capitals"]] == list(CapitalKey.values)
    assert data["capitals"][0]["label"] == str(CapitalKey.choices[0][1])
    first, second = data["members"]
    assert (first["organisation"], first["name"]) == (aas.slug, "Ås kommun")
    assert first["took_part"] is True
    assert first["first_enrolled"].startswith("2024-06-15")
    assert (first["baseline_year"], first["latest_year"]) == (2023, 2024)
    assert _capital(first, "political") == {
        "capital": "political",
        "scores": [{"year": 2023, "score": 40.0}, {"year": 2024, "score": 55.0}],
        "change": 15.0,
    }
    assert _capital(first, "human")["change"] == -5.0
    assert _capital(first, "financial") == {"capital": "financial", "scores": [], "change": None}
    assert second["organisation"] == oby.slug and second["took_part"] is False
    assert second["first_enrolled"] is None
    assert _capital(second, "political")["scores"] == [{"year": 2023, "score": 30.0}]
    assert _capital(second, "political")["change"] is None


def test_a_members_private_assessment_is_not_exposed(setup):
    body, _aas, _oby, coordinator = setup
    response = token_client(coordinator).get(_url(body))
    data = response.json()
    assert 2025 not in data["years"]
    scores = [s["score"] for m in data["members"] for c in m["capitals"] for s in c["scores"]]
    assert 99.0 not in scores
    # Nowhere in the answer either (ids and slugs may hold the digits, so look for the pair).
    content = response.content.decode()
    assert '"score":40.0' in content  # a visible score, written as a leak would be
    assert '"score":99.0' not in content and '"year":2025' not in content


def test_the_content_equals_the_pages_figures(setup):
    body, _aas, _oby, coordinator = setup
    client = Client()
    client.force_login(coordinator)
    page = client.get(reverse("followup:capacity", kwargs={"slug": body.slug}))
    capacity = page.context["capacity"]
    data = client.get(_url(body)).json()
    assert data["years"] == capacity.years
    shown = {
        (member.organisation.slug, label): (scores, change)
        for member, rows in capacity.table()
        for label, scores, change in rows
    }
    labels = dict(capacity.capitals)
    given = {
        (member["organisation"], labels[row["capital"]]): (
            [
                next((s["score"] for s in row["scores"] if s["year"] == year), None)
                for year in data["years"]
            ],
            row["change"],
        )
        for member in data["members"]
        for row in member["capitals"]
    }
    assert given == shown
    assert [m["took_part"] for m in data["members"]] == [m.took_part for m in capacity.members]


def test_a_member_municipalitys_user_is_refused(setup):
    body, aas, _oby, _coordinator = setup
    member_admin = UserFactory(organisation=aas, role=Role.ADMIN)
    response = token_client(member_admin).get(_url(body))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_another_bodys_coordinator_is_refused(setup):
    body, _aas, _oby, _coordinator = setup
    other = UserFactory(organisation=RegionalBodyFactory(), role=Role.ADMIN)
    assert token_client(other).get(_url(body)).status_code == 403


def test_an_anonymous_caller_must_log_in(setup):
    body, _aas, _oby, _coordinator = setup
    response = Client().get(_url(body))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_municipality_or_an_unknown_slug_is_not_found(setup):
    _body, aas, _oby, coordinator = setup
    client = token_client(coordinator)
    assert client.get(_url(aas)).status_code == 404
    missing = client.get(PATH.format(slug="finns-inte"))
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def _members_with_history(body, count: int, start: int = 0) -> None:
    offer = OfferFactory(provider=body)
    for n in range(start, start + count):
        member = _municipality(f"Medlem {n}")
        MembershipFactory(member=member, body=body)
        for year in (2023, 2024):
            _at(
                StoredResultsFactory(
                    organisation=member, year=year, scores={"political": n, "human": n + 1}
                ),
                timezone.make_aware(datetime.datetime(year, 1, 1)),
            )
        EnrolmentFactory(offer=offer, organisation=member)


@pytest.mark.parametrize("count", [2, 10])
def test_the_same_queries_for_2_and_more_members(count):
    body = RegionalBodyFactory()
    client = token_client(UserFactory(organisation=body))
    _members_with_history(body, 2)
    client.get(_url(body))  # the per-person caches are read from here on
    baseline, response = count_queries(lambda: client.get(_url(body)))
    assert response.status_code == 200
    _members_with_history(body, count - 2, start=2)
    queries, response = count_queries(lambda: client.get(_url(body)))
    assert response.status_code == 200
    assert queries == baseline
    assert len(response.json()["members"]) == count


def test_the_openapi_document_describes_it(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/followup/organisations/{slug}/capacity/"]["get"]
    assert {"200", "401", "403", "404"} <= set(operation["responses"])
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert {"body", "years", "capitals", "members", "includes_demo"} <= set(body["properties"])
