"""A body's capacity follow-up: members' shared capital scores over time and the change
after taking part in the body's support offers."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kraftsamla.capacity.models import Assessment
from kraftsamla.core.access import allows
from kraftsamla.core.models import Role, SharingLevel
from kraftsamla.followup import selectors
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
from tests.helpers import count_queries, translate

pytestmark = pytest.mark.django_db

JAN = datetime.datetime(2024, 1, 15, tzinfo=datetime.UTC)


def _at(assessment: Assessment, when: datetime.datetime) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(published_at=when)


def _municipality(name: str):
    return OrganisationFactory(name=name, kind=OrganisationKind.MUNICIPALITY)


def _scores(political: float, human: float) -> dict:
    return {"political": political, "human": human}


@pytest.fixture
def setup():
    """A body with two members: Ås took part in an offer between its 2023 and 2024
    assessments; Öby did not take part."""
    aas, oby = _municipality("Ås kommun"), _municipality("Öby kommun")
    body = RegionalBodyFactory(members=[aas, oby])
    _at(StoredResultsFactory(organisation=aas, year=2023, scores=_scores(40, 50)), JAN)
    later = StoredResultsFactory(organisation=aas, year=2024, scores=_scores(55, 45))
    _at(later, JAN.replace(year=2025))
    # Ås's private assessment of 2025 is not shared with the body: never shown.
    StoredResultsFactory(
        organisation=aas, year=2025, scores=_scores(99, 99), sharing_level=SharingLevel.PRIVATE
    )
    _at(StoredResultsFactory(organisation=oby, year=2023, scores=_scores(30, 30)), JAN)
    enrolment = EnrolmentFactory(offer=OfferFactory(provider=body), organisation=aas)
    Enrolment.objects.filter(pk=enrolment.pk).update(created_at=JAN.replace(month=6))
    coordinator = UserFactory(organisation=body, role=Role.VIEWER)
    return body, aas, oby, coordinator


def test_scores_by_year_and_the_change_after_taking_part(setup):
    body, aas, oby, coordinator = setup
    capacity = selectors.body_capacity(coordinator, body)
    assert capacity.years == [2023, 2024]
    first, second = capacity.members
    assert first.organisation == aas and first.took_part
    assert (first.baseline_year, first.latest_year) == (2023, 2024)
    assert first.change("political") == 15
    assert first.change("human") == -5
    assert first.change("financial") is None  # no score for it
    assert first.scores["political"] == {2023: 40, 2024: 55}  # the private 2025 is left out
    assert second.organisation == oby and not second.took_part
    assert second.change("political") is None


def test_an_enrolment_in_another_bodys_offer_does_not_count(setup):
    body, aas, oby, coordinator = setup
    EnrolmentFactory(offer=OfferFactory(), organisation=oby, history=True)
    oby_row = selectors.body_capacity(coordinator, body).members[1]
    assert not oby_row.took_part


def test_without_an_assessment_before_the_enrolment_there_is_no_change(setup):
    body, aas, oby, coordinator = setup
    Enrolment.objects.filter(organisation=aas).update(created_at=JAN.replace(year=2020))
    aas_row = selectors.body_capacity(coordinator, body).members[0]
    assert aas_row.took_part and aas_row.baseline_year is None
    assert aas_row.change("political") is None


def test_the_body_people_may_see_it(setup):
    body, _aas, _oby, coordinator = setup
    assert allows(coordinator, "followup.capacity.view", body)


def test_others_may_not_see_it(setup):
    body, aas, _oby, _coordinator = setup
    member_editor = UserFactory(organisation=aas, role=Role.ADMIN)
    assert not allows(member_editor, "followup.capacity.view", body)
    assert not allows(UserFactory(), "followup.capacity.view", body)
    client = Client()
    client.force_login(member_editor)
    response = client.get(reverse("followup:capacity", kwargs={"slug": body.slug}))
    assert response.status_code == 403


def test_the_page_shows_the_table_and_is_linked_from_the_rollup(setup):
    body, _aas, _oby, coordinator = setup
    client = Client()
    client.force_login(coordinator)
    url = reverse("followup:capacity", kwargs={"slug": body.slug})
    rollup = client.get(reverse("followup:rollup", kwargs={"slug": body.slug}))
    assert url in rollup.content.decode()
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Ås kommun" in page and "Öby kommun" in page
    assert translate("Yes, from %(date)s") % {"date": "2024-06-15"} in page
    assert "+15" in page and ("−5" in page or "-5" in page)
    assert "99" not in page.split("<table")[1].split("</table>")[0]


def test_a_municipality_is_not_a_body():
    municipality = _municipality("Ensam kommun")
    client = Client()
    client.force_login(UserFactory(organisation=municipality))
    url = reverse("followup:capacity", kwargs={"slug": municipality.slug})
    assert client.get(url).status_code == 404


def test_export_csv_and_xlsx(setup):
    body, _aas, _oby, coordinator = setup
    client = Client()
    client.force_login(coordinator)
    url = reverse("followup:capacity", kwargs={"slug": body.slug})
    csv = client.get(url + "?format=csv", HTTP_ACCEPT_LANGUAGE="en")
    text = csv.content.decode("utf-8-sig")
    assert csv["Content-Type"].startswith("text/csv")
    assert "Ås kommun;" in text and ";15" in text
    xlsx = client.get(url + "?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def _members_with_history(body, count: int, start: int = 0) -> None:
    offer = OfferFactory(provider=body)
    for n in range(start, start + count):
        member = _municipality(f"Medlem {n}")
        MembershipFactory(member=member, body=body)
        for year in (2023, 2024):
            _at(
                StoredResultsFactory(organisation=member, year=year, scores=_scores(n, n + 1)),
                timezone.make_aware(datetime.datetime(year, 1, 1)),
            )
        EnrolmentFactory(offer=offer, organisation=member)


@pytest.mark.parametrize("count", [2, 10])
def test_the_page_asks_the_same_queries_for_2_and_10_members(count):
    body = RegionalBodyFactory()
    coordinator = UserFactory(organisation=body)
    client = Client()
    client.force_login(coordinator)
    url = reverse("followup:capacity", kwargs={"slug": body.slug})
    _members_with_history(body, 2)
    client.get(url)  # the session and the per-person caches are read from here on
    baseline, response = count_queries(lambda: client.get(url))
    assert response.status_code == 200
    _members_with_history(body, count - 2, start=2)
    queries, response = count_queries(lambda: client.get(url))
    assert response.status_code == 200
    assert queries == baseline
    assert response.content.decode().count('scope="rowgroup"') == count
