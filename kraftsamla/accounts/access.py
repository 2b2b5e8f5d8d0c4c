"""Read what a person may do: their roles and the organisations their bodies coordinate."""

from __future__ import annotations

from kraftsamla.accounts.models import OrganisationRole
from kraftsamla.organisations.models import COORDINATING_KINDS, Membership


def roles_of(user) -> dict[int, str]:
    """Return {organisation id: role} for the user."""
    return dict(OrganisationRole.objects.filter(user=user).values_list("organisation_id", "role"))


def coordinated_by(user, organisation_ids: list[int]) -> frozenset[int]:
    """Return ids of the organisations that the coordinating bodies among `organisation_ids`
    coordinate today (the in-force membership rule)."""
    return frozenset(
        Membership.objects.in_force()
        .filter(body_id__in=organisation_ids, body__kind__in=COORDINATING_KINDS)
        .values_list("member_id", flat=True)
    )
