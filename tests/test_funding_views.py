"""Funding pages: the list with its groups, filters and downloads, a call with its rules, the
forms (Swedish amounts, field errors), the JSON download and upload, sending to members,
"where the money is" and the start page; query counts that do not grow with rows."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kraftsamla.core.models import Role
from kraftsamla.funding import selectors, transfer
from kraftsamla.funding.demo import VIABLE_CITIES
from kraftsamla.funding.models import Application, Call, CallNotice
from kraftsamla.organisations.models import OrganisationKind
from tests.factories.accounts import UserFactory
from tests.factories.funding import CallFactory, days
from tests.factories.organisations import OrganisationFactory, RegionalBodyFactory
from tests.factories.projects import ProjectFactory
from tests.factories.support import NeedFactory
from tests.helpers import (
    ALE_EDITOR,
    COORDINATOR,
    EDITOR_M,
    PRIVATE,
    PUBLIC,
    REGION,
    STAFF,
    demo_user,
    org_by_slug,
    stockholm_municipalities,
    translate,
)

pytestmark = pytest.mark.django_db

INVENTED = "påhittat exempel, ingen verklig utlysning"


def _client(email: str | None = None, user=None) -> Client:
    client = Client()
    person = user or (demo_user(email) if email else None)
    if person is not None:
        client.force_login(person)
    return client


def viable_call() -> Call:
    return Call.objects.get(owner__slug=VIABLE_CITIES, is_demo=True)


def members_only_call() -> Call:
    return Call.objects.get(owner__slug="goteborgsregionen", is_demo=True)


# --- The list --------------------------------------------------------------------------------


def test_the_list_groups_open_upcoming_and_closed_calls():
    response = Client().get(reverse("funding:index"))
    assert response.status_code == 200
    groups = {
        status: [str(call.title) for call in calls]
        for status, _l, calls in response.context["groups"]
    }
    assert (
        "Nya klimatneutrala städer – pionjärstäder med tvillingstäder (våg 3)" in groups["closed"]
    )
    assert "Omställningscheckar för mindre kommuner (påhittat exempel)" in groups["open"]
    assert (
        "Gemensamma ansökningar om cirkulära byggmaterial (påhittat exempel)" in groups["upcoming"]
    )
    html = response.content.decode()
    assert html.count(INVENTED) == 2  # the two public invented calls, each labelled
    assert str(members_only_call().title) not in html


def test_a_member_sees_the_members_only_call_in_the_list():
    html = _client(ALE_EDITOR).get(reverse("funding:index")).content.decode()
    assert str(members_only_call().title) in html
    assert html.count(INVENTED) == 3


@pytest.mark.parametrize(
    "query, shown, hidden",
    [
        ({"capital": "financial"}, "Omställningscheckar", "cirkulära byggmaterial"),
        ({"sector": "waste"}, "cirkulära byggmaterial", "Omställningscheckar"),
        ({"funder": "Viable Cities"}, "pionjärstäder", "Omställningscheckar"),
        ({"status": "upcoming"}, "cirkulära byggmaterial", "pionjärstäder"),
    ],
)
def test_the_list_filters(query, shown, hidden):
    html = Client().get(reverse("funding:index"), query).content.decode()
    assert shown in html and hidden not in html


def test_an_unknown_filter_value_is_a_field_error():
    response = Client().get(reverse("funding:index"), {"capital": "money"})
    assert response.status_code == 400
    assert "capital" in response.context["form"].errors


def test_the_list_downloads_as_csv_for_excel_and_as_xlsx():
    response = Client().get(reverse("funding:index"), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Titel"
    viable = next(row for row in rows if row[0].startswith("Nya klimatneutrala"))
    assert viable[6] == "3000000"
    workbook = load_workbook(
        io.BytesIO(Client().get(reverse("funding:index"), {"format": "xlsx"}).content)
    )
    sheet = workbook.worksheets[0]
    titles = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "Omställningscheckar för mindre kommuner (påhittat exempel)" in titles
    about = [row[1] for row in workbook.worksheets[1].iter_rows(values_only=True)]
    assert translate("Calls marked as invented examples are not real calls.") in about


@pytest.mark.parametrize("name", ["index", "api", "ranking"])
def test_list_queries_do_not_grow_with_rows(name, gr):
    client = _client(COORDINATOR)
    url = {
        "index": reverse("funding:index"),
        "api": reverse("api:call-list"),
        "ranking": reverse("funding:ranking", args=["goteborgsregionen"]),
    }[name]
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    for number in range(6):
        CallFactory(
            owner=gr,
            capitals=["financial"],
            rules=[
                {"kind": "coordinator", "parameters": {"member_of": ["goteborgsregionen"]}},
                {"kind": "min_parties", "parameters": {"minimum": number + 1}},
            ],
        )
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert len(after) == len(before)


# --- One call --------------------------------------------------------------------------------


def test_the_call_page_shows_the_rules_in_plain_words_with_sources_and_interpretations(
    django_assert_max_num_queries,
):
    call = viable_call()
    with django_assert_max_num_queries(12):
        response = Client().get(call.get_absolute_url())
    html = response.content.decode()
    assert "Minst 4 parter står bakom ansökan." in html
    assert (
        "Den koordinerande parten är medlem i Viable Cities – Klimatneutrala städer 2030." in html
    )
    assert "4\u202f500\u202f000 kr med 2 tvillingstäder eller fler" in html
    assert "Tvillingstad: var och en bifogar ”Stödbrev” undertecknat av politisk ledning." in html
    assert "Utlysningen, avsnittet ”Stödbelopp”" in html
    assert translate("Our interpretation – confirm it with the funder:") in html
    assert "Bekräfta tolkningen med finansiären." in html
    assert reverse("funding:json", args=[call.pk]) in html
    assert INVENTED not in html


def test_an_invented_call_says_so_at_the_top():
    call = Call.objects.filter(is_invented_example=True, sharing_level=PUBLIC).first()
    html = Client().get(call.get_absolute_url()).content.decode()
    assert translate("Invented example, not a real call.") in html


def test_a_members_only_call_is_404_for_others_and_its_json_too():
    call = members_only_call()
    assert Client().get(call.get_absolute_url()).status_code == 404
    assert Client().get(reverse("funding:json", args=[call.pk])).status_code == 404
    assert _client(EDITOR_M).get(call.get_absolute_url()).status_code == 200


def test_the_json_download_is_the_calls_document():
    call = viable_call()
    response = Client().get(reverse("funding:json", args=[call.pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.content)
    assert document == transfer.call_document(selectors.call_page(call))
    assert document["rules"][3]["parameters"]["twin_city_raises"][1] == {
        "twin_cities": 2,
        "raise": 1500000,
    }


# --- Forms ----------------------------------------------------------------------------------

RULES = json.dumps([{"kind": "min_parties", "parameters": {"minimum": 2}}])


def _call_data(**changes) -> dict:
    data = {
        "owner": "",
        "funder": "Testfinansiären",
        "title": "Utlysning från formuläret",
        "title_en": "",
        "opens_on": days(1).isoformat(),
        "closes_on": days(30).isoformat(),
        "max_support": "1 000 000,50",
        "max_support_share": "50",
        "sharing_level": "public",
        "rules": RULES,
    }
    data.update(changes)
    return data


def test_a_coordinator_creates_a_call_with_a_swedish_amount(gr):
    client = _client(COORDINATOR)
    page = client.get(reverse("funding:new"))
    assert page.status_code == 200
    assert [value for value, _label in page.context["form"].fields["owner"].choices] == [str(gr.pk)]
    response = client.post(reverse("funding:new"), _call_data(owner=str(gr.pk)))
    assert response.status_code == 302
    call = Call.objects.get(funder="Testfinansiären")
    assert call.owner == gr
    assert call.max_support == Decimal("1000000.50")
    assert list(call.rules.values_list("kind", flat=True)) == ["min_parties"]
    page = client.get(response["Location"])
    assert "1\u202f000\u202f000,5" in page.content.decode()


def test_staff_may_publish_for_the_platform():
    response = _client(STAFF).post(reverse("funding:new"), _call_data())
    assert response.status_code == 302
    assert Call.objects.get(funder="Testfinansiären").owner is None


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"closes_on": days(-5).isoformat()}, "closes_on", None),
        ({"max_support": "en miljon"}, "max_support", None),
        ({"max_support": "-5"}, "max_support", None),
        ({"max_support_share": "150"}, "max_support_share", None),
        ({"title": ""}, "title", None),
        ({"rules": "[{"}, "rules", None),
        (
            {"rules": json.dumps([{"kind": "max_cats", "parameters": {}}])},
            "rules",
            "rules[0].kind: okänd regeltyp ”max_cats”",
        ),
        (
            {"rules": json.dumps([{"kind": "min_parties", "parameters": {}}])},
            "rules",
            "rules[0].parameters.minimum: obligatoriskt",
        ),
    ],
)
def test_the_call_form_shows_field_errors_and_saves_nothing(changes, field, message, gr):
    before = Call.objects.count()
    response = _client(COORDINATOR).post(
        reverse("funding:new"), _call_data(owner=str(gr.pk), **changes)
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    if message:
        assert any(error.startswith(message) for error in errors[field]), errors[field]
    assert Call.objects.count() == before
    html = response.content.decode()
    assert f'id="id_{field}-errors"' in html or f'id="id_{field}_sv' in html


def test_the_call_form_is_refused_to_those_who_may_not_publish():
    assert _client(EDITOR_M).get(reverse("funding:new")).status_code == 403
    assert Client().get(reverse("funding:new")).status_code == 302


def test_the_owner_edits_a_call_and_its_rules_and_others_may_not():
    call = members_only_call()
    client = _client(COORDINATOR)
    page = client.get(reverse("funding:edit", args=[call.pk]))
    assert page.status_code == 200
    rules = json.loads(page.context["form"]["rules"].value())
    assert [rule["kind"] for rule in rules] == [
        "coordinator",
        "own_budget",
        "max_support",
        "submission_window",
    ]
    rules[2]["parameters"]["amount"] = 175000
    data = {
        "funder": call.funder,
        "title": call.title.sv,
        "title_en": call.title.en,
        "opens_on": call.opens_on.isoformat(),
        "closes_on": call.closes_on.isoformat(),
        "sharing_level": call.sharing_level,
        "max_support": "175 000",
        "is_invented_example": "on",
        "rules": json.dumps(rules),
    }
    assert client.post(reverse("funding:edit", args=[call.pk]), data).status_code == 302
    call.refresh_from_db()
    assert call.max_support == 175000
    assert call.rules.get(kind="max_support").parameters == {
        "amount": 175000,
        "twin_city_raises": [],
    }
    assert _client(EDITOR_M).get(reverse("funding:edit", args=[call.pk])).status_code == 403


def test_uploading_a_document_imports_the_call(gr):
    document = json.dumps(transfer.call_document(selectors.call_page(viable_call())))
    upload = io.BytesIO(document.encode())
    upload.name = "utlysning.json"
    response = _client(COORDINATOR).post(
        reverse("funding:import"),
        {"owner": str(gr.pk), "document": upload, "sharing_level": "region"},
    )
    assert response.status_code == 302
    copy = Call.objects.filter(owner=gr, is_demo=False).latest("created_at")
    assert copy.sharing_level == REGION and copy.rules.count() == 10


def test_an_upload_with_problems_lists_them_with_paths_and_saves_nothing(gr):
    document = transfer.call_document(selectors.call_page(viable_call()))
    document["rules"][2]["kind"] = "max_cats"
    del document["rules"][0]["parameters"]["minimum"]
    upload = io.BytesIO(json.dumps(document).encode())
    upload.name = "utlysning.json"
    before = Call.objects.count()
    response = _client(COORDINATOR).post(
        reverse("funding:import"),
        {"owner": str(gr.pk), "document": upload, "sharing_level": "public"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "rules[0].parameters.minimum: obligatoriskt" in html
    assert "rules[2].kind: okänd regeltyp ”max_cats”" in html
    assert Call.objects.count() == before


# --- Sending to members ------------------------------------------------------------------------


def test_the_coordinator_sends_a_call_from_its_page(gr):
    call = CallFactory(owner=None)
    client = _client(COORDINATOR)
    page = client.get(call.get_absolute_url())
    assert "send_form" in page.context and page.context["send_form"] is not None
    response = client.post(
        reverse("funding:send", args=[call.pk]),
        {"body": str(gr.pk), "note": "Hör av er!"},
        follow=True,
    )
    assert response.status_code == 200
    notice = CallNotice.objects.get(call=call)
    assert notice.note == "Hör av er!" and notice.sent_by == demo_user(COORDINATOR)
    start = _client(EDITOR_M).get("/").content.decode()
    assert str(call.title) in start and "Hör av er!" in start


def test_a_send_without_a_body_the_person_may_use_is_refused(gr):
    call = CallFactory(owner=None)
    assert (
        _client(EDITOR_M).post(reverse("funding:send", args=[call.pk]), {"body": gr.pk}).status_code
        == 403
    )
    other = RegionalBodyFactory()
    response = _client(COORDINATOR).post(
        reverse("funding:send", args=[call.pk]), {"body": other.pk}
    )
    assert response.status_code == 400
    assert "body" in response.context["send_form"].errors
    assert not CallNotice.objects.filter(call=call).exists()


def test_the_demo_notice_is_on_a_members_start_page_but_not_on_others():
    assert "Omställningscheckar för mindre kommuner" in _client(EDITOR_M).get("/").content.decode()
    linkoping = UserFactory(organisation=org_by_slug("linkoping"), role=Role.EDITOR)
    assert "Omställningscheckar" not in _client(user=linkoping).get("/").content.decode()


# --- Where the money is --------------------------------------------------------------------------


def test_the_ranking_follows_the_members_ideas_needs_and_kinds():
    """A hand-made case: three members, four calls, points counted by hand."""
    # A call with applications is protected; the demo application goes with its call here.
    Application.objects.filter(call__is_demo=True).delete()
    Call.objects.filter(is_demo=True).delete()
    first, second = stockholm_municipalities(2)
    company = OrganisationFactory(kind=OrganisationKind.COMPANY)
    body = RegionalBodyFactory(members=[first, second, company])
    person = UserFactory(organisation=body, role=Role.VIEWER)
    year = timezone.localdate().year
    ProjectFactory(owner=first, capitals=["financial"], sharing_level=REGION)
    ProjectFactory(owner=first, capitals=["financial"], sharing_level=PRIVATE)  # not shared
    ProjectFactory(owner=second, emission_sectors=["transport"], sharing_level=REGION)
    ProjectFactory(owner=company, capitals=["real"], sharing_level=REGION)
    NeedFactory(organisation=first, capital="financial", year=year)
    NeedFactory(organisation=first, capital="financial", year=year, sharing_level=PRIVATE)
    NeedFactory(organisation=second, capital="human", year=year)
    fits = CallFactory(
        title="X",
        capitals=["financial"],
        emission_sectors=["transport"],
        applicant_kinds=["municipality"],
    )
    anyone = CallFactory(title="Y", capitals=["human"])
    later = CallFactory(
        title="W",
        opens_on=days(5),
        closes_on=days(60),
        capitals=["real"],
        applicant_kinds=["company"],
    )
    CallFactory(title="Z", opens_on=days(-60), closes_on=days(-1), capitals=["financial"])
    response = _client(user=person).get(reverse("funding:ranking", args=[body.slug]))
    assert response.status_code == 200
    ranked = [(entry.call, entry.score) for entry in response.context["ranked"]]
    # X: 2 ideas × 3 + 1 need × 2 + 2 municipalities × 1 = 10; Y: 1 need × 2 + 3 members = 5;
    # W: 1 idea × 3 + 1 company = 4; Z is closed.
    assert ranked == [(fits, 10), (anyone, 5), (later, 4)]
    reasons = [str(reason) for reason in response.context["ranked"][0].reasons]
    names = f"{first.name}, {second.name}"
    assert reasons[0] == f"2 idéer hos medlemmarna passar dess kapital eller sektorer ({names})"
    assert reasons[2] == "2 medlemmar får söka (Kommun)"


def test_the_ranking_is_for_the_bodys_people_only(gr):
    url = reverse("funding:ranking", args=["goteborgsregionen"])
    assert _client(COORDINATOR).get(url).status_code == 200
    assert _client(EDITOR_M).get(url).status_code == 403
    assert _client(COORDINATOR).get(reverse("funding:ranking", args=["molndal"])).status_code == 404
