"""Background task: e-mail a call that a body sent to its members (django-tasks)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from kraftsamla.funding import selectors
from kraftsamla.funding.models import CallNotice


@task()
def send_call_notice(notice_id: int) -> int:
    """E-mail the call to the active people of the body's members, each in their language.

    Return the number of e-mails sent; one that fails is skipped (the notice on the start
    page still reaches the person).
    """
    notice = CallNotice.objects.select_related("call", "body").filter(pk=notice_id).first()
    if notice is None:
        return 0
    sent = 0
    for email, language, organisation in selectors.notice_recipients(notice):
        with translation.override(language):
            subject = _("%(body)s recommends a funding call: %(title)s") % {
                "body": notice.body.display_name,
                "title": notice.call.title,
            }
            body = render_to_string(
                "funding/email/notice.txt",
                {
                    "notice": notice,
                    "call": notice.call,
                    "organisation": organisation,
                    "site": getattr(settings, "SITE_URL", ""),
                },
            )
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
        except Exception:  # noqa: BLE001 - one unreachable address must not stop the others
            continue
        sent += 1
    # Bookkeeping of the task itself (like the digest's last_sent_at), not an audited change.
    CallNotice.objects.filter(pk=notice.pk).update(emails_sent=sent)
    return sent


@task()
def send_party_invitation(party_id: int) -> int:
    """E-mail an invitation to join an application: to the address the coordinator gave,
    else to the administrators and editors of the party's organisation. Return the number
    of e-mails sent."""
    from kraftsamla.funding.models import Party

    party = (
        Party.objects.select_related(
            "application", "application__call", "application__coordinator", "organisation"
        )
        .filter(pk=party_id)
        .first()
    )
    if party is None:
        return 0
    sent = 0
    for email, language in selectors.invitation_recipients(party):
        with translation.override(language):
            subject = _("%(coordinator)s invites %(party)s to a joint application") % {
                "coordinator": party.application.coordinator.display_name,
                "party": party.organisation.display_name,
            }
            body = render_to_string(
                "funding/email/invitation.txt",
                {
                    "party": party,
                    "application": party.application,
                    "site": getattr(settings, "SITE_URL", ""),
                },
            )
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
        except Exception:  # noqa: BLE001 - one unreachable address must not stop the others
            continue
        sent += 1
    return sent
