"""Issue 8: exports that open right in Swedish Excel, numbers and words that agree."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from kraftsamla.accounts.models import Role
from kraftsamla.capacity.models import YOUR_CAPITAL, CapitalKey
from kraftsamla.core.charts import format_number
from kraftsamla.core.exports import export_response
from kraftsamla.core.models import AuditEvent
from kraftsamla.core.numbers import round_half_up
from kraftsamla.support import selectors
from kraftsamla.support.models import Offer, OfferStatus, source_reference_display
from kraftsamla.support.services import starter_catalogue_import
from tests.factories.accounts import UserFactory
from tests.factories.capacity import PublishedAssessmentFactory
from tests.factories.support import (
    KNOWLEDGE,
    RESOURCES,
    EnrolmentFactory,
    NeedFactory,
    OfferFactory,
)
from tests.helpers import COORDINATOR, REGION, demo_user, translate

pytestmark = pytest.mark.django_db
FRAMEWORK_JSON = "kraftsamla/capacity/framework_data/framework_v1.json"


def coordinator_client() -> Client:
    client = Client()
    client.force_login(demo_user(COORDINATOR))
    return client


# --- Rounding ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [(42.5, 0, "43"), (0.5, 0, "1"), (2.45, 1, "2,5"), (1.5, 0, "2"), (-0.4, 0, "0")],
)
def test_swedish_display_rounds_half_up_in_text_and_tables(value, decimals, expected):
    with translation.override("sv"):
        assert format_number(value, decimals) == expected
        template = Template("{% load kraftsamla %}{{ value|num:decimals }}")
        assert template.render(Context({"value": value, "decimals": decimals})) == expected
    assert str(round_half_up(42.5)) == "43"


# --- Exports -----------------------------------------------------------------------------

HEADERS = ["Namn", "Poäng", "Platser", "Datum"]
ROWS = [
    ["Mölndal", 42.5, 10, datetime.date(2025, 3, 31)],
    ["＝HYPERLINK(1)", -2.5, None, None],
    ["|cmd", 3.0, 5, datetime.date(2024, 1, 2)],
    ["＋1", 1.25, 1, None],
    ["－1", 0.0, 2, None],
    ["＠SUM(A1)", 7.0, 3, None],
]


def download(fmt: str, **kwargs):
    with translation.override("sv"):
        return export_response(
            rows=ROWS, headers=HEADERS, fmt=fmt, filename="test", sheet="Test", **kwargs
        )


def test_csv_for_excel_has_semicolons_decimal_commas_a_bom_and_iso_dates():
    text = download("csv").content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0] == HEADERS
    assert rows[1] == ["Mölndal", "42,5", "10", "2025-03-31"]
    # A negative number stays a number; full-width and pipe formulas are neutralised.
    assert rows[2] == ["'＝HYPERLINK(1)", "-2,5", "", ""]
    assert [row[0] for row in rows[3:]] == ["'|cmd", "'＋1", "'－1", "'＠SUM(A1)"]


def test_machine_readable_csv_has_commas_decimal_points_and_no_bom():
    response = download("csv-plain")
    text = response.content.decode("utf-8")
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["Mölndal", "42.5", "10", "2025-03-31"]
    assert "-data.csv" in response["Content-Disposition"]


def test_xlsx_has_typed_columns_widths_a_filter_a_frozen_header_and_about_sheet():
    workbook = load_workbook(
        io.BytesIO(
            download(
                "xlsx", notes=["Platser: tomt = obegränsat."], source="Testkälla", demo=True
            ).content
        )
    )
    data = workbook["Test"]
    assert data.freeze_panes == "A2"
    assert data.auto_filter.ref == f"A1:D{1 + len(ROWS)}"
    for column in ("B", "C"):
        types = {type(cell.value) for cell in data[column][1:] if cell.value is not None}
        assert types <= {int, float}, f"column {column} mixes types: {types}"
    assert all(cell.data_type == "s" for cell in data["A"][1:]), "no formula cells"
    assert data["D"][1].value.date() == datetime.date(2025, 3, 31)
    assert data.column_dimensions["A"].width >= len("＝HYPERLINK(1)")
    assert data.column_dimensions["C"].width >= 8
    about = workbook[translate("About the data")]
    text = " ".join(str(cell.value) for row in about.iter_rows() for cell in row)
    assert "Testkälla" in text and "Platser: tomt = obegränsat." in text
    assert translate("Includes demo data: not real figures.") in text
    assert datetime.date.today().isoformat()[:4] in text
    no_demo = load_workbook(io.BytesIO(download("xlsx").content))
    plain = " ".join(
        str(c.value) for r in no_demo[translate("About the data")].iter_rows() for c in r
    )
    assert translate("Includes demo data: not real figures.") not in plain


def test_offer_export_leaves_unlimited_seats_empty_and_says_so(client, gr):
    OfferFactory(provider=gr, title="Obegränsat", seats=None, capitals=["human"])
    url = reverse("support:offers", args=[gr.slug])
    page = client.get(url).content.decode()
    for label in ("CSV for Excel", "CSV (machine-readable)"):
        assert translate(label) in page
    workbook = load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content))
    rows = list(workbook.active.iter_rows(values_only=True))
    seats = rows[0].index(translate("Seats"))
    assert rows[1][seats] is None
    notes = [c.value for r in workbook[translate("About the data")].iter_rows() for c in r]
    assert translate("Seats is empty for an offer with no limit on the number of seats.") in notes


# --- One name and one order for the capitals ---------------------------------------------


def test_the_framework_names_and_orders_the_capitals_as_capital_key():
    with open(FRAMEWORK_JSON, encoding="utf-8") as file:
        capitals = json.load(file)["capitals"]
    assert [c["key"] for c in capitals] == CapitalKey.values
    for language in ("sv", "en"):
        with translation.override(language):
            assert [c["name"][language] for c in capitals] == [str(k.label) for k in CapitalKey]


def assert_capitals_in_order(html: str) -> None:
    """Every complete listing of the seven capitals on the page has the one order."""
    labels = [str(key.label) for key in CapitalKey]
    pattern = "|".join(re.escape(label) for label in labels)
    found = re.findall(rf">\s*({pattern})\s*<", html)
    windows = [found[i : i + 7] for i in range(len(found) - 6)]
    listings = [window for window in windows if len(set(window)) == 7]
    assert labels in listings, found
    # Listings next to each other give windows that wrap around; any other order is wrong.
    rotations = [(labels + labels)[i : i + 7] for i in range(7)]
    assert all(listing in rotations for listing in listings), listings


def test_every_page_listing_capitals_uses_the_same_names_in_the_same_order(gr, molndal):
    PublishedAssessmentFactory(organisation=molndal, score=2, sharing_level=REGION)
    client = coordinator_client()
    with translation.override("sv"):
        assert [str(k.label) for k in CapitalKey][2:4] == ["Relationskapital", "Humankapital"]
        for url in (
            reverse("capacity:framework"),
            reverse("capacity:regional", args=[gr.slug]),
            reverse("support:coverage", args=[gr.slug]),
            reverse("support:offer_new", args=[gr.slug]),
        ):
            assert_capitals_in_order(client.get(url).content.decode())


# --- Coverage grid and heatmap -----------------------------------------------------------


def test_coverage_grid_years_gaps_and_closed_offers(gr, molndal):
    need = NeedFactory(organisation=molndal, capital="real", collaboration_form=KNOWLEDGE)
    OfferFactory(
        provider=gr, capitals=["human"], collaboration_form=RESOURCES, status=OfferStatus.CLOSED
    )
    url = reverse("support:coverage", args=[gr.slug])
    client = coordinator_client()
    page = client.get(url)
    html = page.content.decode()
    grid = page.context["grid"]
    closed = grid.cells[("human", RESOURCES)]
    assert closed.only_closed_offers and not closed.is_unused and closed not in grid.unused
    assert "0 platser" not in html
    assert grid.cells[("real", KNOWLEDGE)].seat_count is None
    assert (
        translate(
            "Uptake is the number of organisations enrolled in the cell's offers "
            "(not counting the waiting list)."
        )
        in html
    )
    create = (
        reverse("support:offer_new", args=[gr.slug])
        + f"?capitals=real&amp;collaboration_form={KNOWLEDGE}"
    )
    assert create in html
    form = client.get(
        reverse("support:offer_new", args=[gr.slug]),
        {"capitals": "real", "collaboration_form": KNOWLEDGE},
    ).context["form"]
    assert form.initial == {"capitals": ["real"], "collaboration_form": KNOWLEDGE}
    # The year is a choice of years with data; another year is a field error, not ignored.
    assert [value for value, _label in page.context["form"].fields["year"].choices][1:] == [
        need.year
    ]
    invalid = client.get(url, {"year": "1999"})
    assert "year" in invalid.context["form"].errors
    api = client.get(f"/api/v1/support/bodies/{gr.slug}/coverage/", {"year": "1999"})
    assert api.status_code == 400 and api["Content-Type"].startswith("application/json")


def test_a_gap_offers_no_create_link_to_those_who_may_not_manage_offers(gr, molndal):
    NeedFactory(organisation=molndal, capital="real", collaboration_form=KNOWLEDGE)
    client = Client()
    client.force_login(UserFactory(organisation=gr, role=Role.VIEWER))
    page = client.get(reverse("support:coverage", args=[gr.slug]))
    assert page.status_code == 200 and not page.context["can_manage"]
    assert reverse("support:offer_new", args=[gr.slug]) not in page.content.decode()


def test_shared_needs_list_only_capitals_where_a_member_is_weak(gr, molndal):
    scores = {key: 4 for key in CapitalKey.values} | {"political": 0}
    PublishedAssessmentFactory(organisation=molndal, score=scores, sharing_level=REGION)
    page = coordinator_client().get(reverse("capacity:regional", args=[gr.slug]))
    assert [need["key"] for need in page.context["shared_needs"]] == ["political"]


# --- Swedish words -----------------------------------------------------------------------


def test_the_audit_log_shows_field_names_and_choices_in_swedish(molndal, gr):
    offer = OfferFactory(provider=gr, capitals=["human"])
    EnrolmentFactory(offer=offer, organisation=molndal)
    event = AuditEvent.objects.filter(object_type="support.enrolment").latest("id")
    with translation.override("sv"):
        changes = {field: after for field, _before, after in event.changes_display()}
    assert changes.get("Status") == "Anmäld", changes
    assert "status" not in changes and "participant" not in changes


def test_catalogue_sources_show_in_the_active_language(gr):
    reference = "appendix 2, human capital, knowledge base; ch. 4.4"
    with translation.override("sv"):
        assert (
            source_reference_display(reference) == "bilaga 2, humankapital, kunskapsbas; kap. 4.4"
        )
    with translation.override("en"):
        assert source_reference_display(reference) == reference


def test_the_english_ui_shows_the_starter_catalogue_in_english(gr):
    starter_catalogue_import(actor=demo_user(COORDINATOR), provider=gr)
    offer = Offer.objects.filter(provider=gr).exclude(catalogue_key="").first()
    client = Client()
    client.cookies["kraftsamla_language"] = "en"
    html = client.get(offer.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert offer.title.en in html and "appendix" in html
    assert "bilaga" not in html


def test_recommendation_reasons_put_the_capital_in_the_definite_form():
    with translation.override("sv"):
        assert str(YOUR_CAPITAL[CapitalKey.ORGANISATIONAL]) == "ert organisatoriska kapital"
        assert str(YOUR_CAPITAL[CapitalKey.POLITICAL]) == "ert politiska kapital"
        facts = SimpleNamespace(
            scores={"organisational": 42.5}, lowest_capital="human", step_of={}, last_step=4
        )
        offer = SimpleNamespace(capitals=["organisational"])
        _points, reasons = selectors._weakness_points(offer, facts)
    assert reasons == ["ert organisatoriska kapital fick 43/100"]


# --- Offer page and account page ---------------------------------------------------------


def test_the_offer_page_labels_unlimited_seats_and_asks_before_cancelling(gr, molndal):
    offer = OfferFactory(provider=gr, seats=None, capitals=["human"])
    person = UserFactory(organisation=molndal, role=Role.ADMIN)
    colleague = UserFactory(organisation=molndal, role=Role.VIEWER)
    EnrolmentFactory(offer=offer, organisation=molndal, participant=person)
    client = Client()
    client.force_login(person)
    with translation.override("sv"):
        page = client.get(offer.get_absolute_url())
    html = page.content.decode()
    assert "Obegränsat antal platser – 1 anmäld" in html
    assert "---------" not in html
    assert "<details" in html and "Avboka" in html and ">Avbryt<" not in html
    forms = page.context["enrol_forms"]
    assert forms, "an admin may still enrol a colleague"
    people = list(forms[0][1].fields["participant"].queryset)
    assert person not in people and colleague in people


def test_a_participant_enrolled_already_gets_no_enrol_form(gr, molndal):
    offer = OfferFactory(provider=gr, capitals=["human"])
    viewer = UserFactory(organisation=molndal, role=Role.VIEWER)
    EnrolmentFactory(offer=offer, organisation=molndal, participant=viewer)
    client = Client()
    client.force_login(viewer)
    assert client.get(offer.get_absolute_url()).context["enrol_forms"] == []


def test_the_account_page_shows_a_readable_token_placeholder(molndal):
    client = Client()
    client.force_login(UserFactory(organisation=molndal, role=Role.VIEWER))
    html = client.get(reverse("accounts:account")).content.decode()
    assert re.search(r"Authorization: Token &lt;din token&gt;", html)
    assert "Token <" not in html
