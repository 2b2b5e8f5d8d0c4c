"""Follow-up API: a municipality's annual report as data, as its printable page shows it,
and only what the caller may see."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import SharingLevel
from kraftsamla.followup import services
from tests.helpers import count_queries, demo_user

pytestmark = pytest.mark.django_db

LINKOPING_ADMIN = "klimat.linkoping@demo.kraftsamla.se"


def _url(year: int = 2025, slug: str = "linkoping") -> str:
    return reverse("api:followup-annual-report", kwargs={"slug": slug, "year": year})


def test_the_report_holds_the_commitments_of_the_year_with_actions_and_emission_targets(
    linkoping,
):
    data = Client().get(_url()).json()
    titles = [item["commitment"]["title"]["sv"] for item in data["commitments"]]
    [contract] = [
        item
        for item, title in zip(data["commitments"], titles, strict=True)
        if title.startswith("Klimatkontrakt 2030")
    ]
    assert any(a["title"].startswith("Testbäddscheckar") for a in contract["actions"])
    assert data["emission_targets"] and data["emission_targets"][0]["plan"] is not None
    assert {"indicator", "previous", "value"} <= set(data["changes"][0])
    assert "Klimatkontrakt 2030" not in str(Client().get(_url(2020)).json()["commitments"])


def test_a_private_commitment_is_in_the_report_only_for_the_municipalitys_people(linkoping):
    services.commitment_create(
        actor=SYSTEM,
        organisation=linkoping,
        data={
            "kind": "strategy_goal",
            "title": {"sv": "Internt mål"},
            "sharing_level": SharingLevel.PRIVATE,
        },
    )
    assert "Internt mål" not in Client().get(_url()).content.decode()
    own = Client()
    own.force_login(demo_user(LINKOPING_ADMIN))
    assert "Internt mål" in own.get(_url()).content.decode()


def test_an_unlikely_year_or_unknown_municipality_is_404():
    assert Client().get(_url(1200)).status_code == 404
    assert Client().get(_url(slug="atlantis")).status_code == 404


def test_the_report_asks_the_same_queries_with_more_commitments(linkoping):
    client = Client()
    client.get(_url())
    before, _response = count_queries(lambda: client.get(_url()))
    for n in range(3):
        commitment = services.commitment_create(
            actor=SYSTEM,
            organisation=linkoping,
            data={
                "kind": "strategy_goal",
                "title": {"sv": f"Mål {n}"},
                "sharing_level": SharingLevel.PUBLIC,
            },
        )
        services.action_create(actor=SYSTEM, commitment=commitment, data={"title": "Åtgärd"})
    after, response = count_queries(lambda: client.get(_url()))
    assert "Mål 2" in response.content.decode()  # the new commitments are in the report
    assert after == before
