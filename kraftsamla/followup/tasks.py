"""Background tasks of follow-up (django-tasks): reminders before a round's deadline, long
imports, and deleting the uploads of import previews never finished."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from kraftsamla.followup import selectors
from kraftsamla.followup.models import FollowupRound, RoundReport, RoundStatus


@task()
def send_round_reminders(round_id: int) -> int:
    """E-mail the people of every unit that has not submitted its report yet, each in their
    language. Return the number of e-mails sent; a failing address is skipped."""
    round_ = FollowupRound.objects.select_related("organisation").filter(pk=round_id).first()
    if round_ is None or round_.status != RoundStatus.OPEN:
        return 0
    sent = 0
    reminded = []
    for report, people in selectors.reminder_recipients(round_):
        for email, language in people:
            with translation.override(language):
                subject = _("Reminder: report “%(round)s” by %(date)s") % {
                    "round": round_.name,
                    "date": round_.deadline.isoformat(),
                }
                body = render_to_string(
                    "followup/email/reminder.txt",
                    {
                        "round": round_,
                        "report": report,
                        "site": getattr(settings, "SITE_URL", ""),
                    },
                )
            try:
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
            except Exception:  # noqa: BLE001 - one unreachable address must not stop the others
                continue
            sent += 1
        reminded.append(report.pk)
    # Bookkeeping of the task itself, not an audited change.
    RoundReport.objects.filter(pk__in=reminded).update(reminded_at=timezone.now())
    return sent


@task()
def run_import_job(job_id: int) -> str:
    """Run a long import queued from the import preview; return its final status."""
    from kraftsamla.followup import services
    from kraftsamla.followup.models import ImportJob

    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        return "missing"
    return services.import_job_run(job=job).status


@task()
def clear_import_uploads(hours: int | None = None) -> int:
    """Delete the uploads of import previews older than `hours` (by default
    KRAFTSAMLA_IMPORT_UPLOAD_MAX_AGE_HOURS) that no running import uses; return how many."""
    from kraftsamla.core.access import SYSTEM
    from kraftsamla.followup import services

    if hours is None:
        hours = settings.KRAFTSAMLA_IMPORT_UPLOAD_MAX_AGE_HOURS
    return services.import_uploads_clear(actor=SYSTEM, older_than=datetime.timedelta(hours=hours))
