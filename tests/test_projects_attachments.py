"""Files attached to a project: limits, every type, lying types, who may upload, delete and
download, the download's headers, nothing half-saved, the API and the page's queries."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from kraftsamla.core.models import AuditEvent, Role
from kraftsamla.core.uploads import OversizedUpload
from kraftsamla.projects import services
from kraftsamla.projects.models import Project, ProjectAttachment
from tests.factories.accounts import UserFactory
from tests.factories.files import SAMPLES, png_bytes, sample, upload
from tests.factories.projects import ProjectFactory
from tests.helpers import (
    ALE_EDITOR,
    COORDINATOR,
    EDITOR_M,
    PRIVATE,
    PUBLIC,
    VIEWER_M,
    demo_user,
    org_by_slug,
    translate,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Each test stores its files in a folder of its own, empty at the start."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def _client(email: str | None = None, user=None) -> Client:
    client = Client()
    person = user or (demo_user(email) if email else None)
    if person is not None:
        client.force_login(person)
    return client


@pytest.fixture
def project(molndal) -> Project:
    return ProjectFactory(owner=molndal, title="Återbruk i Mölndal", sharing_level=PUBLIC)


def _attach(project, key="pdf", actor=None, **kwargs) -> ProjectAttachment:
    return services.attachment_add(
        actor=actor or demo_user(EDITOR_M), project=project, file=sample(key, **kwargs)
    )


# --- The service ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_every_allowed_type_is_attached_and_stored_under_a_name_of_our_own(project, media, key):
    name, make = SAMPLES[key]
    content = make()
    attachment = services.attachment_add(
        actor=demo_user(EDITOR_M), project=project, file=upload(name, content)
    )
    assert (attachment.kind, attachment.name, attachment.size) == (key, name, len(content))
    assert attachment.content_type.startswith(("application/", "image/"))
    stored = attachment.file.name
    assert stored.startswith(f"projects/{project.pk}/")
    assert name.rsplit(".", 1)[0] not in stored
    assert stored_files(media) == [media / stored]
    assert (media / stored).read_bytes() == content
    audit = AuditEvent.objects.filter(object_type="projects.projectattachment").latest("id")
    assert audit.after["name"] == name and audit.after["stored_as"] == stored
    assert audit.organisation == project.owner


def test_the_browser_content_type_is_not_believed(project):
    attachment = _attach(project, "png", content_type="application/pdf")
    assert attachment.content_type == "image/png"


def test_the_display_name_is_made_safe(project, media):
    attachment = _attach(project, "pdf", name="../../hemlig\u202e/Slutrapport\x00.PDF")
    assert attachment.name == "Slutrapport.pdf"
    assert ".." not in attachment.file.name


def test_a_file_over_the_limit_is_refused_and_not_stored(project, media, settings):
    settings.KRAFTSAMLA_ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as error:
        services.attachment_add(
            actor=demo_user(EDITOR_M), project=project, file=upload("stor.pdf", b"%PDF-" * 30)
        )
    assert error.value.error_dict["file"][0].code == "too_large"
    assert not ProjectAttachment.objects.exists() and stored_files(media) == []


def test_a_file_at_the_limit_is_attached(project, settings):
    content = png_bytes()
    settings.KRAFTSAMLA_ATTACHMENT_MAX_BYTES = len(content)
    assert services.attachment_add(
        actor=demo_user(EDITOR_M), project=project, file=upload("karta.png", content)
    ).size == len(content)


def test_a_project_has_at_most_the_set_number_of_attachments(project, media, settings):
    settings.KRAFTSAMLA_ATTACHMENTS_PER_PROJECT = 2
    _attach(project, "pdf")
    _attach(project, "png")
    with pytest.raises(ValidationError) as error:
        _attach(project, "gif")
    assert error.value.error_dict["file"][0].code == "too_many"
    assert project.attachments.count() == 2 and len(stored_files(media)) == 2


@pytest.mark.parametrize(
    "name, content, code",
    [
        ("rapport.pdf", png_bytes(), "lying"),
        ("rapport.pdf", b"<html>not a pdf</html>", "lying"),
        ("program.exe", png_bytes(), "not_allowed"),
        ("tom.pdf", b"", "empty"),
        ("beslut.docx", b"PK\x03\x04 broken", "damaged"),
    ],
)
def test_a_refused_file_leaves_nothing_behind(project, media, name, content, code):
    with pytest.raises(ValidationError) as error:
        services.attachment_add(
            actor=demo_user(EDITOR_M), project=project, file=upload(name, content)
        )
    assert error.value.error_dict["file"][0].code == code
    assert not ProjectAttachment.objects.exists() and stored_files(media) == []


def test_nothing_is_half_saved_when_the_transaction_fails(project, media, monkeypatch):
    """The file is stored before its row; when the row or its audit fails, it goes again."""

    def audit_fails(**kwargs):
        raise RuntimeError("the audit log is down")

    monkeypatch.setattr(services, "audit_record", audit_fails)
    with pytest.raises(RuntimeError):
        _attach(project, "pdf")
    assert not ProjectAttachment.objects.exists()
    assert stored_files(media) == []


def test_attach_allowed_for_the_owner_editors_and_staff(project, admin_m, staff):
    for person in (demo_user(EDITOR_M), admin_m, staff):
        _attach(project, "png", actor=person)
    assert project.attachments.count() == 3


def test_attach_denied_for_viewers_the_body_and_other_municipalities(project, media, gr):
    body_editor = UserFactory(organisation=gr, role=Role.EDITOR)
    for person in (demo_user(VIEWER_M), demo_user(COORDINATOR), body_editor, demo_user(ALE_EDITOR)):
        with pytest.raises(PermissionDenied):
            _attach(project, "png", actor=person)
    assert stored_files(media) == []


def test_delete_removes_the_row_and_on_commit_the_file(
    project, media, django_capture_on_commit_callbacks
):
    attachment = _attach(project, "pdf")
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_delete(actor=demo_user(EDITOR_M), attachment=attachment)
    assert not ProjectAttachment.objects.exists()
    assert stored_files(media) == []
    audit = AuditEvent.objects.filter(object_type="projects.projectattachment").latest("id")
    assert audit.action == "delete" and audit.before["name"] == "Slutrapport.pdf"


def test_the_file_stays_until_the_deletion_is_committed(project, media):
    attachment = _attach(project, "pdf")
    # Inside the test's transaction nothing is committed, so the file is still there.
    services.attachment_delete(actor=demo_user(EDITOR_M), attachment=attachment)
    assert len(stored_files(media)) == 1


def test_delete_denied_for_a_viewer_and_the_body(project, media):
    attachment = _attach(project, "pdf")
    for person in (demo_user(VIEWER_M), demo_user(COORDINATOR)):
        with pytest.raises(PermissionDenied):
            services.attachment_delete(actor=person, attachment=attachment)
    assert ProjectAttachment.objects.filter(pk=attachment.pk).exists()


def test_deleting_a_project_deletes_its_files(project, media, django_capture_on_commit_callbacks):
    _attach(project, "pdf")
    _attach(project, "png")
    with django_capture_on_commit_callbacks(execute=True):
        Project.objects.filter(pk=project.pk).delete()
    assert stored_files(media) == []


# --- Pages ---------------------------------------------------------------------------------


def _post(client, project, file, **extra):
    return client.post(reverse("projects:attach", args=[project.pk]), {"file": file, **extra})


def test_upload_through_the_page(project, media):
    client = _client(EDITOR_M)
    page = client.get(project.get_absolute_url())
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'id="attach-file"' in html and 'aria-describedby="attach-file-help"' in html
    help_text = page.context["attach_form"]["file"].help_text
    assert "PDF" in help_text and "WebP" in help_text and "10,0" in help_text
    response = _post(client, project, sample("pdf"))
    assert response.status_code == 302
    assert response["Location"].endswith(f"{project.get_absolute_url()}#attachments-heading")
    html = client.get(project.get_absolute_url()).content.decode()
    attachment = project.attachments.get()
    assert f'href="{attachment.get_absolute_url()}"' in html and "Slutrapport.pdf" in html
    assert "PDF" in html


@pytest.mark.parametrize(
    "file, message",
    [
        (upload("rapport.pdf", png_bytes()), "PNG"),
        (upload("program.exe", png_bytes()), "PDF, DOCX, XLSX, ODT, PNG, JPEG, GIF"),
        (upload("tom.pdf", b""), translate("The file is empty.")),
    ],
)
def test_a_refused_upload_shows_the_error_at_the_field(project, media, file, message):
    response = _post(_client(EDITOR_M), project, file)
    assert response.status_code == 400
    errors = response.context["attach_form"].errors["file"]
    assert any(message in error for error in errors)
    html = response.content.decode()
    assert 'id="attach-file-errors"' in html
    assert 'aria-describedby="attach-file-help attach-file-errors"' in html
    assert 'aria-invalid="true"' in html
    assert stored_files(media) == []


def test_an_upload_over_the_limit_is_dropped_while_it_is_read(
    project, media, settings, monkeypatch
):
    settings.KRAFTSAMLA_ATTACHMENT_MAX_BYTES = 1000
    received = []
    attachment_add = services.attachment_add

    def spy(**kwargs):
        received.append(kwargs["file"])
        return attachment_add(**kwargs)

    monkeypatch.setattr(services, "attachment_add", spy)
    response = _post(_client(EDITOR_M), project, upload("stor.pdf", b"%PDF-" + b"x" * 300_000))
    assert response.status_code == 400
    # What reached the service was only the size: the bytes past the limit were dropped.
    assert isinstance(received[0], OversizedUpload) and received[0].size == 300_005
    (error,) = response.context["attach_form"].errors["file"]
    # The message says how large the file was (all of it, though only the limit was kept).
    assert "293,0" in error and "1000" in error
    assert stored_files(media) == []


def test_an_upload_without_a_file_says_so(project):
    response = _post(_client(EDITOR_M), project, "")
    assert response.status_code == 400
    assert response.context["attach_form"].errors["file"] == [translate("Choose a file to attach.")]


def test_the_upload_form_is_protected_against_csrf(project, media):
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo_user(EDITOR_M))
    assert _post(client, project, sample("pdf")).status_code == 403
    assert stored_files(media) == []


def test_upload_denied_for_a_viewer_and_hidden_from_others(project, molndal):
    assert _post(_client(VIEWER_M), project, sample("pdf")).status_code == 403
    private = ProjectFactory(owner=molndal, sharing_level=PRIVATE)
    assert _post(_client(ALE_EDITOR), private, sample("pdf")).status_code == 404
    assert _post(Client(), project, sample("pdf")).status_code == 302  # to the login page
    assert not ProjectAttachment.objects.exists()


def test_only_those_who_may_attach_see_the_form_and_the_delete_buttons(project):
    _attach(project, "pdf")
    viewer_page = _client(VIEWER_M).get(project.get_absolute_url())
    assert viewer_page.context["attach_form"] is None
    assert "Slutrapport.pdf" in viewer_page.content.decode()
    assert "/ta-bort/" not in viewer_page.content.decode()
    assert "/ta-bort/" in _client(EDITOR_M).get(project.get_absolute_url()).content.decode()


def test_download_of_a_public_project_attachment(project):
    attachment = _attach(project, "pdf", name="Slutrapport för Mölndal.pdf")
    response = Client().get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SAMPLES["pdf"][1]()
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''Slutrapport%20f%C3%B6r%20M%C3%B6lndal.pdf" in disposition
    assert "private" in response["Cache-Control"]


def test_download_of_a_hidden_project_attachment_is_404(molndal):
    private = ProjectFactory(owner=molndal, sharing_level=PRIVATE)
    attachment = _attach(private, "pdf")
    url = attachment.get_absolute_url()
    assert Client().get(url).status_code == 404
    assert _client(ALE_EDITOR).get(url).status_code == 404
    assert _client(COORDINATOR).get(url).status_code == 404
    assert _client(VIEWER_M).get(url).status_code == 200
    region = ProjectFactory(owner=molndal)
    shared = _attach(region, "png")
    assert _client(COORDINATOR).get(shared.get_absolute_url()).status_code == 200
    assert Client().get(shared.get_absolute_url()).status_code == 404


def test_an_attachment_is_found_only_under_its_own_project(project, molndal):
    other = ProjectFactory(owner=molndal, sharing_level=PUBLIC)
    attachment = _attach(other, "pdf")
    url = reverse("projects:attachment", args=[project.pk, attachment.pk])
    assert Client().get(url).status_code == 404


def test_a_missing_stored_file_answers_404_not_500(project, media):
    attachment = _attach(project, "pdf")
    default_storage.delete(attachment.file.name)
    assert Client().get(attachment.get_absolute_url()).status_code == 404


def test_delete_through_the_page(project, media, django_capture_on_commit_callbacks):
    attachment = _attach(project, "pdf")
    url = reverse("projects:attachment_delete", args=[project.pk, attachment.pk])
    assert _client(VIEWER_M).post(url).status_code == 403
    assert _client(EDITOR_M).get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(EDITOR_M).post(url)
    assert response.status_code == 302
    assert not ProjectAttachment.objects.exists() and stored_files(media) == []


def test_the_api_lists_the_attachments_with_their_download_address(project):
    attachment = _attach(project, "xlsx")
    detail = Client().get(reverse("api:project-detail", args=[project.pk])).json()
    (row,) = detail["attachments"]
    assert row["name"] == "Kalkyl.xlsx" and row["size"] == attachment.size
    assert row["kind"] == "xlsx" and row["content_type"].endswith("spreadsheetml.sheet")
    assert row["download_url"] == f"http://testserver{attachment.get_absolute_url()}"
    assert Client().get(row["download_url"]).status_code == 200


def test_the_project_page_queries_do_not_grow_with_attachments(project):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(EDITOR_M)
    client.get(project.get_absolute_url())
    _attach(project, "pdf")
    with CaptureQueriesContext(connection) as before:
        assert client.get(project.get_absolute_url()).status_code == 200
    for key in ("png", "gif", "webp", "docx"):
        _attach(project, key)
    with CaptureQueriesContext(connection) as after:
        assert client.get(project.get_absolute_url()).status_code == 200
    assert len(after) == len(before)


def test_a_person_of_the_owner_sees_a_private_projects_attachments_in_the_api():
    """A person of the owner sees its private project's attachments in the API."""
    tjorn = org_by_slug("tjorn")
    private = ProjectFactory(owner=tjorn, sharing_level=PRIVATE)
    _attach(private, "pdf", actor=UserFactory(organisation=tjorn, role=Role.EDITOR))
    person = UserFactory(organisation=tjorn, role=Role.VIEWER)
    detail = _client(user=person).get(reverse("api:project-detail", args=[private.pk])).json()
    assert [row["name"] for row in detail["attachments"]] == ["Slutrapport.pdf"]
