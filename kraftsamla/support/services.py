"""Change regional support data: offers, the starter catalogue, needs, enrolments, ratings.

Every function is atomic, checks permissions through kraftsamla.core.permissions
and writes an audit event.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kraftsamla.accounts.models import OrganisationRole
from kraftsamla.capacity.models import Assessment, CapitalKey, CapitalNote, CollaborationForm
from kraftsamla.core import permissions
from kraftsamla.core.audit import audit_record, snapshot
from kraftsamla.core.models import AuditAction, SharingLevel
from kraftsamla.organisations.models import Membership, Organisation
from kraftsamla.support.models import (
    AVAILABLE_STATUSES,
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
    permissions.require(
        permissions.can_manage_offers(actor, provider),
        _("Only the body's administrators and editors may publish offers."),
    )
    if offer is not None and offer.provider_id != provider.pk:
        raise PermissionDenied(_("The offer belongs to another body."))
    _validate_offer_lists(data.get("capitals"), data.get("target_groups"))
    created = offer is None
    before = None if created else snapshot(offer, OFFER_FIELDS)
    offer = offer or Offer(
        provider=provider, created_by=actor if getattr(actor, "pk", None) else None, is_demo=is_demo
    )
    for field in OFFER_FIELDS:
        if field in data:
            setattr(offer, field, data[field])
    if offer.is_continuous:
        offer.end_date = None
    offer.full_clean()
    offer.save()
    if open_to is not None:
        member_ids = set(
            Membership.objects.filter(body=provider, member__in=open_to).values_list(
                "member_id", flat=True
            )
        )
        if any(o.pk not in member_ids for o in open_to):
            raise ValidationError(
                {"open_to": _("An offer can only be opened to the body's members.")}
            )
        offer.open_to.set(open_to)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=offer,
        organisation=provider,
        before=before,
        after=snapshot(offer, OFFER_FIELDS),
    )
    return offer


def load_catalogue(path: Path = CATALOGUE_FILE) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


@transaction.atomic
def starter_catalogue_import(
    *, actor, provider: Organisation, path: Path = CATALOGUE_FILE
) -> tuple[int, int]:
    """Import the starter catalogue as planned offers (texts in Swedish and English);
    skip those already imported.

    Returns (created, already there). Running it twice creates nothing the second time.
    """
    permissions.require(
        permissions.can_manage_offers(actor, provider),
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
            created_by=actor if getattr(actor, "pk", None) else None,
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
    permissions.require(
        permissions.can_register_need(actor, organisation),
        _(
            "You can only register needs for an organisation where you are an administrator "
            "or editor."
        ),
    )
    if need is not None and need.organisation_id != organisation.pk:
        raise PermissionDenied(_("The need belongs to another organisation."))
    created = need is None
    before = None if created else snapshot(need, NEED_FIELDS)
    need = need or Need(
        organisation=organisation,
        created_by=actor if getattr(actor, "pk", None) else None,
        is_demo=is_demo,
    )
    for field in NEED_FIELDS:
        if field in data:
            setattr(need, field, data[field])
    need.full_clean()
    need.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=need,
        organisation=organisation,
        before=before,
        after=snapshot(need, NEED_FIELDS),
    )
    return need


@transaction.atomic
def needs_from_assessment(*, actor, assessment: Assessment) -> int:
    """Turn the assessment's notes on what would strengthen each capital into needs.

    Each note becomes at most one need (running it again adds only new notes).
    Needs inherit the assessment's sharing level. Returns the number created.
    """
    permissions.require(
        permissions.can_register_need(actor, assessment.organisation),
        _(
            "You can only register needs for an organisation where you are an administrator "
            "or editor."
        ),
    )
    notes = (
        CapitalNote.objects.filter(respondent__assessment=assessment, need__isnull=True)
        .exclude(strengthen="")
        .select_related("capital", "respondent")
    )
    from kraftsamla.support.models import TARGET_GROUP_BY_ROLE_GROUP

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
            created_by=actor if getattr(actor, "pk", None) else None,
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


def offer_is_open_to(offer: Offer, organisation: Organisation) -> bool:
    is_member = (
        Membership.objects.in_force()
        .filter(body_id=offer.provider_id, member=organisation)
        .exists()
    )
    if not is_member:
        return False
    return offer.open_to_all_members or offer.open_to.filter(pk=organisation.pk).exists()


@transaction.atomic
def enrolment_create(*, actor, offer: Offer, organisation: Organisation, participant) -> Enrolment:
    """Enrol a person of a member municipality; full offers put them on the waiting list."""
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    permissions.require(
        permissions.can_enrol(actor, organisation),
        _("You can only enrol people from your own organisation."),
    )
    if participant.pk != actor.pk and not permissions.can_enrol_others(actor, organisation):
        raise PermissionDenied(_("Only administrators and editors may enrol colleagues."))
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
            "created_by": actor if getattr(actor, "pk", None) else None,
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
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.participant_id != actor.pk and not permissions.can_enrol_others(
        actor, enrolment.organisation
    ):
        raise PermissionDenied(_("You may not cancel this enrolment."))
    was_enrolled = enrolment.status == EnrolmentStatus.ENROLLED
    enrolment.status = EnrolmentStatus.CANCELLED
    enrolment.save(update_fields=["status"])
    promoted = None
    if was_enrolled:
        promoted = (
            Enrolment.objects.select_for_update()
            .filter(offer=offer, status=EnrolmentStatus.WAITING)
            .order_by("created_at", "id")
            .first()
        )
        if promoted is not None:
            promoted.status = EnrolmentStatus.ENROLLED
            promoted.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=enrolment,
        organisation=enrolment.organisation,
        object_repr=f"{offer} · cancel",
        after={"status": "cancelled", "promoted": promoted.participant.email if promoted else None},
    )
    return promoted


def offer_has_ended(offer: Offer) -> bool:
    today = timezone.localdate()
    return offer.status == OfferStatus.CLOSED or (
        offer.end_date is not None and offer.end_date < today
    )


@transaction.atomic
def rating_save(*, actor, enrolment: Enrolment, score: int, comment: str = "") -> Rating:
    """Rate an offer one took part in, after it ended."""
    if enrolment.participant_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the participant can rate their own participation."))
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise ValidationError(
            _("You can only rate an offer you took part in."), code="not_participant"
        )
    if not offer_has_ended(enrolment.offer):
        raise ValidationError(_("You can rate the offer when it has ended."), code="not_ended")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ValidationError({"score": _("Give a rating from 1 to 5.")})
    rating, created = Rating.objects.update_or_create(
        enrolment=enrolment, defaults={"score": score, "comment": comment}
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=rating,
        organisation=enrolment.organisation,
        object_repr=f"{enrolment.offer} · {score}/5",
        after={"score": score, "comment": comment},
    )
    return rating


@transaction.atomic
def digest_subscription_set(
    *, actor, organisation: Organisation, active: bool
) -> DigestSubscription:
    permissions.require(
        permissions.role_in(actor, organisation) is not None,
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


# Validation helpers shared with forms and the API.
VALID_FORMS = CollaborationForm.values
VALID_SHARING = SharingLevel.values
