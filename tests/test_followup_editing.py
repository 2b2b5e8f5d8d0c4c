"""Follow-up: changing and removing commitments and actions through the pages, with the
permissions, and the rule that what a follow-up round reported on stays."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kraftsamla.core.access import allows
from kraftsamla.core.models import AuditAction, AuditEvent, SharingLevel
from kraftsamla.followup import services
from kraftsamla.followup.models import Action, Commitment, CommitmentKind
from tests.helpers import ADMIN_M, EDITOR_M, demo_user, translate

pytestmark = pytest.mark.django_db


@pytest.fixture
def commitment(molndal):
    admin = demo_user(ADMIN_M)
    commitment = services.commitment_create(
        actor=admin,
        organisation=molndal,
        data={
            "kind": CommitmentKind.STRATEGY_GOAL,
            "title": {"sv": "Cykelstaden"},
            "sharing_level": SharingLevel.REGION,
        },
    )
    lane = services.action_create(actor=admin, commitment=commitment, data={"title": "Cykelbana"})
    services.action_create(
        actor=admin, commitment=commitment, data={"title": "Skyltning", "parent": lane}
    )
    return commitment


def _url(name: str, **kwargs) -> str:
    return reverse(f"followup:{name}", kwargs=kwargs)


def test_an_editor_changes_a_commitment_through_the_page(commitment):
    client = Client()
    client.force_login(demo_user(EDITOR_M))
    url = _url("commitment-edit", slug="molndal", pk=commitment.pk)
    page = client.get(url).content.decode()
    assert 'value="Cykelstaden"' in page
    bad = client.post(
        url,
        {
            "kind": "strategy_goal",
            "title_sv": "Cykelstaden 2030",
            "period_start": "2030-01-01",
            "period_end": "2025-01-01",
            "sharing_level": "region",
        },
    )
    assert bad.status_code == 400
    done = client.post(
        url,
        {
            "kind": "strategy_goal",
            "title_sv": "Cykelstaden 2030",
            "adopted_by": "Kommunstyrelsen",
            "sharing_level": "public",
        },
    )
    assert done.status_code == 302
    commitment.refresh_from_db()
    assert commitment.title.sv == "Cykelstaden 2030"
    assert commitment.sharing_level == SharingLevel.PUBLIC
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_id=str(commitment.pk), after__adopted_by="Kommunstyrelsen"
    ).exists()


def test_a_viewer_may_not_change_or_remove(commitment, viewer_m, editor_m):
    assert allows(editor_m, "followup.commitment.edit", commitment)
    assert not allows(viewer_m, "followup.commitment.edit", commitment)
    client = Client()
    client.force_login(viewer_m)
    assert client.get(_url("commitment-edit", slug="molndal", pk=commitment.pk)).status_code == 403
    assert (
        client.post(_url("commitment-delete", slug="molndal", pk=commitment.pk)).status_code == 403
    )
    action = commitment.actions.first()
    assert client.post(_url("action-delete", pk=action.pk)).status_code == 403
    with pytest.raises(PermissionDenied):
        services.action_update(actor=viewer_m, action=action, data={"title": "X"})
    assert Commitment.objects.filter(pk=commitment.pk).exists()


def test_another_municipality_gets_404(commitment):
    client = Client()
    client.force_login(demo_user("strateg.ale@demo.kraftsamla.se"))
    action = commitment.actions.first()
    # Shared with the region: a neighbour municipality does not see it (only its bodies do).
    assert client.get(_url("action-edit", pk=action.pk)).status_code == 404
    assert client.get(_url("commitment-edit", slug="molndal", pk=commitment.pk)).status_code == 404


def test_an_action_is_changed_and_cannot_go_below_itself(commitment, editor_m):
    lane = commitment.actions.get(title="Cykelbana")
    signs = commitment.actions.get(title="Skyltning")
    with pytest.raises(ValidationError) as error:
        services.action_update(actor=editor_m, action=lane, data={"parent": signs})
    assert "parent" in error.value.message_dict
    client = Client()
    client.force_login(editor_m)
    url = _url("action-edit", pk=signs.pk)
    assert 'value="Skyltning"' in client.get(url).content.decode()
    done = client.post(url, {"title": "Skyltning längs banan", "weight": "2", "cost": "12 500,50"})
    assert done.status_code == 302
    signs.refresh_from_db()
    assert (signs.title, signs.parent_id, signs.weight, float(signs.cost)) == (
        "Skyltning längs banan",
        None,
        2,
        12500.5,
    )


def test_removing_asks_first_and_takes_the_sub_actions(commitment, editor_m):
    client = Client()
    client.force_login(editor_m)
    lane = commitment.actions.get(title="Cykelbana")
    url = _url("action-delete", pk=lane.pk)
    assert translate("Remove") in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not Action.objects.filter(commitment=commitment).exists()
    assert client.post(_url("commitment-delete", slug="molndal", pk=commitment.pk)).status_code == (
        302
    )
    assert not Commitment.objects.filter(pk=commitment.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELETE).count() == 2


def test_what_a_round_reported_on_stays(commitment, admin_m):
    services.round_open(
        actor=admin_m,
        organisation=commitment.organisation,
        data={
            "name": "Uppföljning 2025",
            "year": 2025,
            "deadline": timezone.localdate() + datetime.timedelta(days=9),
        },
    )
    client = Client()
    client.force_login(admin_m)
    response = client.post(_url("commitment-delete", slug="molndal", pk=commitment.pk))
    assert response.status_code == 400
    assert "Uppföljning 2025" in response.content.decode()
    signs = commitment.actions.get(title="Skyltning")
    with pytest.raises(ValidationError):
        services.action_delete(actor=admin_m, action=signs)
    assert Commitment.objects.filter(pk=commitment.pk).exists()
    assert commitment.actions.count() == 2


def test_the_commitment_page_links_to_the_forms_for_editors_only(commitment, editor_m, viewer_m):
    url = _url("commitment", slug="molndal", pk=commitment.pk)
    client = Client()
    client.force_login(editor_m)
    assert (
        _url("commitment-edit", slug="molndal", pk=commitment.pk)
        in client.get(url).content.decode()
    )
    client.force_login(viewer_m)
    assert _url("commitment-edit", slug="molndal", pk=commitment.pk) not in (
        client.get(url).content.decode()
    )


# --- Units and promise menus through the pages -------------------------------------------------


def test_an_administrator_adds_units_and_people(molndal, admin_m, editor_m):
    from kraftsamla.followup.models import ResponsibleUnit

    client = Client()
    client.force_login(admin_m)
    url = _url("units", slug="molndal")
    assert translate("Add a unit") in client.get(url).content.decode()
    assert (
        client.post(_url("unit-add", slug="molndal"), {"name": "", "kind": "committee"}).status_code
        == 400
    )
    done = client.post(
        _url("unit-add", slug="molndal"), {"name": "Miljönämnden", "kind": "committee"}
    )
    assert done.status_code == 302
    committee = ResponsibleUnit.objects.get(organisation=molndal, name="Miljönämnden")
    client.post(
        _url("unit-add", slug="molndal"),
        {"name": "Miljöförvaltningen", "kind": "administration", "parent": committee.pk},
    )
    below = ResponsibleUnit.objects.get(name="Miljöförvaltningen")
    assert below.path == f"{committee.path}{below.pk}/"
    added = client.post(
        _url("unit-person-add", slug="molndal"), {"unit": below.pk, "user": editor_m.pk}
    )
    assert added.status_code == 302
    assert list(below.people.all()) == [editor_m]
    assert editor_m.email in client.get(url).content.decode()


def test_a_person_of_another_organisation_cannot_be_added(molndal, admin_m):
    from kraftsamla.followup.models import UnitKind

    unit = services.unit_create(
        actor=admin_m, organisation=molndal, data={"name": "Park", "kind": UnitKind.DEPARTMENT}
    )
    stranger = demo_user("strateg.ale@demo.kraftsamla.se")
    with pytest.raises(ValidationError):
        services.unit_person_add(actor=admin_m, unit=unit, user=stranger)
    client = Client()
    client.force_login(admin_m)
    response = client.post(
        _url("unit-person-add", slug="molndal"), {"unit": unit.pk, "user": stranger.pk}
    )
    assert response.status_code == 400
    assert not unit.people.exists()


def test_only_administrators_manage_units(molndal, editor_m):
    from kraftsamla.followup.models import ResponsibleUnit

    assert not allows(editor_m, "followup.unit.manage", ResponsibleUnit(organisation=molndal))
    client = Client()
    client.force_login(editor_m)
    assert translate("Add a unit") not in client.get(_url("units", slug="molndal")).content.decode()
    response = client.post(_url("unit-add", slug="molndal"), {"name": "X", "kind": "committee"})
    assert response.status_code == 403
    assert Client().get(_url("units", slug="molndal")).status_code == 200  # public facts


def test_a_body_publishes_a_promise_menu(gr):
    from kraftsamla.followup.models import PromiseMenu
    from tests.helpers import COORDINATOR

    coordinator = demo_user(COORDINATOR)
    assert allows(coordinator, "followup.menu.manage", PromiseMenu(body=gr))
    client = Client()
    client.force_login(coordinator)
    assert (
        _url("menu-add", slug=gr.slug) in client.get(_url("rollup", slug=gr.slug)).content.decode()
    )
    url = _url("menu-add", slug=gr.slug)
    bad = client.post(url, {"title_sv": "Löften 2026", "promises": "  \n "})
    assert bad.status_code == 400
    assert 'id="id_promises-errors"' in bad.content.decode()
    done = client.post(
        url,
        {
            "title_sv": "Löften 2026",
            "published_on": "2026-01-15",
            "promises": "Fossilfria tjänsteresor\n\nMer cykelparkering\n",
        },
    )
    assert done.status_code == 302
    menu = PromiseMenu.objects.get(title__sv="Löften 2026")
    assert [str(item.title) for item in menu.items.order_by("number")] == [
        "Fossilfria tjänsteresor",
        "Mer cykelparkering",
    ]


def test_a_municipality_publishes_no_menu(molndal, admin_m, viewer_m):
    client = Client()
    client.force_login(admin_m)
    assert client.get(_url("menu-add", slug="molndal")).status_code == 404
    client.force_login(viewer_m)
    assert client.get(_url("menu-add", slug="goteborgsregionen")).status_code == 403
