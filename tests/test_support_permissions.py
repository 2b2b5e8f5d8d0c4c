"""Every rule of the support policies (kraftsamla/support/policies.py), allowed and denied."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kraftsamla.accounts.models import Role
from kraftsamla.core import access
from kraftsamla.core.models import AuditEvent
from kraftsamla.organisations.models import Organisation
from kraftsamla.support import services
from kraftsamla.support.models import Need, Offer
from tests.factories.accounts import UserFactory
from tests.factories.support import (
    EnrolmentFactory,
    NeedFactory,
    OfferFactory,
)
from tests.helpers import (
    ADMIN_M,
    ALE_EDITOR,
    COORDINATOR,
    EDITOR_M,
    PARTNER,
    PRIVATE,
    PUBLIC,
    REGION,
    STAFF,
    VIEWER_M,
    demo_user,
    stockholm_municipalities,
)

pytestmark = pytest.mark.django_db

WHO = [
    "staff",
    "coordinator",
    "gr_editor",
    "gr_viewer",
    "admin_m",
    "editor_m",
    "viewer_m",
    "ale_editor",
    "partner",
    "anonymous",
]


@pytest.fixture
def people(gr, anonymous):
    inactive_staff = UserFactory(organisation=None, is_staff=True, is_active=False)
    return {
        "staff": demo_user(STAFF),
        "coordinator": demo_user(COORDINATOR),
        "gr_editor": UserFactory(organisation=gr, role=Role.EDITOR),
        "gr_viewer": UserFactory(organisation=gr, role=Role.VIEWER),
        "admin_m": demo_user(ADMIN_M),
        "editor_m": demo_user(EDITOR_M),
        "viewer_m": demo_user(VIEWER_M),
        "ale_editor": demo_user(ALE_EDITOR),
        "partner": demo_user(PARTNER),
        "anonymous": anonymous,
        "inactive_staff": inactive_staff,
    }


def allowed(people, rule: str, obj) -> set[str]:
    return {who for who in [*WHO, "inactive_staff"] if access.allows(people[who], rule, obj)}


def test_can_manage_offers_the_bodys_admins_and_editors_and_staff(people, gr, molndal):
    assert allowed(people, "support.offer.manage", gr) == {
        "staff",
        "coordinator",
        "gr_editor",
    }
    # A municipality is no provider of offers, not even for its own administrator.
    assert allowed(people, "support.offer.manage", molndal) == set()
    assert not access.allows(people["staff"], "support.offer.manage", None)


def test_can_view_offer_everyone(people, gr):
    o = OfferFactory(provider=gr)
    assert allowed(people, "support.offer.view", o) == {*WHO, "inactive_staff"}


def test_can_register_need_the_organisations_admins_and_editors_and_staff(people, molndal, ale):
    assert allowed(people, "support.need.create", molndal) == {
        "staff",
        "admin_m",
        "editor_m",
    }
    assert allowed(people, "support.need.create", ale) == {"staff", "ale_editor"}


def test_can_view_need_follows_the_sharing_level(people, molndal):
    outsider = stockholm_municipalities(1)[0]
    own = {"staff", "admin_m", "editor_m", "viewer_m"}
    assert (
        allowed(
            people,
            "support.need.view",
            NeedFactory(organisation=molndal, capital="human", sharing_level=PRIVATE),
        )
        == own
    )
    # Shared with the region: also GR's people, but not other members' people.
    assert allowed(
        people,
        "support.need.view",
        NeedFactory(organisation=molndal, capital="human", sharing_level=REGION),
    ) == {
        *own,
        "coordinator",
        "gr_editor",
        "gr_viewer",
    }
    assert allowed(
        people,
        "support.need.view",
        NeedFactory(organisation=molndal, capital="human", sharing_level=PUBLIC),
    ) == {
        *WHO,
        "inactive_staff",
    }
    # Shared with its own regions only: GR sees nothing of a non-member.
    assert allowed(
        people,
        "support.need.view",
        NeedFactory(organisation=outsider, capital="human", sharing_level=REGION),
    ) == {"staff"}


def test_visible_need_filter_agrees_with_can_view_need(people, molndal, ale):
    outsider = stockholm_municipalities(1)[0]
    needs = [
        NeedFactory(organisation=o, capital="human", sharing_level=s)
        for o in (molndal, ale, outsider)
        for s in (PRIVATE, REGION, PUBLIC)
    ]
    for who in [*WHO, "inactive_staff"]:
        u = people[who]
        listed = set(
            access.scope(u, "support.need.view", Need.objects.filter(pk__in=[n.pk for n in needs]))
        )
        assert listed == {n for n in needs if access.allows(u, "support.need.view", n)}, who


def test_can_enrol_anyone_of_the_organisation_and_staff(people, molndal):
    assert allowed(people, "support.enrolment.create", molndal) == {
        "staff",
        "admin_m",
        "editor_m",
        "viewer_m",
    }


def test_can_enrol_others_the_organisations_admins_and_editors_and_staff(people, molndal):
    assert allowed(people, "support.enrolment.create_for_others", molndal) == {
        "staff",
        "admin_m",
        "editor_m",
    }


def test_can_view_coverage_the_bodys_people_and_staff(people, gr, molndal):
    assert allowed(people, "support.overview.view", gr) == {
        "staff",
        "coordinator",
        "gr_editor",
        "gr_viewer",
    }
    assert allowed(people, "support.overview.view", molndal) == set()
    vc = Organisation.objects.get(slug="viable-cities-klimatneutrala-stader-2030")
    assert allowed(people, "support.overview.view", vc) == {"staff"}


def test_can_view_recommendations_the_organisations_people_and_staff(people, molndal, gr):
    assert allowed(people, "support.recommendation.view", molndal) == {
        "staff",
        "admin_m",
        "editor_m",
        "viewer_m",
    }
    # The coordinator sees GR's grid, not a member's own recommendations.
    assert not access.allows(people["coordinator"], "support.recommendation.view", molndal)
    assert allowed(people, "support.recommendation.view", gr) == {
        "staff",
        "coordinator",
        "gr_editor",
        "gr_viewer",
    }


def test_enrolment_view_the_organisations_people_and_the_providers_editors(people, gr, molndal):
    e = EnrolmentFactory(
        offer=OfferFactory(provider=gr), organisation=molndal, participant=people["viewer_m"]
    )
    assert allowed(people, "support.enrolment.view", e) == {
        "staff",
        "coordinator",
        "gr_editor",
        "admin_m",
        "editor_m",
        "viewer_m",
    }


def test_enrolment_cancel_the_participant_and_the_organisations_editors(people, gr, molndal):
    e = EnrolmentFactory(
        offer=OfferFactory(provider=gr), organisation=molndal, participant=people["viewer_m"]
    )
    assert allowed(people, "support.enrolment.cancel", e) == {
        "staff",
        "admin_m",
        "editor_m",
        "viewer_m",
    }


def test_enrolment_rate_only_the_participant(people, gr, molndal):
    e = EnrolmentFactory(
        offer=OfferFactory(provider=gr), organisation=molndal, participant=people["editor_m"]
    )
    assert allowed(people, "support.enrolment.rate", e) == {"editor_m"}


def test_recommendation_subscribe_the_organisations_people_not_staff(people, molndal):
    assert allowed(people, "support.recommendation.subscribe", molndal) == {
        "admin_m",
        "editor_m",
        "viewer_m",
    }


# --- The services enforce the rules ------------------------------------------------------

OFFER = {
    "title": "Klimatbudget",
    "description": "Kurs.",
    "capitals": ["financial"],
    "collaboration_form": "resource_base",
    "target_groups": [],
    "format": "training",
    "status": "open",
    "open_to_all_members": True,
}


def test_the_bodys_editor_publishes_an_offer_and_opens_it_to_some_members(gr, molndal, ale):
    editor = UserFactory(organisation=gr, role=Role.EDITOR)
    o = services.offer_save(actor=editor, provider=gr, data=OFFER, open_to=[molndal, ale])
    assert (o.provider, o.created_by, set(o.open_to.all())) == (gr, editor, {molndal, ale})
    services.offer_save(
        actor=demo_user(COORDINATOR),
        provider=gr,
        offer=o,
        data={**OFFER, "title": "Ändrad", "is_continuous": True, "end_date": None},
    )
    o.refresh_from_db()
    assert o.title == "Ändrad"


@pytest.mark.parametrize("email", [ADMIN_M, ALE_EDITOR, "gr_viewer"])
def test_others_cannot_publish_offers_and_nothing_is_saved(gr, email):
    actor = (
        UserFactory(organisation=gr, role=Role.VIEWER) if email == "gr_viewer" else demo_user(email)
    )
    before = Offer.objects.count(), AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.offer_save(actor=actor, provider=gr, data=OFFER)
    assert (Offer.objects.count(), AuditEvent.objects.count()) == before


def test_an_offer_is_edited_only_through_its_own_body(gr):
    vc = Organisation.objects.get(slug="viable-cities-klimatneutrala-stader-2030")
    o = OfferFactory(provider=gr, title="GR:s erbjudande")
    with pytest.raises(PermissionDenied):
        services.offer_save(
            actor=demo_user(STAFF), provider=vc, offer=o, data={**OFFER, "title": "Kapad"}
        )
    o.refresh_from_db()
    assert o.title == "GR:s erbjudande"


def test_an_offer_opened_to_a_non_member_or_without_capitals_is_refused_whole(gr, molndal):
    coordinator = demo_user(COORDINATOR)
    outsider = stockholm_municipalities(1)[0]
    before = Offer.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.offer_save(actor=coordinator, provider=gr, data=OFFER, open_to=[molndal, outsider])
    assert "open_to" in exc.value.message_dict
    for wrong in ({"capitals": []}, {"capitals": ["moral"]}, {"target_groups": ["everyone"]}):
        with pytest.raises(ValidationError):
            services.offer_save(actor=coordinator, provider=gr, data={**OFFER, **wrong})
    assert (Offer.objects.count(), AuditEvent.objects.count()) == before
