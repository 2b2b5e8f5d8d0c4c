"""Before/after: participants' mean change in the targeted capitals against non-participants'."""

from __future__ import annotations

import datetime

import pytest

from kraftsamla.capacity.models import Purpose, Status
from kraftsamla.support import selectors
from kraftsamla.support.models import EnrolmentStatus, OfferStatus
from tests.factories.capacity import (
    StoredResultsFactory,
)
from tests.factories.organisations import (
    RegionalBodyFactory,
)
from tests.factories.support import (
    EnrolmentFactory,
    OfferFactory,
)
from tests.helpers import (
    PRIVATE,
    PUBLIC,
    stockholm_municipalities,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def effect_data(db):
    m1, m2, m3, m4, m5, outsider = stockholm_municipalities(6)
    b = RegionalBodyFactory(slug="effect", members=[m1, m2, m3, m4, m5])
    o = OfferFactory(
        provider=b,
        title="Politisk styrning och budget",
        capitals=["political", "financial"],
        status=OfferStatus.CLOSED,
        start_date=datetime.date(2030, 3, 1),
        end_date=datetime.date(2030, 10, 31),
    )
    # Before: the latest assessment up to 2030; after: the first from 2031 on.
    EnrolmentFactory(offer=o, organisation=m1)
    StoredResultsFactory(organisation=m1, year=2029, scores={"political": 40, "financial": 30})
    StoredResultsFactory(organisation=m1, year=2031, scores={"political": 60, "financial": 35})
    EnrolmentFactory(offer=o, organisation=m2)
    EnrolmentFactory(offer=o, organisation=m2)
    StoredResultsFactory(organisation=m2, year=2028, scores={"political": 10})
    StoredResultsFactory(organisation=m2, year=2030, scores={"political": 50})
    StoredResultsFactory(organisation=m2, year=2032, scores={"political": 60}, sharing_level=PUBLIC)
    StoredResultsFactory(organisation=m2, year=2033, scores={"political": 90})
    # Only on the waiting list: did not take part.
    EnrolmentFactory(offer=o, organisation=m3, status=EnrolmentStatus.WAITING)
    StoredResultsFactory(organisation=m3, year=2029, scores={"political": 50, "financial": None})
    StoredResultsFactory(organisation=m3, year=2031, scores={"political": 45, "financial": 40})
    # The after-result is private: left out.
    EnrolmentFactory(offer=o, organisation=m4)
    StoredResultsFactory(organisation=m4, year=2029, scores={"political": 20})
    StoredResultsFactory(
        organisation=m4, year=2031, scores={"political": 80}, sharing_level=PRIVATE
    )
    # No published after-result: left out (a closed assessment does not count).
    StoredResultsFactory(organisation=m5, year=2029, scores={"political": 70})
    StoredResultsFactory(organisation=m5, year=2031, scores={"political": 10}, status=Status.CLOSED)
    # Not a member: never counted, even with both results and a seat.
    EnrolmentFactory(offer=o, organisation=outsider, history=True)
    StoredResultsFactory(
        organisation=outsider, year=2029, scores={"political": 0}, purpose=Purpose.BASELINE
    )
    StoredResultsFactory(
        organisation=outsider, year=2031, scores={"political": 100}, purpose=Purpose.BASELINE
    )
    return o


def test_mean_change_of_participants_and_of_the_others(effect_data):
    rows = {r.capital: r for r in selectors.offer_effect(offer=effect_data)}

    assert list(rows) == ["political", "financial"]
    political = rows["political"]
    # Participants: m1 +20, m2 +10 (2030 → 2032); the others: m3 −5.
    assert (political.participants, political.participant_change) == (2, 15.0)
    assert (political.others, political.others_change) == (1, -5.0)
    financial = rows["financial"]
    # m1 +5; m3 has no before-score for financial, m2 no financial at all.
    assert (financial.participants, financial.participant_change) == (1, 5.0)
    assert (financial.others, financial.others_change) == (0, None)
    assert str(political.label) and political.label != "political"


def test_without_a_start_date_there_is_no_comparison(db):
    o = OfferFactory(
        provider=RegionalBodyFactory(slug="no-dates", members=stockholm_municipalities(2)),
        is_continuous=True,
    )
    assert selectors.offer_effect(offer=o) == []


def test_an_offer_still_running_compares_with_next_years_assessments(db):
    (m1,) = stockholm_municipalities(1)
    o = OfferFactory(
        provider=RegionalBodyFactory(slug="running", members=[m1]),
        capitals=["human"],
        status=OfferStatus.RUNNING,
        start_date=datetime.date(2024, 1, 1),
    )
    EnrolmentFactory(offer=o, organisation=m1)
    StoredResultsFactory(organisation=m1, year=2024, scores={"human": 40})
    StoredResultsFactory(
        organisation=m1,
        year=datetime.date.today().year,
        scores={"human": 90},
        purpose=Purpose.FOLLOW_UP,
    )
    (row,) = selectors.offer_effect(offer=o)
    assert (row.participants, row.participant_change) == (0, None)
