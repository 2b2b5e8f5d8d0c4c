"""Who may see an organisation's people, invite them and hold an API token."""

from kraftsamla.core.access import HasRole, IsStaff, LoggedIn, Policy, register
from kraftsamla.core.models import Role


@register
class PeoplePolicy(Policy):
    """Rules on an organisation's people (the object is the organisation)."""

    name = "accounts.people"
    rules = {
        # Everyone with a role sees their colleagues and their roles.
        "view": IsStaff() | HasRole(""),
        # Administrators invite people and change roles.
        "manage": IsStaff() | HasRole("", {Role.ADMIN}),
    }


@register
class ApiTokenPolicy(Policy):
    name = "accounts.apitoken"
    rules = {"create": LoggedIn()}
