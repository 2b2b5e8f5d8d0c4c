"""Record and end twin and peer links.

Every function is atomic, keyword-only, takes the actor (a user, or
kraftsamla.core.access.SYSTEM for loaders), asks the twinning policies and is audited.
A link is checked as a whole before anything is written: a municipality twice (a pair
with itself), roles that do not fit the kind, or a pair that already has a link in the
same programme for an overlapping period are ValidationErrors, and nothing is saved.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kraftsamla.core import access
from kraftsamla.core.audit import audit_record, snapshot
from kraftsamla.core.models import AuditAction
from kraftsamla.core.services import model_save_audited
from kraftsamla.core.translation import translated
from kraftsamla.organisations.models import Organisation, OrganisationKind
from kraftsamla.twinning.models import (
    FOLLOWER_ROLE,
    LEAD_ROLE,
    ClaimStatus,
    LinkKind,
    Meeting,
    Module,
    Participant,
    PlanStatus,
    ProgrammeStatus,
    ReplicationPlan,
    ReplicationTemplate,
    TravelClaim,
    TwinLink,
    TwinLinkMember,
    TwinningProgramme,
)

LINK_FIELDS = ["kind", "programme", "start_date", "end_date", "description"]


def _dates_checked(start: datetime.date, end: datetime.date | None) -> None:
    if end is not None and end < start:
        raise ValidationError({"end_date": _("The end date must not be before the start date.")})


def _person(actor):
    return actor if getattr(actor, "pk", None) else None


def _roles_checked(kind: str, members: Sequence[tuple[Organisation, str]]) -> None:
    ids = [organisation.pk for organisation, _role in members]
    if len(set(ids)) != len(ids):
        raise ValidationError({"partners": _("A municipality cannot be linked with itself.")})
    if len(ids) < 2:
        raise ValidationError({"partners": _("Choose at least one other municipality.")})
    if any(not organisation.is_municipality for organisation, _role in members):
        raise ValidationError({"partners": _("Only municipalities can be linked.")})
    lead, follower = LEAD_ROLE[LinkKind(kind)], FOLLOWER_ROLE[LinkKind(kind)]
    roles = [role for _organisation, role in members]
    expected_leads = 0 if lead is None else 1
    if roles.count(lead) != expected_leads or roles.count(follower) != len(roles) - expected_leads:
        if lead is None:
            message = _("Everyone in a peer group is a peer.")
        else:
            message = _("A %(kind)s link has one %(lead)s; the others are %(follower)s.") % {
                "kind": LinkKind(kind).label.lower(),
                "lead": str(lead.label).lower(),
                "follower": str(follower.label).lower(),
            }
        raise ValidationError({"role": message})


def _overlaps(
    *,
    programme: Organisation | None,
    start: datetime.date,
    end: datetime.date | None,
    ids: list[int],
    exclude: int | None = None,
) -> None:
    """Refuse a pair that already has a link in the same programme for an overlapping period."""
    others = TwinLink.objects.filter(members__organisation_id__in=ids).exclude(pk=exclude)
    others = others.filter(programme=programme) if programme else others.filter(programme=None)
    # Periods overlap when each starts before (or when) the other ends.
    others = others.filter(start_date__lte=end) if end else others
    others = others.exclude(end_date__lt=start).distinct().prefetch_related("members__organisation")
    wanted = set(ids)
    for link in others:
        shared = [m.organisation for m in link.members.all() if m.organisation_id in wanted]
        if len(shared) >= 2:
            raise ValidationError(
                {
                    "start_date": _(
                        "%(first)s and %(second)s already have a link in this programme from "
                        "%(start)s, which overlaps this period."
                    )
                    % {
                        "first": shared[0].display_name,
                        "second": shared[1].display_name,
                        "start": link.start_date.isoformat(),
                    }
                }
            )


@transaction.atomic
def link_create(
    *,
    actor,
    organisation: Organisation,
    kind: str,
    role: str,
    partners: Sequence[Organisation],
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    programme: Organisation | None = None,
    description: dict | None = None,
    is_demo: bool = False,
) -> TwinLink:
    """Record a link of `organisation` (in `role`) with `partners`, who get the other role."""
    access.require(
        actor,
        "twinning.link.create",
        organisation,
        _("You may not record links for this municipality."),
    )
    lead, follower = LEAD_ROLE[LinkKind(kind)], FOLLOWER_ROLE[LinkKind(kind)]
    partner_role = lead if role == follower and lead is not None else follower
    members = [(organisation, role), *((partner, partner_role) for partner in partners)]
    _roles_checked(kind, members)
    _dates_checked(start_date, end_date)
    link = TwinLink(
        kind=kind,
        programme=programme,
        start_date=start_date,
        end_date=end_date,
        description=description or {},
        created_by=_person(actor),
        is_demo=is_demo,
    )
    link.full_clean()
    _overlaps(
        programme=programme,
        start=start_date,
        end=end_date,
        ids=[member.pk for member, _role in members],
    )
    link.save()
    TwinLinkMember.objects.bulk_create(
        TwinLinkMember(link=link, organisation=member, role=member_role)
        for member, member_role in members
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=link,
        organisation=organisation,
        after={
            **snapshot(link, LINK_FIELDS),
            "members": [[m.slug, r] for m, r in members],
        },
    )
    return link


@transaction.atomic
def link_end(*, actor, link: TwinLink, end_date: datetime.date) -> TwinLink:
    """Give the link an end date (not before its start)."""
    access.require(actor, "twinning.link.end", link, _("You may not end this link."))
    before = snapshot(link, ["end_date"])
    _dates_checked(link.start_date, end_date)
    link.end_date = end_date
    link.full_clean()
    link.save(update_fields=["end_date"])
    lead = link.members.order_by("role").first()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=link,
        organisation=lead.organisation if lead else None,
        before=before,
        after=snapshot(link, ["end_date"]),
    )
    return link


# --- Twinning programmes -------------------------------------------------------------------

TEMPLATE_DIR = Path(__file__).resolve().parent / "template_data"


@transaction.atomic
def replication_template_load(*, actor, path: Path | None = None) -> ReplicationTemplate:
    """Load a version of the replication plan's template (idempotent per version)."""
    access.require(actor, "twinning.programme.create", None)
    data = json.loads((path or TEMPLATE_DIR / "replication_plan_v1.json").read_text("utf-8"))
    sections = data.get("sections") if isinstance(data, dict) else None
    keys = [s.get("key") for s in sections or [] if isinstance(s, dict)]
    if (
        not data.get("version")
        or not sections
        or len(keys) != len(sections)
        or len(set(keys)) != len(keys)
        or not all(keys)
        or not all(isinstance(s.get("title"), dict) and s["title"].get("sv") for s in sections)
    ):
        raise ValidationError(
            _("A template needs a version and sections, each with its own key and a Swedish title.")
        )
    template, created = ReplicationTemplate.objects.get_or_create(
        version=data["version"], defaults={"sections": data["sections"]}
    )
    if created:
        audit_record(actor=actor, action=AuditAction.CREATE, obj=template)
    return template


@transaction.atomic
def programme_create(
    *,
    actor,
    organiser: Organisation,
    title: dict,
    start_date: datetime.date,
    months: int = 20,
    travel_ceiling: Decimal | None = None,
    modules: Sequence[dict] = (),
    participants: Sequence[tuple[Organisation, str]] = (),
    is_demo: bool = False,
) -> TwinningProgramme:
    """Create a programme with its ordered modules and participants."""
    access.require(actor, "twinning.programme.create", organiser)
    programme = TwinningProgramme(
        title=title,
        organiser=organiser,
        start_date=start_date,
        months=months,
        travel_ceiling=travel_ceiling,
        is_demo=is_demo,
    )
    programme.full_clean()
    programme.save()
    for order, module in enumerate(modules, start=1):
        _dates_checked(module["start_date"], module["end_date"])
        row = Module(programme=programme, order=order, **module)
        row.full_clean()
        row.save()
    ids = [organisation.pk for organisation, _role in participants]
    if len(set(ids)) != len(ids):
        raise ValidationError({"participants": _("The municipality already takes part.")})
    for organisation, role in participants:
        Participant.objects.create(programme=programme, organisation=organisation, role=role)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=programme,
        organisation=organiser,
        after={
            "title": programme.title.as_dict(),
            "modules": len(modules),
            "participants": [[o.slug, r] for o, r in participants],
        },
    )
    return programme


MEETING_FIELDS = [
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "place",
    "agenda",
    "notes",
    "decisions",
    "follow_up",
]


@transaction.atomic
def meeting_save(
    *,
    actor,
    programme: TwinningProgramme,
    data: dict,
    participants: Sequence[Participant] | None = None,
    meeting: Meeting | None = None,
) -> Meeting:
    """Create or update a meeting; a meeting that ends before it starts is refused."""
    access.require(actor, "twinning.programme.manage", programme)
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts and ends and ends < starts:
        raise ValidationError({"ends_at": _("A meeting cannot end before it starts.")})
    meeting = meeting or Meeting(programme=programme)
    meeting = model_save_audited(
        actor=actor, obj=meeting, data=data, fields=MEETING_FIELDS, organisation=programme.organiser
    )
    if participants is not None:
        meeting.participants.set(participants)
    return meeting


@transaction.atomic
def travel_claim_add(
    *, actor, participant: Participant, amount: Decimal, description: str = "", meeting=None
) -> TravelClaim:
    """Submit a travel claim; the participant's claims that are not rejected may not pass
    the ceiling together. Claims the organiser enters are approved at once."""
    programme = participant.programme
    access.require(actor, "twinning.claim.submit", participant, _("You may not claim for them."))
    ceiling = programme.travel_ceiling
    # Lock the participant's row so two claims at once cannot both fit under the ceiling.
    Participant.objects.select_for_update().filter(pk=participant.pk).first()
    claimed = participant.travel_claims.exclude(status=ClaimStatus.REJECTED).aggregate(
        total=Sum("amount")
    )["total"] or Decimal(0)
    if ceiling is not None and claimed + amount > ceiling:
        raise ValidationError(
            {
                "amount": _(
                    "This claim would bring %(name)s to %(total)s SEK, above the ceiling of "
                    "%(ceiling)s SEK (%(left)s SEK left)."
                )
                % {
                    "name": participant.organisation.display_name,
                    "total": claimed + amount,
                    "ceiling": ceiling,
                    "left": max(Decimal(0), ceiling - claimed),
                }
            }
        )
    organiser = access.allows(actor, "twinning.programme.manage", programme)
    claim = TravelClaim(
        participant=participant,
        amount=amount,
        description=description,
        meeting=meeting,
        status=ClaimStatus.APPROVED if organiser else ClaimStatus.SUBMITTED,
        decided_at=timezone.now() if organiser else None,
    )
    claim.full_clean()
    claim.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=claim,
        organisation=participant.organisation,
        after=snapshot(claim, ["amount", "description", "status"]),
    )
    return claim


@transaction.atomic
def travel_claim_decide(*, actor, claim: TravelClaim, approve: bool) -> TravelClaim:
    """Approve or reject a submitted claim (the organiser's editors)."""
    access.require(actor, "twinning.claim.decide", claim, _("You may not decide on claims."))
    claim = TravelClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != ClaimStatus.SUBMITTED:
        raise ValidationError(_("This claim has already been decided."))
    before = snapshot(claim, ["status"])
    claim.status = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "decided_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=claim,
        organisation=claim.participant.programme.organiser,
        before=before,
        after=snapshot(claim, ["status"]),
    )
    return claim


@transaction.atomic
def module_update(
    *,
    actor,
    module: Module,
    title: dict,
    goal: dict,
    start_date: datetime.date,
    end_date: datetime.date,
    order: int,
) -> Module:
    """Change a module's title, goal, dates and place in the order (the module that held
    that place takes this one's old place)."""
    programme = module.programme
    access.require(actor, "twinning.programme.manage", programme)
    if end_date < start_date:
        raise ValidationError({"end_date": _("The end date must not be before the start date.")})
    count = programme.modules.count()
    if not 1 <= order <= count:
        raise ValidationError(
            {"order": _("Choose a place from 1 to %(count)s.") % {"count": count}}
        )
    if order != module.order:
        other = programme.modules.select_for_update().get(order=order)
        # Park this module at 0 so the two can swap places under the unique order.
        Module.objects.filter(pk=module.pk).update(order=0)
        Module.objects.filter(pk=other.pk).update(order=module.order)
    data = {
        "title": title,
        "goal": goal,
        "start_date": start_date,
        "end_date": end_date,
        "order": order,
    }
    return model_save_audited(
        actor=actor, obj=module, data=data, fields=data, organisation=programme.organiser
    )


@transaction.atomic
def participant_add(
    *, actor, programme: TwinningProgramme, organisation: Organisation, role: str
) -> Participant:
    """Add a municipality to the programme with a role (once)."""
    access.require(actor, "twinning.programme.manage", programme)
    if organisation.kind != OrganisationKind.MUNICIPALITY:
        raise ValidationError({"organisation": _("Choose a municipality.")})
    if programme.participants.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": _("The municipality already takes part.")})
    return model_save_audited(
        actor=actor,
        obj=Participant(programme=programme),
        data={"organisation": organisation, "role": role},
        fields=["organisation", "role"],
        organisation=programme.organiser,
    )


@transaction.atomic
def participant_update(
    *, actor, participant: Participant, role: str, left_on: datetime.date | None
) -> Participant:
    """Change a participant's role, or end its part in the programme from a date."""
    programme = participant.programme
    access.require(actor, "twinning.programme.manage", programme)
    if left_on is not None and left_on < programme.start_date:
        raise ValidationError(
            {"left_on": _("The end date must not be before the programme starts.")}
        )
    return model_save_audited(
        actor=actor,
        obj=participant,
        data={"role": role, "left_on": left_on},
        fields=["role", "left_on"],
        organisation=programme.organiser,
    )


@transaction.atomic
def plan_save(*, actor, participant: Participant, answers: dict[str, str]) -> ReplicationPlan:
    """Write a participant's replication plan (a changed plan goes back to draft)."""
    access.require(actor, "twinning.plan.edit", participant, _("You may not edit this plan."))
    if not participant.needs_plan:
        raise ValidationError(_("Only twin cities and peers write a replication plan."))
    plan = ReplicationPlan.objects.filter(participant=participant).first()
    template = plan.template if plan else ReplicationTemplate.objects.latest()
    keys = [section["key"] for section in template.sections]
    cleaned = {key: (answers.get(key) or "").strip() for key in keys}
    before = snapshot(plan, ["answers", "status"]) if plan else None
    plan = plan or ReplicationPlan(participant=participant, template=template)
    plan.answers = cleaned
    plan.status = PlanStatus.DRAFT
    plan.approved_at = None
    plan.full_clean()
    plan.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        obj=plan,
        organisation=participant.organisation,
        before=before,
        after=snapshot(plan, ["answers", "status"]),
    )
    return plan


@transaction.atomic
def plan_approve(*, actor, plan: ReplicationPlan) -> ReplicationPlan:
    """Approve a plan whose every section is written."""
    participant = plan.participant
    access.require(actor, "twinning.plan.approve", participant, _("You may not approve plans."))
    empty = [s for s in plan.template.sections if not plan.answers.get(s["key"])]
    if empty:
        raise ValidationError(
            _("Write every section before the plan is approved; missing: %(sections)s.")
            % {"sections": ", ".join(str(translated(s["title"])) for s in empty)}
        )
    plan.status = PlanStatus.APPROVED
    plan.approved_at = timezone.now()
    plan.save(update_fields=["status", "approved_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=plan,
        organisation=participant.programme.organiser,
        after={"status": plan.status},
    )
    return plan


def plans_missing(programme: TwinningProgramme) -> list[Participant]:
    """The participants who need a plan and have no approved one."""
    return [
        participant
        for participant in programme.participants.select_related("organisation", "replication_plan")
        if participant.needs_plan
        and getattr(getattr(participant, "replication_plan", None), "status", None)
        != PlanStatus.APPROVED
    ]


@transaction.atomic
def programme_close(*, actor, programme: TwinningProgramme) -> TwinningProgramme:
    """Close the programme; refused while a twin or peer lacks an approved replication plan."""
    access.require(actor, "twinning.programme.manage", programme)
    missing = plans_missing(programme)
    if missing:
        raise ValidationError(
            _("The programme cannot close: no approved replication plan from %(names)s.")
            % {"names": ", ".join(p.organisation.display_name for p in missing)}
        )
    before = snapshot(programme, ["status"])
    programme.status = ProgrammeStatus.CLOSED
    programme.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=programme,
        organisation=programme.organiser,
        before=before,
        after=snapshot(programme, ["status"]),
    )
    return programme


@transaction.atomic
def module_mark_done(*, actor, module: Module, done: bool = True) -> Module:
    """Mark a module done (or not done again)."""
    access.require(actor, "twinning.programme.manage", module.programme)
    before = snapshot(module, ["done"])
    module.done = done
    module.save(update_fields=["done"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=module,
        organisation=module.programme.organiser,
        before=before,
        after=snapshot(module, ["done"]),
    )
    return module


def modules_evenly(titles: Sequence[str], start: datetime.date, months: int) -> list[dict]:
    """Modules with the titles, splitting the programme's period evenly between them."""
    from kraftsamla.twinning.timeline import programme_end

    end = programme_end(start, months)
    days = (end - start).days + 1
    count = max(len(titles), 1)
    modules = []
    for index, title in enumerate(titles):
        first = start + datetime.timedelta(days=days * index // count)
        last = start + datetime.timedelta(days=days * (index + 1) // count - 1)
        modules.append({"title": {"sv": title}, "start_date": first, "end_date": last})
    return modules
