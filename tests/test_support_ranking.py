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

from kraftsamla.accounts.models import Role
from kraftsamla.capacity.models import Respondent, RoleGroup
from kraftsamla.core import versions
from kraftsamla.organisations.models import Membership, MembershipRole, Organisation
from kraftsamla.support import selectors
from kraftsamla.support.models import OfferStatus, TargetGroup
from tests.factories.accounts import UserFactory
from tests.factories.capacity import (
    StoredResultsFactory,
)
from tests.factories.organisations import (
    RegionalBodyFactory,
)
from tests.factories.support import (
    KNOWLEDGE,
    RESOURCES,
    ROOM,
    NeedFactory,
    OfferFactory,
    RatingFactory,
)
from tests.helpers import (
    PRIVATE,
    PUBLIC,
    count_queries,
    empty_query_log,
    population_class_peers,
    stockholm_municipalities,
)

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
    assessment = StoredResultsFactory(organisation=molndal, year=2031, scores=MOLNDAL_SCORES)
    politician = UserFactory(organisation=molndal, role=Role.EDITOR)
    Respondent.objects.create(
        assessment=assessment, user=politician, role_group=RoleGroup.POLITICIANS
    )
    # Mölndal's own needs: financial in the resource base (shared), human privately.
    NeedFactory(organisation=molndal, capital="financial", collaboration_form=RESOURCES)
    NeedFactory(
        organisation=molndal, capital="human", collaboration_form=KNOWLEDGE, sharing_level=PRIVATE
    )
    # Five more members share a financial need: 6 of 13 in all.
    for prefix in GR_SHARERS:
        NeedFactory(
            organisation=gr_member(prefix),
            capital="financial",
            sharing_level=PUBLIC if prefix == "lerum" else "region",
        )
    NeedFactory(organisation=ale, capital="political", collaboration_form=ROOM)
    # Not counted: a private need, a non-member's public need, an ex-member's shared need.
    NeedFactory(organisation=gr_member("tjorn"), capital="financial", sharing_level=PRIVATE)
    NeedFactory(organisation=gr_member("tjorn"), capital="political", sharing_level=PRIVATE)
    outsider, ex_member = stockholm_municipalities(2)
    NeedFactory(organisation=outsider, capital="financial", sharing_level=PUBLIC)
    Membership.objects.create(
        member=ex_member,
        body=gr,
        role=MembershipRole.MEMBER,
        start_date=datetime.date(2010, 1, 1),
        end_date=datetime.date(2020, 1, 1),
    )
    NeedFactory(organisation=ex_member, capital="financial")
    NeedFactory(organisation=ex_member, capital="political")

    a = OfferFactory(
        provider=gr,
        title="A Finansieringsstöd",
        capitals=["financial"],
        collaboration_form=RESOURCES,
        target_groups=[TargetGroup.POLITICIANS],
    )
    b = OfferFactory(
        provider=gr,
        title="B Politisk utbildning",
        capitals=["political"],
        collaboration_form=KNOWLEDGE,
        target_groups=[TargetGroup.SENIOR_MANAGERS],
    )
    c = OfferFactory(
        provider=gr,
        title="C Gemensamma anläggningar",
        capitals=["real", "human"],
        collaboration_form=ROOM,
    )
    d = OfferFactory(
        provider=gr,
        title="D Testa nya arbetssätt",
        capitals=["dynamic"],
        status=OfferStatus.RUNNING,
        open_to=[molndal],
    )
    # Never recommended to Mölndal: planned, closed, open only to Ale, another body's offer.
    OfferFactory(
        provider=gr, title="E Planerat", capitals=["financial"], status=OfferStatus.PLANNED
    )
    OfferFactory(provider=gr, title="F Avslutat", capitals=["financial"], status=OfferStatus.CLOSED)
    OfferFactory(provider=gr, title="G Bara för Ale", capitals=["financial"], open_to=[ale])
    OfferFactory(
        provider=RegionalBodyFactory(slug="other-body", members=stockholm_municipalities(3)),
        title="H Annat förbund",
        capitals=["financial"],
    )

    similar = population_class_peers(molndal, 3)
    # The similar municipalities took part in earlier rounds (history: not members of GR today).
    assert ale.population_class != molndal.population_class
    # B: two similar municipalities (5, 4) decide; Ale's 1 is left out of the similar pool.
    RatingFactory(offer=b, organisation=similar[0], score=5, history=True)
    RatingFactory(offer=b, organisation=similar[1], score=4, history=True)
    RatingFactory(offer=b, organisation=ale, score=1)
    # C: only one similar rating, so all participants count: (2 + 3 + 1) / 3 = 2.0.
    RatingFactory(offer=c, organisation=similar[2], score=2, history=True)
    RatingFactory(offer=c, organisation=ale, score=3)
    RatingFactory(offer=c, organisation=ale, score=1)
    # D: a single rating is below MIN_RATINGS and gives nothing.
    RatingFactory(offer=d, organisation=similar[0], score=5, history=True)
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
    colleague = UserFactory(organisation=molndal, role=Role.VIEWER)
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
    m1, m2, m3, m4 = stockholm_municipalities(4)
    b = RegionalBodyFactory(slug="no-assessment", members=[m1, m2, m3, m4])
    NeedFactory(organisation=m1, capital="human", collaboration_form=KNOWLEDGE)
    NeedFactory(organisation=m2, capital="human", sharing_level=PRIVATE)
    NeedFactory(organisation=m3, capital="organisational")
    o1 = OfferFactory(
        provider=b, title="Människor", capitals=["human"], collaboration_form=KNOWLEDGE
    )
    o2 = OfferFactory(
        provider=b,
        title="Organisation",
        capitals=["organisational", "real"],
        collaboration_form=ROOM,
    )
    RatingFactory(offer=o2, organisation=m2, score=5)
    RatingFactory(offer=o2, organisation=m3, score=5)
    with translation.override("en"):
        ranked, info = selectors.offers_recommended(
            organisation=m1, user=UserFactory(organisation=m1)
        )
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
    current, former = stockholm_municipalities(2)
    b = RegionalBodyFactory(slug="former", members=[current])
    Membership.objects.create(
        member=former,
        body=b,
        role=MembershipRole.MEMBER,
        start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2020, 1, 1),
    )
    OfferFactory(provider=b, title="Bara för medlemmar")
    assert selectors.bodies_for(former) == []
    ranked, _info = selectors.offers_recommended(
        organisation=former, user=UserFactory(organisation=former)
    )
    assert ranked == []
    assert (
        len(
            selectors.offers_recommended(
                organisation=current, user=UserFactory(organisation=current)
            )[0]
        )
        == 1
    )


def _data(b: Organisation, members: list[Organisation], n: int) -> None:
    capitals = ["political", "financial", "human", "real", "dynamic"]
    for i in range(n):
        o = OfferFactory(
            provider=b,
            title=f"Offer {i}",
            capitals=[capitals[i % 5], capitals[(i + 1) % 5]],
            target_groups=[TargetGroup.STRATEGIC],
        )
        for m in members[: 2 + i % 3]:
            NeedFactory(organisation=m, capital=capitals[i % 5], collaboration_form=KNOWLEDGE)
            RatingFactory(offer=o, organisation=m, score=1 + i % 5)


def test_query_count_does_not_grow_with_members_needs_and_offers(
    client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    municipalities = stockholm_municipalities(15)
    small_members, large_members = municipalities[:3], municipalities[3:]
    small, large = (
        RegionalBodyFactory(slug="q-small", members=small_members),
        RegionalBodyFactory(slug="q-large", members=large_members),
    )
    _data(small, small_members, 2)
    _data(large, large_members, 12)
    small_org, large_org = small_members[0], large_members[0]
    for org in (small_org, large_org):
        StoredResultsFactory(
            organisation=org, year=2031, scores={"political": 40, "financial": 70, "human": 20}
        )
    small_user, large_user = (
        UserFactory(organisation=small_org, role=Role.EDITOR),
        UserFactory(organisation=large_org, role=Role.EDITOR),
    )

    n, (ranked, _info) = count_queries(
        lambda: selectors.offers_recommended(organisation=small_org, user=small_user)
    )
    assert len(ranked) == 2 and n <= 12
    empty_query_log()
    with django_assert_max_num_queries(n):
        ranked, _info = selectors.offers_recommended(organisation=large_org, user=large_user)
    assert len(ranked) == 10

    def page(org, u):
        """Log in; return the organisation's support page address, its ranking not cached."""
        url = reverse("support:organisation", args=[org.slug])
        client.force_login(u)
        client.get(url)  # the session is read once first
        with django_capture_on_commit_callbacks(execute=True):
            versions.bump("support")  # as any support write does: the next view ranks anew
        return url

    url = page(small_org, small_user)
    n, response = count_queries(lambda: client.get(url))
    assert len(response.context["recommendations"]) == 2 and n > 10
    url = page(large_org, large_user)
    empty_query_log()
    with django_assert_max_num_queries(n):
        assert len(client.get(url).context["recommendations"]) == 10
