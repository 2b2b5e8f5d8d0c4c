"""The starter catalogue import, registering needs and turning assessment notes into needs."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from kraftsamla.accounts.models import Role
from kraftsamla.capacity.models import (
    Assessment,
    Capital,
    CapitalKey,
    CapitalNote,
    CollaborationForm,
    Framework,
    Purpose,
    Respondent,
    RoleGroup,
    Status,
)
from kraftsamla.core.models import AuditEvent
from kraftsamla.support import services
from kraftsamla.support.models import Need, Offer, OfferStatus, TargetGroup
from tests.factories.accounts import UserFactory
from tests.factories.support import (
    KNOWLEDGE,
    ROOM,
)
from tests.helpers import (
    ADMIN_M,
    ALE_EDITOR,
    COORDINATOR,
    EDITOR_M,
    PUBLIC,
    REGION,
    STAFF,
    VIEWER_M,
    demo_user,
)

pytestmark = pytest.mark.django_db

REPORT = "Regional mobilisering för stärkt omställningsförmåga"


def saved() -> tuple[int, int, int]:
    return Offer.objects.count(), Need.objects.count(), AuditEvent.objects.count()


# --- Starter catalogue ------------------------------------------------------------------


def test_import_creates_the_catalogue_as_planned_offers_citing_the_report(gr):
    created, existing = services.starter_catalogue_import(actor=demo_user(COORDINATOR), provider=gr)
    offers = list(Offer.objects.filter(provider=gr))

    assert 40 <= created <= 60 and existing == 0
    assert len(offers) == created
    assert {o.status for o in offers} == {OfferStatus.PLANNED}
    for o in offers:
        assert REPORT in o.source_ref and "Göteborgsregionen & RISE" in o.source_ref, o.title
        assert len(o.source_ref) > len(services.CATALOGUE_SOURCE) + 2, o.title  # where in it
        assert o.catalogue_key and o.capitals and o.title and o.description
        assert set(o.capitals) <= set(CapitalKey.values)
        assert set(o.target_groups) <= set(TargetGroup.values)
    cells = {(c, o.collaboration_form) for o in offers for c in o.capitals}
    every_cell = {(c, f) for c in CapitalKey.values for f in CollaborationForm.values}
    # The report lists no measure for real capital × more room for action.
    assert every_cell - {("real", ROOM)} <= cells


def test_importing_twice_creates_nothing_the_second_time(gr):
    coordinator = demo_user(COORDINATOR)
    created, _existing = services.starter_catalogue_import(actor=coordinator, provider=gr)
    ids = set(Offer.objects.filter(provider=gr).values_list("pk", flat=True))
    assert services.starter_catalogue_import(actor=coordinator, provider=gr) == (0, created)
    assert set(Offer.objects.filter(provider=gr).values_list("pk", flat=True)) == ids


def test_a_removed_catalogue_offer_comes_back_alone(gr):
    coordinator = demo_user(COORDINATOR)
    created, _existing = services.starter_catalogue_import(actor=coordinator, provider=gr)
    Offer.objects.filter(provider=gr).order_by("pk").first().delete()
    assert services.starter_catalogue_import(actor=coordinator, provider=gr) == (1, created - 1)


def test_imported_offers_hold_both_languages(gr):
    services.starter_catalogue_import(actor=demo_user(COORDINATOR), provider=gr)
    item = services.load_catalogue()[0]
    offer = Offer.objects.get(provider=gr, catalogue_key=item["key"])
    assert offer.title == item["title"] and offer.description == item["description"]
    with translation.override("en"):
        assert str(offer.title) == item["title"]["en"]
    with translation.override("sv"):
        assert str(offer.title) == item["title"]["sv"]


def test_the_bodys_editors_and_staff_may_import(gr):
    services.starter_catalogue_import(
        actor=UserFactory(organisation=gr, role=Role.EDITOR), provider=gr
    )
    assert Offer.objects.filter(provider=gr).exists()
    other = type(gr).objects.get(slug="viable-cities-klimatneutrala-stader-2030")
    created, _existing = services.starter_catalogue_import(actor=demo_user(STAFF), provider=other)
    assert created > 0


@pytest.mark.parametrize("who", ["viewer", ADMIN_M, ALE_EDITOR, "anonymous"])
def test_others_may_not_import_and_nothing_is_created(gr, anonymous, who):
    actor = {
        "viewer": lambda: UserFactory(organisation=gr, role=Role.VIEWER),
        "anonymous": lambda: anonymous,
    }.get(who, lambda: demo_user(who))()
    before = saved()
    with pytest.raises(PermissionDenied):
        services.starter_catalogue_import(actor=actor, provider=gr)
    assert saved() == before


def test_a_municipality_cannot_publish_offers_even_its_admin(molndal):
    before = saved()
    with pytest.raises(PermissionDenied):
        services.starter_catalogue_import(actor=demo_user(ADMIN_M), provider=molndal)
    assert saved() == before


# --- Registering needs ----------------------------------------------------------------


NEED = {
    "capital": "financial",
    "collaboration_form": KNOWLEDGE,
    "description": "Hjälp att söka medel.",
    "priority": 1,
    "target_group": TargetGroup.STRATEGIC,
    "year": 2026,
    "sharing_level": REGION,
}


@pytest.mark.parametrize("email", [ADMIN_M, EDITOR_M, STAFF])
def test_administrators_editors_and_staff_register_needs(molndal, email):
    n = services.need_save(actor=demo_user(email), organisation=molndal, data=NEED)
    assert (n.organisation, n.capital, n.year, n.sharing_level) == (
        molndal,
        "financial",
        2026,
        REGION,
    )
    assert AuditEvent.objects.filter(object_type="support.need", object_id=str(n.pk)).exists()


@pytest.mark.parametrize("email", [VIEWER_M, ALE_EDITOR, COORDINATOR])
def test_viewers_and_outsiders_cannot_register_needs_and_nothing_is_saved(molndal, email):
    before = saved()
    with pytest.raises(PermissionDenied):
        services.need_save(actor=demo_user(email), organisation=molndal, data=NEED)
    assert saved() == before


def test_a_need_cannot_be_moved_to_or_edited_through_another_organisation(molndal, ale):
    n = services.need_save(actor=demo_user(EDITOR_M), organisation=molndal, data=NEED)
    with pytest.raises(PermissionDenied):
        services.need_save(
            actor=demo_user(ALE_EDITOR), organisation=ale, data={"description": "x"}, need=n
        )
    n.refresh_from_db()
    assert n.description == NEED["description"] and n.organisation == molndal


def test_an_invalid_need_is_refused_whole(molndal):
    before = saved()
    for wrong in ({"capital": "moral"}, {"year": 1999}, {"sharing_level": "everyone"}):
        with pytest.raises(ValidationError):
            services.need_save(
                actor=demo_user(EDITOR_M), organisation=molndal, data={**NEED, **wrong}
            )
    assert saved() == before


# --- Needs from an assessment's notes ----------------------------------------------------


@pytest.fixture
def noted(molndal):
    """A published, public Mölndal assessment with three respondents' notes (one empty)."""
    framework = Framework.objects.get(is_current=True)
    capital = {c.key: c for c in Capital.objects.filter(framework=framework)}
    assessment = Assessment.objects.create(
        organisation=molndal,
        framework=framework,
        year=2031,
        purpose=Purpose.OTHER,
        status=Status.PUBLISHED,
        sharing_level=PUBLIC,
    )
    politician = Respondent.objects.create(
        assessment=assessment,
        user=UserFactory(organisation=molndal),
        role_group=RoleGroup.POLITICIANS,
    )
    operational = Respondent.objects.create(
        assessment=assessment,
        user=UserFactory(organisation=molndal),
        role_group=RoleGroup.OPERATIONAL,
    )
    CapitalNote.objects.create(
        respondent=politician,
        capital=capital["political"],
        strengthen="Tydligare uppdrag.",
        collaboration_form=ROOM,
    )
    CapitalNote.objects.create(
        respondent=operational, capital=capital["human"], strengthen="Utbildning för handläggare."
    )
    CapitalNote.objects.create(respondent=operational, capital=capital["real"], strengthen="")
    return assessment, capital, politician


def test_notes_become_needs_once_and_inherit_the_sharing(noted, molndal):
    assessment, capital, politician = noted
    editor = demo_user(EDITOR_M)

    assert services.needs_from_assessment(actor=editor, assessment=assessment) == 2
    needs = {n.capital: n for n in Need.objects.filter(organisation=molndal)}
    assert set(needs) == {"political", "human"}
    political, human = needs["political"], needs["human"]
    assert (political.description, political.collaboration_form, political.target_group) == (
        "Tydligare uppdrag.",
        ROOM,
        TargetGroup.POLITICIANS,
    )
    assert (human.collaboration_form, human.target_group) == ("", TargetGroup.OPERATIONAL)
    assert {n.sharing_level for n in needs.values()} == {PUBLIC}
    assert {n.year for n in needs.values()} == {2031}
    assert political.source_note.respondent == politician

    # Again: nothing new. A new note: only that one.
    assert services.needs_from_assessment(actor=editor, assessment=assessment) == 0
    CapitalNote.objects.create(
        respondent=politician, capital=capital["financial"], strengthen="Gemensamma ansökningar."
    )
    assert services.needs_from_assessment(actor=editor, assessment=assessment) == 1
    assert Need.objects.filter(organisation=molndal).count() == 3


@pytest.mark.parametrize("email", [VIEWER_M, ALE_EDITOR, COORDINATOR])
def test_only_the_organisations_editors_turn_notes_into_needs(noted, email):
    before = saved()
    with pytest.raises(PermissionDenied):
        services.needs_from_assessment(actor=demo_user(email), assessment=noted[0])
    assert saved() == before
