"""Joint applications: the Linköping–Mjölby demo passes every rule, variants fail each
rule with its reason, "ready to submit" is refused while a rule fails, bad input is refused
at the field with nothing saved, party-level permissions (allowed and denied per rule),
invitations, the XLSX budget and the pages."""

from __future__ import annotations

import dataclasses
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from kraftsamla.core import access
from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import Role
from kraftsamla.funding import selectors, services
from kraftsamla.funding.facts import PartyRole
from kraftsamla.funding.forms import BudgetLineForm
from kraftsamla.funding.models import (
    Application,
    ApplicationStatus,
    BudgetLine,
    Invitation,
    Party,
)
from kraftsamla.organisations import services as organisation_services
from tests.factories.accounts import UserFactory
from tests.factories.funding import application_like_demo, open_viable_call
from tests.helpers import EDITOR_M, STAFF, count_queries, demo_user, org_by_slug, token_client

pytestmark = pytest.mark.django_db
NBSP = "\u202f"


def demo_application() -> Application:
    return Application.objects.get(is_demo=True, coordinator__slug="linkoping")


def sek(text: str) -> str:
    """The text with the narrow no-break space between a number's thousands."""
    return re.sub(r"(?<=\d) (?=\d{3})", NBSP, text)


# --- The demo ---------------------------------------------------------------------------------


def test_the_demo_application_passes_every_rule():
    application = selectors.application_page(demo_application())
    outcomes = selectors.application_evaluate(application)
    assert [(o.kind, str(o.reason)) for o in outcomes if not o.passed] == []
    assert len(outcomes) == 10
    assert application.status == ApplicationStatus.GRANTED
    assert application.submitted_on == datetime.date(2024, 6, 4)


def test_the_demo_has_the_parties_of_the_seed_and_mjolbys_share():
    application = selectors.application_page(demo_application())
    roles = {party.organisation.slug: party.role for party in application.parties.all()}
    assert roles["linkoping"] == PartyRole.COORDINATOR
    assert roles["mjolby"] == PartyRole.TWIN_CITY
    assert {"liu-demo", "almi-ostergotland-demo", "tekniska-verken-demo", "stangastaden-demo"} <= (
        set(roles)
    )
    groups = {party.organisation.actor_group for party in application.parties.all()}
    assert groups == {"academia", "business", "public", "civil_society"}
    budget = selectors.budget_summary(application)
    mjolby = next(row for row in budget.parties if row.party.organisation.slug == "mjolby")
    # 500 000 kr support to Mjölby's climate work, matched by working time.
    assert mjolby.support == Decimal(500_000)
    assert mjolby.cofunding_time == Decimal(500_000)
    lab = [line for line in mjolby.lines if line.activity == "Transition Lab"]
    assert lab[0].total == Decimal(200_000)
    assert budget.support == Decimal(3_900_000)
    assert budget.total == Decimal(7_850_000)
    assert [p.title for p in application.projects.all()] == [
        "Klimatneutrala Linköping – Viable Cities med tvillingstad (demo)"
    ]


# --- Variants that fail each rule, with the exact reason ------------------------------------


def _replaced(facts, slug, **values):
    parties = tuple(
        dataclasses.replace(party, **values) if party.slug == slug else party
        for party in facts.parties
    )
    return dataclasses.replace(facts, parties=parties)


def _variant(kind, facts):
    if kind == "min_parties":
        return dataclasses.replace(facts, parties=facts.parties[:3])
    if kind == "actor_groups":
        return dataclasses.replace(
            facts, parties=tuple(p for p in facts.parties if p.slug != "spira-linkoping-demo")
        )
    if kind == "coordinator":
        return _replaced(facts, "linkoping", member_of=frozenset())
    if kind == "max_support":
        return _replaced(facts, "liu-demo", support=Decimal(800_000))
    if kind == "max_support_share":
        return _replaced(facts, "linkoping", cofunding_time=Decimal(900_000))
    if kind == "own_budget":
        return _replaced(facts, "mjolby", cofunding_time=Decimal(0), cofunding_money=Decimal(0))
    if kind == "allocation":
        return _replaced(facts, "mjolby", allocations={"Transition Lab": Decimal(150_000)})
    if kind == "attachment":
        return _replaced(facts, "mjolby", attachments=())
    if kind == "project_dates":
        return dataclasses.replace(facts, project_end=datetime.date(2027, 11, 30))
    return dataclasses.replace(facts, submission_date=datetime.date(2024, 6, 6))


@pytest.mark.parametrize(
    "kind, reason",
    [
        ("min_parties", "3 parties, at least 4 required"),
        ("actor_groups", "missing actor group: Civil society"),
        ("coordinator", "Linköping is not a member of Viable Cities – Klimatneutrala städer 2030"),
        (
            "max_support",
            sek("support requested 4 100 000 SEK, at most 4 000 000 SEK with 1 twin city"),
        ),
        (
            "max_support_share",
            sek("support 3 900 000 SEK of 6 650 000 SEK is 58.6 %, at most 50 %"),
        ),
        ("own_budget", "Twin city without a budget of its own: Mjölby"),
        ("allocation", sek("less than 200 000 SEK for Transition Lab: Mjölby 150 000 SEK")),
        ("attachment", "missing “Support letter” signed by political leadership: Mjölby"),
        (
            "project_dates",
            "starts 2024-12-01, at the earliest 2024-12-01; ends 2027-11-30, at the latest "
            "2027-10-31",
        ),
        ("submission_window", "submitted 2024-06-06, open 2024-03-06–2024-06-05"),
    ],
)
def test_a_variant_of_the_demo_fails_the_rule_with_its_reason(kind, reason):
    application = selectors.application_page(demo_application())
    facts = _variant(kind, selectors.application_facts(application))
    with translation.override("en"):
        outcomes = {o.kind: o for o in selectors.call_evaluate(application.call, facts)}
        assert outcomes[kind].status == "failed"
        assert str(outcomes[kind].reason) == reason


def test_the_reason_is_in_swedish_too():
    application = selectors.application_page(demo_application())
    facts = _variant("min_parties", selectors.application_facts(application))
    outcome = selectors.call_evaluate(application.call, facts)[0]
    assert outcome.reason.as_dict()["sv"] == "3 parter, minst 4 krävs"


# --- Ready to submit, checked in the service ---------------------------------------------------


def test_ready_to_submit_is_refused_while_a_rule_fails_with_the_reasons():
    application, _parties = application_like_demo(open_viable_call(), twin_letter=False)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.application_mark_ready(actor=SYSTEM, application=application)
    messages = refused.value.messages
    assert (
        "Mandatory attachment: missing “Support letter” signed by political leadership: Mjölby"
        in messages
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_ready_when_every_rule_passes_and_back_to_draft_on_a_change():
    application, parties = application_like_demo(open_viable_call())
    application = services.application_mark_ready(actor=SYSTEM, application=application)
    assert application.status == ApplicationStatus.READY
    services.budget_line_save(
        actor=SYSTEM, party=parties["liu-demo"], data={"activity": "Resor", "support": 1000}
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    services.application_mark_ready(actor=SYSTEM, application=application)
    submitted = services.application_submit(actor=SYSTEM, application=application)
    assert submitted.status == ApplicationStatus.SUBMITTED
    with pytest.raises(ValidationError):
        services.budget_line_save(
            actor=SYSTEM, party=parties["liu-demo"], data={"activity": "Mer", "support": 1}
        )


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 000 000,50", Decimal("1000000.50")),
        ("1000000.50", Decimal("1000000.50")),
        ("250 000", Decimal(250_000)),
    ],
)
def test_the_budget_form_understands_swedish_numbers(text, expected):
    form = BudgetLineForm({"activity": "Klimatarbete", "support": text})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["support"] == expected
    assert form.cleaned_data["cofunding_money"] == Decimal(0)


@pytest.mark.parametrize(
    "field, text, message",
    [
        ("support", "-5", "The amount cannot be negative."),
        ("support", "fem tusen", "Write an amount in SEK, e.g. 1 000 000,50."),
        ("cofunding_money", "12,5,5", "Write an amount in SEK, e.g. 1 000 000,50."),
        ("hours", "-1", "The number of hours cannot be negative."),
        ("hourly_rate", "abc", "Write an amount in SEK, e.g. 1 000 000,50."),
    ],
)
def test_the_budget_form_refuses_bad_numbers_at_the_field(field, text, message):
    with translation.override("en"):
        form = BudgetLineForm({"activity": "Klimatarbete", field: text})
        assert not form.is_valid()
        assert form.errors[field] == [message]


def test_a_negative_amount_is_refused_by_the_service_and_nothing_is_saved():
    application, parties = application_like_demo(open_viable_call())
    before = BudgetLine.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.budget_line_save(
            actor=SYSTEM,
            party=parties["mjolby"],
            data={"activity": "Fel", "support": Decimal(-1)},
        )
    assert "support" in refused.value.message_dict
    assert BudgetLine.objects.count() == before


def test_a_party_added_twice_is_a_field_error():
    application, _parties = application_like_demo(open_viable_call())
    before = Party.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.party_add(
            actor=SYSTEM,
            application=application,
            organisation=org_by_slug("mjolby"),
            role=PartyRole.PARTY,
        )
    assert refused.value.message_dict["organisation"] == ["Mjölby is already a party."]
    assert Party.objects.count() == before


def test_the_coordinator_must_be_a_party():
    application, _parties = application_like_demo(open_viable_call())
    with pytest.raises(ValidationError) as refused:
        services.application_update(
            actor=SYSTEM, application=application, data={}, coordinator=org_by_slug("ale")
        )
    assert "coordinator" in refused.value.message_dict
    application.refresh_from_db()
    assert application.coordinator.slug == "linkoping"


def test_the_coordinator_can_change_to_an_accepted_party():
    application, _parties = application_like_demo(open_viable_call())
    services.application_update(
        actor=SYSTEM, application=application, data={}, coordinator=org_by_slug("mjolby")
    )
    roles = dict(application.parties.values_list("organisation__slug", "role"))
    assert roles["mjolby"] == PartyRole.COORDINATOR
    assert roles["linkoping"] == PartyRole.PARTY


@pytest.mark.parametrize(
    "dates, field",
    [
        ({"project_start": datetime.date(2024, 11, 30)}, "project_start"),
        ({"project_end": datetime.date(2027, 11, 1)}, "project_end"),
    ],
)
def test_dates_outside_the_calls_window_are_refused_at_the_field(dates, field):
    application, _parties = application_like_demo(open_viable_call())
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.application_update(actor=SYSTEM, application=application, data=dates)
    assert field in refused.value.message_dict
    application.refresh_from_db()
    assert application.project_start == datetime.date(2024, 12, 1)
    assert application.project_end == datetime.date(2027, 10, 31)


def test_a_support_letter_says_who_signed_it():
    from django.core.files.base import ContentFile

    from kraftsamla.funding.demo import DEMO_LETTER

    application, parties = application_like_demo(open_viable_call())
    with pytest.raises(ValidationError) as refused:
        services.application_attachment_add(
            actor=SYSTEM,
            party=parties["mjolby"],
            file=ContentFile(DEMO_LETTER, name="brev.pdf"),
            type="support_letter",
        )
    assert {"signed_by", "signer_role"} <= set(refused.value.message_dict)


def test_a_file_that_is_not_what_it_claims_is_refused():
    from django.core.files.base import ContentFile

    application, parties = application_like_demo(open_viable_call())
    with pytest.raises(ValidationError) as refused:
        services.application_attachment_add(
            actor=SYSTEM,
            party=parties["mjolby"],
            file=ContentFile(b"MZ\x90\x00 not a pdf", name="brev.pdf"),
            type="other",
        )
    assert "file" in refused.value.message_dict


# --- Permissions: allowed and denied per rule --------------------------------------------------


@pytest.fixture
def people():
    """Editors and viewers of the coordinator and of two parties, and an outsider."""
    return {
        "linkoping_editor": UserFactory(organisation=org_by_slug("linkoping"), role=Role.EDITOR),
        "linkoping_viewer": UserFactory(organisation=org_by_slug("linkoping"), role=Role.VIEWER),
        "mjolby_editor": UserFactory(organisation=org_by_slug("mjolby"), role=Role.EDITOR),
        "mjolby_viewer": UserFactory(organisation=org_by_slug("mjolby"), role=Role.VIEWER),
        "liu_editor": UserFactory(organisation=org_by_slug("liu-demo"), role=Role.EDITOR),
        "molndal_editor": demo_user(EDITOR_M),
    }


@pytest.mark.parametrize(
    "rule, who, on, allowed",
    [
        ("funding.application.view", "linkoping_viewer", None, True),
        ("funding.application.view", "mjolby_viewer", None, True),
        ("funding.application.view", "molndal_editor", None, False),
        ("funding.application.edit", "linkoping_editor", None, True),
        ("funding.application.edit", "linkoping_viewer", None, False),
        ("funding.application.edit", "mjolby_editor", None, False),
        ("funding.application.view_all", "linkoping_viewer", None, True),
        ("funding.application.view_all", "mjolby_editor", None, False),
        ("funding.party.view", "mjolby_viewer", "mjolby", True),
        ("funding.party.view", "mjolby_viewer", "liu-demo", False),
        ("funding.party.view", "linkoping_viewer", "liu-demo", True),
        ("funding.party.view", "molndal_editor", "mjolby", False),
        ("funding.party.edit", "mjolby_editor", "mjolby", True),
        ("funding.party.edit", "mjolby_viewer", "mjolby", False),
        ("funding.party.edit", "mjolby_editor", "liu-demo", False),
        ("funding.party.edit", "linkoping_editor", "mjolby", True),
        ("funding.party.edit", "linkoping_viewer", "mjolby", False),
        ("funding.party.respond", "mjolby_editor", "mjolby", True),
        ("funding.party.respond", "linkoping_editor", "mjolby", False),
    ],
)
def test_party_level_permissions(people, rule, who, on, allowed):
    application, parties = application_like_demo(open_viable_call())
    obj = parties[on] if on else application
    assert access.allows(people[who], rule, obj) is allowed


def test_an_invited_party_edits_its_budget_only_after_accepting(people):
    application, _parties = application_like_demo(open_viable_call())
    party = services.party_add(
        actor=SYSTEM,
        application=application,
        organisation=org_by_slug("ale"),
        role=PartyRole.PARTNER,
    )
    ale_editor = UserFactory(organisation=org_by_slug("ale"), role=Role.EDITOR)
    assert not access.allows(ale_editor, "funding.party.edit", party)
    with pytest.raises(PermissionDenied):
        services.budget_line_save(actor=ale_editor, party=party, data={"activity": "X"})
    services.party_respond(actor=ale_editor, party=party, accept=True)
    assert access.allows(ale_editor, "funding.party.edit", party)


def test_a_declined_party_sees_nothing_and_does_not_count(people):
    application, parties = application_like_demo(open_viable_call())
    services.party_respond(actor=people["liu_editor"], party=parties["liu-demo"], accept=False)
    assert not access.allows(people["liu_editor"], "funding.application.view", application)
    page = selectors.application_page(application)
    names = [party.name for party in selectors.application_facts(page).parties]
    assert "Linköpings universitet" not in names


@pytest.mark.parametrize("who, allowed", [("linkoping_editor", True), ("linkoping_viewer", False)])
def test_who_may_start_an_application(people, who, allowed):
    assert (
        access.allows(people[who], "funding.applicant.apply", org_by_slug("linkoping")) is allowed
    )


@pytest.mark.parametrize("who, allowed", [(STAFF, True), (EDITOR_M, False)])
def test_only_staff_register_a_partner_organisation(who, allowed):
    person = demo_user(who)
    assert access.allows(person, "organisations.organisation.create", None) is allowed
    if not allowed:
        with pytest.raises(PermissionDenied):
            organisation_services.organisation_create(
                actor=person, data={"name": "X", "slug": "x-test", "kind": "company"}
            )


def test_the_list_shows_only_applications_the_person_is_part_of(people):
    application, _parties = application_like_demo(open_viable_call())
    assert application in selectors.applications_visible(people["mjolby_viewer"])
    assert (
        not selectors.applications_visible(people["molndal_editor"])
        .filter(pk=application.pk)
        .exists()
    )


# --- Invitations --------------------------------------------------------------------------------


def test_a_party_is_invited_by_email(django_capture_on_commit_callbacks):
    application, _parties = application_like_demo(open_viable_call())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.party_add(
            actor=SYSTEM,
            application=application,
            organisation=org_by_slug("ale"),
            role=PartyRole.PARTNER,
            email="klimat@ale.example",
        )
    assert [message.to for message in mail.outbox] == [["klimat@ale.example"]]
    assert application.get_absolute_url() in mail.outbox[0].body


def test_without_an_address_the_organisations_editors_are_invited(
    django_capture_on_commit_callbacks,
):
    application, _parties = application_like_demo(open_viable_call())
    editor = UserFactory(organisation=org_by_slug("ale"), role=Role.EDITOR)
    viewer = UserFactory(organisation=org_by_slug("ale"), role=Role.VIEWER)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.party_add(
            actor=SYSTEM,
            application=application,
            organisation=org_by_slug("ale"),
            role=PartyRole.PARTNER,
        )
    recipients = {address for message in mail.outbox for address in message.to}
    assert editor.email in recipients
    assert viewer.email not in recipients


# --- XLSX -----------------------------------------------------------------------------------------


def test_the_budget_xlsx_has_a_sheet_per_party_and_a_summary_with_formulas(client):
    client.force_login(demo_user(STAFF))
    application = demo_application()
    response = client.get(reverse("funding:application_xlsx", args=[application.pk]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == "Sammanfattning"
    assert len(workbook.sheetnames) == 1 + 7
    mjolby = workbook["Mjölby"]
    rows = list(mjolby.iter_rows(min_row=5, values_only=True))
    assert rows[0] == ("Klimatarbete i Mjölby", 400000, 0, 800, 500, "=D5*E5", "=B5+C5+F5")
    assert rows[1][:5] == ("Transition Lab", 100000, 0, 200, 500)
    assert rows[2][0] == "Totalt" and rows[2][1] == "=SUM(B5:B6)"
    summary = workbook["Sammanfattning"]
    cells = {row[0]: row for row in summary.iter_rows(min_row=5, values_only=True) if row[0]}
    assert cells["Mjölby"][2:5] == ("='Mjölby'!B7", "='Mjölby'!C7", "='Mjölby'!F7")
    total_row = 5 + 7
    assert summary[f"C{total_row}"].value == f"=SUM(C5:C{total_row - 1})"
    assert summary[f"C{total_row + 2}"].value == f"=IF(F{total_row}=0,0,C{total_row}/F{total_row})"
    assert workbook.calculation.fullCalcOnLoad


def test_a_party_downloads_only_its_own_budget(client, people):
    application, _parties = application_like_demo(open_viable_call())
    client.force_login(people["mjolby_viewer"])
    response = client.get(reverse("funding:application_xlsx", args=[application.pk]))
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Sammanfattning", "Mjölby"]


# --- Pages --------------------------------------------------------------------------------------


def test_the_workspace_shows_the_check_panel_to_the_coordinator(client, people):
    application, _parties = application_like_demo(open_viable_call())
    client.force_login(people["linkoping_editor"])
    url = application.get_absolute_url()
    client.get(url)  # the session and the cached lookups
    queries, response = count_queries(lambda: client.get(url))
    assert response.status_code == 200
    page = response.content.decode()
    assert "10 regler uppfyllda" in page
    assert "Linköpings universitet" in page and "3\u202f900\u202f000" in page
    # More parties, the same number of queries.
    services.party_add(
        actor=SYSTEM,
        application=application,
        organisation=org_by_slug("ale"),
        role=PartyRole.PARTNER,
        invite=False,
    )
    client.get(url)
    again, _response = count_queries(lambda: client.get(url))
    assert again == queries


def test_a_party_sees_only_its_own_budget_and_no_check_panel(client, people):
    application, parties = application_like_demo(open_viable_call())
    client.force_login(people["mjolby_viewer"])
    page = client.get(application.get_absolute_url()).content.decode()
    assert "check-panel" not in page
    assert "Klimatsamverkan" not in page
    assert "600\u202f000" not in page  # Linköping University's support
    other = reverse("funding:party", args=[application.pk, parties["liu-demo"].pk])
    assert client.get(other).status_code == 404
    own = reverse("funding:party", args=[application.pk, parties["mjolby"].pk])
    assert client.get(own).status_code == 200


def test_another_municipality_gets_404(client, people):
    application, parties = application_like_demo(open_viable_call())
    client.force_login(people["molndal_editor"])
    for url in (
        application.get_absolute_url(),
        reverse("funding:party", args=[application.pk, parties["mjolby"].pk]),
        reverse("funding:application_xlsx", args=[application.pk]),
        reverse("funding:application_print", args=[application.pk]),
        reverse("funding:check_panel", args=[application.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_the_check_panel_checks_unsaved_edits_without_saving(client, people):
    application, parties = application_like_demo(open_viable_call())
    mjolby = parties["mjolby"]
    line = mjolby.budget_lines.get(activity="Transition Lab")
    client.force_login(people["linkoping_editor"])
    response = client.post(
        reverse("funding:check_panel", args=[application.pk]),
        {
            "party": mjolby.pk,
            "line": line.pk,
            "activity": "Transition Lab",
            "support": "50 000",
            "hours": "200",
            "hourly_rate": "500",
        },
    )
    page = response.content.decode()
    assert "mindre än 200\u202f000 kr till Transition Lab: Mjölby 150\u202f000 kr" in page
    line.refresh_from_db()
    assert line.support == Decimal(100_000)


def test_the_budget_form_saves_swedish_numbers_and_refuses_negative_ones(client, people):
    application, parties = application_like_demo(open_viable_call())
    mjolby = parties["mjolby"]
    url = reverse("funding:party", args=[application.pk, mjolby.pk])
    client.force_login(people["mjolby_editor"])
    response = client.post(url, {"activity": "Resor", "support": "1 000 000,50"})
    assert response.status_code == 302
    assert mjolby.budget_lines.get(activity="Resor").support == Decimal("1000000.50")
    response = client.post(url, {"activity": "Fel", "support": "-10"})
    assert response.status_code == 400
    assert "Beloppet kan inte vara negativt." in response.content.decode()
    assert not mjolby.budget_lines.filter(activity="Fel").exists()


def test_mark_ready_on_the_page_lists_the_failing_rules(client, people):
    application, _parties = application_like_demo(open_viable_call(), twin_letter=False)
    client.force_login(people["linkoping_editor"])
    response = client.post(
        reverse("funding:application_status", args=[application.pk]), {"action": "ready"}
    )
    assert response.status_code == 400
    assert (
        "saknar ”Stödbrev”" in response.content.decode() or "Stödbrev" in response.content.decode()
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_the_printable_application_and_the_list(client, people):
    client.force_login(demo_user(STAFF))
    application = demo_application()
    response = client.get(reverse("funding:application_print", args=[application.pk]))
    assert response.status_code == 200
    assert "Transition Lab" in response.content.decode()
    listing = client.get(reverse("funding:applications"))
    assert application.title in listing.content.decode()


def test_starting_an_application_from_a_call(client, people):
    call = open_viable_call()
    client.force_login(people["linkoping_editor"])
    url = reverse("funding:apply", args=[call.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "coordinator": org_by_slug("linkoping").pk,
            "title": "Ny ansökan",
            "project_start": "2024-11-01",
        },
    )
    assert response.status_code == 400
    assert not Application.objects.filter(title="Ny ansökan").exists()
    response = client.post(url, {"coordinator": org_by_slug("linkoping").pk, "title": "Ny ansökan"})
    assert response.status_code == 302
    created = Application.objects.get(title="Ny ansökan")
    assert created.parties.get().role == PartyRole.COORDINATOR
    assert created.parties.get().invitation == Invitation.ACCEPTED


# --- API ------------------------------------------------------------------------------------------


def test_the_api_lists_only_the_callers_applications(people):
    application, _parties = application_like_demo(open_viable_call())
    url = reverse("api:application-list")
    body = token_client(people["mjolby_viewer"]).get(url).json()
    ids = [item["id"] for item in body["results"]]
    assert application.pk in ids
    listed = next(item for item in body["results"] if item["id"] == application.pk)
    assert {party["organisation"] for party in listed["parties"]} >= {"linkoping", "mjolby"}
    other = token_client(people["molndal_editor"]).get(url).json()
    assert application.pk not in [item["id"] for item in other["results"]]


def test_the_api_gives_the_rules_outcomes_to_the_coordinator_only(people):
    application = demo_application()
    url = reverse("api:application-outcomes", args=[application.pk])
    body = token_client(demo_user(STAFF)).get(url).json()
    assert body["all_passed"] is True
    assert body["counts"] == {"passed": 10, "failed": 0, "not_checkable": 0}
    assert body["outcomes"][0]["reason"]["sv"] == "7 parter, minst 4 krävs"
    mjolby = UserFactory(organisation=org_by_slug("mjolby"), role=Role.EDITOR)
    assert token_client(mjolby).get(url).status_code == 403
    assert token_client(people["molndal_editor"]).get(url).status_code == 404


def test_the_api_detail_gives_every_budget_to_the_coordinator_and_a_party_its_own(people):
    """As in the workspace: the coordinator's people see every party's budget, a party's
    people only their own (and totals over it), another municipality nothing."""
    application = demo_application()
    url = reverse("api:application-detail", args=[application.pk])
    coordinator = token_client(demo_user("klimat.linkoping@demo.kraftsamla.se")).get(url)
    assert coordinator.status_code == 200
    body = coordinator.json()
    assert body["budget"]["complete"] is True
    assert body["budget"]["support"] == 3_900_000
    assert {row["organisation"] for row in body["budget"]["parties"]} >= {"linkoping", "mjolby"}
    assert [package["number"] for package in body["work_packages"]] == sorted(
        package["number"] for package in body["work_packages"]
    )
    twin = token_client(demo_user("miljo.mjolby@demo.kraftsamla.se")).get(url).json()
    assert twin["budget"]["complete"] is False
    assert [row["organisation"] for row in twin["budget"]["parties"]] == ["mjolby"]
    assert twin["budget"]["support"] == 500_000  # 400,000 climate work + 100,000 Transition Lab
    assert len(twin["parties"]) == len(body["parties"])  # who takes part is not hidden
    assert token_client(people["molndal_editor"]).get(url).status_code == 404


# --- Parties, work packages and the decision --------------------------------------------------


def test_work_packages_take_their_lead_from_the_application():
    application, parties = application_like_demo(open_viable_call())
    other, other_parties = application_like_demo(open_viable_call())
    data = {"title": "Samordning", "start_month": 1, "end_month": 12}
    package = services.work_package_save(
        actor=SYSTEM,
        application=application,
        data={**data, "lead": parties["linkoping"]},
        parties=[parties["mjolby"]],
    )
    assert package.number == 1
    with pytest.raises(ValidationError) as refused:
        services.work_package_save(
            actor=SYSTEM,
            application=application,
            data={**data, "lead": other_parties["linkoping"]},
        )
    assert "lead" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.work_package_save(
            actor=SYSTEM,
            application=application,
            data={**data, "number": 1, "lead": parties["linkoping"]},
        )
    assert "number" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.work_package_save(
            actor=SYSTEM,
            application=application,
            data={**data, "start_month": 12, "end_month": 3, "lead": parties["linkoping"]},
        )
    assert "end_month" in refused.value.message_dict
    # The lead of a work package stays until the package gets another lead.
    with pytest.raises(ValidationError):
        services.party_remove(actor=SYSTEM, party=parties["linkoping"])


def test_a_party_is_removed_but_never_the_coordinator(client, people):
    application, parties = application_like_demo(open_viable_call())
    client.force_login(people["linkoping_editor"])
    url = reverse("funding:party_remove", args=[application.pk, parties["spira-linkoping-demo"].pk])
    assert client.post(url).status_code == 302
    assert not application.parties.filter(organisation__slug="spira-linkoping-demo").exists()
    coordinator = reverse("funding:party_remove", args=[application.pk, parties["linkoping"].pk])
    client.post(coordinator)
    assert application.parties.filter(organisation__slug="linkoping").exists()
    client.force_login(people["mjolby_editor"])
    other = reverse("funding:party_remove", args=[application.pk, parties["liu-demo"].pk])
    assert client.post(other).status_code == 403


def test_a_role_changes_but_not_to_coordinator():
    application, parties = application_like_demo(open_viable_call())
    party = services.party_update(
        actor=SYSTEM, party=parties["almi-ostergotland-demo"], role="partner"
    )
    assert party.role == "partner"
    with pytest.raises(ValidationError):
        services.party_update(actor=SYSTEM, party=party, role="coordinator")


def test_submitted_then_granted_with_the_decision(client, people):
    application, _parties = application_like_demo(open_viable_call())
    client.force_login(people["linkoping_editor"])
    url = reverse("funding:application_status", args=[application.pk])
    for action in ("ready", "submit"):
        assert client.post(url, {"action": action}).status_code == 302
    response = client.post(url, {"action": "granted", "decision": "Beviljad 4 000 000 kr."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.GRANTED
    assert application.decision == "Beviljad 4 000 000 kr."
    assert application.submitted_on is not None


def test_the_check_panel_checks_unsaved_dates(client, people):
    application, _parties = application_like_demo(open_viable_call())
    client.force_login(people["linkoping_editor"])
    response = client.post(
        reverse("funding:check_panel", args=[application.pk]),
        {"title": "x", "project_start": "2024-12-01", "project_end": "2028-01-31"},
    )
    assert "slutar 2028-01-31, senast 2027-10-31" in response.content.decode()


def test_an_invitation_shows_on_the_start_page_until_answered(client):
    application, _parties = application_like_demo(open_viable_call())
    party = services.party_add(
        actor=SYSTEM,
        application=application,
        organisation=org_by_slug("ale"),
        role=PartyRole.PARTNER,
        invite=False,
    )
    editor = UserFactory(organisation=org_by_slug("ale"), role=Role.EDITOR)
    client.force_login(editor)
    assert "Testansökan" in client.get("/").content.decode()
    response = client.post(
        reverse("funding:party_respond", args=[application.pk, party.pk]), {"answer": "decline"}
    )
    assert response.status_code == 302
    assert "Testansökan" not in client.get("/").content.decode()
    assert client.get(application.get_absolute_url()).status_code == 404


def test_a_work_package_is_added_and_changed_on_the_workspace(client, people):
    application, parties = application_like_demo(open_viable_call())
    client.force_login(people["linkoping_editor"])
    url = reverse("funding:work_package_add", args=[application.pk])
    data = {
        "title": "Samordning",
        "lead": parties["linkoping"].pk,
        "parties": [parties["mjolby"].pk, parties["liu-demo"].pk],
        "start_month": "1",
        "end_month": "34",
    }
    assert client.post(url, data).status_code == 302
    package = application.work_packages.get()
    assert package.number == 1
    assert {p.organisation.slug for p in package.parties.all()} == {"mjolby", "liu-demo"}
    page = client.get(f"{application.get_absolute_url()}?arbetspaket={package.pk}")
    assert "Ändra arbetspaketet ”Samordning”" in page.content.decode()
    changed = {**data, "package": package.pk, "title": "Samordning och samverkan"}
    assert client.post(url, changed).status_code == 302
    package.refresh_from_db()
    assert package.title == "Samordning och samverkan"
    wrong = {**data, "start_month": "10", "end_month": "2"}
    response = client.post(url, wrong)
    assert response.status_code == 400
    assert application.work_packages.count() == 1


def test_the_project_page_lists_the_joint_applications_the_viewer_may_see(client):
    """Funding adds a section to the project bank's page (projects cannot import funding)."""
    application = demo_application()
    project = application.projects.get()
    url = reverse("projects:detail", args=[project.pk])
    client.force_login(demo_user("miljo.mjolby@demo.kraftsamla.se"))
    page = client.get(url)
    assert page.status_code == 200
    assert application.get_absolute_url() in page.content.decode()
    client.force_login(demo_user(EDITOR_M))
    page = client.get(url)  # the project is public, the application is not
    assert page.status_code == 200
    assert application.get_absolute_url() not in page.content.decode()
