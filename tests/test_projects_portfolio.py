"""A regional body's portfolio: the ranking rule (hand-computed), criteria and scores
(services, rules allowed and denied), the page (filters, chart, decision log, query
counts), downloads, the API, and that a private project never shows."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kraftsamla.capacity.models import CapitalKey
from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import AuditEvent, Role
from kraftsamla.organisations.models import population_class_for
from kraftsamla.projects import portfolio, selectors, services
from kraftsamla.projects.models import PortfolioCriterion, PriorityScore, ProjectStatus
from tests.factories.accounts import UserFactory
from tests.factories.organisations import RegionalBodyFactory
from tests.factories.projects import ProjectFactory
from tests.helpers import (
    PRIVATE,
    PUBLIC,
    count_queries,
    empty_query_log,
    stockholm_municipalities,
    token_client,
    translate,
)

pytestmark = pytest.mark.django_db

C = portfolio.Criterion


def _criteria(*rows) -> list[portfolio.Criterion]:
    return [C(key, key, "", weight, axis) for key, weight, axis in rows]


# --- The ranking rule, by hand ---------------------------------------------------------


def test_the_weighted_score_is_the_weighted_mean_of_the_scored_criteria():
    criteria = _criteria(("a", 3, "impact"), ("b", 1, "effort"))
    # (3 × 4 + 1 × 0) / (3 + 1) = 12 / 4 = 3
    assert portfolio.weighted_score(criteria, {"a": 4, "b": 0}) == Decimal("3.00")
    # (3 × 1 + 1 × 2) / 4 = 5 / 4 = 1.25
    assert portfolio.weighted_score(criteria, {"a": 1, "b": 2}) == Decimal("1.25")


def test_a_missing_score_is_left_out_not_counted_as_zero():
    criteria = _criteria(("a", 3, "impact"), ("b", 1, "effort"))
    # Only a is scored: 3 × 2 / 3 = 2, on 3 of the 4 weight.
    assert portfolio.weighted_score(criteria, {"a": 2}) == Decimal("2.00")
    assert portfolio.coverage(criteria, {"a": 2}) == Decimal("0.75")
    assert portfolio.weighted_score(criteria, {}) is None
    assert portfolio.coverage(criteria, {}) == Decimal("0.00")


def test_a_criterion_of_weight_zero_does_not_count():
    criteria = _criteria(("a", 2, "impact"), ("b", 0, "impact"))
    assert portfolio.weighted_score(criteria, {"a": 1, "b": 4}) == Decimal("1.00")
    assert portfolio.weighted_score(criteria, {"b": 4}) is None


def test_the_defaults_all_scored_give_score_impact_effort_and_quadrant():
    criteria = portfolio.default_criteria()
    assert [c.weight for c in criteria] == [3, 2, 2, 2, 1, 2]
    scores = {
        "emission_impact": (4, "r"),
        "capitals": (3, "r"),
        "shared_by": (2, "r"),
        "feasibility": (1, "r"),
        "cost": (0, "r"),
        "regional_fit": (4, "r"),
    }

    class P:
        pk, title = 1, "Idé"

    [row] = portfolio.rank(criteria, [P()], {1: scores})
    # (3·4 + 2·3 + 2·2 + 2·1 + 1·0 + 2·4) / 12 = 32 / 12 = 2.666… → 2.67
    assert row.score == Decimal("2.67")
    # Impact: (12 + 6 + 4 + 8) / 9 = 3.333… → 3.33
    assert row.impact == Decimal("3.33")
    # Effort: 4 − (2·1 + 1·0) / 3 = 4 − 0.67 = 3.33
    assert row.effort == Decimal("3.33")
    assert row.coverage == Decimal("1.00")
    assert row.quadrant == translate("Major project", "en") or row.quadrant


def test_ranking_puts_unscored_projects_last_without_a_rank():
    criteria = _criteria(("a", 1, "impact"), ("b", 1, "effort"))

    class P:
        def __init__(self, pk, title):
            self.pk, self.title = pk, title

    projects = [P(1, "Inga poäng"), P(2, "Låg"), P(3, "Hög"), P(4, "Hög men halv")]
    scores = {2: {"a": (1, "r"), "b": (1, "r")}, 3: {"a": (4, "r"), "b": (2, "r")}}
    scores[4] = {"a": (3, "r")}
    rows = portfolio.rank(criteria, projects, scores)
    # 3: (4 + 2) / 2 = 3; 4: 3 / 1 = 3 on half the weight (after 3); 2: 1; 1: none.
    assert [row.project.pk for row in rows] == [3, 4, 2, 1]
    assert [row.rank for row in rows] == [1, 2, 3, None]
    assert rows[1].coverage == Decimal("0.50")
    assert rows[1].in_chart is False  # no effort score: not in the chart


# --- A body with members, its editor and a viewer -----------------------------------------


class Body:
    def __init__(self) -> None:
        self.members = stockholm_municipalities(3)
        self.body = RegionalBodyFactory(members=self.members)
        self.editor = UserFactory(organisation=self.body, role=Role.EDITOR)
        self.viewer = UserFactory(organisation=self.body, role=Role.VIEWER)
        self.outsider = UserFactory(organisation=self.members[0], role=Role.EDITOR)

    def idea(self, member: int = 0, title: str = "Idé", **data):
        return ProjectFactory(owner=self.members[member], title=title, **data)

    def url(self, name: str = "projects:portfolio", **kwargs) -> str:
        return reverse(name, kwargs={"slug": self.body.slug, **kwargs})

    def client(self, user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def score(self, project, **scores):
        return services.portfolio_scores_set(
            actor=self.editor,
            body=self.body,
            project=project,
            scores={key: (value, f"Skäl för {key}") for key, value in scores.items()},
        )


@pytest.fixture
def body():
    return Body()


# --- Scores ------------------------------------------------------------------------------


def test_an_editor_of_the_body_scores_a_project_with_reasons_audited(body):
    project = body.idea()
    before = AuditEvent.objects.count()
    body.score(project, emission_impact=4, cost=2)
    rows = {row.criterion: row for row in PriorityScore.objects.filter(project=project)}
    assert {key: row.score for key, row in rows.items()} == {"emission_impact": 4, "cost": 2}
    assert rows["cost"].reason == "Skäl för cost"
    assert rows["cost"].scored_by == body.editor
    assert AuditEvent.objects.count() == before + 2
    # Clearing a score removes it (audited): it counts as not scored again.
    services.portfolio_scores_set(
        actor=body.editor, body=body.body, project=project, scores={"cost": (None, "")}
    )
    assert set(
        PriorityScore.objects.filter(project=project).values_list("criterion", flat=True)
    ) == {"emission_impact"}
    assert AuditEvent.objects.count() == before + 3


def test_bad_scores_are_field_errors_and_nothing_is_saved(body):
    project = body.idea()
    with pytest.raises(ValidationError) as error:
        services.portfolio_scores_set(
            actor=body.editor,
            body=body.body,
            project=project,
            scores={"emission_impact": (4, "Bra"), "cost": (5, "För dyr"), "capitals": (2, "")},
        )
    assert set(error.value.message_dict) == {"score_cost", "reason_capitals"}
    assert not PriorityScore.objects.filter(project=project).exists()


def test_a_viewer_of_the_body_may_not_score(body):
    project = body.idea()
    with pytest.raises(PermissionDenied):
        services.portfolio_scores_set(
            actor=body.viewer, body=body.body, project=project, scores={"cost": (1, "r")}
        )


def test_an_editor_of_another_body_may_not_score(body):
    other = RegionalBodyFactory(members=body.members)
    project = body.idea()
    with pytest.raises(PermissionDenied):
        services.portfolio_scores_set(
            actor=body.editor, body=other, project=project, scores={"cost": (1, "r")}
        )


def test_a_project_outside_the_portfolio_cannot_be_scored(body):
    outside = ProjectFactory(owner=stockholm_municipalities(1, exclude=body.members)[0])
    private = body.idea(sharing_level=PRIVATE)
    for project in (outside, private):
        with pytest.raises(Http404):
            body.score(project, cost=1)


# --- Criteria ----------------------------------------------------------------------------


def _rows(**weights):
    return [
        {
            "key": c.key,
            "name": c.name,
            "description": c.description,
            "weight": weights.get(c.key, c.weight),
            "axis": c.axis,
        }
        for c in portfolio.default_criteria()
    ]


def test_the_body_changes_its_weights_and_the_ranking_follows(body):
    cheap, big = body.idea(title="Billig"), body.idea(1, title="Stor")
    body.score(cheap, emission_impact=1, cost=4)
    body.score(big, emission_impact=4, cost=0)
    # Defaults: cheap (3·1 + 1·4) / 4 = 1.75; big (3·4 + 0) / 4 = 3.
    ranked = selectors.portfolio_ranked(body.editor, body.body).rows
    assert [row.project.title for row in ranked] == ["Stor", "Billig"]
    services.portfolio_criteria_update(
        actor=body.editor, body=body.body, criteria=_rows(emission_impact=1, cost=5)
    )
    # Now: cheap (1 + 20) / 6 = 3.5; big (4 + 0) / 6 = 0.67.
    ranked = selectors.portfolio_ranked(body.editor, body.body).rows
    assert [(row.project.title, row.score) for row in ranked] == [
        ("Billig", Decimal("3.50")),
        ("Stor", Decimal("0.67")),
    ]
    assert PortfolioCriterion.objects.filter(body=body.body).count() == 6


@pytest.mark.parametrize("weight", [-1, 11, "två", 2.5])
def test_an_invalid_weight_is_an_error_at_its_field(body, weight):
    with pytest.raises(ValidationError) as error:
        services.portfolio_criteria_update(
            actor=body.editor, body=body.body, criteria=_rows(cost=weight)
        )
    assert set(error.value.message_dict) == {"weight_cost"}
    assert not PortfolioCriterion.objects.filter(body=body.body).exists()


def test_all_weights_zero_is_refused(body):
    zero = {c.key: 0 for c in portfolio.default_criteria()}
    with pytest.raises(ValidationError) as error:
        services.portfolio_criteria_update(
            actor=body.editor, body=body.body, criteria=_rows(**zero)
        )
    assert "weight_emission_impact" in error.value.message_dict


def test_a_viewer_may_not_change_the_criteria(body):
    with pytest.raises(PermissionDenied):
        services.portfolio_criteria_update(actor=body.viewer, body=body.body, criteria=_rows())


def test_the_criteria_page_shows_a_bad_weight_at_its_field(body):
    client = body.client(body.editor)
    data = {}
    for row in _rows(cost=12):
        for name in ("name", "description", "weight", "axis"):
            data[f"{name}_{row['key']}"] = row[name]
    response = client.post(body.url("projects:portfolio_criteria"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_weight_cost-errors"' in html
    assert 'aria-describedby="id_weight_cost-errors"' in html or "id_weight_cost-errors" in html
    data["weight_cost"] = "5"
    response = client.post(body.url("projects:portfolio_criteria"), data)
    assert response.status_code == 302
    assert PortfolioCriterion.objects.get(body=body.body, key="cost").weight == 5


def test_a_viewer_sees_the_criteria_without_a_form_and_may_not_post(body):
    client = body.client(body.viewer)
    response = client.get(body.url("projects:portfolio_criteria"))
    assert response.status_code == 200
    assert b'<form method="post"' not in response.content
    assert client.post(body.url("projects:portfolio_criteria"), {}).status_code == 403


# --- The page ----------------------------------------------------------------------------


def test_the_page_ranks_scored_projects_and_marks_the_unscored(body):
    scored = body.idea(title="Återbrukshubb")
    body.idea(1, title="Oviss idé")
    body.score(scored, emission_impact=4, feasibility=4)
    response = body.client(body.viewer).get(body.url())
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Återbrukshubb") < html.index("Oviss idé")
    assert translate("not scored") in html
    # Impact 4, effort 4 − 4 = 0: in the chart and in its table.
    assert "<svg" in html and translate("Impact and effort as a table") in html
    assert translate("Quick win") in html


def test_page_queries_do_not_grow_with_projects(body, django_assert_num_queries):
    from django.core.cache import cache

    client = body.client(body.editor)

    def add(numbers):
        for number in numbers:
            project = body.idea(number % 3, title=f"Idé {number}")
            body.score(project, emission_impact=number % 5, cost=1)
            services.project_prepare(
                actor=body.editor, project=project, reason="Värd", next_step="Möte"
            )

    def counts():
        """Queries of the first view (nothing cached) and of a repeat view."""
        cache.clear()
        first, _response = count_queries(lambda: client.get(body.url()))
        repeat, _response = count_queries(lambda: client.get(body.url()))
        return first, repeat

    add(range(2))
    client.get(body.url())  # the session
    first, repeat = counts()
    add(range(2, 20))
    assert counts() == (first, repeat)
    cache.clear()
    client.get(body.url())
    empty_query_log()
    with django_assert_num_queries(repeat):
        response = client.get(body.url())
    assert 'id="portfolio-list"' in response.content.decode()
    assert len(response.context["data"].rows) == 20
    assert response.content.decode().count(translate("In preparation")) >= 20


def test_the_list_is_paginated(body, monkeypatch):
    from kraftsamla.projects import views

    monkeypatch.setattr(views, "PORTFOLIO_PAGE_SIZE", 2)
    for number in range(3):
        body.idea(title=f"Idé {number}")
    client = body.client(body.viewer)
    first = client.get(body.url()).content.decode()
    assert "page=2" in first
    second = client.get(body.url() + "?page=2").content.decode()
    assert second.count('<th scope="row"><a href="/projekt/') == 1


def test_filters_narrow_the_list(body):
    body.idea(0, title="Sol", capitals=[CapitalKey.FINANCIAL], start_date="2024-03-01")
    idea = body.idea(1, title="Vind")
    services.project_prepare(actor=body.editor, project=idea, reason="Bra", next_step="Möte")
    client = body.client(body.viewer)

    def titles(**query):
        rows = client.get(body.url(), query).context["data"].rows
        return {row.project.title for row in rows}

    assert titles() == {"Sol", "Vind"}
    assert titles(status=ProjectStatus.IN_PREPARATION) == {"Vind"}
    assert titles(capital=CapitalKey.FINANCIAL) == {"Sol"}
    assert titles(municipality=body.members[1].slug) == {"Vind"}
    assert titles(year=2024) == {"Sol"}
    sizes = {population_class_for(member.population) for member in body.members[:2]}
    for size in sizes:
        expected = {
            title
            for member, title in zip(body.members[:2], ("Sol", "Vind"), strict=True)
            if population_class_for(member.population) == size
        }
        assert titles(population_class=size) == expected
    response = client.get(body.url(), {"year": "tusen"})
    assert response.status_code == 400
    assert 'id="id_year-errors"' in response.content.decode()


@pytest.mark.parametrize(("who", "status"), [("viewer", 200), ("editor", 200), ("outsider", 403)])
def test_who_may_see_the_portfolio(body, who, status):
    assert body.client(getattr(body, who)).get(body.url()).status_code == status


def test_anonymous_visitors_are_sent_to_log_in_and_a_municipality_is_no_body(body):
    assert Client().get(body.url()).status_code == 302
    client = body.client(body.editor)
    url = reverse("projects:portfolio", kwargs={"slug": body.members[0].slug})
    assert client.get(url).status_code == 404


def test_a_private_project_is_never_in_the_portfolio_counts_or_downloads(body):
    body.idea(0, title="Delad idé")
    secret = body.idea(1, title="Hemlig idé", sharing_level=PRIVATE)
    PriorityScore.objects.create(
        body=body.body, project=secret, criterion="cost", score=4, reason="x"
    )
    # Even a coordinator who is also an editor of the owner sees no private idea here.
    UserFactory  # noqa: B018
    from kraftsamla.accounts.services import organisation_role_set

    organisation_role_set(
        actor=SYSTEM, organisation=body.members[1], user=body.editor, role=Role.EDITOR
    )
    client = body.client(body.editor)
    html = client.get(body.url()).content.decode()
    assert "Hemlig idé" not in html
    assert "Delad idé" in html
    assert client.get(body.url() + "?format=csv").content.decode().count("Hemlig") == 0
    assert client.get(body.url("projects:portfolio_project", pk=secret.pk)).status_code == 404
    data = token_client(body.editor).get(f"/api/v1/projects/portfolio/{body.body.slug}/").json()
    assert [row["title"] for row in data["results"]] == ["Delad idé"]
    assert data["count"] == 1


# --- Downloads ---------------------------------------------------------------------------


def _scored_pair(body):
    high = body.idea(0, title="Hög")
    body.score(high, emission_impact=4, cost=1)  # (12 + 1) / 4 = 3.25
    body.idea(1, title="=Utan poäng")
    return high


def test_csv_for_excel_has_decimal_commas_and_empty_cells_for_missing_scores(body):
    _scored_pair(body)
    response = body.client(body.viewer).get(body.url() + "?format=csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header, first, second = rows
    score = header.index(translate("Weighted score (0–4)"))
    assert first[header.index(translate("Title"))] == "Hög"
    assert first[score] == "3,25"
    assert first[header.index(translate("Rank"))] == "1"
    assert second[score] == ""
    # A title that starts like a formula is neutralised.
    assert second[header.index(translate("Title"))] == "'=Utan poäng"


def test_xlsx_opens_with_typed_scores(body):
    _scored_pair(body)
    response = body.client(body.viewer).get(body.url() + "?format=xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    first = [cell.value for cell in sheet[2]]
    assert first[header.index(translate("Weighted score (0–4)"))] == pytest.approx(3.25)
    assert first[header.index(translate("Rank"))] == 1


# --- Decisions from the portfolio ----------------------------------------------------------


def test_the_body_decides_from_the_portfolio_and_the_log_lists_it(body):
    idea = body.idea(title="Laddstolpar")
    services.project_prepare(actor=body.editor, project=idea, reason="Värt", next_step="Möte")
    client = body.client(body.editor)
    page = client.get(body.url("projects:portfolio_project", pk=idea.pk)).content.decode()
    assert 'value="prioritise"' in page and 'value="start"' not in page
    url = body.url("projects:portfolio_decide", pk=idea.pk)
    response = client.post(url, {"action": "prioritise", "reason": ""})
    assert response.status_code == 400
    response = client.post(url, {"action": "prioritise", "reason": "Stor effekt"})
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.status == ProjectStatus.PRIORITISED
    html = body.client(body.viewer).get(body.url()).content.decode()
    assert "Stor effekt" in html and translate("Decision log") in html


def test_a_viewer_may_not_decide(body):
    idea = body.idea()
    services.project_prepare(actor=body.editor, project=idea, reason="Värt", next_step="Möte")
    url = body.url("projects:portfolio_decide", pk=idea.pk)
    response = body.client(body.viewer).post(url, {"action": "park", "reason": "Senare"})
    assert response.status_code == 403
    idea.refresh_from_db()
    assert idea.status == ProjectStatus.IN_PREPARATION


def test_scoring_through_the_page(body):
    idea = body.idea()
    client = body.client(body.editor)
    url = body.url("projects:portfolio_project", pk=idea.pk)
    response = client.post(url, {"score_cost": "3", "reason_cost": ""})
    assert response.status_code == 400
    assert 'id="score-reason_cost-errors"' in response.content.decode()
    response = client.post(url, {"score_cost": "3", "reason_cost": "Finansierat"})
    assert response.status_code == 302
    assert PriorityScore.objects.get(project=idea, criterion="cost").score == 3
    assert body.client(body.viewer).post(url, {"score_cost": "1"}).status_code == 403


# --- API ---------------------------------------------------------------------------------


def test_the_api_gives_the_ranked_portfolio_with_scores(body):
    high = _scored_pair(body)
    response = token_client(body.viewer).get(
        f"/api/v1/projects/portfolio/{body.body.slug}/", {"status": "idea"}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    first = data["results"][0]
    assert first["id"] == high.pk and first["rank"] == 1
    assert first["score"] == "3.25"
    assert first["scores"]["cost"] == {"score": 1, "reason": "Skäl för cost"}
    assert data["results"][1]["score"] is None
    assert [c["key"] for c in data["criteria"]][0] == "emission_impact"


def test_the_api_refuses_outsiders_and_bad_filters(body):
    url = f"/api/v1/projects/portfolio/{body.body.slug}/"
    assert token_client(body.outsider).get(url).status_code == 403
    assert token_client(body.viewer).get(url, {"year": "x"}).status_code == 400
    assert (
        token_client(body.viewer).get("/api/v1/projects/portfolio/finns-inte/").status_code == 404
    )


def test_public_projects_of_members_are_in_the_portfolio(body):
    body.idea(2, title="Öppen", sharing_level=PUBLIC)
    rows = selectors.portfolio_ranked(body.viewer, body.body).rows
    assert [row.project.title for row in rows] == ["Öppen"]
