"""Temporary adapter from the old predicate names to the policies (being removed)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from kraftsamla.core.access import access_of, allows, scope  # noqa: F401
from kraftsamla.core.models import SharingLevel


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def is_platform_staff(user) -> bool:
    return access_of(user).is_staff


def role_in(user, organisation) -> str | None:
    return access_of(user).role_in(organisation)


def can_view_organisation(user, organisation) -> bool:
    return True


def can_edit_organisation(user, organisation) -> bool:
    return allows(user, "organisations.organisation.change", organisation)


def can_manage_people(user, organisation) -> bool:
    return allows(user, "accounts.people.manage", organisation)


def can_view_people(user, organisation) -> bool:
    return allows(user, "accounts.people.view", organisation)


def can_view_audit_log(user, organisation) -> bool:
    return allows(user, "organisations.organisation.view_audit_log", organisation)


def can_view_shared(user, owner, sharing_level: str) -> bool:
    access = access_of(user)
    if sharing_level == SharingLevel.PUBLIC or access.is_staff or access.role_in(owner):
        return True
    return (
        sharing_level == SharingLevel.REGION
        and owner is not None
        and owner.pk in access.coordinated_ids
    )


def can_view_climate_profile(user, profile) -> bool:
    return allows(user, "organisations.climateprofile.view", profile)


def can_edit_climate_profile(user, organisation) -> bool:
    return can_edit_organisation(user, organisation)


def can_use_api_token(user) -> bool:
    return allows(user, "accounts.apitoken.create")


def can_manage_assessments(user, organisation) -> bool:
    return allows(user, "capacity.assessment.create", organisation)


def can_manage_assessment(user, assessment) -> bool:
    return allows(user, "capacity.assessment.manage", assessment)


def can_view_assessment(user, assessment) -> bool:
    return allows(user, "capacity.assessment.view", assessment)


def can_view_respondent_details(user, assessment) -> bool:
    return allows(user, "capacity.assessment.view_respondents", assessment)


def can_answer_assessment(user, assessment, respondent=None) -> bool:
    return (
        respondent is not None
        and respondent.assessment_id == assessment.pk
        and respondent.user_id == getattr(user, "pk", None)
        and allows(user, "capacity.assessment.answer", assessment)
    )


def can_view_regional_overview(user, body) -> bool:
    return allows(user, "capacity.regional_overview.view", body)


def can_manage_offers(user, provider) -> bool:
    return allows(user, "support.offer.manage", provider)


def can_view_offer(user, offer) -> bool:
    return True


def can_register_need(user, organisation) -> bool:
    return allows(user, "support.need.create", organisation)


def can_view_need(user, need) -> bool:
    return allows(user, "support.need.view", need)


def can_enrol(user, organisation) -> bool:
    return allows(user, "support.enrolment.create", organisation)


def can_enrol_others(user, organisation) -> bool:
    return allows(user, "support.enrolment.create_for_others", organisation)


def can_view_coverage(user, body) -> bool:
    return allows(user, "support.overview.view", body)


def can_view_recommendations(user, organisation) -> bool:
    return allows(user, "support.recommendation.view", organisation)
