"""Who may match municipalities and record twin and peer links.

The matching reads public reference data and, for themes and capital profiles, only
what the person may already see (the support, projects and capacity policies decide);
any logged-in person may run it. Links are a public register, like memberships; the
administrators and editors of a municipality (or staff) record links it takes part in,
and end them.
"""

from django.db.models import Q

from kraftsamla.core.access import (
    NOTHING,
    Always,
    Condition,
    HasRole,
    IsStaff,
    LoggedIn,
    Policy,
    register,
)
from kraftsamla.core.models import EDIT_ROLES


class EditsAMember(Condition):
    """The person is an administrator or editor of one of the link's municipalities."""

    def check(self, access, obj) -> bool:
        ids = set(access.organisation_ids(EDIT_ROLES))
        return bool(ids) and any(m.organisation_id in ids for m in obj.members.all())

    def q(self, access) -> Q:
        ids = access.organisation_ids(EDIT_ROLES)
        return Q(members__organisation_id__in=ids) if ids else NOTHING


@register
class MatchingPolicy(Policy):
    """Matching for a municipality (the object is the municipality)."""

    name = "twinning.matching"
    rules = {"view": IsStaff() | LoggedIn()}


@register
class LinkPolicy(Policy):
    """Twin and peer links (the object is the link; for "create", the municipality)."""

    name = "twinning.link"
    rules = {
        "view": Always(),
        "create": IsStaff() | HasRole("", EDIT_ROLES),
        "end": IsStaff() | EditsAMember(),
    }


class TakesPart(Condition):
    """The person has a role in a municipality taking part in the programme at `path`."""

    def __init__(self, path: str = "") -> None:
        self.path = path

    def _programme_id(self, obj):
        target = obj
        for part in filter(None, self.path.split(".")):
            target = getattr(target, part)
        return target.pk

    def check(self, access, obj) -> bool:
        from kraftsamla.twinning.models import Participant

        ids = access.organisation_ids()
        return (
            bool(ids)
            and Participant.objects.filter(
                programme_id=self._programme_id(obj), organisation_id__in=ids
            ).exists()
        )

    def q(self, access) -> Q:
        ids = access.organisation_ids()
        if not ids:
            return NOTHING
        prefix = f"{self.path.replace('.', '__')}__" if self.path else ""
        return Q(**{f"{prefix}participants__organisation_id__in": ids})


ORGANISER_EDITORS = IsStaff() | HasRole("organiser", EDIT_ROLES)


@register
class ProgrammePolicy(Policy):
    """A twinning programme (the object is the programme; for "create", the organiser)."""

    name = "twinning.programme"
    rules = {
        # The organiser's people and the participants' people follow the programme.
        "view": IsStaff() | HasRole("organiser") | TakesPart(),
        "manage": ORGANISER_EDITORS,
        "create": IsStaff() | HasRole("", EDIT_ROLES),
    }


@register
class ReplicationPlanPolicy(Policy):
    """A replication plan (the object is the plan's participant)."""

    name = "twinning.plan"
    rules = {
        "edit": IsStaff() | HasRole("organisation", EDIT_ROLES),
        "approve": IsStaff() | HasRole("programme.organiser", EDIT_ROLES),
    }


@register
class TravelClaimPolicy(Policy):
    """Travel claims: "submit" on the participant, "decide" on the claim."""

    name = "twinning.claim"
    rules = {
        # The participant's own editors, or the organiser's editors on its behalf.
        "submit": IsStaff()
        | HasRole("organisation", EDIT_ROLES)
        | HasRole("programme.organiser", EDIT_ROLES),
        "decide": IsStaff() | HasRole("participant.programme.organiser", EDIT_ROLES),
    }
