"""Good examples: who may mark and unmark them, the timeline, the public list with its
filters and downloads, the API filter and the list's queries."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kraftsamla.core import access
from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import AuditEvent, Role
from kraftsamla.projects import services
from kraftsamla.projects.models import EventKind, Project, ProjectStatus
from tests.factories.accounts import UserFactory
from tests.factories.projects import ProjectFactory
from tests.helpers import (
    ALE_EDITOR,
    COORDINATOR,
    EDITOR_M,
    PRIVATE,
    PUBLIC,
    REGION,
    count_queries,
    demo_user,
    org_by_slug,
    translate,
)

pytestmark = pytest.mark.django_db

# Alingsås, public, replicated (Härryda's replica has the same title and is no good example).
ENERGY = "Energikartläggning av föreningslokaler"
BIKES = "Elcykelpool för hemtjänsten"  # Kungsbacka, shared with the region
URL = "/projekt/goda-exempel/"


def _client(email: str | None = None, user=None) -> Client:
    client = Client()
    person = user or (demo_user(email) if email else None)
    if person is not None:
        client.force_login(person)
    return client


def _completed(owner, sharing_level=PUBLIC, **data) -> Project:
    project = ProjectFactory(owner=owner, sharing_level=sharing_level, **data)
    services.project_start(actor=SYSTEM, project=project)
    return services.project_complete(
        actor=SYSTEM, project=project, results="Resultat", lessons="Lärdomar", reusable="Mallar"
    )


@pytest.fixture
def coordinator(db):
    return demo_user(COORDINATOR)


@pytest.fixture
def completed(molndal) -> Project:
    return _completed(molndal, title="Matsvinnet halverat")


def _energy() -> Project:
    return Project.objects.get(title=ENERGY, owner__slug="alingsas")


def _titles(response) -> list[str]:
    return [project.title for project in response.context["projects"]]


# --- Services and rules ---------------------------------------------------------------------


def test_the_body_marks_a_completed_project_as_a_good_example(completed, coordinator):
    audits = AuditEvent.objects.count()
    services.project_mark_good_example(
        actor=coordinator, project=completed, reason="Lätt att göra efter."
    )
    completed.refresh_from_db()
    assert completed.is_good_example and completed.good_example_reason == "Lätt att göra efter."
    event = completed.events.last()
    assert (event.kind, event.from_status, event.to_status, event.reason, event.actor) == (
        EventKind.GOOD_EXAMPLE,
        ProjectStatus.COMPLETED,
        ProjectStatus.COMPLETED,
        "Lätt att göra efter.",
        coordinator,
    )
    assert AuditEvent.objects.count() == audits + 2


def test_the_body_takes_a_good_example_back(completed, coordinator):
    services.project_mark_good_example(actor=coordinator, project=completed, reason="Bra")
    services.project_unmark_good_example(actor=coordinator, project=completed, reason="Inaktuell")
    completed.refresh_from_db()
    assert not completed.is_good_example and completed.good_example_reason == ""
    assert [e.kind for e in completed.events.all()][-2:] == [
        EventKind.GOOD_EXAMPLE,
        EventKind.GOOD_EXAMPLE_REMOVED,
    ]


@pytest.mark.parametrize("rule", ["mark_good_example", "unmark_good_example"])
def test_good_examples_are_chosen_by_the_body_and_staff_only(
    completed, coordinator, editor_m, admin_m, staff, gr, linkoping, rule
):
    name = f"projects.project.{rule}"
    assert access.allows(coordinator, name, completed)
    assert access.allows(staff, name, completed)
    body_editor = UserFactory(organisation=gr, role=Role.EDITOR)
    assert access.allows(body_editor, name, completed)
    body_viewer = UserFactory(organisation=gr, role=Role.VIEWER)
    for person in (editor_m, admin_m, demo_user(ALE_EDITOR), body_viewer):
        assert not access.allows(person, name, completed), person
    # A body the owner is not a member of.
    assert not access.allows(coordinator, name, _completed(linkoping))


def test_the_owner_may_not_mark_its_own_project(completed, editor_m):
    with pytest.raises(PermissionDenied):
        services.project_mark_good_example(actor=editor_m, project=completed, reason="Vi är bäst")
    completed.refresh_from_db()
    assert not completed.is_good_example


def test_unmark_denied_for_the_owner(completed, coordinator, editor_m):
    services.project_mark_good_example(actor=coordinator, project=completed, reason="Bra")
    with pytest.raises(PermissionDenied):
        services.project_unmark_good_example(actor=editor_m, project=completed)


def test_only_a_completed_shared_project_not_yet_marked_can_be_marked(
    molndal, completed, coordinator
):
    idea = ProjectFactory(owner=molndal)
    with pytest.raises(ValidationError):
        services.project_mark_good_example(actor=coordinator, project=idea, reason="Bra")
    private = _completed(molndal, sharing_level=PRIVATE)
    with pytest.raises(ValidationError):
        services.project_mark_good_example(actor=SYSTEM, project=private, reason="Bra")
    with pytest.raises(ValidationError) as error:
        services.project_mark_good_example(actor=coordinator, project=completed, reason="  ")
    assert "reason" in error.value.message_dict
    services.project_mark_good_example(actor=coordinator, project=completed, reason="Bra")
    events = completed.events.count()
    with pytest.raises(ValidationError):
        services.project_mark_good_example(actor=coordinator, project=completed, reason="Igen")
    with pytest.raises(ValidationError):
        services.project_unmark_good_example(actor=coordinator, project=idea)
    assert completed.events.count() == events
    assert not Project.objects.get(pk=idea.pk).is_good_example


def test_the_database_refuses_a_good_example_without_results(molndal):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    idea = ProjectFactory(owner=molndal)
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=idea.pk).update(good_example_since=timezone.now())


def test_a_replicated_good_example_stays_one(completed, coordinator, ale):
    services.project_mark_good_example(actor=coordinator, project=completed, reason="Bra")
    services.project_replicate(actor=SYSTEM, origin=completed, owner=ale)
    completed.refresh_from_db()
    assert completed.status == ProjectStatus.REPLICATED and completed.is_good_example


# --- The project page -----------------------------------------------------------------------


def test_the_body_marks_and_unmarks_on_the_project_page(completed):
    client = _client(COORDINATOR)
    page = client.get(completed.get_absolute_url())
    assert page.context["good_example_action"] == "mark_good_example"
    response = client.post(reverse("projects:mark_good_example", args=[completed.pk]), {})
    assert response.status_code == 400
    assert "reason" in response.context["good_example_form"].errors
    response = client.post(
        reverse("projects:mark_good_example", args=[completed.pk]), {"reason": "Bra"}
    )
    assert response.status_code == 302
    page = client.get(completed.get_absolute_url())
    html = page.content.decode()
    assert translate("Good example") in html and translate("Marked as a good example") in html
    assert page.context["good_example_action"] == "unmark_good_example"
    # Marking again is refused with a message on the form, nothing saved.
    again = client.post(reverse("projects:mark_good_example", args=[completed.pk]), {"reason": "x"})
    assert again.status_code == 400
    response = client.post(reverse("projects:unmark_good_example", args=[completed.pk]), {})
    assert response.status_code == 302
    completed.refresh_from_db()
    assert not completed.is_good_example


def test_the_owner_sees_no_good_example_form_and_may_not_post_it(completed):
    client = _client(EDITOR_M)
    assert client.get(completed.get_absolute_url()).context["good_example_form"] is None
    url = reverse("projects:mark_good_example", args=[completed.pk])
    assert client.post(url, {"reason": "Bra"}).status_code == 403
    assert Client().post(url, {"reason": "Bra"}).status_code == 302  # to the login page
    completed.refresh_from_db()
    assert not completed.is_good_example


def test_no_good_example_form_before_the_project_is_completed(molndal):
    idea = ProjectFactory(owner=molndal)
    assert _client(COORDINATOR).get(idea.get_absolute_url()).context["good_example_form"] is None


# --- The list ---------------------------------------------------------------------------------


def test_the_demo_has_a_public_and_a_region_shared_good_example():
    energy, bikes = _energy(), Project.objects.get(title=BIKES)
    assert energy.is_good_example and energy.sharing_level == PUBLIC and energy.is_demo
    assert bikes.is_good_example and bikes.sharing_level == REGION and bikes.is_demo
    assert "(demo)" in energy.good_example_reason and "(demo)" in bikes.good_example_reason


def test_visitors_see_the_public_good_examples_only():
    response = Client().get(URL)
    assert response.status_code == 200
    assert ENERGY in _titles(response) and BIKES not in _titles(response)
    html = response.content.decode()
    assert translate("Public projects. Log in to see also those shared within your region.") in html


def test_the_body_also_sees_the_good_examples_shared_with_the_region():
    titles = _titles(_client(COORDINATOR).get(URL))
    assert {ENERGY, BIKES} <= set(titles)
    # Another municipality of the region is no coordinating body: public ones only.
    ale_titles = _titles(_client(ALE_EDITOR).get(URL))
    assert ENERGY in ale_titles and BIKES not in ale_titles


def test_the_list_leaves_out_projects_that_are_no_good_example_or_private(
    molndal, completed, coordinator, staff
):
    services.project_mark_good_example(actor=coordinator, project=completed, reason="Bra")
    other = _completed(molndal, title="Bara avslutat")
    staff_titles = _titles(_client(user=staff).get(URL))
    assert completed.title in staff_titles and other.title not in staff_titles
    # The owner makes it private afterwards: it leaves the list, also for the owner.
    services.project_update(actor=SYSTEM, project=completed, data={"sharing_level": PRIVATE})
    assert completed.title not in _titles(_client(EDITOR_M).get(URL))
    assert completed.title not in _titles(_client(user=staff).get(URL))


@pytest.mark.parametrize(
    "filters, shown, hidden",
    [
        ({"capital": "human"}, [ENERGY, BIKES], []),
        ({"capital": "financial"}, [], [ENERGY, BIKES]),
        ({"sector": "transport"}, [BIKES], [ENERGY]),
        ({"sector": "heating"}, [ENERGY], [BIKES]),
        ({"collaboration_form": "knowledge_base"}, [ENERGY], [BIKES]),
        ({"collaboration_form": "resource_base"}, [BIKES], [ENERGY]),
        # Alingsås has 25–50 000 inhabitants, Kungsbacka 50–100 000.
        ({"population_class": "25k-50k"}, [ENERGY], [BIKES]),
        ({"population_class": "50k-100k"}, [BIKES], [ENERGY]),
        ({"population_class": "lt10k"}, [], [ENERGY, BIKES]),
    ],
)
def test_the_list_filters(filters, shown, hidden):
    titles = _titles(_client(COORDINATOR).get(URL, filters))
    assert set(shown) <= set(titles)
    assert not set(hidden) & set(titles)


def test_a_bad_filter_value_is_an_error_at_the_field():
    response = Client().get(URL, {"population_class": "huge"})
    assert response.status_code == 400
    assert "population_class" in response.context["form"].errors


def test_the_list_exports_csv_and_xlsx():
    client = _client(COORDINATOR)
    csv = client.get(URL, {"sector": "transport", "format": "csv"})
    assert csv.status_code == 200
    text = csv.content.decode("utf-8-sig")
    assert BIKES in text and ENERGY not in text
    assert text.splitlines()[0].startswith(f"{translate('Title')};{translate('Owner')}")
    assert "http://testserver/projekt/" in text
    xlsx = client.get(URL, {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    titles = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert {ENERGY, BIKES} <= set(titles)
    # A visitor's download holds the public ones only.
    public = Client().get(URL, {"format": "csv-plain"}).content.decode()
    assert ENERGY in public and BIKES not in public


def test_the_project_bank_links_to_the_list():
    html = Client().get(reverse("projects:index")).content.decode()
    assert f'href="{URL}"' in html


def test_the_list_queries_do_not_grow_with_rows(molndal, coordinator):
    client = _client(COORDINATOR)
    client.get(URL)
    before, response = count_queries(lambda: client.get(URL))
    assert response.status_code == 200
    for number in range(4):
        project = _completed(molndal, title=f"Gott exempel {number}", capitals=["real"])
        services.project_mark_good_example(actor=coordinator, project=project, reason="Bra")
    after, response = count_queries(lambda: client.get(URL))
    assert len(response.context["projects"]) >= 6
    assert after == before
    anonymous_count, _response = count_queries(lambda: Client().get(URL))
    assert anonymous_count <= before


# --- API --------------------------------------------------------------------------------------


def test_the_api_filters_good_examples_and_size_class():
    client = _client(COORDINATOR)
    url = reverse("api:project-list")
    rows = client.get(url, {"good_example": "true", "page_size": 200}).json()["results"]
    assert {row["title"] for row in rows} >= {ENERGY, BIKES}
    assert all(row["good_example"] and row["good_example_reason"] for row in rows)
    others = client.get(url, {"good_example": "false", "page_size": 200}).json()["results"]
    assert others and not any(row["good_example"] for row in others)
    small = client.get(url, {"good_example": "true", "population_class": "50k-100k"}).json()
    assert [row["title"] for row in small["results"]] == [BIKES]
    public = Client().get(url, {"good_example": "true"}).json()["results"]
    assert ENERGY in [row["title"] for row in public] and BIKES not in str(public)
    for bad in ({"good_example": "yes"}, {"population_class": "huge"}):
        response = client.get(url, bad)
        assert response.status_code == 400
        assert set(bad) <= set(response.json()["error"]["fields"])


def test_the_api_timeline_says_what_kind_of_step_it_was():
    energy = _energy()
    timeline = Client().get(reverse("api:project-detail", args=[energy.pk])).json()["timeline"]
    assert timeline[-1]["kind"] == "good_example"
    assert {step["kind"] for step in timeline[:-1]} == {"status"}


def test_the_openapi_document_describes_the_new_filters(client):
    schema = client.get("/api/v1/openapi.json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/v1/projects/"]["get"]["parameters"]}
    assert params["good_example"]["schema"]["type"] == "boolean"
    assert "50k-100k" in params["population_class"]["schema"]["enum"]
    detail = schema["components"]["schemas"]["ProjectDetail"]["properties"]
    assert "attachments" in detail
    attachment = schema["components"]["schemas"]["Attachment"]["properties"]
    assert {"name", "size", "kind", "content_type", "download_url"} <= set(attachment)
    assert org_by_slug("alingsas").population_class == "25k-50k"
