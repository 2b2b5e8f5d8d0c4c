"""Record and end twin and peer links.

Every function is atomic, keyword-only, takes the actor (a user, or
kraftsamla.core.access.SYSTEM for loaders), asks the twinning policies and is audited.
A link is checked as a whole before anything is written: a municipality twice (a pair
with itself), roles that do not fit the kind, or a pair that already has a link in the
same programme for an overlapping period are ValidationErrors, and nothing is saved.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kraftsamla.core import access
from kraftsamla.core.audit import audit_record, snapshot
from kraftsamla.core.models import AuditAction
from kraftsamla.organisations.models import Organisation
from kraftsamla.twinning.models import (
    FOLLOWER_ROLE,
    LEAD_ROLE,
    LinkKind,
    TwinLink,
    TwinLinkMember,
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
