"""Change regional support data: offers, the starter catalogue, needs, enrolments, ratings.

Every function is atomic, takes the actor (a user, or kraftsamla.core.access.SYSTEM
for loaders and commands), asks the support policies through kraftsamla.core.access
and writes an audit event.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kraftsamla.accounts.models import OrganisationRole
from kraftsamla.capacity.models import Assessment, CapitalKey, CapitalNote
from kraftsamla.core import access
from kraftsamla.core.audit import audit_record
from kraftsamla.core.models import AuditAction
from kraftsamla.core.services import model_save_audited, model_upsert_audited
from kraftsamla.organisations.models import Membership, Organisation
from kraftsamla.support.models import (
    AVAILABLE_STATUSES,
    TARGET_GROUP_BY_ROLE_GROUP,
    DigestSubscription,
    Enrolment,
    EnrolmentStatus,
    Need,
    Offer,
    OfferFormat,
    OfferStatus,
    Rating,
    TargetGroup,
)
from kraftsamla.support.selectors import offer_has_ended, offer_is_open_to

CATALOGUE_FILE = (
    Path(__file__).resolve().parent.parent / "capacity" / "framework_data" / "starter_offers.json"
)
CATALOGUE_SOURCE = (
    "Göteborgsregionen & RISE (2025), Regional mobilisering för stärkt omställningsförmåga "
    "i kommuner"
)
OFFER_FIELDS = [
    "title",
    "description",
    "capitals",
    "collaboration_form",
    "target_groups",
    "format",
    "delivered_by",
    "seats",
    "is_continuous",
    "start_date",
    "end_date",
    "cost",
    "status",
    "contact_name",
    "contact_email",
    "open_to_all_members",
]


def _person(actor):
    """Return the actor as a user to record as creator; None for the system actor."""
    return actor if getattr(actor, "pk", None) else None


def _validate_offer_lists(capitals, target_groups) -> None:
    errors = {}
    if not capitals or any(c not in CapitalKey.values for c in capitals):
        errors["capitals"] = _("Choose at least one capital.")
    if any(t not in TargetGroup.values for t in target_groups or []):
        errors["target_groups"] = _("Choose valid target groups.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def offer_save(
    *,
    actor,
    provider: Organisation,
    data: dict,
    offer: Offer | None = None,
    open_to: list[Organisation] | None = None,
    is_demo: bool = False,
) -> Offer:
    """Create an offer (offer=None) or update one, all fields at once."""
    access.require(
        actor,
        "support.offer.manage",
        provider,
        _("Only the body's administrators and editors may publish offers."),
    )
    if offer is not None and offer.provider_id != provider.pk:
        raise PermissionDenied(_("The offer belongs to another body."))
    _validate_offer_lists(data.get("capitals"), data.get("target_groups"))
    if open_to is not None:
        member_ids = set(
            Membership.objects.in_force()
            .filter(body=provider, member__in=open_to)
            .values_list("member_id", flat=True)
        )
        if any(member.pk not in member_ids for member in open_to):
            raise ValidationError(
                {"open_to": _("An offer can only be opened to the body's members.")}
            )
    offer = offer or Offer(provider=provider, created_by=_person(actor), is_demo=is_demo)
    data = dict(data)
    if data.get("is_continuous", offer.is_continuous):
        data["end_date"] = None
    offer = model_save_audited(
        actor=actor, obj=offer, data=data, fields=OFFER_FIELDS, organisation=provider
    )
    if open_to is not None:
        offer.open_to.set(open_to)
    return offer


def load_catalogue(path: Path = CATALOGUE_FILE) -> list[dict]:
    """Read the starter catalogue: one dict per offer, titles and descriptions per language."""
    return json.loads(path.read_text(encoding="utf-8"))


@transaction.atomic
def starter_catalogue_import(
    *, actor, provider: Organisation, path: Path = CATALOGUE_FILE
) -> tuple[int, int]:
    """Import the starter catalogue as planned offers (texts in Swedish and English);
    skip those already imported.

    Returns (created, already there). Running it twice creates nothing the second time.
    """
    access.require(
        actor,
        "support.offer.manage",
        provider,
        _("Only the body's administrators and editors may import the catalogue."),
    )
    items = load_catalogue(path)
    existing = set(
        Offer.objects.filter(provider=provider)
        .exclude(catalogue_key="")
        .values_list("catalogue_key", flat=True)
    )
    target_map = {"operational_staff": TargetGroup.OPERATIONAL}
    new = []
    for item in items:
        if item["key"] in existing:
            continue
        offer = Offer(
            provider=provider,
            title=item["title"],
            description=item["description"],
            capitals=[c for c in item["capitals"] if c in CapitalKey.values],
            collaboration_form=item["collaboration_form"],
            target_groups=[
                target_map.get(t, t)
                for t in item.get("target_groups", [])
                if target_map.get(t, t) in TargetGroup.values
            ],
            format=item["format"] if item["format"] in OfferFormat.values else OfferFormat.GUIDANCE,
            status=OfferStatus.PLANNED,
            is_continuous=True,
            catalogue_key=item["key"],
            source_ref=f"{CATALOGUE_SOURCE}, {item.get('source_ref', '')}".strip(", "),
            created_by=_person(actor),
        )
        offer.full_clean(exclude=["open_to"])
        new.append(offer)
    Offer.objects.bulk_create(new)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        organisation=provider,
        object_type="support.offer",
        object_repr=_("Starter catalogue"),
        after={"created": len(new), "already_there": len(items) - len(new)},
    )
    return len(new), len(items) - len(new)


NEED_FIELDS = [
    "capital",
    "collaboration_form",
    "description",
    "priority",
    "target_group",
    "year",
    "sharing_level",
]


NEED_DENIED = gettext_lazy(
    "You can only register needs for an organisation where you are an administrator or editor."
)


@transaction.atomic
def need_save(
    *,
    actor,
    organisation: Organisation,
    data: dict,
    need: Need | None = None,
    is_demo: bool = False,
) -> Need:
    """Register or update a need of `organisation`."""
    access.require(actor, "support.need.create", organisation, NEED_DENIED)
    if need is not None and need.organisation_id != organisation.pk:
        raise PermissionDenied(_("The need belongs to another organisation."))
    need = need or Need(organisation=organisation, created_by=_person(actor), is_demo=is_demo)
    return model_save_audited(
        actor=actor, obj=need, data=data, fields=NEED_FIELDS, organisation=organisation
    )


@transaction.atomic
def needs_from_assessment(*, actor, assessment: Assessment) -> int:
    """Turn the assessment's notes on what would strengthen each capital into needs.

    Each note becomes at most one need (running it again adds only new notes).
    Needs inherit the assessment's sharing level. Returns the number created.
    """
    access.require(actor, "support.need.create", assessment.organisation, NEED_DENIED)
    notes = (
        CapitalNote.objects.filter(respondent__assessment=assessment, need__isnull=True)
        .exclude(strengthen="")
        .select_related("capital", "respondent")
    )
    created = 0
    for note in notes:
        Need.objects.create(
            organisation=assessment.organisation,
            capital=note.capital.key,
            collaboration_form=note.collaboration_form,
            description=note.strengthen,
            target_group=TARGET_GROUP_BY_ROLE_GROUP.get(note.respondent.role_group, ""),
            year=assessment.year,
            sharing_level=assessment.sharing_level,
            source_note=note,
            created_by=_person(actor),
            is_demo=assessment.is_demo,
        )
        created += 1
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=assessment,
        organisation=assessment.organisation,
        object_type="support.need",
        after={"needs_from_notes": created},
    )
    return created


@transaction.atomic
def enrolment_create(*, actor, offer: Offer, organisation: Organisation, participant) -> Enrolment:
    """Enrol a person of a member municipality; full offers put them on the waiting list."""
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    access.require(
        actor,
        "support.enrolment.create",
        organisation,
        _("You can only enrol people from your own organisation."),
    )
    if participant.pk != actor.pk:
        access.require(
            actor,
            "support.enrolment.create_for_others",
            organisation,
            _("Only administrators and editors may enrol colleagues."),
        )
    if not OrganisationRole.objects.filter(user=participant, organisation=organisation).exists():
        raise ValidationError(
            {
                "participant": _("The participant must belong to %(org)s.")
                % {"org": organisation.name}
            }
        )
    if offer.status not in AVAILABLE_STATUSES:
        raise ValidationError(_("The offer is not open for enrolment."), code="not_open")
    if not offer_is_open_to(offer, organisation):
        raise ValidationError(
            _("The offer is not open to %(org)s.") % {"org": organisation.name}, code="not_open_to"
        )
    if (
        Enrolment.objects.filter(offer=offer, participant=participant)
        .exclude(status=EnrolmentStatus.CANCELLED)
        .exists()
    ):
        raise ValidationError({"participant": _("This person is already enrolled or waiting.")})
    taken = Enrolment.objects.filter(offer=offer, status=EnrolmentStatus.ENROLLED).count()
    status = (
        EnrolmentStatus.WAITING
        if offer.seats is not None and taken >= offer.seats
        else EnrolmentStatus.ENROLLED
    )
    # Enrolling again after cancelling reuses the row; a new time puts them last in the queue.
    enrolment, _created = Enrolment.objects.update_or_create(
        offer=offer,
        participant=participant,
        defaults={
            "organisation": organisation,
            "status": status,
            "created_at": timezone.now(),
            "created_by": _person(actor),
        },
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=enrolment,
        organisation=organisation,
        object_repr=f"{offer} · {participant.email}",
        after={"status": status, "participant": participant.email},
    )
    return enrolment


@transaction.atomic
def enrolment_cancel(*, actor, enrolment: Enrolment) -> Enrolment | None:
    """Cancel an enrolment; the first person on the waiting list gets the seat.

    Returns the promoted enrolment, if any.
    """
    offer = Offer.objects.select_for_update().get(pk=enrolment.offer_id)
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("organisation", "participant")
        .get(pk=enrolment.pk)
    )
    access.require(
        actor, "support.enrolment.cancel", enrolment, _("You may not cancel this enrolment.")
    )
    was_enrolled = enrolment.status == EnrolmentStatus.ENROLLED
    enrolment.status = EnrolmentStatus.CANCELLED
    enrolment.save(update_fields=["status"])
    promoted = _first_waiting_promote(offer) if was_enrolled else None
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=enrolment,
        organisation=enrolment.organisation,
        object_repr=f"{offer} · cancel",
        after={
            "status": EnrolmentStatus.CANCELLED,
            "promoted": promoted.participant.email if promoted else None,
        },
    )
    if promoted is not None:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=promoted,
            organisation=promoted.organisation,
            object_repr=f"{offer} · {promoted.participant.email}",
            before={"status": EnrolmentStatus.WAITING},
            after={"status": EnrolmentStatus.ENROLLED, "promoted_from_waiting_list": True},
        )
    return promoted


def _first_waiting_promote(offer: Offer) -> Enrolment | None:
    """Give the freed seat to the first on the waiting list; return their enrolment."""
    promoted = (
        Enrolment.objects.select_for_update()
        .select_related("organisation", "participant")
        .filter(offer=offer, status=EnrolmentStatus.WAITING)
        .order_by("created_at", "id")
        .first()
    )
    if promoted is not None:
        promoted.status = EnrolmentStatus.ENROLLED
        promoted.save(update_fields=["status"])
    return promoted


@transaction.atomic
def rating_save(*, actor, enrolment: Enrolment, score: int, comment: str = "") -> Rating:
    """Rate an offer one took part in, after it ended."""
    access.require(
        actor,
        "support.enrolment.rate",
        enrolment,
        _("Only the participant can rate their own participation."),
    )
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise ValidationError(
            _("You can only rate an offer you took part in."), code="not_participant"
        )
    if not offer_has_ended(enrolment.offer):
        raise ValidationError(_("You can rate the offer when it has ended."), code="not_ended")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ValidationError({"score": _("Give a rating from 1 to 5.")})
    return model_upsert_audited(
        actor=actor,
        model=Rating,
        lookup={"enrolment": enrolment},
        values={"score": score, "comment": comment},
        organisation=enrolment.organisation,
        object_repr=f"{enrolment.offer} · {score}/5",
    )


@transaction.atomic
def digest_subscription_set(
    *, actor, organisation: Organisation, active: bool
) -> DigestSubscription:
    """Start (active=True) or stop the actor's weekly digest of new offers for the organisation."""
    access.require(
        actor,
        "support.recommendation.subscribe",
        organisation,
        _("You can only subscribe for an organisation you belong to."),
    )
    sub, _created = DigestSubscription.objects.update_or_create(
        user=actor, defaults={"organisation": organisation, "is_active": active}
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=sub,
        organisation=organisation,
        after={"is_active": active},
    )
    return sub
