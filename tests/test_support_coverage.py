"""The coverage grid: members' shared needs and the body's offers per capital × form."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from kraftsamla.accounts.models import Role
from kraftsamla.organisations.models import Membership, MembershipRole
from kraftsamla.support import selectors
from kraftsamla.support.models import EnrolmentStatus, OfferStatus, TargetGroup
from tests.factories.accounts import UserFactory
from tests.factories.organisations import (
    RegionalBodyFactory,
)
from tests.factories.support import (
    KNOWLEDGE,
    RESOURCES,
    ROOM,
    EnrolmentFactory,
    NeedFactory,
    OfferFactory,
)
from tests.helpers import (
    PRIVATE,
    PUBLIC,
    count_queries,
    empty_query_log,
    stockholm_municipalities,
)

pytestmark = pytest.mark.django_db

POLITICIANS, SENIOR, OPERATIONAL = (
    TargetGroup.POLITICIANS,
    TargetGroup.SENIOR_MANAGERS,
    TargetGroup.OPERATIONAL,
)


@pytest.fixture
def grid_data(db):
    m1, m2, m3, m4, outsider = stockholm_municipalities(5)
    b = RegionalBodyFactory(slug="grid", members=[m1, m2, m3, m4])
    n = {
        "m1_fin": NeedFactory(
            organisation=m1,
            capital="financial",
            collaboration_form=RESOURCES,
            target_group=POLITICIANS,
            year=2026,
        ),
        "m2_fin": NeedFactory(
            organisation=m2,
            capital="financial",
            collaboration_form=RESOURCES,
            sharing_level=PUBLIC,
            year=2026,
        ),
        "m3_fin_private": NeedFactory(
            organisation=m3,
            capital="financial",
            collaboration_form=RESOURCES,
            sharing_level=PRIVATE,
            year=2026,
        ),
        "m1_pol": NeedFactory(
            organisation=m1,
            capital="political",
            collaboration_form=KNOWLEDGE,
            target_group=SENIOR,
            year=2025,
        ),
        "m2_human_no_form": NeedFactory(organisation=m2, capital="human", year=2026),
        "m3_human_private": NeedFactory(
            organisation=m3, capital="human", sharing_level=PRIVATE, year=2026
        ),
        "m4_rel": NeedFactory(
            organisation=m4, capital="relational", collaboration_form=ROOM, year=2026
        ),
        "outsider": NeedFactory(
            organisation=outsider,
            capital="financial",
            collaboration_form=RESOURCES,
            sharing_level=PUBLIC,
            year=2026,
        ),
    }
    o = {
        "fin_org": OfferFactory(
            provider=b,
            title="Gemensam finansieringsexpert",
            capitals=["financial", "organisational"],
            collaboration_form=RESOURCES,
            target_groups=[POLITICIANS],
            seats=10,
            start_date=datetime.date(2026, 1, 1),
            end_date=datetime.date(2026, 12, 31),
        ),
        "pol_planned": OfferFactory(
            provider=b,
            title="Politikerutbildning",
            capitals=["political"],
            collaboration_form=KNOWLEDGE,
            status=OfferStatus.PLANNED,
            target_groups=[SENIOR],
        ),
        "real_running": OfferFactory(
            provider=b,
            title="Gemensamma anläggningar",
            capitals=["real"],
            collaboration_form=ROOM,
            status=OfferStatus.RUNNING,
            is_continuous=True,
        ),
        "dyn_2025": OfferFactory(
            provider=b,
            title="Testbädd",
            capitals=["dynamic"],
            collaboration_form=KNOWLEDGE,
            target_groups=[OPERATIONAL],
            start_date=datetime.date(2025, 3, 1),
            end_date=datetime.date(2025, 11, 30),
        ),
    }
    EnrolmentFactory(offer=o["fin_org"], organisation=m1)
    EnrolmentFactory(offer=o["fin_org"], organisation=m2)
    EnrolmentFactory(offer=o["fin_org"], organisation=m2, status=EnrolmentStatus.WAITING)
    return {"body": b, "members": (m1, m2, m3, m4), "needs": n, "offers": o}


def cell(grid, capital, form):
    return grid.cells[(capital, form)]


def needs_in(body, capital, form, **filters):
    """The shared needs the cell's drill-down lists (the grid itself only counts them)."""
    grid = selectors.coverage_grid(body=body, **filters)
    detail = selectors.coverage_cell(grid=grid, capital=capital, collaboration_form=form, **filters)
    return set(detail.needs)


def test_counts_shared_needs_only_and_finds_gaps_and_unused_offers(grid_data):
    b, (m1, m2, _m3, _m4), n, o = (grid_data[k] for k in ("body", "members", "needs", "offers"))
    grid = selectors.coverage_grid(body=b)

    assert grid.member_count == 4
    assert len(grid.cells) == 21
    fin = cell(grid, "financial", RESOURCES)
    # The private need and the non-member's public need never count.
    assert fin.need_count == 2 and fin.member_ids == {m1.pk, m2.pk}
    assert needs_in(b, "financial", RESOURCES) == {n["m1_fin"], n["m2_fin"]}
    assert fin.municipalities == sorted([m1.display_name, m2.display_name])
    assert fin.offers == [o["fin_org"]]
    assert fin.available_offers == [o["fin_org"]]
    assert (fin.seats, fin.uptake, fin.is_gap, fin.is_unused) == (10, 2, False, False)
    # An offer strengthening two capitals counts in both cells.
    org = cell(grid, "organisational", RESOURCES)
    assert org.offers == [o["fin_org"]] and org.need_count == 0 and org.is_unused
    # Gaps: needs but no open or running offer (a planned one does not close the gap).
    pol = cell(grid, "political", KNOWLEDGE)
    assert pol.need_count == 1 and pol.offers == [o["pol_planned"]]
    assert needs_in(b, "political", KNOWLEDGE) == {n["m1_pol"]}
    assert pol.available_offers == [] and pol.is_gap
    assert {(c.capital, c.collaboration_form) for c in grid.gaps} == {
        ("political", KNOWLEDGE),
        ("relational", ROOM),
    }
    assert {(c.capital, c.collaboration_form) for c in grid.unused} == {
        ("organisational", RESOURCES),
        ("real", ROOM),
        ("dynamic", KNOWLEDGE),
    }
    # A running continuous offer is available and has no seat limit.
    assert cell(grid, "real", ROOM).seats is None
    # Needs without a preferred form are counted apart, per capital, shared only.
    assert grid.needs_without_form == {"human": 1}
    assert all(not c.need_count for c in grid.cells.values() if c.capital == "human")
    rows = list(grid.rows())
    assert [r[0] for r in rows] == [
        "political",
        "financial",
        "relational",
        "human",
        "dynamic",
        "organisational",
        "real",
    ]
    assert rows[3][3] == 1
    assert grid.need_count == 5


def test_target_group_filter_keeps_needs_and_offers_for_the_group_or_for_anyone(grid_data):
    b, n, o = grid_data["body"], grid_data["needs"], grid_data["offers"]
    grid = selectors.coverage_grid(body=b, target_group=POLITICIANS)

    assert cell(grid, "financial", RESOURCES).need_count == 2
    assert needs_in(b, "financial", RESOURCES, target_group=POLITICIANS) == {
        n["m1_fin"],
        n["m2_fin"],
    }
    assert cell(grid, "financial", RESOURCES).offers == [o["fin_org"]]
    pol = cell(grid, "political", KNOWLEDGE)
    assert pol.need_count == 0 and pol.offers == []  # both are for senior managers
    assert cell(grid, "dynamic", KNOWLEDGE).offers == []  # for operational units
    assert cell(grid, "real", ROOM).offers == [o["real_running"]]  # for anyone
    assert grid.needs_without_form == {"human": 1}
    assert {(c.capital, c.collaboration_form) for c in grid.gaps} == {("relational", ROOM)}

    senior = selectors.coverage_grid(body=b, target_group=SENIOR)
    assert needs_in(b, "political", KNOWLEDGE, target_group=SENIOR) == {n["m1_pol"]}
    assert needs_in(b, "financial", RESOURCES, target_group=SENIOR) == {n["m2_fin"]}
    assert cell(senior, "financial", RESOURCES).need_count == 1
    assert cell(senior, "financial", RESOURCES).offers == []
    assert cell(senior, "financial", RESOURCES).is_gap


def test_year_filter_keeps_needs_of_the_year_and_offers_running_in_it(grid_data):
    b, n, o = grid_data["body"], grid_data["needs"], grid_data["offers"]
    grid = selectors.coverage_grid(body=b, year=2025)

    assert [c for c in grid.cells.values() if c.need_count] == [cell(grid, "political", KNOWLEDGE)]
    assert needs_in(b, "political", KNOWLEDGE, year=2025) == {n["m1_pol"]}
    assert cell(grid, "financial", RESOURCES).offers == []  # runs in 2026 only
    assert cell(grid, "dynamic", KNOWLEDGE).offers == [o["dyn_2025"]]
    assert cell(grid, "real", ROOM).offers == [o["real_running"]]  # no dates: every year
    assert cell(grid, "political", KNOWLEDGE).offers == [o["pol_planned"]]
    assert grid.needs_without_form == {}

    later = selectors.coverage_grid(body=b, year=2026)
    assert cell(later, "dynamic", KNOWLEDGE).offers == []
    assert cell(later, "political", KNOWLEDGE).need_count == 0
    assert needs_in(b, "financial", RESOURCES, year=2026) == {n["m1_fin"], n["m2_fin"]}


def test_former_members_needs_do_not_count_even_when_they_are_members_elsewhere(grid_data):
    """An ended membership leaves the grid, whatever other bodies the municipality belongs to."""
    b = grid_data["body"]
    former = stockholm_municipalities(
        1, exclude=[*grid_data["members"], *stockholm_municipalities(5)]
    )[0]
    Membership.objects.create(
        member=former,
        body=b,
        role=MembershipRole.MEMBER,
        start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2020, 1, 1),
    )
    RegionalBodyFactory(slug="elsewhere", members=[former])
    NeedFactory(organisation=former, capital="real", collaboration_form=ROOM, year=2026)

    grid = selectors.coverage_grid(body=b)
    assert grid.member_count == 4
    assert cell(grid, "real", ROOM).need_count == 0
    assert needs_in(b, "real", ROOM) == set()
    assert former not in [m for m, _n in selectors.body_uptake(body=b)["members"]]


def _bulk(b, members, n_offers):
    capitals = ["political", "financial", "human", "real", "dynamic", "relational"]
    forms = [KNOWLEDGE, RESOURCES, ROOM]
    for i, m in enumerate(members):
        for j in range(3):
            NeedFactory(
                organisation=m,
                capital=capitals[(i + j) % 6],
                collaboration_form=forms[j] if j else "",
                year=2026,
            )
    for i in range(n_offers):
        o = OfferFactory(
            provider=b,
            title=f"Erbjudande {i}",
            capitals=[capitals[i % 6], capitals[(i + 2) % 6]],
            collaboration_form=forms[i % 3],
            seats=5 if i % 2 else None,
        )
        for m in members[: 1 + i % 3]:
            EnrolmentFactory(offer=o, organisation=m)


def test_grid_and_page_use_the_same_number_of_queries_whatever_the_size(
    client, django_assert_max_num_queries
):
    municipalities = stockholm_municipalities(16)
    small_members, large_members = municipalities[:2], municipalities[2:]
    small, large = (
        RegionalBodyFactory(slug="cov-small", members=small_members),
        RegionalBodyFactory(slug="cov-large", members=large_members),
    )
    _bulk(small, small_members, 2)
    _bulk(large, large_members, 25)

    def read(b):
        grid = selectors.coverage_grid(body=b)
        for _key, _label, cells, _nf in grid.rows():
            for c in cells:
                _ = (c.municipalities, c.seats, c.uptake, c.is_gap, c.is_unused)
        return grid

    n, _grid = count_queries(lambda: read(small))
    assert n <= 4
    empty_query_log()
    with django_assert_max_num_queries(n):
        grid = read(large)
    assert grid.member_count == 14 and sum(len(c.offers) for c in grid.cells.values()) == 50

    def page(b):
        """Log in as the body's editor; return the drill-down page's address."""
        url = reverse("support:coverage", args=[b.slug])
        client.force_login(UserFactory(organisation=b, role=Role.EDITOR))
        client.get(url)  # the session is read once first
        return url

    url = page(small)
    n, response = count_queries(lambda: client.get(url, {"cell": f"financial:{RESOURCES}"}))
    assert response.status_code == 200 and 4 < n <= 12
    url = page(large)
    empty_query_log()
    with django_assert_max_num_queries(n):
        response = client.get(url, {"cell": f"financial:{RESOURCES}"})
    assert len(response.context["focus_cell"].needs) > 0
