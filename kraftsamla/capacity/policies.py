"""Who may see, run and answer capacity assessments, and see regional overviews.

An organisation's people see all its assessments; others see only published
ones that it shared with them (public, or with a body that coordinates it).
Administrators and editors run assessments; a respondent answers an open one.
"""

from django.db.models import Q

from kraftsamla.capacity.models import Respondent, Status
from kraftsamla.core.access import (
    NOTHING,
    Condition,
    FieldIs,
    HasRole,
    IsStaff,
    Policy,
    SharedWith,
    register,
)
from kraftsamla.core.models import EDIT_ROLES
from kraftsamla.organisations.policies import IsCoordinatingBody


class IsRespondent(Condition):
    """The person is a respondent of the assessment."""

    def check(self, access, obj) -> bool:
        return (
            access.is_authenticated
            and Respondent.objects.filter(assessment_id=obj.pk, user_id=access.user_id).exists()
        )

    def q(self, access) -> Q:
        if not access.is_authenticated:
            return NOTHING
        return Q(pk__in=Respondent.objects.filter(user_id=access.user_id).values("assessment_id"))


@register
class AssessmentPolicy(Policy):
    name = "capacity.assessment"
    rules = {
        "view": IsStaff()
        | HasRole("organisation")
        | (FieldIs("status", Status.PUBLISHED) & SharedWith("organisation")),
        # The organisation's own people see the details (notes, statement by statement).
        "view_details": IsStaff() | HasRole("organisation"),
        # Run it: respondents, invitations, sharing, lifecycle, agreed scores.
        "manage": IsStaff() | HasRole("organisation", EDIT_ROLES),
        # Who answered what is for the organisation's coordinators only.
        "view_respondents": IsStaff() | HasRole("organisation", EDIT_ROLES),
        # A respondent of their own organisation sees their answer pages (read-only unless open).
        "respond": HasRole("organisation") & IsRespondent(),
        # A respondent answers an open assessment of their own organisation.
        "answer": FieldIs("status", Status.OPEN) & HasRole("organisation") & IsRespondent(),
        # Start an assessment (the object is the organisation).
        "create": IsStaff() | HasRole("", EDIT_ROLES),
    }


@register
class FrameworkPolicy(Policy):
    name = "capacity.framework"
    rules = {"change": IsStaff()}  # the object is the framework (or None for a new one)


@register
class RegionalOverviewPolicy(Policy):
    """A coordinating body's people see what its members shared with it (object: the body)."""

    name = "capacity.regional_overview"
    rules = {"view": IsCoordinatingBody() & (IsStaff() | HasRole(""))}
