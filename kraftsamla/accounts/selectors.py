"""Read an organisation's people and open invitations."""

from __future__ import annotations

from django.utils import timezone

from kraftsamla.accounts.models import ApiToken, Invitation, OrganisationRole
from kraftsamla.organisations.models import Organisation


def people_of(organisation) -> dict[str, list]:
    """Return the organisation's roles and its open (unaccepted, unexpired) invitations."""
    roles = OrganisationRole.objects.filter(organisation=organisation).select_related("user")
    invitations = Invitation.objects.filter(
        organisation=organisation, accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")
    return {"roles": list(roles), "invitations": list(invitations)}


def api_token_of(user) -> ApiToken | None:
    """Return the user's API token record (prefix and date only; the token is not stored)."""
    return ApiToken.objects.filter(user=user).first()


def organisations_of(user) -> list[Organisation]:
    """Return the organisations where the user has a role."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Organisation.objects.filter(user_roles__user=user).order_by("name"))
