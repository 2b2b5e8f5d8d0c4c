"""The capacity API: frameworks, assessments scoped by visibility, and writing answers."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from openapi_spec_validator import validate

from kraftsamla.accounts.models import Role
from kraftsamla.capacity.models import Answer, Assessment, Status
from tests.factories.accounts import UserFactory
from tests.factories.capacity import (
    CAPITAL_KEYS,
    TEST_VERSION,
    YEAR,
    AssessmentFactory,
    FrameworkFactory,
    PublishedAssessmentFactory,
    add_and_open,
    transition,
)
from tests.helpers import (
    PRIVATE,
    PUBLIC,
    REGION,
    demo_user,
    token_client,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/capacity"


def answers_url(assessment: Assessment) -> str:
    return f"{BASE}/assessments/{assessment.pk}/answers/"


def put(client: Client, assessment: Assessment, data: dict):
    return client.put(
        answers_url(assessment), data=json.dumps(data), content_type="application/json"
    )


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] and body["error"]["message"]
    return body["error"]


@pytest.fixture(autouse=True)
def framework(db):
    return FrameworkFactory()


@pytest.fixture
def linkoping_set(linkoping):
    """Linköping (no demo assessments) in every status and sharing level that matter."""
    return {
        "draft_public": PublishedAssessmentFactory(
            organisation=linkoping,
            sharing_level=PUBLIC,
            status=Status.DRAFT,
            year=2030,
            per_capital=0,
        ),
        "closed_public": PublishedAssessmentFactory(
            organisation=linkoping,
            sharing_level=PUBLIC,
            status=Status.CLOSED,
            year=2032,
            per_capital=0,
        ),
        "published_private": PublishedAssessmentFactory(
            organisation=linkoping, sharing_level=PRIVATE, year=2033, per_capital=0
        ),
        "published_region": PublishedAssessmentFactory(
            organisation=linkoping, sharing_level=REGION, year=2034, per_capital=0
        ),
        "published_public": PublishedAssessmentFactory(
            organisation=linkoping, sharing_level=PUBLIC, year=2035
        ),
    }


def listed(client: Client, organisation: str = "linkoping") -> set[int]:
    response = client.get(f"{BASE}/assessments/", {"organisation": organisation})
    assert response.status_code == 200
    return {a["id"] for a in response.json()["results"]}


# --- Frameworks -----------------------------------------------------------------------


def test_framework_list_and_detail(client):
    response = client.get(f"{BASE}/frameworks/")
    assert response.status_code == 200
    data = response.json()
    items = data["results"] if isinstance(data, dict) else data
    ours = next(f for f in items if f["version"] == TEST_VERSION)
    assert ours["is_current"] is True
    assert sum(f["is_current"] for f in items) == 1

    response = client.get(f"{BASE}/frameworks/{TEST_VERSION}/")
    assert response.status_code == 200
    detail = response.json()
    assert [c["key"] for c in detail["capitals"]] == CAPITAL_KEYS
    political = detail["capitals"][0]
    assert [s["key"] for s in political["statements"]] == ["political-1", "political-2"]
    assert set(political["statements"][0]["levels"]) == {"0", "1", "2", "3", "4"}
    assert detail["building_steps"][0] == ["political"]
    assert_error(client.get(f"{BASE}/frameworks/no-such-version/"), 404)


# --- Assessments: visibility ----------------------------------------------------------


def test_anonymous_visitors_see_only_published_public_assessments(client, linkoping_set):
    assert listed(client) == {linkoping_set["published_public"].pk}
    response = client.get(f"{BASE}/assessments/")
    assert response.status_code == 200
    for item in response.json()["results"]:
        assert (item["status"], item["sharing_level"]) == (Status.PUBLISHED, PUBLIC)


def test_the_organisations_people_see_all_its_assessments(linkoping_set, linkoping):
    viewer = UserFactory(organisation=linkoping, role=Role.VIEWER)
    assert listed(token_client(viewer)) == {a.pk for a in linkoping_set.values()}
    # Session authentication works too.
    client = Client()
    client.force_login(viewer)
    assert listed(client) == {a.pk for a in linkoping_set.values()}


def test_a_regional_body_sees_region_shared_assessments_of_its_members(
    linkoping_set, linkoping, molndal
):
    # The coordinator of Göteborgsregionen: Linköping is not a member.
    coordinator = token_client(demo_user("samordnare@demo.kraftsamla.se"))
    assert listed(coordinator) == {linkoping_set["published_public"].pk}
    region = PublishedAssessmentFactory(organisation=molndal, sharing_level=REGION, per_capital=0)
    private = PublishedAssessmentFactory(
        organisation=molndal, sharing_level=PRIVATE, year=YEAR + 1, per_capital=0
    )
    assert listed(coordinator, "molndal") >= {region.pk}
    assert private.pk not in listed(coordinator, "molndal")


def test_assessment_detail_has_results_per_capital(client, linkoping_set):
    assessment = linkoping_set["published_public"]
    response = client.get(f"{BASE}/assessments/{assessment.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["organisation"] == "linkoping" and data["framework_version"] == TEST_VERSION
    assert data["status"] == Status.PUBLISHED and data["year"] == 2035
    results = {r["capital"]: r for r in data["results"]}
    assert list(results) == CAPITAL_KEYS
    assert results["political"] == {
        "capital": "political",
        "score": 50.0,
        "share_answered": 1.0,
        "answered": 2,
        "total": 2,
        "consensus": None,
        "low_consensus": False,
    }


def test_assessment_detail_is_404_when_not_visible(client, linkoping_set, linkoping):
    outsider = token_client(demo_user("strateg.ale@demo.kraftsamla.se"))
    member = token_client(UserFactory(organisation=linkoping, role=Role.VIEWER))
    for name, assessment in linkoping_set.items():
        url = f"{BASE}/assessments/{assessment.pk}/"
        expected = 200 if name == "published_public" else 404
        assert client.get(url).status_code == expected, name
        assert outsider.get(url).status_code == expected, name
        assert member.get(url).status_code == 200, name
    assert_error(client.get(f"{BASE}/assessments/999999/"), 404)


# --- Writing answers ------------------------------------------------------------------


@pytest.fixture
def open_assessment(molndal):
    admin = demo_user("admin.molndal@demo.kraftsamla.se")
    return add_and_open(
        AssessmentFactory(organisation=molndal, actor=admin),
        admin,
        [demo_user("redaktor.molndal@demo.kraftsamla.se")],
    )


@pytest.fixture
def respondent():
    return token_client(demo_user("redaktor.molndal@demo.kraftsamla.se"))


def test_a_respondent_saves_an_answer(open_assessment, respondent):
    response = put(
        respondent,
        open_assessment,
        {
            "statement": "political-1",
            "score": 3,
            "evidence": "Klimatplan antagen",
            "framework_version": TEST_VERSION,
        },
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "statement": "political-1",
        "score": 3,
        "dont_know": False,
        "evidence": "Klimatplan antagen",
    }
    answer = Answer.objects.get(respondent__assessment=open_assessment)
    assert (answer.statement.key, answer.score) == ("political-1", 3)
    response = put(respondent, open_assessment, {"statement": "political-1", "dont_know": True})
    assert response.status_code == 200
    assert response.json()["score"] is None and response.json()["dont_know"] is True
    assert Answer.objects.filter(respondent__assessment=open_assessment).count() == 1


@pytest.mark.parametrize("score", [7, -1, 5])
def test_a_score_off_the_scale_is_400_with_the_error_body(open_assessment, respondent, score):
    error = assert_error(
        put(respondent, open_assessment, {"statement": "political-1", "score": score}), 400
    )
    assert "score" in error["fields"]
    assert not Answer.objects.filter(respondent__assessment=open_assessment).exists()


def test_bad_statement_or_framework_version_is_400(open_assessment, respondent):
    error = assert_error(put(respondent, open_assessment, {"statement": "nope", "score": 2}), 400)
    assert "statement" in error["fields"]
    error = assert_error(
        put(
            respondent,
            open_assessment,
            {"statement": "political-1", "score": 2, "framework_version": "1999.1"},
        ),
        400,
    )
    assert "framework_version" in error["fields"]
    assert_error(put(respondent, open_assessment, {"score": 2}), 400)
    assert not Answer.objects.filter(respondent__assessment=open_assessment).exists()


def test_others_cannot_answer(open_assessment, molndal, client):
    data = {"statement": "political-1", "score": 2}
    # People of the organisation who are not respondents: 403.
    for person in (
        demo_user("admin.molndal@demo.kraftsamla.se"),
        UserFactory(organisation=molndal, role=Role.VIEWER),
    ):
        assert_error(put(token_client(person), open_assessment, data), 403)
    # Outsiders cannot even see a draft or open assessment: 404.
    assert_error(
        put(token_client(demo_user("strateg.ale@demo.kraftsamla.se")), open_assessment, data), 404
    )
    assert_error(
        put(token_client(demo_user("samordnare@demo.kraftsamla.se")), open_assessment, data), 404
    )
    # Anonymous: 401.
    assert_error(put(client, open_assessment, data), 401)
    assert_error(
        put(token_client(demo_user("strateg.ale@demo.kraftsamla.se")), Assessment(pk=999999), data),
        404,
    )
    assert not Answer.objects.filter(respondent__assessment=open_assessment).exists()


def test_an_outsider_cannot_answer_a_public_published_assessment(molndal):
    public = PublishedAssessmentFactory(organisation=molndal, sharing_level=PUBLIC, per_capital=0)
    outsider = token_client(demo_user("strateg.ale@demo.kraftsamla.se"))
    assert_error(put(outsider, public, {"statement": "political-1", "score": 2}), 403)


def test_answering_a_closed_assessment_is_400(open_assessment, respondent):
    transition(open_assessment, demo_user("admin.molndal@demo.kraftsamla.se"), "close")
    assert_error(put(respondent, open_assessment, {"statement": "political-1", "score": 2}), 400)
    assert not Answer.objects.filter(respondent__assessment=open_assessment).exists()


# --- OpenAPI --------------------------------------------------------------------------


def test_the_openapi_document_validates_and_documents_capacity(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    paths = schema["paths"]
    assert {
        "/api/v1/capacity/frameworks/",
        "/api/v1/capacity/frameworks/{version}/",
        "/api/v1/capacity/assessments/",
        "/api/v1/capacity/assessments/{id}/",
        "/api/v1/capacity/assessments/{id}/answers/",
    } <= set(paths)
    assert set(paths["/api/v1/capacity/assessments/{id}/answers/"]) >= {"put"}
