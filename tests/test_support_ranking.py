"""Recommendations: hand-checked points, order and reasons from offers_recommended's formula.

Points, as documented in the selector's docstring (building order of the loaded framework:
[political] → [financial] → [relational, human, dynamic, organisational] → [real], so the
last step is 3):
- weakness   (100 − lowest score among the offer's capitals) × 0.4
- order      10 × (3 − step of that capital) / 3
- own need   25, +5 when the collaboration form matches too
- shared     10 × members sharing a need in one of the offer's capitals / members
- role       10 when the offer is for a target group the person belongs to
- ratings    (mean − 3) × 5, from municipalities of the same population class when at
             least MIN_RATINGS of them rated it, otherwise from all participants
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import translation
from support_helpers import (
    KNOWLEDGE,
    PRIVATE,
    PUBLIC,
    RESOURCES,
    ROOM,
    body,
    count_queries,
    empty_query_log,
    need,
    offer,
    person,
    population_class_peers,
    rate,
    results,
    stockholm,
)

from kraftsamla.accounts.models import Role
from kraftsamla.capacity.models import Respondent, RoleGroup
from kraftsamla.organisations.models import Membership, MembershipRole, Organisation
from kraftsamla.support import selectors
from kraftsamla.support.models import OfferStatus, TargetGroup

pytestmark = pytest.mark.django_db

MOLNDAL_SCORES = {
    "political": 60,
    "financial": 31,
    "relational": 70,
    "human": 45,
    "dynamic": 80,
    "organisational": 55,
    "real": 50,
}
GR_SHARERS = ["ale", "alingsas", "harryda", "kungalv", "lerum"]


def gr_member(slug_prefix: str) -> Organisation:
    return Organisation.objects.get(
        slug__startswith=slug_prefix, memberships__body__slug="goteborgsregionen"
    )


@pytest.fixture
def scenario(molndal, ale, gr):
    """Mölndal with a 2031 result, its own needs, GR members' shared needs and rated offers."""
    assessment = results(molndal, 2031, MOLNDAL_SCORES)
    politician = person(molndal, Role.EDITOR)
    Respondent.objects.create(
        assessment=assessment, user=politician, role_group=RoleGroup.POLITICIANS
    )
    # Mölndal's own needs: financial in the resource base (shared), human privately.
    need(molndal, "financial", RESOURCES)
    need(molndal, "human", KNOWLEDGE, sharing=PRIVATE)
    # Five more members share a financial need: 6 of 13 in all.
    for prefix in GR_SHARERS:
        need(gr_member(prefix), "financial", sharing=PUBLIC if prefix == "lerum" else "region")
    need(ale, "political", ROOM)
    # Not counted: a private need, a non-member's public need, an ex-member's shared need.
    need(gr_member("tjorn"), "financial", sharing=PRIVATE)
    need(gr_member("tjorn"), "political", sharing=PRIVATE)
    outsider, ex_member = stockholm(2)
    need(outsider, "financial", sharing=PUBLIC)
    Membership.objects.create(
        member=ex_member,
        body=gr,
        role=MembershipRole.MEMBER,
        start_date=datetime.date(2010, 1, 1),
        end_date=datetime.date(2020, 1, 1),
    )
    need(ex_member, "financial")
    need(ex_member, "political")

    a = offer(
        gr,
        "A Finansieringsstöd",
        capitals=["financial"],
        form=RESOURCES,
        target_groups=[TargetGroup.POLITICIANS],
    )
    b = offer(
        gr,
        "B Politisk utbildning",
        capitals=["political"],
        form=KNOWLEDGE,
        target_groups=[TargetGroup.SENIOR_MANAGERS],
    )
    c = offer(gr, "C Gemensamma anläggningar", capitals=["real", "human"], form=ROOM)
    d = offer(
        gr,
        "D Testa nya arbetssätt",
        capitals=["dynamic"],
        status=OfferStatus.RUNNING,
        open_to=[molndal],
    )
    # Never recommended to Mölndal: planned, closed, open only to Ale, another body's offer.
    offer(gr, "E Planerat", capitals=["financial"], status=OfferStatus.PLANNED)
    offer(gr, "F Avslutat", capitals=["financial"], status=OfferStatus.CLOSED)
    offer(gr, "G Bara för Ale", capitals=["financial"], open_to=[ale])
    offer(body("other-body", stockholm(3)), "H Annat förbund", capitals=["financial"])

    similar = population_class_peers(molndal, 3)
    assert ale.population_class != molndal.population_class
    # B: two similar municipalities (5, 4) decide; Ale's 1 is left out of the similar pool.
    rate(b, similar[0], 5)
    rate(b, similar[1], 4)
    rate(b, ale, 1)
    # C: only one similar rating, so all participants count: (2 + 3 + 1) / 3 = 2.0.
    rate(c, similar[2], 2)
    rate(c, ale, 3)
    rate(c, ale, 1)
    # D: a single rating is below MIN_RATINGS and gives nothing.
    rate(d, similar[0], 5)
    return {"user": politician, "offers": (a, b, c, d)}


def test_points_order_and_reasons_are_the_hand_computed_ones(scenario, molndal):
    a, b, c, d = scenario["offers"]
    with translation.override("en"):
        ranked, info = selectors.offers_recommended(organisation=molndal, user=scenario["user"])
        reasons = [[str(r) for r in rec.reasons] for rec in ranked]

    assert [r.offer for r in ranked] == [a, c, b, d]
    # A: 27.6 + 6.667 + (25 + 5) + 10 × 6/13 + 10 = 78.88
    # C: 22 (human 45) + 3.333 + 25 + (2.0 − 3) × 5 = 45.33
    # B: 16 + 10 + 10 × 1/13 + (4.5 − 3) × 5 = 34.27
    # D: 8 + 3.333 = 11.33
    assert [r.score for r in ranked] == [78.9, 45.3, 34.3, 11.3]
    assert reasons[0] == [
        "your financial capital scored 31/100, lowest among your capitals",
        "it answers a need you registered, in the form you asked for",
        "6 of 13 member municipalities share this need",
        "it is meant for people in your role",
    ]
    assert reasons[1] == [
        "your human capital scored 45/100",
        "it answers a need you registered",
        "participants rated it 2.0/5",
    ]
    assert reasons[2] == [
        "your political capital scored 60/100",
        "1 of 13 member municipalities share this need",
        "municipalities like yours rated it 4.5/5",
    ]
    assert reasons[3] == ["your dynamic capital scored 80/100"]
    assert info["assessment"].year == 2031
    assert info["groups"] == {TargetGroup.POLITICIANS}


def test_without_role_in_assessments_the_target_group_points_are_not_given(scenario, molndal):
    colleague = person(molndal, Role.VIEWER)
    ranked, info = selectors.offers_recommended(organisation=molndal, user=colleague)
    assert info["groups"] == set()
    assert ranked[0].offer == scenario["offers"][0]
    assert ranked[0].score == 68.9  # 78.88 − 10


def test_limit_keeps_the_best(scenario, molndal):
    ranked, _info = selectors.offers_recommended(
        organisation=molndal, user=scenario["user"], limit=2
    )
    assert [r.offer for r in ranked] == list(scenario["offers"][::2])


def test_without_assessment_only_needs_and_ratings_count(db):
    m1, m2, m3, m4 = stockholm(4)
    b = body("no-assessment", [m1, m2, m3, m4])
    need(m1, "human", KNOWLEDGE)
    need(m2, "human", sharing=PRIVATE)
    need(m3, "organisational")
    o1 = offer(b, "Människor", capitals=["human"], form=KNOWLEDGE)
    o2 = offer(b, "Organisation", capitals=["organisational", "real"], form=ROOM)
    rate(o2, m2, 5)
    rate(o2, m3, 5)
    with translation.override("en"):
        ranked, info = selectors.offers_recommended(organisation=m1, user=person(m1))
        reasons = [[str(r) for r in rec.reasons] for rec in ranked]
    assert info["assessment"] is None
    # Människor: 25 + 5 + 10 × 1/4 = 32.5; Organisation: 10 × 1/4 + (5 − 3) × 5 = 12.5
    assert [(r.offer, r.score) for r in ranked] == [(o1, 32.5), (o2, 12.5)]
    assert reasons == [
        [
            "it answers a need you registered, in the form you asked for",
            "1 of 4 member municipalities share this need",
        ],
        ["1 of 4 member municipalities share this need", "participants rated it 5.0/5"],
    ]


def test_a_former_member_gets_no_recommendations_from_the_body(db):
    """An ended membership no longer gives the body's offers, though the body has other members."""
    current, former = stockholm(2)
    b = body("former", [current])
    Membership.objects.create(
        member=former,
        body=b,
        role=MembershipRole.MEMBER,
        start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2020, 1, 1),
    )
    offer(b, "Bara för medlemmar")
    assert selectors.bodies_for(former) == []
    ranked, _info = selectors.offers_recommended(organisation=former, user=person(former))
    assert ranked == []
    assert len(selectors.offers_recommended(organisation=current, user=person(current))[0]) == 1


def _data(b: Organisation, members: list[Organisation], n: int) -> None:
    capitals = ["political", "financial", "human", "real", "dynamic"]
    for i in range(n):
        o = offer(
            b,
            f"Offer {i}",
            capitals=[capitals[i % 5], capitals[(i + 1) % 5]],
            target_groups=[TargetGroup.STRATEGIC],
        )
        for m in members[: 2 + i % 3]:
            need(m, capitals[i % 5], KNOWLEDGE)
            rate(o, m, 1 + i % 5)


def test_query_count_does_not_grow_with_members_needs_and_offers(
    client, django_assert_max_num_queries
):
    municipalities = stockholm(15)
    small_members, large_members = municipalities[:3], municipalities[3:]
    small, large = body("q-small", small_members), body("q-large", large_members)
    _data(small, small_members, 2)
    _data(large, large_members, 12)
    small_org, large_org = small_members[0], large_members[0]
    for org in (small_org, large_org):
        results(org, 2031, {"political": 40, "financial": 70, "human": 20})
    small_user, large_user = person(small_org, Role.EDITOR), person(large_org, Role.EDITOR)

    n, (ranked, _info) = count_queries(
        lambda: selectors.offers_recommended(organisation=small_org, user=small_user)
    )
    assert len(ranked) == 2 and n <= 12
    empty_query_log()
    with django_assert_max_num_queries(n):
        ranked, _info = selectors.offers_recommended(organisation=large_org, user=large_user)
    assert len(ranked) == 10

    def page(org, u):
        """Log in; return the organisation's support page address."""
        url = reverse("support:organisation", args=[org.slug])
        client.force_login(u)
        client.get(url)  # the session is read once first
        return url

    url = page(small_org, small_user)
    n, response = count_queries(lambda: client.get(url))
    assert len(response.context["recommendations"]) == 2 and n > 10
    url = page(large_org, large_user)
    empty_query_log()
    with django_assert_max_num_queries(n):
        assert len(client.get(url).context["recommendations"]) == 10
