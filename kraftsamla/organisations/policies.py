"""Who may see and change organisations, their climate profiles and memberships.

Reference facts about organisations (names, codes, population, emissions,
memberships) are public. An organisation's administrators and editors change
its own data; its climate profile carries a sharing level.
"""

from kraftsamla.core.access import Always, HasRole, IsStaff, Policy, owned_and_shared, register
from kraftsamla.core.models import EDIT_ROLES, Role


@register
class OrganisationPolicy(Policy):
    """Rules on an organisation itself (the object is the organisation)."""

    name = "organisations.organisation"
    rules = {
        "view": Always(),
        "change": IsStaff() | HasRole("", EDIT_ROLES),
        "view_audit_log": IsStaff() | HasRole("", {Role.ADMIN}),
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
