"""Background tasks: e-mail about requests to join a project, with retries (django-tasks).

A new request is e-mailed to the owner's administrators (to its editors when it has
none), an answer to the person who asked; each person gets the e-mail in their own
language (Swedish unless they chose another). Like the invitation e-mail
(accounts/tasks.py), sending is tried INVITATION_EMAIL_ATTEMPTS times with a growing
pause, and the request records the attempts, the last error and the outcome, so a
mail server that is down never breaks the request that was made.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from kraftsamla.accounts.models import EmailStatus, User
from kraftsamla.core.models import Role
from kraftsamla.projects.models import JoinRequest, JoinRequestStatus

# Notice -> the status the request must still have for the e-mail to be sent.
NOTICES = {
    "created": JoinRequestStatus.PENDING,
    "accepted": JoinRequestStatus.ACCEPTED,
    "declined": JoinRequestStatus.DECLINED,
}
DEFAULT_LANGUAGE = "sv"


def join_request_recipients(join_request: JoinRequest, notice: str) -> list[User]:
    """Return who gets the notice: the owner's administrators (else its editors) for a new
    request, the person who asked for an answer; active accounts only."""
    if notice != "created":
        person = join_request.requested_by
        return [person] if person is not None and person.is_active else []
    people = User.objects.filter(
        is_active=True, organisation_roles__organisation_id=join_request.project.owner_id
    ).order_by("email")
    return list(people.filter(organisation_roles__role=Role.ADMIN)) or list(
        people.filter(organisation_roles__role=Role.EDITOR)
    )


def join_request_email(
    join_request: JoinRequest, notice: str, language: str, link: str
) -> tuple[str, str]:
    """Return the subject and text of the notice in `language`."""
    with translation.override(language):
        names = {
            "organisation": join_request.organisation.name,
            "project": join_request.project.title,
        }
        subject = {
            "created": _("%(organisation)s asks to join “%(project)s”"),
            "accepted": _("Your request to join “%(project)s” was accepted"),
            "declined": _("Your request to join “%(project)s” was declined"),
        }[notice] % names
        body = render_to_string(
            f"projects/email/join_request_{notice}.txt",
            {"join_request": join_request, "link": link},
        )
    return subject, body


@task()
def send_join_request_email(join_request_id: int, notice: str, link: str) -> str:
    """E-mail the notice about a request to join; return the e-mail status.

    Skipped when the request has moved on meanwhile (e.g. withdrawn before the
    owner's e-mail went out). A recipient already reached is not e-mailed again
    when another one's attempt is retried.
    """
    this_request = JoinRequest.objects.filter(pk=join_request_id, status=NOTICES[notice])
    join_request = this_request.select_related(
        "project", "organisation", "requested_by", "decided_by"
    ).first()
    if join_request is None:
        return "skipped"
    waiting = join_request_recipients(join_request, notice)
    if not waiting:
        # Bookkeeping of the task itself (as for invitations), not an audited change.
        this_request.update(email_status=EmailStatus.FAILED, email_error="No active recipient.")
        return EmailStatus.FAILED
    delay = settings.INVITATION_EMAIL_BACKOFF
    for attempt in range(1, settings.INVITATION_EMAIL_ATTEMPTS + 1):
        failed, error = [], ""
        for person in waiting:
            subject, body = join_request_email(
                join_request, notice, person.language or DEFAULT_LANGUAGE, link
            )
            try:
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])
            except Exception as exc:  # noqa: BLE001 - any transport error is a failed attempt
                failed.append(person)
                error = f"{type(exc).__name__}: {exc}"[:500]
        this_request.update(email_attempts=F("email_attempts") + 1, email_error=error)
        if not failed:
            this_request.update(email_status=EmailStatus.SENT)
            return EmailStatus.SENT
        waiting = failed
        if attempt < settings.INVITATION_EMAIL_ATTEMPTS:
            time.sleep(delay)
            delay *= 2
    this_request.update(email_status=EmailStatus.FAILED)
    return EmailStatus.FAILED
