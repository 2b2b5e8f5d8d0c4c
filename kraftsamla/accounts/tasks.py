"""Background tasks: sending an invitation's e-mail, with retries (django-tasks)."""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from kraftsamla.accounts.models import EmailStatus, Invitation, token_hash

# Stands for the token in the accept link the service passes; the task puts the real one in.
TOKEN_PLACEHOLDER = "__token__"


def _invitation_email(invitation: Invitation, link: str, language: str, inviter: str):
    with translation.override(language):
        subject = _("You are invited to %(org)s in Kraftsamla") % {
            "org": invitation.organisation.name
        }
        context = {
            "invitation": invitation,
            "link": link,
            "inviter": inviter,
            "note": invitation.note,
        }
        return subject, render_to_string("accounts/email/invitation.txt", context)


@task()
def send_invitation_email(
    invitation_id: int, link_template: str, language: str, inviter: str
) -> str:
    """Make the invitation's link and e-mail it, trying INVITATION_EMAIL_ATTEMPTS times.

    The token is made here and only its hash is stored, so the raw token exists only
    in the e-mail (never in the database or the task queue). Return the e-mail status.
    The invitation records each attempt, the last error and the outcome; when it is
    re-sent meanwhile (another task set another token), this task stops.
    """
    token = secrets.token_urlsafe(32)
    this_invitation = Invitation.objects.filter(pk=invitation_id, accepted_at__isnull=True)
    # Bookkeeping of the task itself (like the digest's last_sent_at), not an audited change.
    if not this_invitation.update(token_hash=token_hash(token)):
        return "skipped"
    this_invitation = this_invitation.filter(token_hash=token_hash(token))
    invitation = this_invitation.select_related("organisation").first()
    subject, body = _invitation_email(
        invitation, link_template.replace(TOKEN_PLACEHOLDER, token), language, inviter
    )
    delay = settings.INVITATION_EMAIL_BACKOFF
    for attempt in range(1, settings.INVITATION_EMAIL_ATTEMPTS + 1):
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
        except Exception as exc:  # noqa: BLE001 - any transport error is a failed attempt
            still_ours = this_invitation.update(
                email_attempts=F("email_attempts") + 1,
                email_error=f"{type(exc).__name__}: {exc}"[:500],
            )
            if not still_ours:
                return "superseded"
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
