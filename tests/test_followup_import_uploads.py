"""Follow-up: uploads of import previews that were never finished are deleted after a day
(`manage.py clear_import_uploads`, run daily), except those of running background imports."""

from __future__ import annotations

import datetime
import io
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from kraftsamla.core.access import SYSTEM, allows
from kraftsamla.core.models import AuditAction, AuditEvent
from kraftsamla.followup import services, tasks
from kraftsamla.followup.models import ImportJob, ImportJobStatus
from tests.factories.accounts import UserFactory
from tests.helpers import EDITOR_M, STAFF, demo_user

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(hours=24)


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    """An empty storage per test, so the counts are this test's files only."""
    settings.MEDIA_ROOT = tmp_path


def _upload(name: str, *, hours_old: float = 0) -> str:
    path = default_storage.save(
        f"followup-imports/{name}", ContentFile("Kommun;År;Värde\n".encode())
    )
    when = time.time() - hours_old * 3600
    os.utime(default_storage.path(path), (when, when))
    return path


def _job(path: str, status: str) -> ImportJob:
    job = services.import_job_create(
        actor=demo_user(EDITOR_M), path=path, file_name="stor.csv", kind="table", options={}
    )
    ImportJob.objects.filter(pk=job.pk).update(status=status)
    return job


def _cleared() -> AuditEvent | None:
    return AuditEvent.objects.filter(object_type="followup.importupload").last()


def test_old_uploads_are_deleted_and_fresh_ones_kept():
    old = [_upload("gammal-1", hours_old=30), _upload("gammal-2", hours_old=25)]
    fresh = _upload("ny", hours_old=2)
    assert services.import_uploads_clear(actor=SYSTEM, older_than=DAY) == 2
    assert not any(default_storage.exists(path) for path in old)
    assert default_storage.exists(fresh)
    event = _cleared()
    assert event.action == AuditAction.DELETE and event.actor_label == "system"
    assert event.after == {"deleted": 2, "older_than_hours": 24}


def test_the_file_of_an_unfinished_background_import_is_kept():
    running = [
        _job(_upload(f"jobb-{status}", hours_old=48), status).path
        for status in (ImportJobStatus.QUEUED, ImportJobStatus.CHECKING, ImportJobStatus.WRITING)
    ]
    ended = _job(_upload("jobb-klart", hours_old=48), ImportJobStatus.FAILED).path
    assert services.import_uploads_clear(actor=SYSTEM, older_than=DAY) == 1
    assert all(default_storage.exists(path) for path in running)
    assert not default_storage.exists(ended)


def test_nothing_to_delete_writes_no_audit_row():
    _upload("ny", hours_old=1)
    assert services.import_uploads_clear(actor=SYSTEM, older_than=DAY) == 0
    assert _cleared() is None


def test_without_the_directory_there_is_nothing_to_delete():
    assert services.import_uploads_clear(actor=SYSTEM, older_than=DAY) == 0


def test_only_staff_may_clear_uploads():
    assert allows(demo_user(STAFF), "followup.import.clear", None)
    assert not allows(demo_user(EDITOR_M), "followup.import.clear", None)
    assert not allows(UserFactory(), "followup.import.clear", None)


def test_the_command_deletes_by_the_setting_and_says_how_many(settings):
    settings.KRAFTSAMLA_IMPORT_UPLOAD_MAX_AGE_HOURS = 24
    old, fresh = _upload("gammal", hours_old=30), _upload("ny", hours_old=3)
    out = io.StringIO()
    call_command("clear_import_uploads", stdout=out)
    assert out.getvalue().strip() == "Deleted 1 import upload(s) older than 24 h."
    assert not default_storage.exists(old) and default_storage.exists(fresh)
    out = io.StringIO()
    call_command("clear_import_uploads", "--hours", "2", stdout=out)
    assert out.getvalue().strip() == "Deleted 1 import upload(s) older than 2 h."
    assert not default_storage.exists(fresh)


def test_the_command_refuses_less_than_an_hour():
    with pytest.raises(CommandError):
        call_command("clear_import_uploads", "--hours", "0")


def test_the_task_uses_the_setting(settings):
    settings.KRAFTSAMLA_IMPORT_UPLOAD_MAX_AGE_HOURS = 12
    old, fresh = _upload("gammal", hours_old=13), _upload("ny", hours_old=11)
    result = tasks.clear_import_uploads.enqueue()  # the immediate backend in the tests
    assert result.return_value == 1
    assert not default_storage.exists(old) and default_storage.exists(fresh)
