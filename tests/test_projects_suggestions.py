"""Projects to join or replicate, suggested to a municipality: hand-made cases.

Danderyd (25,000–49,999 inhabitants, Stockholm's labour-market region, no demo data)
scored lowest in relations (38), human capital (45) and financial capital (52). The
candidates are made by hand around it: a municipality of the same size elsewhere, a
larger neighbour in the same region, and a municipality that is like it in no way.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kraftsamla.core import access
from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import Role
from kraftsamla.organisations.models import POPULATION_BOUNDS, Organisation, OrganisationKind
from kraftsamla.projects import selectors, services
from kraftsamla.projects.models import ParticipationRole
from tests.factories.accounts import UserFactory
from tests.factories.capacity import StoredResultsFactory
from tests.factories.projects import ProjectFactory
from tests.helpers import (
    ALE_EDITOR,
    PRIVATE,
    PUBLIC,
    REGION,
    count_queries,
    demo_user,
    empty_query_log,
    org_by_slug,
    translate,
)

pytestmark = pytest.mark.django_db

SCORES = {
    "relational": 38,
    "human": 45,
    "financial": 52,
    "political": 70,
    "organisational": 75,
    "dynamic": 80,
    "real": 90,
}


def _same_size_elsewhere(municipality: Organisation) -> Organisation:
    """A municipality of the same population class in another region, with no projects."""
    low, high = POPULATION_BOUNDS[municipality.population_class]
    return (
        Organisation.objects.filter(
            kind=OrganisationKind.MUNICIPALITY, population__gte=low, population__lt=high
        )
        .exclude(fa_region=municipality.fa_region)
        .exclude(pk=municipality.pk)
        .filter(projects__isnull=True, memberships__isnull=True)
        .order_by("name")
        .first()
    )


def _project(owner, title, capitals, status="running", sharing=PUBLIC):
    project = ProjectFactory(owner=owner, title=title, capitals=capitals, sharing_level=sharing)
    if status in ("running", "completed"):
        services.project_start(actor=SYSTEM, project=project)
    if status == "completed":
        services.project_complete(
            actor=SYSTEM, project=project, results="r", lessons="l", reusable="u"
        )
    return project


@pytest.fixture
def danderyd():
    municipality = org_by_slug("danderyd")
    StoredResultsFactory(organisation=municipality, scores=SCORES)
    return municipality


@pytest.fixture
def viewer(danderyd):
    return UserFactory(organisation=danderyd, role=Role.EDITOR)


@pytest.fixture
def cases(danderyd):
    same_size = _same_size_elsewhere(danderyd)
    neighbour = org_by_slug("botkyrka")  # 50,000–99,999, Stockholm's region
    unlike = org_by_slug("kiruna")  # 10,000–24,999, Kiruna's region
    assert neighbour.population_class != danderyd.population_class
    assert neighbour.fa_region_id == danderyd.fa_region_id
    assert unlike.population_class != danderyd.population_class
    assert unlike.fa_region_id != danderyd.fa_region_id
    return {
        "owners": (same_size, neighbour, unlike),
        "join": _project(same_size, "Nätverk för lokala företag", ["relational"]),
        "replicate": _project(same_size, "Klimatskola för chefer", ["human"], "completed"),
        "region": _project(neighbour, "Samverkansråd med näringslivet", ["relational", "real"]),
        "private": _project(same_size, "Hemligt nätverk", ["relational"], sharing=PRIVATE),
        "region_only": _project(same_size, "Regionalt nätverk", ["relational"], sharing=REGION),
        "idea": _project(same_size, "Bara en idé om nätverk", ["relational"], "idea"),
        "strong": _project(same_size, "Ny bussdepå", ["real"]),
        "unlike": _project(unlike, "Nätverk i fjällen", ["relational"]),
    }


def _suggested(viewer, municipality, **kwargs):
    return selectors.projects_suggested(viewer, municipality, limit=50, **kwargs)


def test_right_projects_with_the_reasons_in_words(viewer, danderyd, cases):
    result = _suggested(viewer, danderyd)
    assert not result.size_only
    assert result.weak == [("relational", 38), ("human", 45), ("financial", 52)]
    by_pk = {item.project.pk: item for item in result.ranked}
    assert {cases["join"].pk, cases["replicate"].pk, cases["region"].pk} <= set(by_pk)
    for left_out in ("private", "region_only", "idea", "strong", "unlike"):
        assert cases[left_out].pk not in by_pk, left_out
    same_size = cases["owners"][0]
    join = by_pk[cases["join"].pk]
    assert join.action == "join"
    assert join.reasons == [
        translate("Strengthens %(capital)s, where you scored %(score)s")
        % {"capital": translate("Relational capital").lower(), "score": "38"},
        translate("%(owner)s also has %(size)s")
        % {
            "owner": same_size.display_name,
            "size": translate("25,000–49,999 inhabitants"),
        },
    ]
    assert by_pk[cases["replicate"].pk].action == "replicate"
    region = by_pk[cases["region"].pk]
    assert (
        translate("%(owner)s is in the same labour-market region, %(region)s")
        % {"owner": "Botkyrka", "region": danderyd.fa_region.name}
        in region.reasons
    )


def test_the_weakest_capital_ranks_first(viewer, danderyd, cases):
    order = [item.project.pk for item in _suggested(viewer, danderyd).ranked]
    # Relations (38) before human capital (45), with owners alike in the same way.
    assert order.index(cases["join"].pk) < order.index(cases["replicate"].pk)


def test_projects_it_takes_part_in_or_replicated_are_left_out(viewer, danderyd, cases):
    services.participation_add(
        actor=SYSTEM,
        project=cases["join"],
        organisation=danderyd,
        role=ParticipationRole.PARTICIPANT,
    )
    services.project_replicate(actor=SYSTEM, origin=cases["replicate"], owner=danderyd)
    pks = {item.project.pk for item in _suggested(viewer, danderyd).ranked}
    assert cases["join"].pk not in pks and cases["replicate"].pk not in pks
    assert cases["region"].pk in pks


def test_without_results_similar_size_only_and_it_says_so(cases):
    nykvarn = org_by_slug("nykvarn")  # 10,000–24,999, no assessment
    person = UserFactory(organisation=nykvarn, role=Role.EDITOR)
    result = _suggested(person, nykvarn)
    assert result.size_only and result.weak == [] and result.assessment is None
    pks = {item.project.pk for item in result.ranked}
    # Kiruna is of Nykvarn's size; any capital will do without results.
    assert cases["unlike"].pk in pks
    assert cases["join"].pk not in pks and cases["region"].pk not in pks
    assert all(
        item.project.owner.population_class == nykvarn.population_class for item in result.ranked
    )
    item = next(item for item in result.ranked if item.project.pk == cases["unlike"].pk)
    assert item.reasons == [
        translate("%(owner)s also has %(size)s")
        % {"owner": "Kiruna", "size": translate("10,000–24,999 inhabitants")}
    ]
    page = Client()
    page.force_login(person)
    html = page.get(reverse("projects:organisation", args=["nykvarn"])).content.decode()
    assert (
        translate(
            "Your municipality has no published self-assessment results yet, so these are "
            "projects of municipalities of the same size."
        )
        in html
    )


def test_a_viewer_of_the_municipality_never_gets_what_they_may_not_see(danderyd, cases):
    person = UserFactory(organisation=danderyd, role=Role.VIEWER)
    pks = {item.project.pk for item in _suggested(person, danderyd).ranked}
    assert cases["join"].pk in pks
    assert cases["private"].pk not in pks and cases["region_only"].pk not in pks


def test_staff_who_do_not_belong_to_the_municipality_get_no_suggestions(danderyd, staff):
    client = Client()
    client.force_login(staff)
    response = client.get(reverse("projects:organisation", args=["danderyd"]))
    assert response.context["suggestions"] is None


def test_the_page_shows_suggestions_to_the_municipalitys_people_only(viewer, danderyd, cases):
    client = Client()
    client.force_login(viewer)
    response = client.get(reverse("projects:organisation", args=["danderyd"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert translate("Projects to join or replicate") in html
    assert html.count('id="suggestions-heading"') == 1
    assert html.split("</title>")[0].count("<") == html.split("<title>")[0].count("<") + 1
    assert cases["join"].title in html and cases["private"].title not in html
    assert reverse("projects:join", args=[cases["join"].pk]) + "?organisation=danderyd" in html
    assert (
        translate("Strengthens %(capital)s, where you scored %(score)s")
        % {"capital": translate("Relational capital").lower(), "score": "38"}
        in html
    )
    outsider = Client()
    outsider.force_login(demo_user(ALE_EDITOR))
    assert (
        outsider.get(reverse("projects:organisation", args=["danderyd"])).context["suggestions"]
        is None
    )


def test_a_waiting_request_replaces_the_link(viewer, danderyd, cases):
    services.join_request_create(actor=SYSTEM, project=cases["join"], organisation=danderyd)
    result = _suggested(viewer, danderyd)
    assert cases["join"].pk in result.waiting
    client = Client()
    client.force_login(viewer)
    html = client.get(reverse("projects:organisation", args=["danderyd"])).content.decode()
    assert translate("Your request to join is waiting for an answer.") in html


def test_the_suggestions_use_a_fixed_number_of_queries(
    viewer, danderyd, cases, django_assert_max_num_queries
):
    person = access.Access(viewer)
    # A request reads the viewer's roles once for its whole page.
    assert person.roles and not person.coordinated_ids
    queries, _result = count_queries(lambda: _suggested(person, danderyd))
    assert queries <= 5
    same_size = cases["owners"][0]
    for number in range(5):
        _project(same_size, f"Fler nätverk {number}", ["relational", "human"])
    more, result = count_queries(lambda: _suggested(person, danderyd))
    assert more == queries and len(result.ranked) >= 8
    client = Client()
    client.force_login(viewer)
    url = reverse("projects:organisation", args=["danderyd"])
    client.get(url)
    empty_query_log()
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200
