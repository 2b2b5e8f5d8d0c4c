"""Background tasks: the weekly digest of new offers (django-tasks, Django 6's django.tasks)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from kraftsamla.support import selectors
from kraftsamla.support.models import DigestSubscription


@task()
def send_digest(subscription_id: int) -> int:
    """Send one subscriber the week's relevant new offers. Return the number of offers sent."""
    sub = DigestSubscription.objects.select_related("user", "organisation").get(pk=subscription_id)
    if not sub.is_active or not sub.user.is_active:
        return 0
    since = sub.last_sent_at or timezone.now() - datetime.timedelta(days=7)
    content = selectors.digest_content(user=sub.user, organisation=sub.organisation, since=since)
    if not content["offers"]:
        return 0
    with translation.override(sub.user.language or "sv"):
        subject = _("New support offers for %(org)s") % {"org": sub.organisation.display_name}
        body = render_to_string(
            "support/email/digest.txt",
            {"sub": sub, **content, "site": getattr(settings, "SITE_URL", "")},
        )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [sub.user.email])
    # Bookkeeping of the task itself (like Django's last_login), not an audited change:
    # the field is the record of what was sent when.
    sub.last_sent_at = timezone.now()
    sub.save(update_fields=["last_sent_at"])
    return len(content["offers"])


def enqueue_all_digests() -> int:
    """Enqueue a digest for every active subscription; return how many were enqueued."""
    ids = list(DigestSubscription.objects.filter(is_active=True).values_list("id", flat=True))
    for pk in ids:
        send_digest.enqueue(pk)
    return len(ids)
