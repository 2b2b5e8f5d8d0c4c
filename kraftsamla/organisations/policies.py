"""Who may see and change organisations, their climate profiles and memberships.

Reference facts about organisations (names, codes, population, emissions,
memberships) are public. An organisation's administrators and editors change
its own data; its climate profile carries a sharing level.
"""

from django.db.models import Q

from kraftsamla.core.access import (
    Always,
    Condition,
    HasRole,
    IsStaff,
    Policy,
    owned_and_shared,
    register,
)
from kraftsamla.core.models import EDIT_ROLES, Role
from kraftsamla.organisations.models import COORDINATING_KINDS


class IsCoordinatingBody(Condition):
    """The object is an organisation that coordinates others (a regional body, a region...)."""

    def check(self, access, obj) -> bool:
        return obj is not None and obj.kind in COORDINATING_KINDS

    def q(self, access) -> Q:
        return Q(kind__in=COORDINATING_KINDS)


@register
class OrganisationPolicy(Policy):
    """Rules on an organisation itself (the object is the organisation)."""

    name = "organisations.organisation"
    rules = {
        "view": Always(),
        "change": IsStaff() | HasRole("", EDIT_ROLES),
        "view_audit_log": IsStaff() | HasRole("", {Role.ADMIN}),
        # Register a partner organisation that is not in the reference data (staff only).
        "create": IsStaff(),
    }


@register
class ClimateProfilePolicy(Policy):
    name = "organisations.climateprofile"
    rules = {
        "view": owned_and_shared("organisation"),
        "change": IsStaff() | HasRole("organisation", EDIT_ROLES),
    }


@register
class MembershipPolicy(Policy):
    """Memberships are public facts; a body's editors change its members (object: body)."""

    name = "organisations.membership"
    rules = {
        "view": Always(),
        "create": IsStaff() | HasRole("", EDIT_ROLES),
    }
