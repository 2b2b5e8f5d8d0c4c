"""The project template for small municipalities: the data file, its loader, its page and API."""

from __future__ import annotations

import copy
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import AuditEvent
from kraftsamla.projects import selectors, services
from kraftsamla.projects.models import ProjectTemplate, TemplatePhase, TemplateStep
from kraftsamla.projects.template_file import TEMPLATE_FILE, template_problems
from tests.factories.projects import template_data, template_import

pytestmark = pytest.mark.django_db

FILE_DATA = json.loads(TEMPLATE_FILE.read_text(encoding="utf-8"))


# --- The data file ------------------------------------------------------------------------


def test_the_delivered_file_is_valid_and_covers_the_roles_and_phases():
    assert template_problems(FILE_DATA) == []
    roles = {role["key"] for role in FILE_DATA["roles"]}
    assert {
        "owner",
        "steering_group",
        "project_lead",
        "reference_group",
        "politicians",
        "communication",
    } <= roles
    assert {step["phase"] for step in FILE_DATA["steps"]} == set(TemplatePhase.values)
    # The politicians have check-points before, during and at the end of the project.
    checkpoints = [step["phase"] for step in FILE_DATA["steps"] if step["role"] == "politicians"]
    assert checkpoints == ["prepare", "run", "close"]
    # Every step and role is written in both languages.
    for step in FILE_DATA["steps"]:
        for text in (step["title"], step["guidance"]):
            assert text["sv"].strip() and text["en"].strip() and text["sv"] != text["en"]


def test_the_readme_cites_the_source():
    readme = (TEMPLATE_FILE.parent / "README.md").read_text(encoding="utf-8")
    assert "Regional mobilisering för stärkt omställningsförmåga i kommuner" in readme
    assert "5.2" in readme and "own words" in readme


def test_the_session_loaded_the_file_as_the_current_template():
    template = selectors.template_current()
    assert template.version == FILE_DATA["version"] and template.is_published
    assert template.steps.count() == len(FILE_DATA["steps"])
    first = template.steps.order_by("order").first()
    assert (first.key, first.order) == (FILE_DATA["steps"][0]["key"], 1)
    assert first.title.en == FILE_DATA["steps"][0]["title"]["en"]


# --- The loader ---------------------------------------------------------------------------


def test_loading_again_is_idempotent():
    templates, steps = ProjectTemplate.objects.count(), TemplateStep.objects.count()
    out = io.StringIO()
    call_command("load_project_template", stdout=out)
    assert "already loaded" in out.getvalue()
    template, created = services.project_template_load_file(actor=SYSTEM)
    assert not created and template.version == FILE_DATA["version"]
    assert (ProjectTemplate.objects.count(), TemplateStep.objects.count()) == (templates, steps)


def test_a_new_version_is_loaded_audited_as_the_system_and_becomes_current(tmp_path):
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template_data("2099.1", steps=4)), encoding="utf-8")
    out = io.StringIO()
    call_command("load_project_template", "--file", str(path), stdout=out)
    assert "2099.1 loaded with 4 steps" in out.getvalue()
    template = ProjectTemplate.objects.get(version="2099.1")
    assert selectors.template_current() == template
    assert [step.phase for step in template.steps.all()] == ["prepare", "start", "run", "close"]
    event = AuditEvent.objects.get(
        object_type="projects.projecttemplate", object_id=str(template.pk)
    )
    assert event.actor is None and event.actor_label == "system"
    assert event.after["steps"] == 4


def test_the_same_version_with_other_content_is_refused():
    changed = copy.deepcopy(FILE_DATA)
    changed["steps"][0]["title"]["sv"] = "Ett annat steg"
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.project_template_import(actor=SYSTEM, data=changed)
    assert "already loaded with other content" in error.value.messages[0]


def test_only_staff_may_load_a_template(editor_m, staff):
    with pytest.raises(PermissionDenied):
        services.project_template_import(actor=editor_m, data=template_data("nope"))
    template, created = services.project_template_import(actor=staff, data=template_data("yes"))
    assert created and template.version == "yes"


def _broken(change) -> dict:
    data = template_data("broken", steps=4)
    change(data)
    return data


@pytest.mark.parametrize(
    "change, where, words",
    [
        (lambda d: d.pop("version"), "version", "required"),
        (lambda d: d.update(version="a/b"), "version", "letters, digits"),
        (lambda d: d["title"].pop("en"), "title.en", "required"),
        (lambda d: d.update(published="yes"), "published", "true or false"),
        (lambda d: d.update(colour="green"), "colour", "Unknown field"),
        (lambda d: d.update(roles=[]), "roles", "at least one role"),
        (lambda d: d["roles"].append(dict(d["roles"][0])), "roles[2] (owner).key", "twice"),
        (lambda d: d["steps"][1].update(key="Not A Key"), "steps[1] (Not A Key).key", "key of"),
        (lambda d: d["steps"][1].update(phase="later"), "steps[1] (step-1).phase", "later"),
        (
            lambda d: d["steps"][3].update(phase="prepare"),
            "steps[3] (step-3).phase",
            "phase by phase",
        ),
        (lambda d: d["steps"][2].update(role="mayor"), "steps[2] (step-2).role", "mayor"),
        (
            lambda d: d["steps"][2].update(involves=["owner", "mayor"]),
            "steps[2] (step-2).involves",
            "mayor",
        ),
        (
            lambda d: d["steps"][0]["guidance"].update(sv=""),
            "steps[0] (step-0).guidance.sv",
            "required",
        ),
        (
            lambda d: d["steps"][0]["title"].update(en="x" * 201),
            "steps[0] (step-0).title.en",
            "At most 200",
        ),
        (lambda d: d["steps"][0].update(title="Steg"), "steps[0] (step-0).title", "Swedish"),
        (lambda d: d.update(steps=[]), "steps", "at least one step"),
    ],
)
def test_a_bad_file_names_the_problem_and_loads_nothing(change, where, words):
    templates, steps = ProjectTemplate.objects.count(), TemplateStep.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.project_template_import(actor=SYSTEM, data=_broken(change))
    assert any(
        message.startswith(f"{where}:") and words in message for message in error.value.messages
    ), error.value.messages
    assert (ProjectTemplate.objects.count(), TemplateStep.objects.count()) == (templates, steps)


def test_every_problem_of_a_file_is_reported_at_once():
    data = _broken(lambda d: (d["steps"][0].update(role="mayor"), d["title"].pop("sv")))
    assert len(template_problems(data)) == 2


@pytest.mark.parametrize(
    "content, words",
    [
        (b"{not json", "not valid JSON at line 1"),
        (b"\xff\xfe", "not valid UTF-8"),
        (b"[1, 2]", "one JSON object"),
    ],
)
def test_the_command_reports_an_unreadable_file(tmp_path, content, words):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command("load_project_template", "--file", str(path), stdout=io.StringIO())
    assert "bad.json" in str(error.value) and words in str(error.value)


def test_the_command_reports_a_missing_file_and_each_problem(tmp_path):
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command("load_project_template", "--file", str(tmp_path / "gone.json"))
    assert "the file is missing" in str(error.value)
    path = tmp_path / "two.json"
    path.write_text(
        json.dumps(_broken(lambda d: (d["steps"][0].update(role="x"), d.pop("source")))),
        encoding="utf-8",
    )
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command("load_project_template", "--file", str(path))
    lines = str(error.value).splitlines()
    assert "- two.json: source: This field is required." in lines
    assert "- two.json: steps[0] (step-0).role: Unknown role “x”." in lines


# --- The public page and the API ------------------------------------------------------------


def test_the_template_page_is_public_with_roles_matrix_and_steps(django_assert_max_num_queries):
    client = Client()
    with django_assert_max_num_queries(6):
        response = client.get(reverse("projects:template"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Projektmall för kommuner med liten personalstyrka" in html
    assert "Vem är med i vad" in html
    assert 'id="step-politicians-go-ahead"' in html
    assert "Kontrollpunkt: politiskt klartecken" in html
    assert "Styrgrupp" in html and "Referensgrupp" in html
    assert "Regional mobilisering för stärkt omställningsförmåga" in html
    matrix = {key: cells for key, _name, cells in response.context["matrix"]}
    politicians = [[step.key for step in cell.leads] for cell in matrix["politicians"]]
    assert politicians == [
        ["politicians-go-ahead"],
        [],
        ["politicians-midway"],
        ["politicians-final"],
        [],
    ]
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(reverse("projects:template")).content.decode()
    assert "Project template for municipalities with small staffs" in english
    assert "Who takes part in what" in english


def test_a_template_version_has_its_own_page_and_unknown_ones_are_404():
    template_import("2099.2", steps=3)
    client = Client()
    old = client.get(reverse("projects:template_version", args=[FILE_DATA["version"]]))
    assert old.status_code == 200 and old.context["template"].version == FILE_DATA["version"]
    assert client.get(reverse("projects:template")).context["template"].version == "2099.2"
    assert client.get(reverse("projects:template_version", args=["0.0"])).status_code == 404
    unpublished = template_import("2099.3", steps=2, published=False)
    assert client.get(unpublished.get_absolute_url()).status_code == 404


def test_the_template_api_is_public(django_assert_max_num_queries):
    client = Client()
    with django_assert_max_num_queries(4):
        data = client.get(reverse("api:project-template")).json()
    assert data["version"] == FILE_DATA["version"]
    assert data["title"] == FILE_DATA["title"]
    assert [role["key"] for role in data["roles"]] == [role["key"] for role in FILE_DATA["roles"]]
    assert [step["key"] for step in data["steps"]] == [step["key"] for step in FILE_DATA["steps"]]
    step = data["steps"][0]
    assert step["guidance"] == FILE_DATA["steps"][0]["guidance"] and step["order"] == 1
    assert step["involves"] == FILE_DATA["steps"][0]["involves"]
    by_version = client.get(reverse("api:project-template-version", args=[FILE_DATA["version"]]))
    assert by_version.json() == data
    missing = client.get(reverse("api:project-template-version", args=["0.0"]))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_the_openapi_document_describes_the_template_and_the_checklist():
    schema = Client().get("/api/v1/openapi.json").json()
    for path in ("/api/v1/projects/template/", "/api/v1/projects/template/{version}/"):
        operation = schema["paths"][path]["get"]
        assert {} in operation["security"], path  # public
    components = schema["components"]["schemas"]
    detail = components["ProjectDetail"]["properties"]
    assert "checklist" in detail
    item = components["ChecklistItem"]["properties"]
    assert {"key", "phase", "role", "responsible", "due", "done", "overdue"} <= set(item)
    assert {"roles", "steps", "version"} <= set(components["ProjectTemplate"]["properties"])
