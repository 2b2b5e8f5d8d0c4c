"""Background tasks: sending an invitation's e-mail, with retries (django-tasks)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django_tasks import task

from kraftsamla.accounts.models import EmailStatus, Invitation


@task()
def send_invitation_email(invitation_id: int, token_hash: str, subject: str, body: str) -> str:
    """Send an invitation's e-mail, trying INVITATION_EMAIL_ATTEMPTS times with backoff.

    Return the e-mail status. The invitation records each attempt, the last error and
    the outcome; an invitation re-sent since (another token) is left to its own task.
    """
    invitation = Invitation.objects.filter(pk=invitation_id, token_hash=token_hash).first()
    if invitation is None or not invitation.is_open:
        return "skipped"
    # Bookkeeping of the task itself (like the digest's last_sent_at), not an audited change.
    this_invitation = Invitation.objects.filter(pk=invitation_id, token_hash=token_hash)
    delay = settings.INVITATION_EMAIL_BACKOFF
    for attempt in range(1, settings.INVITATION_EMAIL_ATTEMPTS + 1):
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
        except Exception as exc:  # noqa: BLE001 - any transport error is a failed attempt
            this_invitation.update(
                email_attempts=F("email_attempts") + 1,
                email_error=f"{type(exc).__name__}: {exc}"[:500],
            )
            if attempt < settings.INVITATION_EMAIL_ATTEMPTS:
                time.sleep(delay)
                delay *= 2
        else:
            this_invitation.update(
                email_status=EmailStatus.SENT,
                email_attempts=F("email_attempts") + 1,
                email_error="",
            )
            return EmailStatus.SENT
    this_invitation.update(email_status=EmailStatus.FAILED)
    return EmailStatus.FAILED
