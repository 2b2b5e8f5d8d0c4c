"""Who may see, publish and send funding calls, and who sees and writes joint applications.

A call is public unless the body that published it keeps it to its members ("region":
the people of organisations whose membership of the body is in force) or to itself
("private", e.g. while it is being written). Staff add calls for the platform; the
administrators and editors of a coordinating body publish and edit the body's calls,
and send calls to the body's members with a note.

A joint application is seen by staff, the coordinator's people and the people of its
parties that have not declined; everyone else gets 404. The coordinator's editors write
the application (title, dates, parties, work packages, status) and every party's budget
and attachments; a party's own editors write only their own party's budget lines and
attachments, once the party has accepted, and answer the invitation.
"""

from __future__ import annotations

from django.db.models import Q

from kraftsamla.core.access import (
    NOTHING,
    Access,
    Condition,
    FieldIs,
    HasRole,
    IsStaff,
    Policy,
    register,
)
from kraftsamla.core.models import EDIT_ROLES, SharingLevel
from kraftsamla.organisations.models import Membership
from kraftsamla.organisations.policies import IsCoordinatingBody

_MEMBER_OF = "_funding_member_of"


def bodies_of(access: Access) -> frozenset[int]:
    """Return the ids of the bodies that the person's organisations are members of today.

    Read once per Access (one query), like `Access.coordinated_by`.
    """
    if not access.is_authenticated or not access.roles:
        return frozenset()
    if _MEMBER_OF not in access.__dict__:
        access.__dict__[_MEMBER_OF] = frozenset(
            Membership.objects.in_force()
            .filter(member_id__in=access.organisation_ids())
            .values_list("body_id", flat=True)
        )
    return access.__dict__[_MEMBER_OF]


class MemberOfBody(Condition):
    """The person has a role in an organisation that is a member of the body that the
    object's foreign key `path` points to."""

    def __init__(self, path: str = "body") -> None:
        self.path = path

    def check(self, access, obj) -> bool:
        return getattr(obj, f"{self.path}_id", None) in bodies_of(access)

    def q(self, access) -> Q:
        ids = bodies_of(access)
        return Q(**{f"{self.path}_id__in": sorted(ids)}) if ids else NOTHING


PUBLIC_CALL = FieldIs("sharing_level", SharingLevel.PUBLIC)
MEMBERS_CALL = FieldIs("sharing_level", SharingLevel.REGION) & MemberOfBody("owner")
BODY_EDITORS = IsCoordinatingBody() & (IsStaff() | HasRole("", EDIT_ROLES))


@register
class CallPolicy(Policy):
    """Rules on one call (the object is the call)."""

    name = "funding.call"
    rules = {
        "view": IsStaff() | HasRole("owner") | PUBLIC_CALL | MEMBERS_CALL,
        "edit": IsStaff() | HasRole("owner", EDIT_ROLES),
    }


@register
class FundingBodyPolicy(Policy):
    """What a coordinating body does with calls (the object is the body; None: the platform)."""

    name = "funding.body"
    rules = {
        # Publish a call as the body (staff also for the platform, object None).
        "publish": IsStaff() | BODY_EDITORS,
        # "Where the money is": open and upcoming calls ranked for the members.
        "view_ranking": IsCoordinatingBody() & (IsStaff() | HasRole("")),
        # Send a call to the body's members with a note.
        "send": BODY_EDITORS,
    }


@register
class CallNoticePolicy(Policy):
    """A call a body sent: its people and its members' people see it."""

    name = "funding.notice"
    rules = {"view": IsStaff() | HasRole("body") | MemberOfBody("body")}


def _party_application_ids(access: Access) -> frozenset[int]:
    """Return ids of the applications where one of the person's organisations is a party
    that has not declined (one query per Access)."""
    key = "_funding_party_applications"
    if not access.is_authenticated or not access.roles:
        return frozenset()
    if key not in access.__dict__:
        from kraftsamla.funding.models import Invitation, Party

        access.__dict__[key] = frozenset(
            Party.objects.filter(organisation_id__in=access.organisation_ids())
            .exclude(invitation=Invitation.DECLINED)
            .values_list("application_id", flat=True)
        )
    return access.__dict__[key]


class IsPartyOf(Condition):
    """One of the person's organisations is a party (not declined) of the application at
    `path` ("" : the object is the application)."""

    def __init__(self, path: str = "") -> None:
        self.path = path

    def check(self, access, obj) -> bool:
        pk = getattr(obj, f"{self.path}_id") if self.path else getattr(obj, "pk", None)
        return pk in _party_application_ids(access)

    def q(self, access) -> Q:
        ids = _party_application_ids(access)
        lookup = f"{self.path}_id__in" if self.path else "pk__in"
        return Q(**{lookup: sorted(ids)}) if ids else NOTHING


ACCEPTED_PARTY = FieldIs("invitation", "accepted")


@register
class ApplicationPolicy(Policy):
    """Rules on one joint application (the object is the application)."""

    name = "funding.application"
    rules = {
        "view": IsStaff() | HasRole("coordinator") | IsPartyOf(),
        # Title, dates, parties, work packages, status; also the totals and the check panel.
        "edit": IsStaff() | HasRole("coordinator", EDIT_ROLES),
        # The whole budget and the rules' outcomes (which name every party's figures).
        "view_all": IsStaff() | HasRole("coordinator"),
    }


@register
class PartyPolicy(Policy):
    """Rules on one party's budget lines and attachments (the object is the party)."""

    name = "funding.party"
    rules = {
        "view": IsStaff() | HasRole("application.coordinator") | HasRole("organisation"),
        "edit": IsStaff()
        | HasRole("application.coordinator", EDIT_ROLES)
        | (HasRole("organisation", EDIT_ROLES) & ACCEPTED_PARTY),
        # Accept or decline the invitation.
        "respond": IsStaff() | HasRole("organisation", EDIT_ROLES),
    }


@register
class ApplicantPolicy(Policy):
    """Start an application as an organisation (the object is the coordinating organisation)."""

    name = "funding.applicant"
    rules = {"apply": IsStaff() | HasRole("", EDIT_ROLES)}
