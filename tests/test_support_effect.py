"""Before/after: participants' mean change in the targeted capitals against non-participants'."""

from __future__ import annotations

import datetime

import pytest
from support_helpers import PRIVATE, PUBLIC, body, enrol, offer, results, stockholm

from kraftsamla.capacity.models import Purpose, Status
from kraftsamla.support import selectors
from kraftsamla.support.models import EnrolmentStatus, OfferStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def effect_data(db):
    m1, m2, m3, m4, m5, outsider = stockholm(6)
    b = body("effect", [m1, m2, m3, m4, m5])
    o = offer(
        b,
        "Politisk styrning och budget",
        capitals=["political", "financial"],
        status=OfferStatus.CLOSED,
        start_date=datetime.date(2030, 3, 1),
        end_date=datetime.date(2030, 10, 31),
    )
    # Before: the latest assessment up to 2030; after: the first from 2031 on.
    enrol(o, m1)
    results(m1, 2029, {"political": 40, "financial": 30})
    results(m1, 2031, {"political": 60, "financial": 35})
    enrol(o, m2)
    enrol(o, m2)
    results(m2, 2028, {"political": 10})
    results(m2, 2030, {"political": 50})
    results(m2, 2032, {"political": 60}, sharing=PUBLIC)
    results(m2, 2033, {"political": 90})
    # Only on the waiting list: did not take part.
    enrol(o, m3, status=EnrolmentStatus.WAITING)
    results(m3, 2029, {"political": 50, "financial": None})
    results(m3, 2031, {"political": 45, "financial": 40})
    # The after-result is private: left out.
    enrol(o, m4)
    results(m4, 2029, {"political": 20})
    results(m4, 2031, {"political": 80}, sharing=PRIVATE)
    # No published after-result: left out (a closed assessment does not count).
    results(m5, 2029, {"political": 70})
    results(m5, 2031, {"political": 10}, status=Status.CLOSED)
    # Not a member: never counted, even with both results and a seat.
    enrol(o, outsider)
    results(outsider, 2029, {"political": 0}, purpose=Purpose.BASELINE)
    results(outsider, 2031, {"political": 100}, purpose=Purpose.BASELINE)
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
    o = offer(body("no-dates", stockholm(2)), is_continuous=True)
    assert selectors.offer_effect(offer=o) == []


def test_an_offer_still_running_compares_with_next_years_assessments(db):
    (m1,) = stockholm(1)
    o = offer(
        body("running", [m1]),
        capitals=["human"],
        status=OfferStatus.RUNNING,
        start_date=datetime.date(2024, 1, 1),
    )
    enrol(o, m1)
    results(m1, 2024, {"human": 40})
    results(m1, datetime.date.today().year, {"human": 90}, purpose=Purpose.FOLLOW_UP)
    (row,) = selectors.offer_effect(offer=o)
    assert (row.participants, row.participant_change) == (0, None)
