"""Decide who may see and do what. Every view and API endpoint asks this module.

Rules:
- Reference facts about organisations (names, codes, population, emissions,
  memberships) are public.
- Platform staff may do everything.
- An organisation's administrators manage its people, invitations and read its
  audit log; administrators and editors change its data; viewers only read.
- An organisation's own data carries a sharing level: private data is seen only
  by the organisation's people; data shared with regional bodies is also seen by
  the people of each coordinating body (regional body, region, national
  programme) the organisation is a current member or participant of; public
  data is seen by everyone.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from kraftsamla.accounts.models import OrganisationRole, Role
from kraftsamla.core.models import SharingLevel

_EDIT_ROLES = {Role.ADMIN, Role.EDITOR}


def _roles(user) -> dict[int, str]:
    """Return {organisation id: role} for the user, cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, "_kraftsamla_roles", None)
    if cached is None:
        cached = dict(
            OrganisationRole.objects.filter(user=user).values_list("organisation_id", "role")
        )
        user._kraftsamla_roles = cached
    return cached


def _coordinated_ids(user) -> set[int]:
    """Return ids of organisations that are current members of a body the user belongs to."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_kraftsamla_coordinated", None)
    if cached is None:
        from kraftsamla.organisations.models import COORDINATING_KINDS, Membership

        cached = set(
            Membership.objects.in_force()
            .filter(body_id__in=list(_roles(user)), body__kind__in=COORDINATING_KINDS)
            .values_list("member_id", flat=True)
        )
        user._kraftsamla_coordinated = cached
    return cached


def require(allowed: bool, message: str) -> None:
    """Raise PermissionDenied with `message` unless `allowed`; services call this first."""
    if not allowed:
        raise PermissionDenied(message)


def is_platform_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def role_in(user, organisation) -> str | None:
    """Return the user's role in the organisation, or None."""
    if organisation is None:
        return None
    return _roles(user).get(organisation.pk)


def can_view_organisation(user, organisation) -> bool:
    """Organisations' reference facts are public."""
    return True


def can_edit_organisation(user, organisation) -> bool:
    return is_platform_staff(user) or role_in(user, organisation) in _EDIT_ROLES


def can_manage_people(user, organisation) -> bool:
    """Invite colleagues and see who has which role."""
    return is_platform_staff(user) or role_in(user, organisation) == Role.ADMIN


def can_view_people(user, organisation) -> bool:
    return is_platform_staff(user) or role_in(user, organisation) is not None


def can_view_audit_log(user, organisation) -> bool:
    return is_platform_staff(user) or role_in(user, organisation) == Role.ADMIN


def can_view_shared(user, owner, sharing_level: str) -> bool:
    """Decide whether the user may see data owned by `owner` at `sharing_level`."""
    if sharing_level == SharingLevel.PUBLIC:
        return True
    if is_platform_staff(user) or role_in(user, owner) is not None:
        return True
    if sharing_level == SharingLevel.REGION:
        return owner is not None and owner.pk in _coordinated_ids(user)
    return False


def can_view_climate_profile(user, profile) -> bool:
    return can_view_shared(user, profile.organisation, profile.sharing_level)


def can_edit_climate_profile(user, organisation) -> bool:
    return can_edit_organisation(user, organisation)


def can_use_api_token(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def visible_sharing_filter(user, owner_field: str = "organisation") -> Q:
    """Return a Q that keeps only rows of shareable data the user may see.

    Use on querysets of models with `sharing_level` and an owner foreign key, so
    lists are scoped in the database rather than filtered in Python.
    """
    if is_platform_staff(user):
        return Q()
    q = Q(sharing_level=SharingLevel.PUBLIC)
    own = list(_roles(user))
    if own:
        q |= Q(**{f"{owner_field}_id__in": own})
    coordinated = _coordinated_ids(user)
    if coordinated:
        q |= Q(sharing_level=SharingLevel.REGION, **{f"{owner_field}_id__in": coordinated})
    return q


# --- Transition capacity -----------------------------------------------------


def can_manage_assessments(user, organisation) -> bool:
    """Start assessments, invite respondents, move them through their lifecycle."""
    return is_platform_staff(user) or role_in(user, organisation) in _EDIT_ROLES


def can_manage_assessment(user, assessment) -> bool:
    return can_manage_assessments(user, assessment.organisation)


def can_view_assessment(user, assessment) -> bool:
    """The organisation's people see all its assessments; others only published, shared ones."""
    if is_platform_staff(user) or role_in(user, assessment.organisation) is not None:
        return True
    return assessment.status == "published" and can_view_shared(
        user, assessment.organisation, assessment.sharing_level
    )


def can_view_respondent_details(user, assessment) -> bool:
    """Who answered what is for the organisation's coordinators only."""
    return can_manage_assessment(user, assessment)


def can_answer_assessment(user, assessment, respondent=None) -> bool:
    """A respondent answers an open assessment of their own organisation."""
    return (
        respondent is not None
        and getattr(user, "is_authenticated", False)
        and respondent.user_id == user.pk
        and respondent.assessment_id == assessment.pk
        and assessment.status == "open"
        and role_in(user, assessment.organisation) is not None
    )


def can_view_regional_overview(user, body) -> bool:
    """A coordinating body's people see the overview of what members shared with it."""
    from kraftsamla.organisations.models import COORDINATING_KINDS

    if body is None or body.kind not in COORDINATING_KINDS:
        return False
    return is_platform_staff(user) or role_in(user, body) is not None


def visible_assessment_filter(user) -> Q:
    """Return a Q keeping assessments the user may see (own org's, or published and shared)."""
    if is_platform_staff(user):
        return Q()
    published = Q(status="published")
    q = published & Q(sharing_level=SharingLevel.PUBLIC)
    own = list(_roles(user))
    if own:
        q |= Q(organisation_id__in=own)
    coordinated = _coordinated_ids(user)
    if coordinated:
        q |= published & Q(sharing_level=SharingLevel.REGION, organisation_id__in=coordinated)
    return q


# --- Regional support ----------------------------------------------------------


def can_manage_offers(user, provider) -> bool:
    """A coordinating body's administrators and editors publish and edit its offers."""
    from kraftsamla.organisations.models import COORDINATING_KINDS

    if provider is None or provider.kind not in COORDINATING_KINDS:
        return False
    return is_platform_staff(user) or role_in(user, provider) in _EDIT_ROLES


def can_view_offer(user, offer) -> bool:
    """Offers are public information about what a region provides."""
    return True


def can_register_need(user, organisation) -> bool:
    return is_platform_staff(user) or role_in(user, organisation) in _EDIT_ROLES


def can_view_need(user, need) -> bool:
    return can_view_shared(user, need.organisation, need.sharing_level)


def can_enrol(user, organisation) -> bool:
    """A municipality's administrators and editors enrol its people (viewers enrol themselves)."""
    return is_platform_staff(user) or role_in(user, organisation) is not None


def can_enrol_others(user, organisation) -> bool:
    return is_platform_staff(user) or role_in(user, organisation) in _EDIT_ROLES


def can_view_coverage(user, body) -> bool:
    return can_view_regional_overview(user, body)


def can_view_recommendations(user, organisation) -> bool:
    return is_platform_staff(user) or role_in(user, organisation) is not None


def visible_need_filter(user) -> Q:
    return visible_sharing_filter(user, owner_field="organisation")
