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
