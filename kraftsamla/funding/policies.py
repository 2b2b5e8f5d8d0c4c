"""Who may see, publish and send funding calls.

A call is public unless the body that published it keeps it to its members ("region":
the people of organisations whose membership of the body is in force) or to itself
("private", e.g. while it is being written). Staff add calls for the platform; the
administrators and editors of a coordinating body publish and edit the body's calls,
and send calls to the body's members with a note.
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
