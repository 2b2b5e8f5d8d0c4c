"""Follow-up: long imports run in the background worker (django-tasks' database backend),
with their progress stored on the job and a page that polls it (or is refreshed)."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse

from kraftsamla.core.access import SYSTEM, allows
from kraftsamla.followup import imports, services
from kraftsamla.followup.models import (
    Direction,
    ImportJob,
    ImportJobStatus,
    IndicatorValue,
)
from tests.factories.accounts import UserFactory
from tests.helpers import EDITOR_M, VIEWER_M, demo_user, translate

pytestmark = pytest.mark.django_db

FORM = {
    "kind": "values",
    "header_row": "1",
    "layout": "long",
    "organisation_column": "0",
    "year_column": "1",
    "value_column": "2",
    "sharing_level": "region",
}


@pytest.fixture
def indicator():
    return services.indicator_create(
        actor=SYSTEM,
        owner=None,
        data={
            "name": {"sv": "Bakgrundstest", "en": "Background test"},
            "unit": "st",
            "direction": Direction.LOWER,
        },
    )


def _file(years=range(2000, 2024)) -> bytes:
    lines = ["Kommun;År;Värde"] + [f"Mölndal;{year};{year - 1990},5" for year in years]
    return ("\n".join(lines) + "\n").encode("cp1252")


def _preview(client, data: bytes) -> str:
    upload = io.BytesIO(data)
    upload.name = "lang.csv"
    response = client.post(reverse("followup:import"), {"file": upload})
    assert response.status_code == 302
    return response["Location"]


def test_a_long_import_runs_as_a_task_and_shows_its_progress(indicator, molndal, settings):
    settings.KRAFTSAMLA_IMPORT_BACKGROUND_ROWS = 10
    editor = demo_user(EDITOR_M)
    client = Client()
    client.force_login(editor)
    preview_url = _preview(client, _file())
    with TestCase.captureOnCommitCallbacks(execute=True):  # the immediate task backend
        response = client.post(preview_url, {**FORM, "indicator": indicator.pk, "action": "import"})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("followup:import-job", kwargs={"pk": job.pk})
    assert (job.status, job.progress, job.rows_total) == (ImportJobStatus.DONE, 100, 24)
    assert IndicatorValue.objects.filter(indicator=indicator, organisation=molndal).count() == 24
    assert job.batch.rows_written == 24
    assert not default_storage.exists(job.path)  # the upload is gone once imported
    page = client.get(response["Location"]).content.decode()
    assert 'value="100"' in page
    assert reverse("followup:import-batch", kwargs={"pk": job.batch_id}) in page
    status = client.get(response["Location"], {"format": "json"}).json()
    assert status["finished"] and status["progress"] == 100
    assert status["stage"] == translate("Imported")


def test_a_queued_import_shows_where_it_is_without_javascript(indicator, molndal, settings):
    settings.KRAFTSAMLA_IMPORT_BACKGROUND_ROWS = 10
    client = Client()
    client.force_login(demo_user(EDITOR_M))
    preview_url = _preview(client, _file())
    # Without committing, the task has not run: the page shows the job waiting.
    response = client.post(preview_url, {**FORM, "indicator": indicator.pk, "action": "import"})
    job = ImportJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert translate("Waiting") in page
    assert translate("Show the progress again") in page
    assert "import_job.js" in page
    assert client.get(response["Location"], {"format": "json"}).json() == {
        "status": "queued",
        "stage": translate("Waiting"),
        "progress": 0,
        "finished": False,
        "message": "",
        "url": None,
    }
    # Progress while the rows are checked is stored as the worker goes.
    steps = []
    services._job_step(job, ImportJobStatus.CHECKING, 30)
    steps.append(ImportJob.objects.get().progress)
    assert steps == [30]


def test_a_failing_background_import_saves_nothing_and_says_why(indicator, molndal):
    editor = demo_user(EDITOR_M)
    data = _file() + "Ale;2020;3\n".encode("cp1252")  # Ale is not the editor's
    path = default_storage.save("followup-imports/test-fail", ContentFile(data))
    rows = imports.read_rows(data)
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = services.import_job_create(
            actor=editor,
            path=path,
            file_name="fel.csv",
            kind="table",
            options={
                "mapping": imports.mapping_to_json(imports.guess_mapping(rows)),
                "indicator": indicator.pk,
                "sharing_level": "region",
                "skip_bad_rows": False,
            },
        )
    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert "26" in job.message  # the bad row, by its number in the file
    assert not IndicatorValue.objects.filter(indicator=indicator).exists()


def test_only_the_importer_sees_the_job(indicator, molndal, settings):
    settings.KRAFTSAMLA_IMPORT_BACKGROUND_ROWS = 10
    editor = demo_user(EDITOR_M)
    client = Client()
    client.force_login(editor)
    preview_url = _preview(client, _file())
    response = client.post(preview_url, {**FORM, "indicator": indicator.pk, "action": "import"})
    job = ImportJob.objects.get()
    assert allows(editor, "followup.import.view", job)
    other = UserFactory(organisation=molndal)
    assert not allows(other, "followup.import.view", job)
    stranger = Client()
    stranger.force_login(other)
    assert stranger.get(response["Location"]).status_code == 404
    assert stranger.get(response["Location"], {"format": "json"}).status_code == 404
    # A viewer may not start one.
    viewer = demo_user(VIEWER_M)
    with pytest.raises(Exception):  # noqa: B017,PT011 - PermissionDenied
        services.import_job_create(
            actor=viewer, path="x", file_name="x.csv", kind="table", options={}
        )


def test_the_real_worker_runs_the_import(indicator, molndal, settings, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    # django-tasks rebuilds its backends when the setting changes.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.KRAFTSAMLA_IMPORT_BACKGROUND_ROWS = 10
    client = Client()
    client.force_login(demo_user(EDITOR_M))
    preview_url = _preview(client, _file())
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(preview_url, {**FORM, "indicator": indicator.pk, "action": "import"})
    assert DBTaskResult.objects.filter(task_path__endswith="run_import_job").count() == 1
    assert ImportJob.objects.get().status == ImportJobStatus.QUEUED  # queued, not run
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())
    job = ImportJob.objects.get()
    assert (job.status, job.progress) == (ImportJobStatus.DONE, 100)
    assert IndicatorValue.objects.filter(indicator=indicator, organisation=molndal).count() == 24
