"""The weekly digest: which offers it lists, the e-mail task and the command that enqueues it."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus

from kraftsamla.support import selectors, tasks
from kraftsamla.support.models import DigestSubscription, Offer, OfferStatus
from tests.factories.accounts import UserFactory
from tests.factories.capacity import (
    StoredResultsFactory,
)
from tests.factories.organisations import (
    RegionalBodyFactory,
)
from tests.factories.support import (
    RESOURCES,
    NeedFactory,
    OfferFactory,
)
from tests.helpers import (
    stockholm_municipalities,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def digest(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    m1, m2 = stockholm_municipalities(2)
    b = RegionalBodyFactory(slug="digest", members=[m1, m2])
    # Weak: financial (30 < 50); a need in human; dynamic is strong and not needed.
    StoredResultsFactory(
        organisation=m1, year=2031, scores={"financial": 30, "dynamic": 80, "human": 70}
    )
    NeedFactory(organisation=m1, capital="human")
    o = {
        "weak": OfferFactory(
            provider=b,
            title="Finansiering tillsammans",
            capitals=["financial"],
            collaboration_form=RESOURCES,
        ),
        "needed": OfferFactory(
            provider=b,
            title="Kompetens för chefer",
            capitals=["human", "dynamic"],
            status=OfferStatus.RUNNING,
        ),
        "strong": OfferFactory(provider=b, title="Testbädd", capitals=["dynamic"]),
        "planned": OfferFactory(
            provider=b,
            title="Planerad finansiering",
            capitals=["financial"],
            status=OfferStatus.PLANNED,
        ),
        "closed": OfferFactory(
            provider=b,
            title="Avslutad finansiering",
            capitals=["financial"],
            status=OfferStatus.CLOSED,
        ),
        "old": OfferFactory(provider=b, title="Gammal finansiering", capitals=["financial"]),
        "not_for_us": OfferFactory(
            provider=b, title="Bara för grannen", capitals=["financial"], open_to=[m2]
        ),
        "elsewhere": OfferFactory(
            provider=RegionalBodyFactory(
                slug="other", members=stockholm_municipalities(2, exclude=[m1, m2])
            ),
            title="Annat förbund",
            capitals=["financial"],
        ),
    }
    Offer.objects.filter(pk=o["old"].pk).update(
        created_at=timezone.now() - datetime.timedelta(days=30)
    )
    subscriber = UserFactory(organisation=m1, email="prenumerant@test.example", language="en")
    sub = DigestSubscription.objects.create(user=subscriber, organisation=m1)
    return {"org": m1, "neighbour": m2, "body": b, "offers": o, "sub": sub}


def test_digest_content_lists_new_available_relevant_offers_only(digest):
    since = timezone.now() - datetime.timedelta(days=7)
    content = selectors.digest_content(
        user=digest["sub"].user, organisation=digest["org"], since=since
    )
    o = digest["offers"]
    assert content["offers"] == [o["weak"], o["needed"]]  # ordered by title
    assert content["weak"] == ["financial"]
    assert content["needs"] == ["human"]


def test_without_assessment_or_needs_every_new_available_offer_counts(digest):
    since = timezone.now() - datetime.timedelta(days=7)
    content = selectors.digest_content(
        user=UserFactory(organisation=digest["neighbour"]),
        organisation=digest["neighbour"],
        since=since,
    )
    o = digest["offers"]
    assert content["offers"] == [o["not_for_us"], o["weak"], o["needed"], o["strong"]]


def test_the_task_mails_the_relevant_offers_and_records_when(digest):
    sub, o = digest["sub"], digest["offers"]
    before = timezone.now()
    result = tasks.send_digest.enqueue(sub.pk)

    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 2
    (message,) = mail.outbox
    assert message.to == ["prenumerant@test.example"]
    assert digest["org"].display_name in message.subject
    assert o["weak"].title in message.body and o["needed"].title in message.body
    assert o["weak"].get_absolute_url() in message.body
    for key in ("strong", "planned", "closed", "old", "not_for_us", "elsewhere"):
        assert o[key].title not in message.body
    sub.refresh_from_db()
    assert sub.last_sent_at >= before

    # Nothing new since the last e-mail: no second e-mail, the time stays.
    sent = sub.last_sent_at
    assert tasks.send_digest.enqueue(sub.pk).return_value == 0
    assert len(mail.outbox) == 1
    sub.refresh_from_db()
    assert sub.last_sent_at == sent


def test_no_email_when_nothing_is_relevant(digest):
    Offer.objects.filter(
        pk__in=[digest["offers"]["weak"].pk, digest["offers"]["needed"].pk]
    ).delete()
    assert tasks.send_digest.enqueue(digest["sub"].pk).return_value == 0
    assert mail.outbox == []
    digest["sub"].refresh_from_db()
    assert digest["sub"].last_sent_at is None


def test_an_inactive_subscription_or_user_sends_nothing(digest):
    sub = digest["sub"]
    sub.is_active = False
    sub.save()
    assert tasks.send_digest.enqueue(sub.pk).return_value == 0
    sub.is_active = True
    sub.save()
    sub.user.is_active = False
    sub.user.save()
    assert tasks.send_digest.enqueue(sub.pk).return_value == 0
    assert mail.outbox == []
    sub.refresh_from_db()
    assert sub.last_sent_at is None


def test_the_command_enqueues_one_digest_per_active_subscription(digest, monkeypatch):
    neighbour = digest["neighbour"]
    DigestSubscription.objects.create(
        user=UserFactory(organisation=neighbour), organisation=neighbour
    )
    DigestSubscription.objects.create(
        user=UserFactory(organisation=neighbour), organisation=neighbour, is_active=False
    )
    enqueued = []
    monkeypatch.setattr(
        tasks, "send_digest", type("Fake", (), {"enqueue": staticmethod(enqueued.append)})
    )
    out = io.StringIO()
    call_command("send_digests", stdout=out)
    assert sorted(enqueued) == sorted(
        DigestSubscription.objects.filter(is_active=True).values_list("pk", flat=True)
    )
    assert len(enqueued) == 2
    assert "2" in out.getvalue()


def test_the_command_sends_the_emails_with_the_immediate_backend(digest):
    neighbour = digest["neighbour"]
    DigestSubscription.objects.create(
        user=UserFactory(organisation=neighbour, email="granne@test.example"),
        organisation=neighbour,
    )
    DigestSubscription.objects.create(
        user=UserFactory(organisation=neighbour, email="vilande@test.example"),
        organisation=neighbour,
        is_active=False,
    )
    call_command("send_digests", stdout=io.StringIO())
    assert sorted(m.to[0] for m in mail.outbox) == [
        "granne@test.example",
        "prenumerant@test.example",
    ]
