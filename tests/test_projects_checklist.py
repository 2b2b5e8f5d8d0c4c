"""A project's checklist from the template: made once, planned by the owner's editors, seen by
those taking part; dates within the project; pages, query counts and the API."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from kraftsamla.core import access
from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import AuditEvent, Role
from kraftsamla.projects import selectors, services
from kraftsamla.projects.models import (
    Checklist,
    ChecklistItem,
    ParticipationRole,
    Project,
    ProjectStatus,
)
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.projects import ProjectFactory, template_import
from tests.helpers import ALE_EDITOR, COORDINATOR, EDITOR_M, PRIVATE, PUBLIC, demo_user, org_by_slug

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY - datetime.timedelta(days=60)
END = TODAY + datetime.timedelta(days=300)


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def project(molndal, ale) -> Project:
    """A public project of Mölndal, with Ale taking part, from 60 days ago for about a year."""
    project = ProjectFactory(
        owner=molndal, sharing_level=PUBLIC, start_date=START, end_date=END, title="Planerat"
    )
    services.participation_add(
        actor=SYSTEM, project=project, organisation=ale, role=ParticipationRole.PARTICIPANT
    )
    return project


@pytest.fixture
def checklist(project) -> Checklist:
    return services.project_checklist_create(actor=SYSTEM, project=project)


@pytest.fixture
def outsider(db):
    """An editor of a municipality that does not take part (Kungsbacka, also in GR)."""
    return UserFactory(organisation=org_by_slug("kungsbacka"), role=Role.EDITOR)


def _item(checklist: Checklist, key: str) -> ChecklistItem:
    return (
        ChecklistItem.objects.select_related("checklist__project__owner")
        .filter(checklist=checklist)
        .get(key=key)
    )


# --- Making the checklist ------------------------------------------------------------------


def test_the_checklist_has_one_item_per_template_step(project, editor_m):
    template = selectors.template_current()
    checklist = services.project_checklist_create(actor=editor_m, project=project)
    assert checklist.template == template and checklist.created_by == editor_m
    steps = list(template.steps.order_by("order"))
    items = list(checklist.items.order_by("order"))
    assert [(i.key, i.phase, i.role, i.order, i.step_id) for i in items] == [
        (s.key, s.phase, s.role, s.order, s.pk) for s in steps
    ]
    assert items[0].title == steps[0].title and items[0].title.en == steps[0].title.en
    assert not any(item.done or item.due or item.responsible for item in items)
    event = AuditEvent.objects.get(object_type="projects.checklist", object_id=str(checklist.pk))
    assert event.organisation == project.owner and event.after["items"] == len(steps)


def test_a_project_gets_one_checklist_only(checklist, editor_m):
    items = ChecklistItem.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.project_checklist_create(actor=editor_m, project=checklist.project)
    assert error.value.messages == [
        "The project already has a checklist; change its items instead."
    ]
    assert ChecklistItem.objects.count() == items
    assert Checklist.objects.filter(project=checklist.project).count() == 1


def test_an_unpublished_template_is_refused(project):
    draft = template_import("draft-1", steps=2, published=False)
    with pytest.raises(ValidationError):
        services.project_checklist_create(actor=SYSTEM, project=project, template=draft)
    assert not Checklist.objects.filter(project=project).exists()


def test_another_template_version_can_be_chosen(project):
    other = template_import("other-1", steps=3)
    checklist = services.project_checklist_create(actor=SYSTEM, project=project, template=other)
    assert list(checklist.items.values_list("key", flat=True)) == ["step-0", "step-1", "step-2"]


# --- Who may plan and see it -------------------------------------------------------------------


def test_plan_is_allowed_for_owner_editors_and_staff(project, editor_m, admin_m):
    for person in (editor_m, admin_m, StaffFactory()):
        assert access.allows(person, "projects.project.plan", project)
    services.project_checklist_create(actor=admin_m, project=project)


def test_plan_is_denied_to_viewers_participants_the_body_and_others(
    project, viewer_m, outsider, anonymous
):
    for person in (viewer_m, demo_user(ALE_EDITOR), demo_user(COORDINATOR), outsider, anonymous):
        assert not access.allows(person, "projects.project.plan", project)
    with pytest.raises(PermissionDenied):
        services.project_checklist_create(actor=demo_user(ALE_EDITOR), project=project)
    with pytest.raises(PermissionDenied):
        services.project_checklist_create(actor=viewer_m, project=project)
    assert not Checklist.objects.filter(project=project).exists()


def test_the_checklist_is_seen_by_those_taking_part_and_the_body(project, viewer_m):
    rule = "projects.project.view_checklist"
    for person in (viewer_m, demo_user(ALE_EDITOR), demo_user(COORDINATOR), StaffFactory()):
        assert access.allows(person, rule, project), person
    visible = access.scope(demo_user(ALE_EDITOR), rule, Project.objects.all())
    assert project in visible


def test_the_checklist_is_hidden_from_other_organisations_and_visitors(
    project, outsider, anonymous, molndal
):
    rule = "projects.project.view_checklist"
    # The project is public: they see it, not its checklist.
    for person in (outsider, anonymous):
        assert access.allows(person, "projects.project.view", project)
        assert not access.allows(person, rule, project)
    assert project not in access.scope(outsider, rule, Project.objects.all())
    private = ProjectFactory(owner=molndal, sharing_level=PRIVATE)
    assert not access.allows(demo_user(COORDINATOR), rule, private)


# --- Changing items ------------------------------------------------------------------------------


def test_an_editor_fills_in_an_item_and_marks_it_done(checklist, editor_m):
    item = _item(checklist, "project-plan")
    due = START + datetime.timedelta(days=30)
    services.checklist_item_update(
        actor=editor_m,
        item=item,
        responsible="Anna Andersson",
        due=due,
        done=True,
        note="Godkänd i styrgruppen.",
    )
    item.refresh_from_db()
    assert (item.responsible, item.due, item.done, item.done_by, item.note) == (
        "Anna Andersson",
        due,
        True,
        editor_m,
        "Godkänd i styrgruppen.",
    )
    assert item.done_at is not None
    event = AuditEvent.objects.filter(
        object_type="projects.checklistitem", object_id=str(item.pk)
    ).get()
    assert event.actor == editor_m and event.after["done"] is True
    services.checklist_item_update(actor=editor_m, item=item, done=False)
    item.refresh_from_db()
    assert (item.done, item.done_at, item.done_by) == (False, None, None)
    # Values left out stay as they are, and an unchanged save writes nothing.
    assert item.responsible_name == "Anna Andersson" and item.due == due
    events = AuditEvent.objects.count()
    services.checklist_item_update(actor=editor_m, item=item, responsible="Anna Andersson")
    assert AuditEvent.objects.count() == events


def test_updates_are_denied_to_viewers_and_participants(checklist, viewer_m):
    item = _item(checklist, "project-plan")
    for person in (viewer_m, demo_user(ALE_EDITOR), demo_user(COORDINATOR)):
        with pytest.raises(PermissionDenied):
            services.checklist_item_update(actor=person, item=item, done=True)
    item.refresh_from_db()
    assert not item.done


@pytest.mark.parametrize(
    "key, due, message",
    [
        ("project-plan", START - datetime.timedelta(days=1), "before the project starts"),
        ("project-plan", END + datetime.timedelta(days=1), "after the project ends"),
        ("effect-follow-up", START - datetime.timedelta(days=1), "before the project starts"),
    ],
)
def test_a_due_date_outside_the_project_is_a_field_error(checklist, editor_m, key, due, message):
    item = _item(checklist, key)
    events = AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.checklist_item_update(
            actor=editor_m, item=item, due=due, responsible="Någon", done=True
        )
    assert message in error.value.message_dict["due"][0]
    item.refresh_from_db()
    assert (item.due, item.responsible_name, item.done) == (None, "", False)
    assert AuditEvent.objects.count() == events


def test_a_follow_up_step_may_come_after_the_end(checklist, editor_m):
    item = _item(checklist, "effect-follow-up")
    later = END + datetime.timedelta(days=180)
    services.checklist_item_update(actor=editor_m, item=item, due=later)
    item.refresh_from_db()
    assert item.due == later


def test_a_project_without_dates_takes_any_due_date(molndal, editor_m):
    project = ProjectFactory(owner=molndal)
    checklist = services.project_checklist_create(actor=editor_m, project=project)
    item = _item(checklist, "project-plan")
    services.checklist_item_update(actor=editor_m, item=item, due=datetime.date(2001, 1, 1))
    item.refresh_from_db()
    assert item.due == datetime.date(2001, 1, 1)


def test_the_responsible_person_is_of_an_organisation_taking_part(checklist, editor_m, outsider):
    item = _item(checklist, "reference-group")
    ale_editor = demo_user(ALE_EDITOR)
    services.checklist_item_update(actor=editor_m, item=item, responsible_user=ale_editor)
    item.refresh_from_db()
    assert item.responsible_user == ale_editor and item.responsible == ale_editor.full_name
    with pytest.raises(ValidationError) as error:
        services.checklist_item_update(actor=editor_m, item=item, responsible_user=outsider)
    assert "responsible_user" in error.value.message_dict
    item.refresh_from_db()
    assert item.responsible_user == ale_editor


def test_several_items_are_saved_all_or_nothing(checklist, editor_m):
    good, bad = _item(checklist, "project-plan"), _item(checklist, "steering-group")
    with pytest.raises(services.ChecklistItemErrors) as error:
        services.checklist_items_update(
            actor=editor_m,
            checklist=checklist,
            changes=[
                (good, {"done": True, "responsible": "Bo"}),
                (bad, {"due": END + datetime.timedelta(days=2)}),
            ],
        )
    assert set(error.value.by_item) == {bad.pk}
    assert "due" in error.value.by_item[bad.pk].message_dict
    good.refresh_from_db()
    assert (good.done, good.responsible_name) == (False, "")
    services.checklist_items_update(
        actor=editor_m, checklist=checklist, changes=[(good, {"done": True})]
    )
    good.refresh_from_db()
    assert good.done


def test_an_item_of_another_checklist_is_refused(checklist, molndal, editor_m):
    other = services.project_checklist_create(actor=SYSTEM, project=ProjectFactory(owner=molndal))
    with pytest.raises(ValidationError):
        services.checklist_items_update(
            actor=editor_m,
            checklist=checklist,
            changes=[(_item(other, "project-plan"), {"done": True})],
        )
    assert not ChecklistItem.objects.filter(done=True, checklist=other).exists()


# --- Pages ---------------------------------------------------------------------------------------


def test_the_project_page_offers_the_template_to_its_editors(project, editor_m, viewer_m):
    page = _client(editor_m).get(project.get_absolute_url())
    html = page.content.decode()
    create_url = reverse("projects:checklist_create", args=[project.pk])
    assert page.context["checklist"] is None
    assert f'action="{create_url}"' in html and "Använd mallen för små kommuner" in html
    viewer_html = _client(viewer_m).get(project.get_absolute_url()).content.decode()
    assert "Projektet har ingen checklista än" in viewer_html
    assert f'action="{create_url}"' not in viewer_html
    visitor_html = Client().get(project.get_absolute_url()).content.decode()
    assert 'id="checklist-heading"' not in visitor_html


def test_the_button_makes_the_checklist_once(project, editor_m, viewer_m):
    url = reverse("projects:checklist_create", args=[project.pk])
    assert _client(viewer_m).post(url).status_code == 403
    client = _client(editor_m)
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("projects:checklist", args=[project.pk])
    assert response.context["checklist"].template == selectors.template_current()
    again = client.post(url, follow=True)
    assert "Projektet har redan en checklista" in again.content.decode()
    assert Checklist.objects.filter(project=project).count() == 1
    assert client.get(url).status_code == 405


def test_the_checklist_page_is_for_those_taking_part(checklist, outsider):
    url = reverse("projects:checklist", args=[checklist.project_id])
    assert Client().get(url).status_code == 302  # to the log-in page
    assert _client(outsider).get(url).status_code == 404
    ale = _client(demo_user(ALE_EDITOR)).get(url)
    assert ale.status_code == 200 and ale.context["item_forms"] is None
    html = ale.content.decode()
    assert "Förbered" in html and "Följ upp" in html
    assert "Skriv en kort projektplan" in html
    assert _client(demo_user(ALE_EDITOR)).post(url, {}).status_code == 403


def test_the_editor_saves_several_items_in_one_form(checklist, editor_m):
    url = reverse("projects:checklist", args=[checklist.project_id])
    client = _client(editor_m)
    page = client.get(url)
    assert page.status_code == 200
    plan, group = _item(checklist, "project-plan"), _item(checklist, "steering-group")
    ale_editor = demo_user(ALE_EDITOR)
    data = _form_data(page)
    data.update(
        {
            f"item-{plan.pk}-done": "on",
            f"item-{plan.pk}-responsible": "Anna Andersson",
            f"item-{group.pk}-due": (START + datetime.timedelta(days=10)).isoformat(),
            f"item-{group.pk}-responsible_user": str(ale_editor.pk),
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302
    plan.refresh_from_db()
    group.refresh_from_db()
    assert plan.done and plan.responsible == "Anna Andersson" and plan.done_by == editor_m
    assert group.due == START + datetime.timedelta(days=10)
    assert group.responsible_user == ale_editor
    # Only the two changed items were written.
    written = AuditEvent.objects.filter(object_type="projects.checklistitem", actor=editor_m)
    assert sorted(int(event.object_id) for event in written) == sorted([plan.pk, group.pk])


def test_a_refused_form_shows_the_errors_at_the_items_and_saves_nothing(checklist, editor_m):
    url = reverse("projects:checklist", args=[checklist.project_id])
    client = _client(editor_m)
    plan, group = _item(checklist, "project-plan"), _item(checklist, "steering-group")
    data = _form_data(client.get(url))
    data.update(
        {
            f"item-{plan.pk}-done": "on",
            f"item-{group.pk}-due": (END + datetime.timedelta(days=1)).isoformat(),
            f"item-{group.pk}-note": "x" * 2001,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 400
    forms = {form.item.pk: form for form in response.context["item_forms"]}
    assert "note" in forms[group.pk].errors
    html = response.content.decode()
    assert 'id="error-summary"' in html
    plan.refresh_from_db()
    assert not plan.done
    # The service refuses the date (the form alone cannot know the project's dates).
    data[f"item-{group.pk}-note"] = ""
    response = client.post(url, data)
    assert response.status_code == 400
    forms = {form.item.pk: form for form in response.context["item_forms"]}
    assert "due" in forms[group.pk].errors
    html = response.content.decode()
    assert f'aria-describedby="id_item-{group.pk}-due-errors"' in html
    plan.refresh_from_db()
    assert not plan.done
    # The page shows the items as stored, not as the refused form left them.
    assert not forms[plan.pk].item.done


def test_overdue_items_are_marked_in_text(checklist, editor_m):
    item = _item(checklist, "project-plan")
    services.checklist_item_update(actor=editor_m, item=item, due=TODAY - datetime.timedelta(1))
    url = reverse("projects:checklist", args=[checklist.project_id])
    for person in (editor_m, demo_user(ALE_EDITOR)):
        html = _client(person).get(url).content.decode()
        assert html.count("Försenad") == 1, person
    detail = _client(editor_m).get(checklist.project.get_absolute_url())
    summary = detail.context["checklist"]
    assert (summary.total, summary.done, summary.overdue) == (item.checklist.items.count(), 0, 1)
    assert "1 steg är försenat." in detail.content.decode()


def _form_data(page) -> dict[str, str]:
    """The values of the checklist page's forms as the browser would send them."""
    data = {}
    for form in page.context["item_forms"]:
        for field in form:
            value = field.value()
            if field.name == "done":
                if value:
                    data[field.html_name] = "on"
            elif value is not None:
                data[field.html_name] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


@pytest.mark.parametrize("who", ["editor", "participant"])
def test_the_checklist_page_queries_do_not_grow_with_items(project, molndal, who):
    small = template_import("q-small", steps=3)
    large = template_import("q-large", steps=15)
    other = ProjectFactory(owner=molndal, sharing_level=PUBLIC, start_date=START, end_date=END)
    services.participation_add(
        actor=SYSTEM, project=other, organisation=org_by_slug("ale"), role="participant"
    )
    ale_editor = demo_user(ALE_EDITOR)
    for target, template in ((project, small), (other, large)):
        checklist = services.project_checklist_create(
            actor=SYSTEM, project=target, template=template
        )
        for item in checklist.items.all():
            services.checklist_item_update(
                actor=SYSTEM, item=item, responsible_user=ale_editor, done=True
            )
    client = _client(demo_user(EDITOR_M) if who == "editor" else ale_editor)
    counts = []
    for target in (project, other):
        url = reverse("projects:checklist", args=[target.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 12


# --- API ---------------------------------------------------------------------------------------


def test_the_api_detail_includes_the_checklist_for_those_who_may_see_it(checklist, editor_m):
    item = _item(checklist, "project-plan")
    services.checklist_item_update(
        actor=editor_m, item=item, responsible="Anna", due=TODAY - datetime.timedelta(1)
    )
    url = reverse("api:project-detail", args=[checklist.project_id])
    data = _client(demo_user(ALE_EDITOR)).get(url).json()["checklist"]
    assert data["template_version"] == checklist.template.version
    assert len(data["items"]) == checklist.items.count()
    row = next(row for row in data["items"] if row["key"] == "project-plan")
    assert row["responsible"] == "Anna" and row["overdue"] is True and row["done"] is False
    assert row["title"] == {"sv": item.title.sv, "en": item.title.en}
    assert row["phase"] == "start" and row["role"] == "project_lead"
    public = Client().get(url).json()
    assert public["checklist"] is None and public["title"] == "Planerat"


def test_the_api_detail_of_a_project_without_checklist_says_null(project, editor_m):
    url = reverse("api:project-detail", args=[project.pk])
    assert _client(editor_m).get(url).json()["checklist"] is None


# --- Demo ----------------------------------------------------------------------------------------


def test_the_running_demo_projects_plan_by_the_template():
    running = Project.objects.filter(is_demo=True, status=ProjectStatus.RUNNING)
    assert running.count() >= 2
    for project in running:
        summary = selectors.checklist_summary(project)
        assert summary is not None, project
        assert 0 < summary.done < summary.total
        assert summary.overdue == 1
        assert project.checklist.template == selectors.template_current()
