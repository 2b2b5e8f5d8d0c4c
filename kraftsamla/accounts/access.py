"""Read what a person may do: their roles and the organisations their bodies coordinate.

Both are asked on nearly every logged-in request, so both are cached under data versions
(core/versions.py), like the pages: roles under the accounts app's version (every role
write is an audited accounts write), the coordinated organisations under the register's
(memberships) and the date (a membership comes into or goes out of force at midnight).
A write gives its scope a new version when it commits, so the next request reads afresh.
The entries also expire after ACCESS_TIMEOUT seconds, which bounds how long a change made
outside the services (by hand in the database) could go unnoticed.
"""

from __future__ import annotations

from django.utils import timezone

from kraftsamla.accounts.models import OrganisationRole
from kraftsamla.core.caching import cached_under_versions
from kraftsamla.core.versions import narrower_scope
from kraftsamla.organisations.models import COORDINATING_KINDS, Membership
from kraftsamla.organisations.scopes import REGISTER

ACCESS_TIMEOUT = 60
# Every accounts write but an API token's may change someone's roles (a role set, an
# invitation accepted, a person deleted); page caches that show accounts data use the
# whole app's scope, so a test can renew the access lookups alone.
ROLES = narrower_scope("accounts:roles", excluding=("accounts.apitoken",))


def _cached(name: str, scopes: tuple[str, ...], parts: tuple, build):
    return cached_under_versions(
        f"access:{name}", scopes, build=build, parts=parts, timeout=ACCESS_TIMEOUT
    )


def roles_of(user) -> dict[int, str]:
    """Return {organisation id: role} for the user."""
    return _cached(
        "roles",
        (ROLES,),
        (user.pk,),
        lambda: dict(
            OrganisationRole.objects.filter(user=user).values_list("organisation_id", "role")
        ),
    )


def coordinated_by(user, organisation_ids: list[int]) -> frozenset[int]:
    """Return ids of the organisations that the coordinating bodies among `organisation_ids`
    coordinate today (the in-force membership rule)."""
    return _cached(
        "coordinated",
        (REGISTER,),
        (sorted(organisation_ids), timezone.localdate().isoformat()),
        lambda: frozenset(
            Membership.objects.in_force()
            .filter(body_id__in=organisation_ids, body__kind__in=COORDINATING_KINDS)
            .values_list("member_id", flat=True)
        ),
    )
