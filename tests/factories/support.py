"""Factories for offers, needs, enrolments and ratings, made through the support services."""

from __future__ import annotations

from contextlib import contextmanager

import factory

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import SharingLevel
from kraftsamla.support import services
from kraftsamla.support.models import (
    AVAILABLE_STATUSES,
    Enrolment,
    EnrolmentStatus,
    Need,
    Offer,
    OfferFormat,
    OfferStatus,
    Rating,
)
from kraftsamla.support.selectors import offer_has_ended

from .accounts import UserFactory

KNOWLEDGE, RESOURCES, ROOM = "knowledge_base", "resource_base", "room_for_action"


class OfferFactory(factory.Factory):
    """An offer published by `offer_save`; `open_to=[...]` opens it to those members only.

    `source_ref` (which only the starter-catalogue import writes) is recorded after the save,
    as that import records it. Any field the service does not take is refused.
    """

    class Meta:
        model = Offer

    provider = factory.SubFactory("tests.factories.organisations.RegionalBodyFactory")
    title = factory.Sequence(lambda n: f"Offer {n}")
    description = "Test offer."
    capitals = ("political",)
    collaboration_form = KNOWLEDGE
    status = OfferStatus.OPEN
    format = OfferFormat.TRAINING

    @classmethod
    def _create(cls, model_class, *, provider, open_to=None, source_ref="", actor=SYSTEM, **data):
        unknown = set(data) - set(services.OFFER_FIELDS)
        if unknown:
            raise TypeError(f"offer_save does not take {sorted(unknown)}")
        data["capitals"] = list(data["capitals"])
        if open_to is not None:
            data["open_to_all_members"] = False
        offer = services.offer_save(actor=actor, provider=provider, data=data, open_to=open_to)
        if source_ref:
            Offer.objects.filter(pk=offer.pk).update(source_ref=source_ref)
            offer.refresh_from_db()
        return offer


def _offer_status_set(offer: Offer, status: str) -> None:
    data = {"status": status, "capitals": offer.capitals, "target_groups": offer.target_groups}
    services.offer_save(actor=SYSTEM, provider=offer.provider, offer=offer, data=data)


@contextmanager
def _offer_in_status(offer: Offer, status: str, *, unless: bool):
    """Put the offer in `status` for the block (unless `unless`), then back, via offer_save."""
    offer.refresh_from_db()
    original = offer.status
    if not unless:
        _offer_status_set(offer, status)
    yield
    if not unless:
        _offer_status_set(offer, original)
    offer.refresh_from_db()


class NeedFactory(factory.Factory):
    """A need registered by `need_save`."""

    class Meta:
        model = Need

    organisation = factory.SubFactory("tests.factories.organisations.OrganisationFactory")
    capital = "political"
    collaboration_form = ""
    description = factory.LazyAttributeSequence(
        lambda need, n: f"Need {n} of {need.organisation.slug} in {need.capital}"
    )
    target_group = ""
    year = 2026
    sharing_level = SharingLevel.REGION

    @classmethod
    def _create(cls, model_class, *, organisation, actor=SYSTEM, **data):
        return services.need_save(actor=actor, organisation=organisation, data=data)


class EnrolmentFactory(factory.Factory):
    """An enrolment made by `enrolment_create` (participant: a new person of the organisation).

    An offer that is not taking enrolments (planned, closed) is opened for the enrolment and
    put back, as when people enrolled before it closed. status=WAITING leaves the person in
    the queue even where a seat is free (a queue kept from when the offer had fewer seats);
    status=CANCELLED cancels through `enrolment_cancel`.

    history=True records a participation the services can no longer replay: an organisation
    the offer is not open to today (say, a former member) took part in an earlier round.
    The row is validated (full_clean) and written directly.
    """

    class Meta:
        model = Enrolment

    offer = factory.SubFactory(OfferFactory)
    organisation = factory.SubFactory("tests.factories.organisations.OrganisationFactory")
    participant = None
    status = EnrolmentStatus.ENROLLED
    history = False

    @classmethod
    def _create(
        cls, model_class, *, offer, organisation, participant, status, history, actor=SYSTEM
    ):
        participant = participant or UserFactory(organisation=organisation)
        if history:
            enrolment = model_class(
                offer=offer, organisation=organisation, participant=participant, status=status
            )
            enrolment.full_clean()
            enrolment.save()
            return enrolment
        taking = offer.status in AVAILABLE_STATUSES
        with _offer_in_status(offer, OfferStatus.OPEN, unless=taking):
            enrolment = services.enrolment_create(
                actor=actor, offer=offer, organisation=organisation, participant=participant
            )
        if status == EnrolmentStatus.CANCELLED:
            services.enrolment_cancel(actor=actor, enrolment=enrolment)
        elif status == EnrolmentStatus.WAITING and enrolment.status != status:
            Enrolment.objects.filter(pk=enrolment.pk).update(status=status)
        enrolment.refresh_from_db()
        return enrolment


class RatingFactory(factory.Factory):
    """A new person of the organisation took part in the offer and rated it (`rating_save`).

    An offer that has not ended is closed for the rating and put back, as when an earlier
    round was rated before the offer opened again. history=True: see EnrolmentFactory.
    """

    class Meta:
        model = Rating

    offer = factory.SubFactory(OfferFactory)
    organisation = factory.SubFactory("tests.factories.organisations.OrganisationFactory")
    score = 4
    comment = ""
    history = False

    @classmethod
    def _create(cls, model_class, *, offer, organisation, score, comment, history):
        enrolment = EnrolmentFactory(offer=offer, organisation=organisation, history=history)
        with _offer_in_status(offer, OfferStatus.CLOSED, unless=offer_has_ended(offer)):
            return services.rating_save(
                actor=enrolment.participant, enrolment=enrolment, score=score, comment=comment
            )
