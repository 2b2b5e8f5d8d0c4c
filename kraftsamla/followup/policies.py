"""Who may see and change indicators, values, targets and emission targets.

Indicator definitions are public facts. An organisation's values and targets are its own
data: its people see them all; others see what it shared (public, or "region" for the
bodies that coordinate it). Its administrators and editors change them; staff may do
everything, also define platform-wide indicators.
"""

from __future__ import annotations

from kraftsamla.core.access import Always, HasRole, IsStaff, Policy, owned_and_shared, register
from kraftsamla.core.models import EDIT_ROLES

ORG_EDITORS = IsStaff() | HasRole("organisation", EDIT_ROLES)


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
