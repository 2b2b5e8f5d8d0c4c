"""Factories for organisations and memberships."""

from __future__ import annotations

import factory

from kraftsamla.core.access import SYSTEM
from kraftsamla.organisations import services
from kraftsamla.organisations.models import (
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
)


class OrganisationFactory(factory.django.DjangoModelFactory):
    """A validated organisation; `members=[...]` makes them current members of it."""

    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Testorganisation {n}")
    slug = factory.Sequence(lambda n: f"testorganisation-{n}")
    kind = OrganisationKind.CIVIL_SOCIETY

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        organisation = model_class(*args, **kwargs)
        organisation.full_clean()
        organisation.save()
        return organisation

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        for member in extracted or ():
            MembershipFactory(member=member, body=self)


class RegionalBodyFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Testförbund {n}")
    slug = factory.Sequence(lambda n: f"testforbund-{n}")
    kind = OrganisationKind.REGIONAL_BODY


class MembershipFactory(factory.django.DjangoModelFactory):
    """A membership made by the membership service (validated and audited)."""

    class Meta:
        model = Membership

    member = factory.SubFactory(OrganisationFactory)
    body = factory.SubFactory(RegionalBodyFactory)
    role = MembershipRole.MEMBER
    start_date = None
    end_date = None

    @classmethod
    def _create(cls, model_class, *args, actor=SYSTEM, **kwargs):
        return services.membership_create(actor=actor, **kwargs)
