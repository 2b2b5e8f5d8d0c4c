"""Factories for funding calls, made through the funding services."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import SharingLevel
from kraftsamla.funding import services
from kraftsamla.funding.models import Call


def days(number: int) -> datetime.date:
    """Today plus `number` days (negative: in the past)."""
    return timezone.localdate() + datetime.timedelta(days=number)


class CallFactory(factory.Factory):
    """An open call written by `call_create`; `owner` is a body or None (the platform),
    `rules=[{"kind": …, "parameters": …}]` optional."""

    class Meta:
        model = Call

    owner = None
    funder = "Testfinansiären"
    title = factory.Sequence(lambda n: {"sv": f"Testutlysning {n}", "en": f"Test call {n}"})
    opens_on = factory.LazyFunction(lambda: days(-10))
    closes_on = factory.LazyFunction(lambda: days(30))
    sharing_level = SharingLevel.PUBLIC

    @classmethod
    def _create(cls, model_class, *, owner, actor=SYSTEM, rules=(), **data):
        unknown = set(data) - set(services.CALL_FIELDS)
        if unknown:
            raise TypeError(f"call_create does not take {sorted(unknown)}")
        return services.call_create(actor=actor, owner=owner, data=data, rules=rules)


def open_viable_call(owner=None) -> Call:
    """A copy of the demo Viable Cities call, open today (submission window around today),
    with the same rules otherwise."""
    from kraftsamla.funding.demo import VIABLE_CITIES_RULES

    rules = [
        {**rule, "parameters": {"opens": days(-10).isoformat(), "closes": days(30).isoformat()}}
        if rule["kind"] == "submission_window"
        else rule
        for rule in VIABLE_CITIES_RULES
    ]
    return CallFactory(
        owner=owner,
        project_start_earliest=datetime.date(2024, 12, 1),
        project_end_latest=datetime.date(2027, 10, 31),
        rules=rules,
    )


def application_like_demo(call: Call, *, actor=SYSTEM, twin_letter: bool = True):
    """A draft application for `call` built as the Linköping–Mjölby demo (all parties
    accepted, the same budget, work packages and support letter)."""
    from django.core.files.base import ContentFile

    from kraftsamla.funding import demo
    from kraftsamla.funding.facts import AttachmentType, SignerRole
    from kraftsamla.organisations.models import Organisation

    linkoping = Organisation.objects.get(slug="linkoping")
    application = services.application_create(
        actor=actor,
        call=call,
        coordinator=linkoping,
        data={
            "title": "Testansökan",
            "project_start": datetime.date(2024, 12, 1),
            "project_end": datetime.date(2027, 10, 31),
        },
    )
    parties = demo.demo_parties_add(application, actor=actor)
    if twin_letter:
        services.application_attachment_add(
            actor=actor,
            party=parties["mjolby"],
            file=ContentFile(demo.DEMO_LETTER, name="stodbrev.pdf"),
            type=AttachmentType.SUPPORT_LETTER,
            signed_by="Ordföranden",
            signer_role=SignerRole.POLITICAL_LEADERSHIP,
        )
    application.refresh_from_db()
    return application, parties
