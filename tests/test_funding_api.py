"""The funding API: calls with their rules, the rule kinds, and facts checked against a call."""

from __future__ import annotations

import copy

import pytest
from django.test import Client
from django.urls import reverse

from kraftsamla.funding.demo import VIABLE_CITIES
from kraftsamla.funding.models import Call
from tests.factories.accounts import UserFactory
from tests.helpers import ALE_EDITOR, COORDINATOR, EDITOR_M, demo_user, org_by_slug, token_client

pytestmark = pytest.mark.django_db


def viable_call() -> Call:
    return Call.objects.get(owner__slug=VIABLE_CITIES, is_demo=True)


def test_the_call_list_gives_each_call_with_its_rules_in_both_languages():
    response = Client().get(reverse("api:call-list"))
    assert response.status_code == 200
    calls = {row["title"]["sv"]: row for row in response.json()["results"]}
    viable = calls["Nya klimatneutrala städer – pionjärstäder med tvillingstäder (våg 3)"]
    assert viable["status"] == "closed" and viable["owner"] == VIABLE_CITIES
    assert viable["max_support"] == 3000000
    rule = viable["rules"][2]
    assert rule["kind"] == "coordinator"
    assert rule["parameters"] == {"organisations": [], "member_of": [VIABLE_CITIES]}
    assert rule["description"]["sv"] == (
        "Den koordinerande parten är medlem i Viable Cities – Klimatneutrala städer 2030."
    )
    assert rule["description"]["en"].startswith("The coordinating party is a member of")
    assert viable["rules"][3]["interpretation"]["sv"].endswith(
        "Bekräfta tolkningen med finansiären."
    )
    invented = [row for row in calls.values() if row["is_invented_example"]]
    assert len(invented) == 2  # the members-only one is not public


def test_the_call_list_filters_and_refuses_an_unknown_value():
    rows = Client().get(reverse("api:call-list"), {"status": "upcoming"}).json()["results"]
    assert [row["status"] for row in rows] == ["upcoming"]
    response = Client().get(reverse("api:call-list"), {"capital": "money"})
    assert response.status_code == 400
    assert "capital" in response.json()["error"]["fields"]


def test_a_members_only_call_is_404_for_others():
    call = Call.objects.get(owner__slug="goteborgsregionen", is_demo=True)
    assert Client().get(reverse("api:call-detail", args=[call.pk])).status_code == 404
    detail = token_client(demo_user(ALE_EDITOR)).get(reverse("api:call-detail", args=[call.pk]))
    assert detail.status_code == 200 and len(detail.json()["rules"]) == 4


def test_the_rule_kinds_describe_their_parameters():
    kinds = {row["kind"]: row for row in Client().get(reverse("api:rule-kind-list")).json()}
    assert len(kinds) == 10
    assert kinds["min_parties"]["parameters"]["required"] == ["minimum"]
    assert kinds["min_parties"]["parameters"]["properties"]["minimum"]["minimum"] == 1


LINKOPING_WITH_MJOLBY = {
    "parties": [
        {
            "organisation": "linkoping",
            "role": "coordinator",
            "support": 3500000,
            "cofunding_time": 2500000,
        },
        {
            "organisation": "mjolby",
            "role": "twin_city",
            "support": 500000,
            "cofunding_time": 500000,
            "allocations": {"Transition Lab": 200000},
            "attachments": [{"type": "support_letter", "signer_role": "political_leadership"}],
        },
        {"organisation": "liu-demo", "role": "party", "cofunding_time": 500000},
        {"organisation": "ostgota-logistik-demo", "role": "party", "cofunding_time": 300000},
        {
            "name": "Spira (idéburen)",
            "actor_group": "civil_society",
            "role": "partner",
            "cofunding_time": 200000,
        },
    ],
    "project_start": "2024-12-01",
    "project_end": "2027-10-31",
    "submission_date": "2024-06-05",
}


def _evaluate(facts: dict, user=COORDINATOR, call: Call | None = None):
    client = token_client(demo_user(user))
    url = reverse("api:call-evaluate", args=[(call or viable_call()).pk])
    return client.post(url, facts, content_type="application/json")


def test_linkopings_application_with_mjolby_passes_every_rule():
    response = _evaluate(LINKOPING_WITH_MJOLBY)
    assert response.status_code == 200, response.json()
    data = response.json()
    failing = [(o["kind"], o["reason"]["sv"]) for o in data["outcomes"] if o["status"] != "passed"]
    assert failing == []
    assert data["all_passed"] is True
    assert data["counts"] == {"passed": 10, "failed": 0, "not_checkable": 0}
    share = next(o for o in data["outcomes"] if o["kind"] == "max_support_share")
    assert share["reason"]["sv"] == (
        "stöd 4\u202f000\u202f000 kr av 8\u202f000\u202f000 kr är 50,0 %, högst 50 %"
    )


@pytest.mark.parametrize(
    "change, kind, reason",
    [
        (lambda f: f["parties"].__delitem__(slice(3, 5)), "min_parties", "3 parter, minst 4 krävs"),
        (
            lambda f: f["parties"].pop(),
            "actor_groups",
            "saknar aktörsgrupp: Idéburen sektor",
        ),
        (
            lambda f: f["parties"][0].update(organisation="molndal"),
            "coordinator",
            "Mölndals kommun är inte medlem i Viable Cities – Klimatneutrala städer 2030",
        ),
        (
            lambda f: f["parties"][0].update(support=3500001),
            "max_support",
            "sökt stöd 4\u202f000\u202f001 kr, högst 4\u202f000\u202f000 kr med 1 tvillingstad",
        ),
        (
            lambda f: f["parties"][1].update(cofunding_time=0),
            "own_budget",
            "Tvillingstad utan egen budget: Mjölby kommun",
        ),
        (
            lambda f: f["parties"][1].update(allocations={"Transition Lab": 100000}),
            "allocation",
            "mindre än 200\u202f000 kr till Transition Lab: Mjölby kommun 100\u202f000 kr",
        ),
        (
            lambda f: f["parties"][1].update(attachments=[]),
            "attachment",
            "saknar ”Stödbrev” undertecknat av politisk ledning: Mjölby kommun",
        ),
        (
            lambda f: f.update(project_end="2027-11-01"),
            "project_dates",
            "startar 2024-12-01, tidigast 2024-12-01; slutar 2027-11-01, senast 2027-10-31",
        ),
        (
            lambda f: f.update(submission_date="2024-06-06"),
            "submission_window",
            "inlämnad 2024-06-06, öppen 2024-03-06–2024-06-05",
        ),
    ],
)
def test_a_variant_fails_one_rule_with_the_exact_reason(change, kind, reason):
    facts = copy.deepcopy(LINKOPING_WITH_MJOLBY)
    change(facts)
    outcome = next(o for o in _evaluate(facts).json()["outcomes"] if o["kind"] == kind)
    assert outcome["status"] == "failed"
    assert outcome["reason"]["sv"] == reason


def test_the_share_rule_fails_one_krona_above_half():
    facts = copy.deepcopy(LINKOPING_WITH_MJOLBY)
    facts["total_budget"] = 7999999
    outcome = next(
        o for o in _evaluate(facts).json()["outcomes"] if o["kind"] == "max_support_share"
    )
    assert outcome["status"] == "failed"


def test_missing_data_is_not_yet_checkable_and_unknown_organisations_are_listed():
    data = _evaluate({"parties": [{"organisation": "ingen-sadan", "role": "coordinator"}]}).json()
    assert data["unknown_organisations"] == ["ingen-sadan"]
    statuses = {o["kind"]: o["status"] for o in data["outcomes"]}
    assert statuses["submission_window"] == "not_checkable"
    assert statuses["coordinator"] == "not_checkable"
    assert statuses["max_support"] == "not_checkable"


@pytest.mark.parametrize(
    "facts, field",
    [
        ({"parties": [{"role": "boss"}]}, "parties"),
        ({"parties": [{"role": "party", "support": -1}]}, "parties"),
        ({"parties": [{"role": "party", "support": "en miljon"}]}, "parties"),
        ({"parties": [], "submission_date": "5 juni"}, "submission_date"),
        ({}, "parties"),
    ],
)
def test_bad_facts_are_a_400_with_the_field(facts, field):
    response = _evaluate(facts)
    assert response.status_code == 400
    # A party's errors are named by their path, e.g. parties[0].role.
    names = response.json()["error"]["fields"]
    assert any(name == field or name.startswith(f"{field}[") for name in names), names
    assert all(isinstance(messages, list) for messages in names.values())


def test_evaluating_needs_a_login_and_a_visible_call():
    url = reverse("api:call-evaluate", args=[viable_call().pk])
    assert Client().post(url, {"parties": []}, content_type="application/json").status_code in (
        401,
        403,
    )
    hidden = Call.objects.get(owner__slug="goteborgsregionen", is_demo=True)
    member = _evaluate({"parties": []}, user=EDITOR_M, call=hidden)
    assert member.status_code == 200
    outsider = UserFactory(organisation=org_by_slug("linkoping"))
    response = token_client(outsider).post(
        reverse("api:call-evaluate", args=[hidden.pk]),
        {"parties": []},
        content_type="application/json",
    )
    assert response.status_code == 404
