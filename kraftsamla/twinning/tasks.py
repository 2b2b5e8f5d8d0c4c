"""Reminders before meetings and module deadlines (django-tasks), e-mailed to the people of
the organiser and the participants. `manage.py send_twinning_reminders` runs daily."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from kraftsamla.accounts.models import User
from kraftsamla.twinning.models import Meeting, Module, ProgrammeStatus

# How many days ahead people are reminded (a daily run reminds once per distance).
MEETING_DAYS = (7, 1)
MODULE_DAYS = (14,)


def _people(programme) -> list[User]:
    ids = [
        programme.organiser_id,
        *programme.participants.values_list("organisation_id", flat=True),
    ]
    return list(
        User.objects.filter(is_active=True, organisation_roles__organisation_id__in=ids).distinct()
    )


def _send(people: list[User], subject_body) -> int:
    for person in people:
        with translation.override(person.language or "sv"):
            subject, body = subject_body()
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])
    return len(people)


@task()
def send_meeting_reminder(meeting_id: int) -> int:
    """E-mail a reminder of one meeting; return how many people were reminded."""
    meeting = Meeting.objects.select_related("programme").get(pk=meeting_id)

    def text():
        when = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M")
        subject = _("Reminder: %(meeting)s on %(when)s") % {"meeting": meeting.title, "when": when}
        body = _("%(programme)s meets on %(when)s in %(place)s.\n\nAgenda:\n%(agenda)s") % {
            "programme": meeting.programme.title,
            "when": when,
            "place": meeting.place or "–",
            "agenda": meeting.agenda or "–",
        }
        return subject, body

    return _send(_people(meeting.programme), text)


@task()
def send_module_reminder(module_id: int) -> int:
    """E-mail a reminder that a module ends soon; return how many people were reminded."""
    module = Module.objects.select_related("programme").get(pk=module_id)

    def text():
        subject = _("Reminder: module %(module)s ends on %(date)s") % {
            "module": module.title,
            "date": module.end_date.isoformat(),
        }
        body = _("Module %(order)s of %(programme)s, %(module)s, ends on %(date)s.") % {
            "order": module.order,
            "programme": module.programme.title,
            "module": module.title,
            "date": module.end_date.isoformat(),
        }
        return subject, body

    return _send(_people(module.programme), text)


def enqueue_reminders(today: datetime.date | None = None) -> int:
    """Enqueue the reminders due today in open programmes; return how many were enqueued."""
    today = today or timezone.localdate()
    count = 0
    for days in MEETING_DAYS:
        day = today + datetime.timedelta(days=days)
        for pk in Meeting.objects.filter(
            programme__status=ProgrammeStatus.OPEN, starts_at__date=day
        ).values_list("pk", flat=True):
            send_meeting_reminder.enqueue(pk)
            count += 1
    for days in MODULE_DAYS:
        day = today + datetime.timedelta(days=days)
        for pk in Module.objects.filter(
            programme__status=ProgrammeStatus.OPEN, end_date=day, done=False
        ).values_list("pk", flat=True):
            send_module_reminder.enqueue(pk)
            count += 1
    return count
