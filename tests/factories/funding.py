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
