"""Who may publish offers, register needs, enrol, rate and see regional support overviews.

Offers are public information about what a body provides. A coordinating
body's administrators and editors manage its offers; a municipality's people
enrol themselves and its administrators and editors enrol colleagues and
register needs, which carry a sharing level like all of its own data.
"""

from kraftsamla.core.access import (
    Always,
    HasRole,
    IsStaff,
    IsUser,
    Policy,
    owned_and_shared,
    register,
)
from kraftsamla.core.models import EDIT_ROLES
from kraftsamla.organisations.policies import IsCoordinatingBody


@register
class OfferPolicy(Policy):
    name = "support.offer"
    rules = {
        "view": Always(),
        # Publish, edit, import the starter catalogue (the object is the providing body).
        "manage": IsCoordinatingBody() & (IsStaff() | HasRole("", EDIT_ROLES)),
    }


@register
class NeedPolicy(Policy):
    name = "support.need"
    rules = {
        "view": owned_and_shared("organisation"),
        # Register needs for an organisation (the object is the organisation).
        "create": IsStaff() | HasRole("", EDIT_ROLES),
    }


@register
class EnrolmentPolicy(Policy):
    name = "support.enrolment"
    rules = {
        # The municipality's people, and the editors of the body that gives the offer.
        "view": IsStaff() | HasRole("organisation") | HasRole("offer.provider", EDIT_ROLES),
        # Enrol oneself (the object is the participant's organisation).
        "create": IsStaff() | HasRole(""),
        # Enrol a colleague (the object is the organisation).
        "create_for_others": IsStaff() | HasRole("", EDIT_ROLES),
        # The participant, or the organisation's administrators and editors.
        "cancel": IsUser("participant") | IsStaff() | HasRole("organisation", EDIT_ROLES),
        # Only the participant rates their own participation.
        "rate": IsUser("participant"),
    }


@register
class SupportOverviewPolicy(Policy):
    """The coverage grid and uptake of a body (the object is the body)."""

    name = "support.overview"
    rules = {"view": IsCoordinatingBody() & (IsStaff() | HasRole(""))}


@register
class RecommendationPolicy(Policy):
    """Recommended offers and the digest for an organisation (the object is the organisation)."""

    name = "support.recommendation"
    rules = {
        "view": IsStaff() | HasRole(""),
        "subscribe": HasRole(""),
    }
