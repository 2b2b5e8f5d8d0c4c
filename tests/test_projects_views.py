"""Project bank pages and API: sharing in every list, similar ideas, forms, query counts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kraftsamla.core.models import Role
from kraftsamla.projects.models import Project, ProjectStatus
from tests.factories.accounts import UserFactory
from tests.factories.projects import ProjectFactory
from tests.helpers import ALE_EDITOR, COORDINATOR, EDITOR_M, PRIVATE, PUBLIC, demo_user, org_by_slug

pytestmark = pytest.mark.django_db

PRIVATE_REUSE = "Hemlig återbrukshubb för byggmaterial"


def _client(email: str | None = None, user=None) -> Client:
    client = Client()
    person = user or (demo_user(email) if email else None)
    if person is not None:
        client.force_login(person)
    return client


def _demo(title: str) -> Project:
    return Project.objects.get(title=title, is_demo=True)


@pytest.fixture
def private_reuse():
    """A private reuse-hub idea of Tjörn, which only Tjörn's people may see."""
    return ProjectFactory(owner=org_by_slug("tjorn"), title=PRIVATE_REUSE, sharing_level=PRIVATE)


def test_the_reuse_hub_trio_finds_each_other_on_the_project_page(private_reuse):
    molndal_hub = _demo("Återbrukshubb för byggmaterial")
    response = _client(COORDINATOR).get(molndal_hub.get_absolute_url())
    assert response.status_code == 200
    similar = [match.project.title for match in response.context["similar"]]
    assert "Återbrukshubbar för möbler och byggmaterial" in similar
    assert "En hubb för återbruk i en mindre kommun" in similar
    assert PRIVATE_REUSE not in similar
    match = response.context["similar"][0]
    assert match.score > 0 and match.shared_words
    assert all(m.project.owner_id != molndal_hub.owner_id for m in response.context["similar"])


def test_a_private_project_never_appears_for_another_municipality(private_reuse):
    ale = _client(ALE_EDITOR)
    assert ale.get(private_reuse.get_absolute_url()).status_code == 404
    assert _client(COORDINATOR).get(private_reuse.get_absolute_url()).status_code == 404
    public = ProjectFactory(
        owner=org_by_slug("ale"), title="Återbrukshubb i Ale", sharing_level=PUBLIC
    )
    response = ale.get(public.get_absolute_url())
    assert PRIVATE_REUSE not in [m.project.title for m in response.context["similar"]]
    assert PRIVATE_REUSE not in ale.get(reverse("projects:index")).content.decode()
    tjorn_page = ale.get(reverse("projects:organisation", args=["tjorn"]))
    assert PRIVATE_REUSE not in tjorn_page.content.decode()
    body = _client(COORDINATOR).get(reverse("projects:body", args=["goteborgsregionen"]))
    assert PRIVATE_REUSE not in body.content.decode()
    api = ale.get(reverse("api:project-list"), {"page_size": 200}).json()
    assert PRIVATE_REUSE not in [row["title"] for row in api["results"]]
    assert ale.get(reverse("api:project-detail", args=[private_reuse.pk])).status_code == 404
    tjorn_person = UserFactory(organisation=org_by_slug("tjorn"), role=Role.VIEWER)
    assert _client(user=tjorn_person).get(private_reuse.get_absolute_url()).status_code == 200


def test_a_region_shared_project_is_seen_by_the_body_and_not_by_others():
    hub = _demo("Återbrukshubb för byggmaterial")
    assert _client(COORDINATOR).get(hub.get_absolute_url()).status_code == 200
    assert _client(ALE_EDITOR).get(hub.get_absolute_url()).status_code == 404
    assert Client().get(hub.get_absolute_url()).status_code == 404


def test_create_an_idea_and_see_similar_ideas_after_saving(molndal):
    ProjectFactory(
        owner=org_by_slug("partille"), title="Återbrukshubb för möbler", sharing_level=PUBLIC
    )
    client = _client(EDITOR_M)
    page = client.get(reverse("projects:new", args=["molndal"]))
    assert page.status_code == 200
    token = page.context["form"]["submission_token"].value()
    response = client.post(
        reverse("projects:new", args=["molndal"]),
        {
            "title": "Återbrukshubbar för byggmaterial",
            "summary": "En hubb för återbruk",
            "sharing_level": "region",
            "submission_token": token,
        },
        follow=True,
    )
    assert response.status_code == 200
    project = response.context["project"]
    assert project.owner == molndal and project.status == ProjectStatus.IDEA
    # Mölndal's own reuse hub is left out, and so are ideas shared only with the region.
    similar = [m.project.title for m in response.context["similar"]]
    assert "Återbrukshubb för möbler" in similar
    assert "Återbrukshubb för byggmaterial" not in similar
    assert "Återbrukshubbar för möbler och byggmaterial" not in similar
    again = client.post(
        reverse("projects:new", args=["molndal"]),
        {
            "title": "Återbrukshubbar för byggmaterial",
            "sharing_level": "region",
            "submission_token": token,
        },
    )
    assert again.status_code == 302
    assert Project.objects.filter(title="Återbrukshubbar för byggmaterial").count() == 1


@pytest.mark.parametrize(
    "data, field",
    [
        ({"title": ""}, "title"),
        ({"title": "x", "budget": "-5"}, "budget"),
        ({"title": "x", "budget": "100", "funding_sources": "A; 60\nB; 50"}, "funding_sources"),
        ({"title": "x", "funding_sources": "utan belopp"}, "funding_sources"),
        ({"title": "x", "start_date": "2025-02-01", "end_date": "2025-01-01"}, "end_date"),
    ],
)
def test_the_idea_form_shows_field_errors_and_saves_nothing(data, field):
    before = Project.objects.count()
    response = _client(EDITOR_M).post(
        reverse("projects:new", args=["molndal"]), {"sharing_level": "region", **data}
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Project.objects.count() == before


def test_a_viewer_may_not_open_the_idea_form(viewer_m):
    response = _client(user=viewer_m).get(reverse("projects:new", args=["molndal"]))
    assert response.status_code == 403


def test_lifecycle_actions_by_url(molndal):
    project = ProjectFactory(owner=molndal)
    coordinator, editor = _client(COORDINATOR), _client(EDITOR_M)
    page = coordinator.get(project.get_absolute_url())
    assert "prepare" in page.context["action_forms"]
    assert "start" not in page.context["action_forms"]
    assert (
        editor.post(
            reverse("projects:prepare", args=[project.pk]), {"reason": "r", "next_step": "n"}
        ).status_code
        == 403
    )
    response = coordinator.post(
        reverse("projects:prepare", args=[project.pk]), {"reason": "", "next_step": "n"}
    )
    assert response.status_code == 400
    assert "reason" in response.context["action_forms"]["prepare"].errors
    response = coordinator.post(
        reverse("projects:prepare", args=[project.pk]), {"reason": "r", "next_step": "n"}
    )
    assert response.status_code == 302
    # Preparing again is not allowed from "in preparation": a clear error, nothing saved.
    response = coordinator.post(
        reverse("projects:prepare", args=[project.pk]), {"reason": "r", "next_step": "n"}
    )
    assert response.status_code == 400
    assert response.context["action_forms"]["prepare"].non_field_errors()
    assert project.events.count() == 2
    assert editor.post(reverse("projects:start", args=[project.pk])).status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.RUNNING
    timeline = editor.get(project.get_absolute_url()).content.decode()
    assert "Timeline" in timeline or "Tidslinje" in timeline


def test_results_are_escaped_with_line_breaks(molndal):
    project = ProjectFactory(owner=molndal, sharing_level=PUBLIC)
    from kraftsamla.core.access import SYSTEM
    from kraftsamla.projects import services

    services.project_start(actor=SYSTEM, project=project)
    services.project_complete(
        actor=SYSTEM,
        project=project,
        results="<script>alert(1)</script>\nrad två",
        lessons="l",
        reusable="u",
    )
    html = Client().get(project.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>rad två" in html


def test_body_list_filters_and_exports():
    client = _client(COORDINATOR)
    url = reverse("projects:body", args=["goteborgsregionen"])
    response = client.get(url, {"status": "idea", "capital": "real"})
    titles = {project.title for project in response.context["projects"]}
    assert "Återbrukshubb för byggmaterial" in titles
    assert all(project.status == ProjectStatus.IDEA for project in response.context["projects"])
    by_municipality = client.get(url, {"municipality": "ale"}).context["projects"]
    assert {project.owner.slug for project in by_municipality} == {"ale"}
    assert client.get(url, {"sector": "transport", "year": "2025"}).status_code == 200
    assert client.get(url, {"municipality": "linkoping"}).status_code == 400
    csv = client.get(url, {"status": "idea", "format": "csv"})
    assert csv.status_code == 200 and "Återbrukshubb för byggmaterial" in csv.content.decode(
        "utf-8-sig"
    )
    xlsx = client.get(url, {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert _client(EDITOR_M).get(url).status_code == 403


def test_the_api_lists_filters_and_details(molndal):
    client = _client(COORDINATOR)
    rows = client.get(reverse("api:project-list"), {"status": "running", "page_size": 100}).json()
    assert rows["results"] and all(row["status"] == "running" for row in rows["results"])
    viable = Project.objects.get(owner__slug="linkoping", is_demo=True)
    detail = Client().get(reverse("api:project-detail", args=[viable.pk])).json()
    assert {p["organisation"] for p in detail["participants"]} == {"linkoping", "mjolby"}
    assert [event["to_status"] for event in detail["timeline"]] == ["idea", "running"]
    assert client.get(reverse("api:project-list"), {"year": "1"}).status_code == 400


def test_viable_cities_demo_is_running_with_mjolby():
    viable = Project.objects.get(owner__slug="linkoping", is_demo=True)
    assert viable.status == ProjectStatus.RUNNING
    assert viable.participations.filter(organisation__slug="mjolby", role="participant").exists()
    replicated = Project.objects.get(status=ProjectStatus.REPLICATED, is_demo=True)
    assert replicated.replications.get().owner.slug == "harryda"
    assert Project.objects.filter(status=ProjectStatus.IN_PREPARATION, is_demo=True).exists()


@pytest.mark.parametrize("name", ["body", "organisation", "index", "api"])
def test_list_queries_do_not_grow_with_rows(name, gr, molndal, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(COORDINATOR)
    url = {
        "body": reverse("projects:body", args=["goteborgsregionen"]),
        "organisation": reverse("projects:organisation", args=["molndal"]),
        "index": reverse("projects:index"),
        "api": reverse("api:project-list"),
    }[name]
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    for number in range(5):
        ProjectFactory(owner=molndal, title=f"Fler {number}", capitals=["real"])
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert len(after) == len(before)


def test_the_public_timeline_shows_names_not_e_mail_addresses(molndal, editor_m):
    from kraftsamla.projects import services

    project = ProjectFactory(owner=molndal, sharing_level=PUBLIC)
    services.project_start(actor=editor_m, project=project)
    html = Client().get(project.get_absolute_url()).content.decode()
    assert editor_m.full_name in html and editor_m.email not in html
    detail = Client().get(reverse("api:project-detail", args=[project.pk])).json()
    assert editor_m.email not in str(detail)
