"""Who may see and change indicators, values, targets, commitments, actions and menus.

Indicator definitions are public facts. An organisation's values, targets and commitments
are its own data: its people see them all; others see what it shared (public, or "region"
for the bodies that coordinate it). Its administrators and editors change them; staff may
do everything, also define platform-wide indicators.

Actions are changed per responsible unit: the organisation's administrators change every
action; its editors change the actions of units they belong to (or units below those) and
actions that have no unit. So a department cannot mark another department's action done.

A body's promise menu is public; its administrators and editors write it; its people see
the roll-up of what members chose, as far as the members share their commitments with it.
"""

from __future__ import annotations

from django.db.models import Q

from kraftsamla.core.access import (
    Access,
    Always,
    Condition,
    HasRole,
    IsStaff,
    IsUser,
    Policy,
    owned_and_shared,
    register,
)
from kraftsamla.core.models import EDIT_ROLES, Role
from kraftsamla.followup.models import ResponsibleUnit
from kraftsamla.organisations.policies import IsCoordinatingBody

ORG_EDITORS = IsStaff() | HasRole("organisation", EDIT_ROLES)
_UNITS = "_followup_units"


def units_of(access: Access) -> frozenset[int]:
    """Return the ids of the units the person belongs to and every unit below them.

    Read once per Access (two queries at most).
    """
    if not access.is_authenticated:
        return frozenset()
    if _UNITS not in access.__dict__:
        paths = list(
            ResponsibleUnit.objects.filter(people=access.user).values_list("path", flat=True)
        )
        below = Q()
        for path in paths:
            below |= Q(path__startswith=path)
        access.__dict__[_UNITS] = frozenset(
            ResponsibleUnit.objects.filter(below).values_list("pk", flat=True) if paths else ()
        )
    return access.__dict__[_UNITS]


class InUnit(Condition):
    """The object has no unit, or a unit the person belongs to (directly or above it)."""

    def __init__(self, path: str = "unit") -> None:
        self.path = path

    def check(self, access, obj) -> bool:
        unit_id = getattr(obj, f"{self.path}_id", None)
        return unit_id is None or unit_id in units_of(access)

    def q(self, access) -> Q:
        ids = units_of(access)
        q = Q(**{f"{self.path}__isnull": True})
        return q | Q(**{f"{self.path}_id__in": sorted(ids)}) if ids else q


@register
class IndicatorPolicy(Policy):
    """Rules on an indicator definition (object: the definition; None: a new platform one)."""

    name = "followup.indicator"
    rules = {
        "view": Always(),
        "manage": IsStaff() | HasRole("owner", EDIT_ROLES),
    }


@register
class FollowupOrganisationPolicy(Policy):
    """What a person does with an organisation's follow-up (object: the organisation)."""

    name = "followup.organisation"
    rules = {
        # The follow-up page itself; what it shows is scoped by the rules below.
        "view": Always(),
        "edit": IsStaff() | HasRole("", EDIT_ROLES),
    }


@register
class IndicatorValuePolicy(Policy):
    name = "followup.value"
    rules = {"view": owned_and_shared("organisation"), "edit": ORG_EDITORS}


@register
class TargetPolicy(Policy):
    name = "followup.target"
    rules = {"view": owned_and_shared("organisation"), "edit": ORG_EDITORS}


@register
class EmissionTargetPolicy(Policy):
    name = "followup.emissiontarget"
    rules = {"view": owned_and_shared("organisation"), "edit": ORG_EDITORS}


@register
class EmissionFigurePolicy(Policy):
    """A municipality's own emission figures (imported; SMHI's series is public)."""

    name = "followup.emissionfigure"
    rules = {"view": owned_and_shared("organisation"), "edit": ORG_EDITORS}


@register
class UnitPolicy(Policy):
    """An organisation's committees, administrations and departments (public facts)."""

    name = "followup.unit"
    rules = {
        "view": Always(),
        "manage": IsStaff() | HasRole("organisation", {Role.ADMIN}),
    }


@register
class CommitmentPolicy(Policy):
    name = "followup.commitment"
    rules = {"view": owned_and_shared("organisation"), "edit": ORG_EDITORS}


ACTION_ORG = "commitment.organisation"


@register
class ActionPolicy(Policy):
    """Rules on one action (object: the action)."""

    name = "followup.action"
    rules = {
        "view": owned_and_shared(ACTION_ORG, "commitment.sharing_level"),
        "change_status": IsStaff()
        | HasRole(ACTION_ORG, {Role.ADMIN})
        | (HasRole(ACTION_ORG, EDIT_ROLES) & InUnit("unit")),
    }


@register
class PromiseMenuPolicy(Policy):
    """A body's promise menu (object: the menu)."""

    name = "followup.menu"
    rules = {
        "view": Always(),
        "manage": IsStaff() | HasRole("body", EDIT_ROLES),
        # Who chose what, and how far they got.
        "view_rollup": IsStaff() | HasRole("body"),
    }


@register
class BodyCapacityPolicy(Policy):
    """A body's capacity follow-up: its members' shared capital scores and whether they took
    part in its offers (object: the body). The body's people see it, as the regional overview."""

    name = "followup.capacity"
    rules = {"view": IsCoordinatingBody() & (IsStaff() | HasRole(""))}


class EditsAnOrganisation(Condition):
    """The person is an administrator or editor of at least one organisation."""

    def check(self, access, obj) -> bool:
        return bool(access.organisation_ids(EDIT_ROLES))

    def q(self, access) -> Q:
        return Q() if self.check(access, None) else Q(pk__in=[])


@register
class ImportPolicy(Policy):
    """Imports of indicator values (object: the import; None before it exists, and for
    "clear", which deletes every expired upload).

    Each row is also checked against "followup.organisation.edit" for its organisation.
    """

    name = "followup.import"
    rules = {
        "run": IsStaff() | EditsAnOrganisation(),
        "view": IsStaff() | IsUser("created_by"),
        "undo": IsStaff() | IsUser("created_by"),
        # Deleting the expired uploads of unfinished previews (a daily command).
        "clear": IsStaff(),
    }


ROUND_ORG = "round.organisation"


@register
class RoundPolicy(Policy):
    """A yearly follow-up round (object: the round; for "open", the organisation).

    The organisation's people follow the round; its administrators open, remind, close and
    publish it. A published round is public: the annual report shows its data.
    """

    name = "followup.round"
    rules = {
        "view": IsStaff() | HasRole("organisation"),
        "manage": IsStaff() | HasRole("organisation", {Role.ADMIN}),
    }


@register
class RoundReportPolicy(Policy):
    """One unit's report in a round (object: the report).

    The reporting organisation's administrators, and its editors in the unit (or a unit
    above it), fill it in; the round's administrators (the municipality's, or the body's for
    a body's round) review it.
    """

    name = "followup.report"
    rules = {
        "view": IsStaff() | HasRole("organisation") | HasRole(ROUND_ORG, {Role.ADMIN}),
        "submit": IsStaff()
        | HasRole("organisation", {Role.ADMIN})
        | (HasRole("organisation", EDIT_ROLES) & InUnit("unit")),
        "review": IsStaff() | HasRole(ROUND_ORG, {Role.ADMIN}),
    }
