"""Enrolments: seat limits, the waiting list, who may enrol whom; ratings after an offer ended."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kraftsamla.accounts.models import Role
from kraftsamla.core import access
from kraftsamla.core.models import AuditEvent
from kraftsamla.support import services
from kraftsamla.support.models import Enrolment, EnrolmentStatus, OfferStatus, Rating
from tests.factories.accounts import UserFactory
from tests.factories.organisations import (
    RegionalBodyFactory,
)
from tests.factories.support import (
    EnrolmentFactory,
    OfferFactory,
)
from tests.helpers import (
    ADMIN_M,
    ALE_EDITOR,
    STAFF,
    VIEWER_M,
    demo_user,
    stockholm_municipalities,
)

pytestmark = pytest.mark.django_db

ENROLLED, WAITING, CANCELLED = (
    EnrolmentStatus.ENROLLED,
    EnrolmentStatus.WAITING,
    EnrolmentStatus.CANCELLED,
)


def statuses(o) -> dict[str, str]:
    return {e.participant.email: e.status for e in Enrolment.objects.filter(offer=o)}


def nothing_saved(before_enrolments: int, before_events: int) -> bool:
    return (Enrolment.objects.count(), AuditEvent.objects.count()) == (
        before_enrolments,
        before_events,
    )


def test_beyond_the_seats_people_wait_and_a_cancelled_seat_goes_to_the_first_in_line(
    gr, molndal, admin_m
):
    o = OfferFactory(provider=gr, seats=2)
    p1, p2, p3, p4 = (UserFactory(organisation=molndal) for _ in range(4))
    e = [
        services.enrolment_create(actor=admin_m, offer=o, organisation=molndal, participant=p)
        for p in (p1, p2, p3, p4)
    ]
    assert [x.status for x in e] == [ENROLLED, ENROLLED, WAITING, WAITING]

    # Cancelling someone on the waiting list gives nobody a seat.
    assert services.enrolment_cancel(actor=admin_m, enrolment=e[3]) is None
    assert statuses(o)[p4.email] == CANCELLED
    promoted = services.enrolment_cancel(actor=admin_m, enrolment=e[0])
    assert promoted.pk == e[2].pk
    assert statuses(o) == {
        p1.email: CANCELLED,
        p2.email: ENROLLED,
        p3.email: ENROLLED,
        p4.email: CANCELLED,
    }
    # Full again: the next one waits.
    p5 = UserFactory(organisation=molndal)
    assert (
        services.enrolment_create(
            actor=admin_m, offer=o, organisation=molndal, participant=p5
        ).status
        == WAITING
    )


def test_a_promotion_from_the_waiting_list_is_audited_for_the_promoted_enrolment(
    gr, molndal, admin_m
):
    o = OfferFactory(provider=gr, seats=1)
    seat, waiting = (
        services.enrolment_create(
            actor=admin_m,
            offer=o,
            organisation=molndal,
            participant=UserFactory(organisation=molndal),
        )
        for _ in range(2)
    )
    before = AuditEvent.objects.count()
    services.enrolment_cancel(actor=admin_m, enrolment=seat)
    events = AuditEvent.objects.order_by("id")[before:]
    assert [(e.object_id, e.actor, e.organisation) for e in events] == [
        (str(seat.pk), admin_m, molndal),
        (str(waiting.pk), admin_m, molndal),
    ]
    promotion = events[1]
    assert (promotion.object_type, promotion.before, promotion.after) == (
        "support.enrolment",
        {"status": WAITING},
        {"status": ENROLLED, "promoted_from_waiting_list": True},
    )


def test_the_system_actor_enrols_and_cancels_for_loaders(gr, molndal):
    o = OfferFactory(provider=gr, seats=1)
    participant = UserFactory(organisation=molndal)
    e = services.enrolment_create(
        actor=access.SYSTEM, offer=o, organisation=molndal, participant=participant
    )
    assert (e.status, e.created_by) == (ENROLLED, None)
    services.enrolment_cancel(actor=access.SYSTEM, enrolment=e)
    assert Enrolment.objects.get(pk=e.pk).status == CANCELLED
    events = AuditEvent.objects.filter(object_type="support.enrolment", object_id=str(e.pk))
    assert [(event.actor, event.actor_label) for event in events] == [(None, "system")] * 2


def test_someone_who_enrols_again_after_cancelling_queues_behind_those_already_waiting(
    gr, molndal, admin_m
):
    o = OfferFactory(provider=gr, seats=1)
    first, early, later = (UserFactory(organisation=molndal) for _ in range(3))
    seat = services.enrolment_create(
        actor=admin_m, offer=o, organisation=molndal, participant=first
    )
    old = services.enrolment_create(actor=admin_m, offer=o, organisation=molndal, participant=early)
    services.enrolment_cancel(actor=admin_m, enrolment=old)
    Enrolment.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=1)
    )
    waiting = services.enrolment_create(
        actor=admin_m, offer=o, organisation=molndal, participant=later
    )
    again = services.enrolment_create(
        actor=admin_m, offer=o, organisation=molndal, participant=early
    )
    assert again.pk == old.pk and again.status == WAITING

    promoted = services.enrolment_cancel(actor=admin_m, enrolment=seat)
    assert promoted.pk == waiting.pk
    assert statuses(o)[early.email] == WAITING


def test_without_a_seat_limit_everyone_is_enrolled(gr, molndal, admin_m):
    o = OfferFactory(provider=gr, seats=None)
    for _ in range(5):
        assert (
            services.enrolment_create(
                actor=admin_m,
                offer=o,
                organisation=molndal,
                participant=UserFactory(organisation=molndal),
            ).status
            == ENROLLED
        )


def test_the_same_person_cannot_enrol_twice(gr, molndal, admin_m):
    o = OfferFactory(provider=gr, seats=1)
    p, other = UserFactory(organisation=molndal), UserFactory(organisation=molndal)
    services.enrolment_create(actor=admin_m, offer=o, organisation=molndal, participant=p)
    services.enrolment_create(actor=admin_m, offer=o, organisation=molndal, participant=other)
    counts = Enrolment.objects.count(), AuditEvent.objects.count()
    for participant in (p, other):  # enrolled, and waiting
        with pytest.raises(ValidationError) as exc:
            services.enrolment_create(
                actor=admin_m, offer=o, organisation=molndal, participant=participant
            )
        assert "participant" in exc.value.message_dict
    assert nothing_saved(*counts)


def test_the_participant_must_belong_to_the_organisation(gr, molndal, ale, admin_m):
    o = OfferFactory(provider=gr)
    counts = Enrolment.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.enrolment_create(
            actor=admin_m, offer=o, organisation=molndal, participant=demo_user(ALE_EDITOR)
        )
    assert "participant" in exc.value.message_dict
    assert nothing_saved(*counts)


def test_only_the_organisations_people_enrol_and_only_editors_enrol_colleagues(gr, molndal):
    o = OfferFactory(provider=gr)
    viewer = demo_user(VIEWER_M)
    colleague = UserFactory(organisation=molndal)
    counts = Enrolment.objects.count(), AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.enrolment_create(
            actor=demo_user(ALE_EDITOR), offer=o, organisation=molndal, participant=viewer
        )
    with pytest.raises(PermissionDenied):
        services.enrolment_create(
            actor=viewer, offer=o, organisation=molndal, participant=colleague
        )
    assert nothing_saved(*counts)
    # A viewer enrols themselves; platform staff enrol anyone of the organisation.
    assert (
        services.enrolment_create(
            actor=viewer, offer=o, organisation=molndal, participant=viewer
        ).status
        == ENROLLED
    )
    services.enrolment_create(
        actor=demo_user(STAFF),
        offer=o,
        organisation=molndal,
        participant=UserFactory(organisation=molndal),
    )
    assert Enrolment.objects.filter(offer=o).count() == 2


def test_an_offer_not_open_to_the_municipality_is_refused(gr, molndal, ale, admin_m):
    only_ale = OfferFactory(provider=gr, open_to=[ale])
    for_molndal = OfferFactory(provider=gr, open_to=[molndal])
    elsewhere = OfferFactory(
        provider=RegionalBodyFactory(slug="elsewhere", members=stockholm_municipalities(2))
    )
    counts = Enrolment.objects.count(), AuditEvent.objects.count()
    for o in (only_ale, elsewhere):
        with pytest.raises(ValidationError) as exc:
            services.enrolment_create(
                actor=admin_m, offer=o, organisation=molndal, participant=admin_m
            )
        assert exc.value.code == "not_open_to"
    assert nothing_saved(*counts)
    assert (
        services.enrolment_create(
            actor=admin_m, offer=for_molndal, organisation=molndal, participant=admin_m
        ).status
        == ENROLLED
    )


@pytest.mark.parametrize("status", [OfferStatus.PLANNED, OfferStatus.CLOSED])
def test_a_planned_or_closed_offer_refuses_enrolment(gr, molndal, admin_m, status):
    o = OfferFactory(provider=gr, status=status)
    counts = Enrolment.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.enrolment_create(actor=admin_m, offer=o, organisation=molndal, participant=admin_m)
    assert exc.value.code == "not_open"
    assert nothing_saved(*counts)


def test_a_running_offer_takes_enrolments(gr, molndal, admin_m):
    o = OfferFactory(provider=gr, status=OfferStatus.RUNNING)
    assert (
        services.enrolment_create(
            actor=admin_m, offer=o, organisation=molndal, participant=admin_m
        ).status
        == ENROLLED
    )


def test_only_the_participant_or_the_organisations_editors_cancel(gr, molndal):
    o = OfferFactory(provider=gr)
    viewer = demo_user(VIEWER_M)
    e = EnrolmentFactory(offer=o, organisation=molndal, participant=viewer)
    colleague = UserFactory(organisation=molndal, role=Role.VIEWER)
    for actor in (colleague, demo_user(ALE_EDITOR)):
        with pytest.raises(PermissionDenied):
            services.enrolment_cancel(actor=actor, enrolment=e)
    assert Enrolment.objects.get(pk=e.pk).status == ENROLLED
    services.enrolment_cancel(actor=viewer, enrolment=e)
    assert Enrolment.objects.get(pk=e.pk).status == CANCELLED


# --- Ratings -------------------------------------------------------------------------


@pytest.fixture
def ended(gr, molndal):
    """A closed offer Mölndal's viewer took part in."""
    o = OfferFactory(provider=gr, status=OfferStatus.CLOSED)
    return EnrolmentFactory(offer=o, organisation=molndal, participant=demo_user(VIEWER_M))


def test_the_participant_rates_after_the_offer_ended_and_can_change_it(ended):
    viewer = demo_user(VIEWER_M)
    rating = services.rating_save(actor=viewer, enrolment=ended, score=4, comment="Bra.")
    assert (rating.score, rating.comment) == (4, "Bra.")
    services.rating_save(actor=viewer, enrolment=ended, score=5)
    assert Rating.objects.get(enrolment=ended).score == 5
    assert Rating.objects.filter(enrolment=ended).count() == 1


def test_an_offer_whose_end_date_passed_can_be_rated_while_still_running(gr, molndal):
    viewer = demo_user(VIEWER_M)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    o = OfferFactory(
        provider=gr,
        status=OfferStatus.RUNNING,
        start_date=yesterday - datetime.timedelta(days=30),
        end_date=yesterday,
    )
    assert services.rating_save(
        actor=viewer,
        enrolment=EnrolmentFactory(offer=o, organisation=molndal, participant=viewer),
        score=3,
    )


def test_only_the_participant_may_rate(ended):
    for actor in (demo_user(ADMIN_M), demo_user(STAFF), demo_user(ALE_EDITOR)):
        with pytest.raises(PermissionDenied):
            services.rating_save(actor=actor, enrolment=ended, score=4)
    assert not Rating.objects.exists()


@pytest.mark.parametrize("status", [WAITING, CANCELLED])
def test_only_those_who_took_part_may_rate(ended, status):
    Enrolment.objects.filter(pk=ended.pk).update(status=status)
    ended.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.rating_save(actor=demo_user(VIEWER_M), enrolment=ended, score=4)
    assert exc.value.code == "not_participant"
    assert not Rating.objects.exists()


def test_an_offer_is_rated_only_after_it_ended(gr, molndal):
    viewer = demo_user(VIEWER_M)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for o in (
        OfferFactory(provider=gr, status=OfferStatus.OPEN),
        OfferFactory(provider=gr, status=OfferStatus.RUNNING, end_date=tomorrow),
    ):
        with pytest.raises(ValidationError) as exc:
            services.rating_save(
                actor=viewer,
                enrolment=EnrolmentFactory(offer=o, organisation=molndal, participant=viewer),
                score=4,
            )
        assert exc.value.code == "not_ended"
    assert not Rating.objects.exists()


@pytest.mark.parametrize("score", [0, 6, -1, "4", 4.5, True, None])
def test_the_score_is_a_whole_number_from_1_to_5(ended, score):
    with pytest.raises(ValidationError) as exc:
        services.rating_save(actor=demo_user(VIEWER_M), enrolment=ended, score=score)
    assert "score" in exc.value.message_dict
    assert not Rating.objects.exists()


@pytest.mark.parametrize("score", [1, 5])
def test_both_ends_of_the_scale_are_accepted(ended, score):
    assert (
        services.rating_save(actor=demo_user(VIEWER_M), enrolment=ended, score=score).score == score
    )
