"""Invent demo support data for Göteborgsregionen: the starter catalogue, needs, uptake.

All of it is marked as demo. Run after the capacity demo (needs come from its notes).
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction

from kraftsamla.accounts.models import OrganisationRole, User
from kraftsamla.capacity.models import Assessment
from kraftsamla.organisations.models import Organisation
from kraftsamla.support import services
from kraftsamla.support.models import (
    EnrolmentStatus,
    Need,
    Offer,
    OfferStatus,
    Rating,
)


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Create or refresh the demo offers, needs, enrolments and ratings."""
    gr = Organisation.objects.get(slug="goteborgsregionen")
    staff = User.objects.get(email="personal@demo.kraftsamla.se")
    Offer.objects.filter(provider=gr, is_demo=True).delete()
    Offer.objects.filter(provider=gr, catalogue_key__gt="").delete()
    Need.objects.filter(is_demo=True).delete()
    created, _existing = services.starter_catalogue_import(actor=staff, provider=gr)
    offers = list(Offer.objects.filter(provider=gr).order_by("catalogue_key"))
    rng = random.Random("kraftsamla-support-demo")
    for i, offer in enumerate(offers):
        offer.is_demo = True
        offer.delivered_by = "Göteborgsregionen (demo)"
        offer.contact_name = "Sara Samordnare (demo)"
        offer.contact_email = "samordnare@demo.kraftsamla.se"
        if i % 4 == 0:
            offer.status, offer.is_continuous = OfferStatus.CLOSED, False
            offer.start_date, offer.end_date = (
                datetime.date(2024, 2, 1),
                datetime.date(2024, 11, 30),
            )
            offer.seats = 20
        elif i % 4 == 1:
            offer.status, offer.is_continuous = OfferStatus.OPEN, False
            offer.start_date, offer.end_date = (
                datetime.date(2026, 2, 1),
                datetime.date(2026, 12, 15),
            )
            offer.seats = 3 if i % 8 == 1 else 12
        elif i % 4 == 2:
            offer.status = OfferStatus.RUNNING
        # The rest stay planned, as imported.
    Offer.objects.bulk_update(
        offers,
        [
            "is_demo",
            "delivered_by",
            "contact_name",
            "contact_email",
            "status",
            "is_continuous",
            "start_date",
            "end_date",
            "seats",
        ],
    )
    needs = 0
    for assessment in Assessment.objects.filter(is_demo=True, status="published"):
        needs += services.needs_from_assessment(actor=staff, assessment=assessment)
    Need.objects.filter(source_note__isnull=False).update(is_demo=True)
    enrolments = ratings = 0
    members = list(
        Organisation.objects.filter(memberships__body=gr, memberships__role="member").order_by(
            "name"
        )
    )
    people = {
        m.pk: list(
            User.objects.filter(organisation_roles__organisation=m, is_demo=True).order_by("email")
        )
        for m in members
    }
    for offer in offers:
        if offer.status not in (OfferStatus.CLOSED, OfferStatus.OPEN, OfferStatus.RUNNING):
            continue
        # Enrol while the offer is open, then restore its real status.
        real_status = offer.status
        offer.status = OfferStatus.OPEN
        offer.save(update_fields=["status"])
        for member in rng.sample(members, k=rng.randint(2, 7)):
            for person in people[member.pk][: rng.randint(1, 2)]:
                if not OrganisationRole.objects.filter(user=person, organisation=member).exists():
                    continue
                e = services.enrolment_create(
                    actor=staff, offer=offer, organisation=member, participant=person
                )
                enrolments += 1
                if real_status == OfferStatus.CLOSED and e.status == EnrolmentStatus.ENROLLED:
                    Rating.objects.create(
                        enrolment=e,
                        score=rng.choice([3, 4, 4, 5, 5, 2]),
                        comment="Demo: påhittat omdöme.",
                    )
                    ratings += 1
        offer.status = real_status
        offer.save(update_fields=["status"])
    return {"offers": created, "needs": needs, "enrolments": enrolments, "ratings": ratings}
