"""Who may see, write and move ideas and projects through their lifecycle.

A project is its owner's data with a sharing level (private, region, public). The
owner's administrators and editors write it, start it and report its results. The
regional decisions (prepare, prioritise, park, decline) belong to the administrators
and editors of a coordinating body the owner is a member of (membership in force).
They may also merge similar ideas of several members into one joint project: the rule
is asked of every idea, so the person must coordinate all of the ideas' owners.
"""

from django.db.models import Q

from kraftsamla.core.access import (
    NOTHING,
    Condition,
    HasRole,
    IsStaff,
    LoggedIn,
    Policy,
    owned_and_shared,
    register,
)
from kraftsamla.core.models import EDIT_ROLES
from kraftsamla.organisations.policies import IsCoordinatingBody


class CoordinatesOwner(Condition):
    """The person has one of `roles` in a coordinating body that the owner is a member of.

    `owner` names the object's foreign key to the owning organisation.
    """

    def __init__(self, owner: str = "owner", roles=EDIT_ROLES) -> None:
        self.owner = owner
        self.roles = frozenset(roles)

    def check(self, access, obj) -> bool:
        if not access.is_authenticated:
            return False
        return getattr(obj, f"{self.owner}_id", None) in access.coordinated_by(self.roles)

    def q(self, access) -> Q:
        if not access.is_authenticated:
            return NOTHING
        ids = access.coordinated_by(self.roles)
        return Q(**{f"{self.owner}_id__in": sorted(ids)}) if ids else NOTHING


OWNER_EDITORS = IsStaff() | HasRole("owner", EDIT_ROLES)
BODY_DECIDERS = IsStaff() | CoordinatesOwner("owner", EDIT_ROLES)


@register
class ProjectPolicy(Policy):
    """Rules on one project (the object is the project)."""

    name = "projects.project"
    rules = {
        "view": owned_and_shared("owner"),
        "edit": OWNER_EDITORS,
        "prepare": BODY_DECIDERS,
        "prioritise": BODY_DECIDERS,
        "park": BODY_DECIDERS,
        "decline": BODY_DECIDERS,
        # Merge the idea with others into a joint project (asked of each idea merged).
        "merge": BODY_DECIDERS,
        "start": OWNER_EDITORS,
        "complete": OWNER_EDITORS,
        # Replicate a project one may see into one's own organisation (the object is
        # the origin; the new owner is asked "projects.organisation.create" as well).
        "replicate": IsStaff() | (LoggedIn() & owned_and_shared("owner")),
    }


@register
class ProjectOrganisationPolicy(Policy):
    """Projects of an organisation as a whole (the object is the organisation)."""

    name = "projects.organisation"
    rules = {
        # Write a new idea for the organisation.
        "create": IsStaff() | HasRole("", EDIT_ROLES),
    }


@register
class PortfolioPolicy(Policy):
    """A coordinating body's list of its members' projects (the object is the body)."""

    name = "projects.portfolio"
    rules = {
        "view": IsCoordinatingBody() & (IsStaff() | HasRole("")),
        # Group the members' similar ideas into clusters, to merge them (the deciders).
        "cluster": IsCoordinatingBody() & (IsStaff() | HasRole("", EDIT_ROLES)),
    }
