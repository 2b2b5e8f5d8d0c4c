"""Twin and peer links: the demo, the rules of a link, who records and ends them, the page
and the API."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import Role
from kraftsamla.twinning import services
from kraftsamla.twinning.models import LinkKind, LinkRole, TwinLink
from tests.factories.accounts import UserFactory
from tests.factories.twinning import link_create
from tests.helpers import org_by_slug, translate

pytestmark = pytest.mark.django_db

D = datetime.date
VC = "viable-cities-klimatneutrala-stader-2030"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_demo_has_the_three_links_from_the_seeds():
    links = TwinLink.objects.filter(is_demo=True)
    assert links.count() == 3
    pioneer = links.get(kind=LinkKind.PIONEER_TWIN)
    roles = {m.organisation.slug: m.role for m in pioneer.members.all()}
    assert roles == {"linkoping": LinkRole.PIONEER, "mjolby": LinkRole.TWIN}
    assert pioneer.programme.slug == VC
    assert (pioneer.start_date, pioneer.end_date) == (D(2024, 12, 1), D(2027, 10, 31))
    pilot = links.get(kind=LinkKind.PILOT_TWIN)
    assert pilot.programme.slug == "netzerocities-demo"
    assert "Påhittat" in pilot.description.sv
    peers = links.get(kind=LinkKind.PEER_GROUP)
    assert {m.organisation.slug for m in peers.members.all()} == {"gavle", "borlange", "eskilstuna"}


def test_a_pair_with_itself_is_refused_and_nothing_is_saved():
    linkoping = org_by_slug("linkoping")
    before = TwinLink.objects.count()
    with pytest.raises(ValidationError) as error:
        link_create(linkoping, [linkoping])
    assert "partners" in error.value.message_dict
    assert TwinLink.objects.count() == before


def test_overlapping_links_in_the_same_programme_are_refused():
    vc = org_by_slug(VC)
    with pytest.raises(ValidationError) as error:
        link_create(
            org_by_slug("linkoping"),
            [org_by_slug("mjolby")],
            programme=vc,
            start_date=D(2027, 1, 1),
        )
    assert "start_date" in error.value.message_dict
    assert "Mjölby" in error.value.message_dict["start_date"][0]
    # After the demo link ends, or outside the programme, the same pair may be linked.
    link_create(
        org_by_slug("linkoping"), [org_by_slug("mjolby")], programme=vc, start_date=D(2027, 11, 1)
    )
    link_create(org_by_slug("linkoping"), [org_by_slug("mjolby")], start_date=D(2026, 1, 1))


def test_an_open_ended_link_overlaps_every_later_one():
    a, b = org_by_slug("ale"), org_by_slug("lerum")
    link_create(a, [b], start_date=D(2025, 1, 1))
    with pytest.raises(ValidationError):
        link_create(b, [a], role=LinkRole.TWIN, start_date=D(2030, 1, 1))


def test_end_before_start_and_wrong_roles_are_refused():
    a, b = org_by_slug("ale"), org_by_slug("kungalv")
    with pytest.raises(ValidationError) as error:
        link_create(a, [b], start_date=D(2025, 5, 1), end_date=D(2025, 4, 1))
    assert "end_date" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        link_create(a, [b], kind=LinkKind.PEER_GROUP, role=LinkRole.PILOT)
    assert "role" in error.value.message_dict
    with pytest.raises(ValidationError):
        link_create(a, [b, org_by_slug("tjorn")], kind=LinkKind.PIONEER_TWIN, role=LinkRole.TWIN)


def test_twin_role_makes_the_partner_the_pioneer():
    link = link_create(
        org_by_slug("ale"), [org_by_slug("alingsas")], role=LinkRole.TWIN, start_date=D(2025, 2, 1)
    )
    assert {m.organisation.slug: m.role for m in link.members.all()} == {
        "ale": LinkRole.TWIN,
        "alingsas": LinkRole.PIONEER,
    }


def test_editors_record_links_for_their_municipality_only():
    ale, lerum = org_by_slug("ale"), org_by_slug("lerum")
    editor = UserFactory(organisation=ale, role=Role.EDITOR)
    link = link_create(ale, [lerum], actor=editor, start_date=D(2025, 3, 1))
    assert link.created_by == editor
    with pytest.raises(PermissionDenied):
        link_create(lerum, [ale], actor=editor, start_date=D(2031, 3, 1))
    viewer = UserFactory(organisation=ale, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        link_create(ale, [org_by_slug("tjorn")], actor=viewer)


def test_a_members_editor_ends_a_link_and_others_may_not():
    ale, lerum = org_by_slug("ale"), org_by_slug("lerum")
    link = link_create(ale, [lerum], start_date=D(2025, 3, 1))
    with pytest.raises(PermissionDenied):
        services.link_end(actor=UserFactory(), link=link, end_date=D(2025, 12, 31))
    editor = UserFactory(organisation=lerum, role=Role.EDITOR)
    services.link_end(actor=editor, link=link, end_date=D(2025, 12, 31))
    link.refresh_from_db()
    assert link.end_date == D(2025, 12, 31)
    with pytest.raises(ValidationError):
        services.link_end(actor=SYSTEM, link=link, end_date=D(2024, 1, 1))


def test_matching_page_shows_links_and_marks_linked_candidates():
    response = client_for(UserFactory()).get(reverse("twinning:matching", args=["linkoping"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert translate("Twin and peer links") in html
    row = next(r for r in response.context["rows"] if r["match"].place.slug == "mjolby")
    assert row["link"].kind == LinkKind.PIONEER_TWIN
    # Nobody without a role may record a link: no form.
    assert response.context["link_form"] is None


def test_recording_a_link_on_the_page():
    ale = org_by_slug("ale")
    editor = UserFactory(organisation=ale, role=Role.EDITOR)
    client = client_for(editor)
    url = reverse("twinning:link_create", args=["ale"])
    data = {
        "kind": LinkKind.PEER_GROUP,
        "role": LinkRole.PEER,
        "partners": ["lerum", "partille"],
        "start_date": "2026-01-01",
        "description": "Vi lär av varandra",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    link = TwinLink.objects.get(members__organisation=ale, kind=LinkKind.PEER_GROUP)
    assert link.members.count() == 3 and link.description.sv == "Vi lär av varandra"
    # The same group again overlaps: an error at the field, status 400, nothing saved.
    response = client.post(url, data)
    assert response.status_code == 400
    assert "start_date" in response.context["link_form"].errors
    assert TwinLink.objects.filter(members__organisation=ale).count() == 1
    # End before start is an error at the end date.
    response = client.post(url, {**data, "start_date": "2030-01-01", "end_date": "2029-01-01"})
    assert response.status_code == 400
    assert "end_date" in response.context["link_form"].errors


def test_recording_needs_an_editor_of_the_municipality():
    url = reverse("twinning:link_create", args=["ale"])
    data = {
        "kind": "pioneer_twin",
        "role": "pioneer",
        "partners": ["lerum"],
        "start_date": "2026-01-01",
    }
    assert Client().post(url, data).status_code == 302  # to the log-in page
    assert client_for(UserFactory()).post(url, data).status_code == 403
    assert not TwinLink.objects.filter(members__organisation__slug="ale").exists()


def test_api_lists_links_of_a_municipality():
    client = Client()
    data = client.get(reverse("api:twinning-links"), {"municipality": "mjolby"}).json()
    assert data["count"] == 1
    link = data["results"][0]
    assert link["kind"] == "pioneer_twin" and link["programme"] == VC
    assert {m["municipality"]: m["role"] for m in link["members"]} == {
        "linkoping": "pioneer",
        "mjolby": "twin",
    }
    assert client.get(reverse("api:twinning-links"), {"municipality": "x"}).json()["count"] == 0
    assert client.get(reverse("api:twinning-links")).json()["count"] >= 3


def test_ending_a_link_on_the_page():
    ale, lerum = org_by_slug("ale"), org_by_slug("lerum")
    link = link_create(ale, [lerum], start_date=D(2025, 3, 1))
    editor = UserFactory(organisation=lerum, role=Role.EDITOR)
    client = client_for(editor)
    page = client.get(reverse("twinning:matching", args=["lerum"]))
    assert next(item for item in page.context["links"] if item.pk == link.pk).can_end
    url = reverse("twinning:link_end", args=["lerum", link.pk])
    client.post(url, {"end_date": "2024-01-01"})  # before the start: refused
    link.refresh_from_db()
    assert link.end_date is None
    assert client.post(url, {"end_date": "2025-12-31"}).status_code == 302
    link.refresh_from_db()
    assert link.end_date == D(2025, 12, 31)
    stranger = client_for(UserFactory(organisation=org_by_slug("tjorn"), role=Role.EDITOR))
    assert stranger.post(url, {"end_date": "2026-01-01"}).status_code == 403
