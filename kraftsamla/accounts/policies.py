"""Who may see an organisation's people, invite them, use their own account and API token."""

from kraftsamla.core.access import HasRole, IsStaff, IsUser, LoggedIn, Policy, register
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
class AccountPolicy(Policy):
    """A person's own account page and password (no object)."""

    name = "accounts.account"
    rules = {"view": LoggedIn(), "change": LoggedIn()}


@register
class ApiTokenPolicy(Policy):
    """Creating one's own token (no object); revoking a token (the object is the token)."""

    name = "accounts.apitoken"
    rules = {"create": LoggedIn(), "revoke": IsStaff() | IsUser("user")}


@register
class UserPolicy(Policy):
    """Accounts edited directly by platform staff in the Django admin."""

    name = "accounts.user"
    rules = {
        "change_in_admin": IsStaff(),
        # A new password: the person's own (change or reset link) or any, by staff.
        "password_changed": IsStaff() | IsUser(""),
    }
