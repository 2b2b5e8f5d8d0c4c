"""Who may see, write and move ideas and projects through their lifecycle.

A project is its owner's data with a sharing level (private, region, public). The
owner's administrators and editors write it, start it and report its results. The
regional decisions (prepare, prioritise, park, decline) belong to the administrators
and editors of a coordinating body the owner is a member of (membership in force), and
so does holding up a completed project as a good example. Files attached to a project
are seen by whoever may see the project, and attached and deleted by its writers.

Another organisation's administrators and editors may ask to join a project they may
see; the owner's administrators and editors answer, and the asking organisation may
withdraw its request while it waits. A request is seen by the people of both.

A project's checklist (made from the project template) is planning among those who
run the project: the owner's administrators and editors plan it; it is seen by the
people of the organisations taking part and by the deciders of the coordinating body,
not by every visitor of a public project (it names people and holds notes). The
template itself is public.

The body's deciders may also merge similar ideas of several members into one joint
project: the rule is asked of every idea, so the person must coordinate all of the
ideas' owners.

A body's portfolio (its members' shared ideas and projects, ranked by the body's
criteria) is seen by everyone with a role in the body; its administrators and editors
score the projects and change the criteria and weights.
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
from kraftsamla.projects.models import Participation


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


class EditsAnotherOrganisation(Condition):
    """The person is an administrator or editor of an organisation other than the owner.

    `owner` names the object's foreign key to the owning organisation.
    """

    def __init__(self, owner: str = "owner", roles=EDIT_ROLES) -> None:
        self.owner = owner
        self.roles = frozenset(roles)

    def check(self, access, obj) -> bool:
        ids = set(access.organisation_ids(self.roles))
        return bool(ids - {getattr(obj, f"{self.owner}_id", None)})

    def q(self, access) -> Q:
        ids = access.organisation_ids(self.roles)
        if not ids:
            return NOTHING
        # With two organisations to speak for, any owner leaves at least one of them.
        return ~Q(**{f"{self.owner}_id": ids[0]}) if len(ids) == 1 else Q()


class TakesPart(Condition):
    """The person has a role in an organisation that takes part in the project.

    Reads the project's participations (prefetched on the project page).
    """

    def check(self, access, obj) -> bool:
        ids = set(access.organisation_ids())
        if not ids:
            return False
        return obj.owner_id in ids or any(
            participation.organisation_id in ids for participation in obj.participations.all()
        )

    def q(self, access) -> Q:
        ids = access.organisation_ids()
        if not ids:
            return NOTHING
        return Q(
            pk__in=Participation.objects.filter(organisation_id__in=sorted(ids)).values(
                "project_id"
            )
        )


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
        # Attach files to the project and delete them (downloading them is "view").
        "attach": OWNER_EDITORS,
        # Hold up a completed project as a good example, and take that back.
        "mark_good_example": BODY_DECIDERS,
        "unmark_good_example": BODY_DECIDERS,
        # Replicate a project one may see into one's own organisation (the object is
        # the origin; the new owner is asked "projects.organisation.create" as well).
        "replicate": IsStaff() | (LoggedIn() & owned_and_shared("owner")),
        # Ask to join a project one may see, for an organisation one edits that is not its
        # owner (the organisation is asked "projects.organisation.request_join" as well).
        "request_join": IsStaff()
        | (LoggedIn() & owned_and_shared("owner") & EditsAnotherOrganisation("owner")),
        # Make the checklist from the template and keep it up to date.
        "plan": OWNER_EDITORS,
        # See the checklist: people of the organisations taking part, the body's deciders.
        "view_checklist": owned_and_shared("owner")
        & (IsStaff() | TakesPart() | CoordinatesOwner("owner", EDIT_ROLES)),
    }


@register
class ProjectTemplatePolicy(Policy):
    """The project template's versions (the object is the template, or None for a new one).

    Anyone may read a published version (its pages and API are public).
    """

    name = "projects.template"
    rules = {"change": IsStaff()}


@register
class ProjectOrganisationPolicy(Policy):
    """Projects of an organisation as a whole (the object is the organisation)."""

    name = "projects.organisation"
    rules = {
        # Write a new idea for the organisation.
        "create": IsStaff() | HasRole("", EDIT_ROLES),
        # Ask, on the organisation's behalf, to join another organisation's project.
        "request_join": IsStaff() | HasRole("", EDIT_ROLES),
    }


@register
class JoinRequestPolicy(Policy):
    """Rules on one request to join a project (the object is the request)."""

    name = "projects.joinrequest"
    rules = {
        # The owner's people and the asking organisation's people.
        "view": IsStaff() | HasRole("project.owner") | HasRole("organisation"),
        # Accept or decline: the owner's administrators and editors.
        "decide": IsStaff() | HasRole("project.owner", EDIT_ROLES),
        # Take the request back: the asking organisation's administrators and editors.
        "withdraw": IsStaff() | HasRole("organisation", EDIT_ROLES),
    }


@register
class PortfolioPolicy(Policy):
    """A coordinating body's list of its members' projects (the object is the body)."""

    name = "projects.portfolio"
    rules = {
        "view": IsCoordinatingBody() & (IsStaff() | HasRole("")),
        # Group the members' similar ideas into clusters, to merge them (the deciders).
        "cluster": IsCoordinatingBody() & (IsStaff() | HasRole("", EDIT_ROLES)),
        # Score the members' projects on the body's criteria (0–4 with a reason).
        "score": IsCoordinatingBody() & (IsStaff() | HasRole("", EDIT_ROLES)),
        # Change the body's prioritisation criteria and their weights.
        "criteria": IsCoordinatingBody() & (IsStaff() | HasRole("", EDIT_ROLES)),
    }
