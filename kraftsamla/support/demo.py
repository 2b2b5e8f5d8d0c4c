"""Invent demo support data for Göteborgsregionen: the starter catalogue, needs, uptake.

All of it is marked as demo and written by the system actor. Run after the capacity
demo (needs come from its notes).
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction

from kraftsamla.accounts.models import OrganisationRole, User
from kraftsamla.capacity.models import Assessment, Status
from kraftsamla.core.access import SYSTEM
from kraftsamla.organisations import selectors as organisation_selectors
from kraftsamla.organisations.models import Organisation
from kraftsamla.support import services
from kraftsamla.support.models import EnrolmentStatus, Need, Offer, OfferStatus, Rating

DEMO_FIELDS = [
    "is_demo",
    "delivered_by",
    "contact_name",
    "contact_email",
    "status",
    "is_continuous",
    "start_date",
    "end_date",
    "seats",
]
# Offers that take enrolments while the demo is loaded (the others stay planned).
ENROLLING_STATUSES = (OfferStatus.CLOSED, OfferStatus.OPEN, OfferStatus.RUNNING)


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Create or refresh the demo offers, needs, enrolments and ratings."""
    region = Organisation.objects.get(slug="goteborgsregionen")
    Offer.objects.filter(provider=region, is_demo=True).delete()
    Offer.objects.filter(provider=region, catalogue_key__gt="").delete()
    Need.objects.filter(is_demo=True).delete()
    created, _existing = services.starter_catalogue_import(actor=SYSTEM, provider=region)
    offers = list(Offer.objects.filter(provider=region).order_by("catalogue_key"))
    _schedule_offers(offers)
    needs = _needs_from_demo_assessments()
    enrolments, ratings = _enrol_members(region, offers, random.Random("kraftsamla-support-demo"))
    return {"offers": created, "needs": needs, "enrolments": enrolments, "ratings": ratings}


def _schedule_offers(offers: list[Offer]) -> None:
    """Give the imported offers demo contacts and a mix of closed, open, running and planned."""
    for index, offer in enumerate(offers):
        offer.is_demo = True
        offer.delivered_by = "Göteborgsregionen (demo)"
        offer.contact_name = "Sara Samordnare (demo)"
        offer.contact_email = "samordnare@demo.kraftsamla.se"
        if index % 4 == 0:
            offer.status, offer.is_continuous = OfferStatus.CLOSED, False
            offer.start_date = datetime.date(2024, 2, 1)
            offer.end_date = datetime.date(2024, 11, 30)
            offer.seats = 20
        elif index % 4 == 1:
            offer.status, offer.is_continuous = OfferStatus.OPEN, False
            offer.start_date = datetime.date(2026, 2, 1)
            offer.end_date = datetime.date(2026, 12, 15)
            offer.seats = 3 if index % 8 == 1 else 12
        elif index % 4 == 2:
            offer.status = OfferStatus.RUNNING
        # The rest stay planned, as imported.
    Offer.objects.bulk_update(offers, DEMO_FIELDS)


def _needs_from_demo_assessments() -> int:
    needs = 0
    for assessment in Assessment.objects.filter(is_demo=True, status=Status.PUBLISHED):
        needs += services.needs_from_assessment(actor=SYSTEM, assessment=assessment)
    Need.objects.filter(source_note__isnull=False).update(is_demo=True)
    return needs


def _enrol_members(
    region: Organisation, offers: list[Offer], rng: random.Random
) -> tuple[int, int]:
    """Enrol demo people of some members in each offer that ran or runs; rate closed ones."""
    members = organisation_selectors.body_members(region)
    people = {
        member.pk: list(
            User.objects.filter(organisation_roles__organisation=member, is_demo=True).order_by(
                "email"
            )
        )
        for member in members
    }
    enrolments = ratings = 0
    for offer in offers:
        if offer.status not in ENROLLING_STATUSES:
            continue
        # Enrol while the offer is open, then restore its real status.
        real_status = offer.status
        offer.status = OfferStatus.OPEN
        offer.save(update_fields=["status"])
        for member in rng.sample(members, k=rng.randint(2, 7)):
            for participant in people[member.pk][: rng.randint(1, 2)]:
                if not OrganisationRole.objects.filter(
                    user=participant, organisation=member
                ).exists():
                    continue
                enrolment = services.enrolment_create(
                    actor=SYSTEM, offer=offer, organisation=member, participant=participant
                )
                enrolments += 1
                if (
                    real_status == OfferStatus.CLOSED
                    and enrolment.status == EnrolmentStatus.ENROLLED
                ):
                    _demo_rating(enrolment, rng)
                    ratings += 1
        offer.status = real_status
        offer.save(update_fields=["status"])
    return enrolments, ratings


def _demo_rating(enrolment, rng: random.Random) -> Rating:
    """An invented rating. Ratings are the participant's own word, so no service writes them
    for someone else; the demo stores them directly, marked in the comment."""
    return Rating.objects.create(
        enrolment=enrolment,
        score=rng.choice([3, 4, 4, 5, 5, 2]),
        comment="Demo: påhittat omdöme.",
    )
