"""HTML pages for organisations: list, filters, exports, detail, map, profile edit, audit log."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django.utils.text import capfirst
from django.utils.translation import override

from kraftsamla.accounts.models import Role
from kraftsamla.core.charts import format_number
from kraftsamla.core.models import AuditAction, AuditEvent
from kraftsamla.organisations import services
from kraftsamla.organisations.models import (
    Boundary,
    ClimateProfile,
    DataRelease,
    Emission,
    EmissionSector,
    FARegion,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
    PopulationFigure,
)
from kraftsamla.organisations.reference import MAP_HEIGHT, MAP_WIDTH
from tests.factories.accounts import UserFactory
from tests.helpers import (
    county_count,
    member_municipality_count,
    municipality_count,
    translate,
    translate_plural,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/organisationer/"
MAP_URL = "/organisationer/karta/"


# --- helpers -----------------------------------------------------------------------------


def swedish_catalog_exists() -> bool:
    return any(
        (Path(p) / "sv" / "LC_MESSAGES" / "django.mo").exists() for p in settings.LOCALE_PATHS
    )


class TableParser(HTMLParser):
    """Collect the text of every cell of one table (by id, or the first table), row by row."""

    def __init__(self, table_id: str | None = None):
        super().__init__()
        self.table_id = table_id
        self.depth = 0
        self.rows: list[list[str]] = []
        self.links: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            if self.depth == 0 and (self.table_id is None or attrs.get("id") == self.table_id):
                self.depth = 1 if not self.rows else -1  # only the first match
            return
        if self.depth != 1:
            return
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "table" and self.depth == 1:
            self.depth = -1
        elif tag in ("td", "th") and self._cell is not None and self.depth == 1:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None and self.depth == 1:
            self._cell.append(data)


def table(html: str, table_id: str | None = None) -> TableParser:
    parser = TableParser(table_id)
    parser.feed(html)
    return parser


def result_names(response) -> list[str]:
    """The organisation names in the list page's result table, in order."""
    rows = table(response.content.decode()).rows
    return [row[0].replace(translate("demo"), "").strip() for row in rows[1:]]


def result_count_text(response) -> str:
    match = re.search(r'id="result-count"[^>]*>([^<]*)<', response.content.decode())
    assert match, "the list page shows a result count"
    return match.group(1).strip()


def parse_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the BOM to read å, ä, ö"
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def parse_xlsx(response):
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="kraftsamla-organisationer.xlsx"' in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return workbook.active


def login(client, user):
    client.force_login(user)
    return client


# --- list page ---------------------------------------------------------------------------


def test_list_page_shows_organisations_and_a_count(client):
    response = client.get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="sv">' in html
    total = Organisation.objects.count()
    assert result_count_text(response) == translate_plural(
        "%(counter)s organisation", "%(counter)s organisations", total
    )
    names = result_names(response)
    assert len(names) == 25
    first = Organisation.objects.order_by("name", "pk").first()
    assert names[0] == first.name
    assert f'href="{first.get_absolute_url()}"' in html


def test_list_page_applies_filters(client):
    response = client.get(LIST_URL, {"kind": "municipality", "county": "14"})
    assert result_count_text(response) == translate_plural(
        "%(counter)s organisation",
        "%(counter)s organisations",
        municipality_count(county__code="14"),
    )
    names = result_names(response)
    assert "Ale kommun" in names
    assert all(name.endswith("kommun") for name in names)
    rows = table(response.content.decode()).rows[1:]
    assert {row[3] for row in rows} == {"Västra Götaland"}
    # The filter form keeps the chosen values.
    html = response.content.decode()
    assert re.search(r'<option value="14" selected>', html)


def test_list_page_search_by_name_and_code(client):
    assert result_names(client.get(LIST_URL, {"q": "Mölndals"})) == ["Mölndals kommun"]
    assert result_names(client.get(LIST_URL, {"code": "1481"})) == ["Mölndals kommun"]


def test_list_page_member_of_filter(client):
    response = client.get(LIST_URL, {"member_of": "goteborgsregionen", "kind": "municipality"})
    assert result_count_text(response) == translate_plural(
        "%(counter)s organisation",
        "%(counter)s organisations",
        member_municipality_count("goteborgsregionen"),
    )
    assert "Mölndals kommun" in result_names(response)


def test_list_page_with_no_match_says_so(client):
    response = client.get(LIST_URL, {"q": "Atlantis"})
    assert result_names(response) == []
    assert escape(translate("No organisation matches these filters.")) in response.content.decode()


def test_invalid_filter_shows_a_translated_error_at_its_field(client):
    response = client.get(LIST_URL, {"county": "ABC", "kind": "county"})
    assert response.status_code == 200
    html = response.content.decode()
    message = "“%(value)s” is not one of the available choices."
    expected = escape(translate(message) % {"value": "ABC"})
    # The error is tied to the field for screen readers and listed in the summary.
    assert re.search(
        r'<ul class="errorlist" id="id_county-errors"><li>' + re.escape(expected) + "</li>", html
    )
    select = re.search(r'<select name="county"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in select
    assert 'aria-describedby="id_county-errors"' in select
    assert 'role="alert"' in html and 'href="#id_county"' in html
    assert html.count(expected) == 2  # at the field and in the error summary
    # The valid filter still applies.
    assert result_count_text(response) == translate_plural(
        "%(counter)s organisation", "%(counter)s organisations", county_count()
    )
    if swedish_catalog_exists():
        assert translate(message) != message, "the filter error must be translated into Swedish"


def test_invalid_code_filter_shows_its_own_message(client):
    response = client.get(LIST_URL, {"code": "114"})
    html = response.content.decode()
    assert 'id="id_code-errors"' in html
    assert escape(translate("A code is two digits (county) or four digits (municipality).")) in html


def test_swedish_is_the_default_and_english_on_request(client):
    assert client.get(LIST_URL)["Content-Language"] == "sv"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(LIST_URL, {"county": "ABC"})
    assert response["Content-Language"] == "en"
    assert "“ABC” is not one of the available choices." in response.content.decode()


def test_list_page_pages_through_all_results(client):
    total = municipality_count()
    pages = -(-total // 25)  # 25 a page, the last one partly filled
    seen: list[str] = []
    for number in range(1, pages + 1):
        response = client.get(LIST_URL, {"kind": "municipality", "page": number})
        names = result_names(response)
        assert len(names) == (25 if number < pages else total - (pages - 1) * 25)
        html = response.content.decode()
        assert escape(translate("Page %(n)s of %(total)s") % {"n": number, "total": pages}) in html
        # Page links keep the filters.
        if number < pages:
            assert f'href="?kind=municipality&amp;page={number + 1}" rel="next"' in html
        else:
            assert 'rel="next"' not in html
        if number > 1:
            assert f'href="?kind=municipality&amp;page={number - 1}" rel="prev"' in html
        seen += names
    assert len(seen) == len(set(seen)) == municipality_count()


@pytest.mark.parametrize(("page", "shows"), [("abc", "first"), ("999", "last"), ("-1", "last")])
def test_list_page_tolerates_bad_page_numbers(client, page, shows):
    expected_first = 0 if shows == "first" else (municipality_count() - 1) // 25 * 25
    response = client.get(LIST_URL, {"kind": "municipality", "page": page})
    assert response.status_code == 200
    all_names = list(
        Organisation.objects.filter(kind="municipality")
        .order_by("name", "pk")
        .values_list("name", flat=True)
    )
    assert result_names(response)[0] == all_names[expected_first]


def test_list_page_links_the_exports_with_the_active_filters(client):
    html = client.get(LIST_URL, {"county": "14", "page": "2"}).content.decode()
    assert 'href="?county=14&amp;format=csv"' in html
    assert 'href="?county=14&amp;format=xlsx"' in html


# --- exports -----------------------------------------------------------------------------


def test_csv_export_respects_the_filters_and_ignores_paging(client):
    response = client.get(
        LIST_URL, {"county": "14", "kind": "municipality", "format": "csv", "page": "2"}
    )
    assert response.status_code == 200
    assert 'filename="kraftsamla-organisationer.csv"' in response["Content-Disposition"]
    rows = parse_csv(response)
    header, body = rows[0], rows[1:]
    assert len(header) == 8
    assert len(body) == municipality_count(county__code="14")
    assert {row[4] for row in body} == {"Västra Götalands län"}
    molndal = next(row for row in body if row[0] == "1481")
    assert molndal[1] == "Mölndals kommun"
    assert molndal[5] == str(Organisation.objects.get(slug="molndal").population)
    assert molndal[6] == "Göteborg"
    assert molndal[7] == "http://testserver/organisationer/molndal/"
    assert [row[1] for row in body] == list(
        Organisation.objects.filter(county__code="14")
        .order_by("name", "pk")
        .values_list("name", flat=True)
    )


def test_csv_export_without_filters_has_every_organisation(client):
    rows = parse_csv(client.get(LIST_URL, {"format": "csv"}))
    assert len(rows) - 1 == Organisation.objects.count()


def test_csv_export_drops_an_invalid_filter_like_the_page(client):
    rows = parse_csv(client.get(LIST_URL, {"county": "ABC", "kind": "county", "format": "csv"}))
    assert len(rows) - 1 == county_count()


def test_xlsx_export_respects_the_filters(client):
    sheet = parse_xlsx(
        client.get(
            LIST_URL, {"member_of": "goteborgsregionen", "kind": "municipality", "format": "xlsx"}
        )
    )
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows[0]) == 8
    assert all(cell.font.bold for cell in sheet[1])
    body = rows[1:]
    assert len(body) == member_municipality_count("goteborgsregionen")
    molndal = next(row for row in body if row[0] == "1481")
    assert molndal[1] == "Mölndals kommun"
    # a number, so it can be summed
    assert molndal[5] == Organisation.objects.get(slug="molndal").population
    assert sheet.freeze_panes == "A2"


@pytest.fixture
def hostile_names(db):
    names = [
        '=HYPERLINK("http://evil.example","Klicka") Injektion',
        "+1+1 Injektion",
        "-2+3 Injektion",
        "@SUM(A1) Injektion",
        "\t=1 Injektion",
    ]
    for i, name in enumerate(names):
        Organisation.objects.create(name=name, slug=f"injektion-{i}", kind=OrganisationKind.COMPANY)
    Organisation.objects.create(name="Vanlig Injektion AB", slug="vanlig", kind="company")
    return names


def test_csv_export_neutralises_formulas(client, hostile_names):
    rows = parse_csv(client.get(LIST_URL, {"q": "Injektion", "format": "csv"}))
    names = {row[1] for row in rows[1:]}
    assert names == {"'" + n for n in hostile_names} | {"Vanlig Injektion AB"}


def test_xlsx_export_neutralises_formulas(client, hostile_names):
    sheet = parse_xlsx(client.get(LIST_URL, {"q": "Injektion", "format": "xlsx"}))
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert {c.value for c in cells} == {"'" + n for n in hostile_names} | {"Vanlig Injektion AB"}
    assert {c.data_type for c in cells} == {"s"}, "no cell may be stored as a formula"


# --- detail page -------------------------------------------------------------------------


def test_municipality_page_shows_facts_chart_and_table(client, molndal):
    response = client.get(reverse("organisations:detail", kwargs={"slug": "molndal"}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Mölndals kommun" in html
    assert "Västra Götalands län" in html
    assert format_number(molndal.population) in html
    # The chart is an SVG image with a title and description.
    chart = re.search(r'<svg[^>]*class="chart"[^>]*>', html).group(0)
    assert 'role="img"' in chart
    assert 'aria-labelledby="emissions-chart-title emissions-chart-desc"' in chart
    # The table has every year, every sector and the right total.
    rows = table(html, "emissions-table").rows
    years = rows[0][1:]
    assert years == ["1990", "2000", "2005", "2010", "2015", "2020", "2021", "2022", "2023", "2024"]
    body = rows[1:-3]
    assert len(body) == 9
    total_row, population_row, per_row = rows[-3], rows[-2], rows[-1]
    for year in (1990, 2024):
        total = Emission.objects.filter(municipality=molndal, year=year).aggregate(
            t=Sum("tonnes_co2e")
        )["t"]
        population = PopulationFigure.objects.get(municipality=molndal, year=year).population
        column = years.index(str(year)) + 1
        assert total_row[column] == format_number(total)
        # Per inhabitant divides by the same year's population, not today's.
        assert population_row[column] == format_number(population)
        assert per_row[column] == format_number(total / population, 2)
        assert format_number(total) in chart_text(html)
    transport = next(r for r in body if r[0] == translate(EmissionSector.TRANSPORT.label))
    transport_1990 = Emission.objects.get(
        municipality=molndal, year=1990, sector=EmissionSector.TRANSPORT
    ).tonnes_co2e
    assert transport[1] == format_number(transport_1990)


def chart_text(html: str) -> str:
    return re.search(r'<svg[^>]*class="chart".*?</svg>', html, re.S).group(0)


def test_municipality_page_per_inhabitant(client, molndal):
    url = reverse("organisations:detail", kwargs={"slug": "molndal"})
    plain = client.get(url).content.decode()
    assert 'href="?per=capita#emissions-heading"' in plain

    html = client.get(url, {"per": "capita"}).content.decode()
    chart = chart_text(html)
    title = re.search(r'<title id="emissions-chart-title">([^<]*)</title>', chart).group(1)
    assert title == escape(translate("Emissions by sector") + " " + translate("per inhabitant"))
    value = Emission.objects.get(
        municipality=molndal, year=2024, sector=EmissionSector.TRANSPORT
    ).tonnes_co2e
    label = translate(EmissionSector.TRANSPORT.label)
    unit = translate("tonnes CO₂e per inhabitant")
    population_2024 = PopulationFigure.objects.get(municipality=molndal, year=2024).population
    assert population_2024 != molndal.population
    assert escape(f"2024, {label}: {format_number(value / population_2024, 2)} {unit}") in chart
    # The plain chart shows whole tonnes instead.
    assert escape(
        f"2024, {label}: {format_number(value)} {translate('tonnes CO₂e')}"
    ) in chart_text(plain)
    assert 'href="?#emissions-heading"' in html


def test_a_body_page_lists_its_members_and_has_no_emissions(client):
    html = client.get("/organisationer/goteborgsregionen/").content.decode()
    assert 'href="/organisationer/molndal/"' in html
    assert "emissions-table" not in html
    assert 'href="/organisationer/?member_of=goteborgsregionen"' in html


def test_an_unknown_organisation_is_404(client):
    assert client.get("/organisationer/finns-inte/").status_code == 404


def test_the_detail_page_shows_a_profile_only_to_those_it_is_shared_with(client, gr):
    url = "/organisationer/molndal/"
    summary = ClimateProfile.objects.get(organisation__slug="molndal").summary
    assert summary not in client.get(url).content.decode()
    login(client, UserFactory(organisation=gr, role=Role.ADMIN))
    assert summary in client.get(url).content.decode()
    ale_summary = ClimateProfile.objects.get(organisation__slug="ale").summary
    assert escape(ale_summary) not in client.get("/organisationer/ale/").content.decode()


def test_the_edit_link_is_shown_to_editors_only(client, molndal):
    edit = reverse("organisations:profile_edit", kwargs={"slug": "molndal"})
    login(client, UserFactory(organisation=molndal, role=Role.VIEWER))
    assert edit not in client.get("/organisationer/molndal/").content.decode()
    login(client, UserFactory(organisation=molndal, role=Role.EDITOR))
    assert edit in client.get("/organisationer/molndal/").content.decode()


# --- map ---------------------------------------------------------------------------------


def map_svg(html: str) -> str:
    return re.search(r'<svg[^>]*class="map".*?</svg>', html, re.S).group(0)


def test_map_page_links_every_municipality(client):
    response = client.get(MAP_URL)
    assert response.status_code == 200
    svg = map_svg(response.content.decode())
    links = re.findall(r'<a href="(/organisationer/[^"]+/)"', svg)
    assert len(links) == len(set(links)) == municipality_count()
    assert "/organisationer/molndal/" in links
    assert 'aria-label="Mölndal"' in svg
    assert svg.count('<path d="M') == municipality_count()


def test_map_page_coloured_by_emissions(client, molndal):
    html = client.get(MAP_URL, {"metric": "emissions"}).content.decode()
    svg = map_svg(html)
    assert svg.count(' fill="#') == municipality_count()
    total = Emission.objects.filter(municipality=molndal, year=2024).aggregate(
        t=Sum("tonnes_co2e")
    )["t"]
    assert f'aria-label="Mölndal: {format_number(total / molndal.population, 1)} ' in svg


def map_list_links(html: str) -> list[str]:
    section = re.search(r'<section[^>]*class="map-list".*?</section>', html, re.S).group(0)
    return re.findall(r'<a href="([^"]+)"', section)


def map_view_box(html: str) -> list[float]:
    return [float(n) for n in re.search(r'<svg[^>]*viewBox="([^"]+)"', html).group(1).split()]


def test_map_zooms_to_a_county(client, molndal):
    whole = map_view_box(client.get(MAP_URL).content.decode())
    response = client.get(MAP_URL, {"county": molndal.county.code})
    assert response.status_code == 200
    html = response.content.decode()
    x, y, width, height = map_view_box(html)
    # The county's box (with a small margin) is much smaller than Sweden's.
    assert width * height < whole[2] * whole[3] / 10
    # Mölndal's outline lies inside the box.
    path_numbers = [float(n) for n in re.findall(r"[\d.]+", molndal.boundary.svg_path)]
    assert x <= min(path_numbers[0::2]) and max(path_numbers[0::2]) <= x + width
    assert y <= min(path_numbers[1::2]) and max(path_numbers[1::2]) <= y + height
    # Only the county's municipalities are links (on the map and in the list); the others
    # stay as context, out of the Tab order.
    svg = map_svg(html)
    in_county = municipality_count(county=molndal.county)
    assert svg.count("<a href=") == in_county
    assert svg.count('class="context"') == municipality_count() - in_county
    assert f'<option value="{molndal.county.code}" selected>' in html
    assert len(map_list_links(html)) == in_county


@pytest.mark.parametrize("county", ["99", "stockholm", "0" * 500])
def test_map_reports_an_unknown_county_at_its_field(client, county):
    response = client.get(MAP_URL, {"county": county})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["county"]
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert 'href="#id_county"' in html
    # The whole map still shows.
    assert map_view_box(html)[2:] == [MAP_WIDTH, MAP_HEIGHT]
    assert map_svg(html).count("<a href=") == municipality_count()


def test_map_search_marks_and_lists_the_matches(client):
    html = client.get(MAP_URL, {"q": "mölndal"}).content.decode()
    assert html.count('class="is-match"') == 1
    assert re.search(r'<a href="/organisationer/molndal/" class="is-match"', html)
    assert map_list_links(html) == ["/organisationer/molndal/"]
    status = re.search(r'<p role="status" class="map-status">(.*?)</p>', html).group(1)
    assert "1 " in status and "mölndal" in status
    # Nothing found: said so, and the whole map still shows.
    html = client.get(MAP_URL, {"q": "Atlantis"}).content.decode()
    assert "is-match" not in html and "Atlantis" in html
    assert map_svg(html).count("<a href=") == municipality_count()


# --- climate profile edit ----------------------------------------------------------------


EDIT_URL = "/organisationer/molndal/klimatprofil/"


def form_data(version: int, **overrides) -> dict:
    data = {
        "contact_name": "Maja Miljö",
        "contact_email": "maja@molndal.example",
        "staff_fte": "2.5",
        "target_year": "2030",
        "strategy_url": "https://molndal.example/klimat",
        "summary": "Uppdaterad sammanfattning.",
        "sharing_level": "region",
        "version": str(version),
    }
    data.update(overrides)
    return data


def test_an_editor_opens_the_form_with_the_current_values(client, molndal):
    profile = ClimateProfile.objects.get(organisation=molndal)
    login(client, UserFactory(organisation=molndal, role=Role.EDITOR))
    response = client.get(EDIT_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(profile.contact_name) in html
    assert re.search(rf'name="version" value="{profile.version}"', html)


def test_an_editor_saves_the_profile_and_is_redirected(client, molndal):
    editor = UserFactory(organisation=molndal, role=Role.EDITOR)
    version = ClimateProfile.objects.get(organisation=molndal).version
    login(client, editor)

    response = client.post(EDIT_URL, form_data(version))

    assert response.status_code == 302
    assert response["Location"] == "/organisationer/molndal/#climate-profile"
    profile = ClimateProfile.objects.get(organisation=molndal)
    assert profile.contact_name == "Maja Miljö"
    assert str(profile.staff_fte) == "2.50"
    assert profile.version == version + 1
    assert profile.updated_by == editor
    event = AuditEvent.objects.filter(organisation=molndal).latest("created_at")
    assert event.actor == editor and event.action == AuditAction.UPDATE
    # The saved profile shows on the page, with a confirmation.
    page = client.get(response["Location"]).content.decode()
    assert "Maja Miljö" in page
    assert escape(translate("The climate profile was saved.")) in page


def test_an_editor_creates_a_missing_profile(client):
    partille = Organisation.objects.get(slug="partille")
    login(client, UserFactory(organisation=partille, role=Role.EDITOR))
    url = "/organisationer/partille/klimatprofil/"
    assert client.get(url).status_code == 200
    response = client.post(url, {**form_data(0), "version": ""})
    assert response.status_code == 302
    assert ClimateProfile.objects.get(organisation=partille).version == 1


@pytest.mark.parametrize(("field", "value"), [("target_year", "1999"), ("staff_fte", "-1")])
def test_invalid_input_is_shown_at_the_field_and_nothing_saved(client, molndal, field, value):
    before = ClimateProfile.objects.filter(organisation=molndal).values().get()
    login(client, UserFactory(organisation=molndal, role=Role.EDITOR))
    response = client.post(EDIT_URL, form_data(before["version"], **{field: value}))
    assert response.status_code == 200
    assert f'id="id_{field}-errors"' in response.content.decode()
    assert ClimateProfile.objects.filter(organisation=molndal).values().get() == before


@pytest.mark.parametrize("who", ["viewer", "other_editor", "coordinator", "no_role"])
def test_people_without_edit_rights_get_403(client, molndal, ale, gr, who):
    user = {
        "viewer": lambda: UserFactory(organisation=molndal, role=Role.VIEWER),
        "other_editor": lambda: UserFactory(organisation=ale, role=Role.EDITOR),
        "coordinator": lambda: UserFactory(organisation=gr, role=Role.ADMIN),
        "no_role": lambda: UserFactory(),
    }[who]()
    before = ClimateProfile.objects.filter(organisation=molndal).values().get()
    login(client, user)
    assert client.get(EDIT_URL).status_code == 403
    response = client.post(EDIT_URL, form_data(before["version"], summary="Kapat!"))
    assert response.status_code == 403
    assert escape(translate("You do not have access to this page")) in response.content.decode()
    assert ClimateProfile.objects.filter(organisation=molndal).values().get() == before


def test_anonymous_is_sent_to_log_in(client, molndal):
    before = ClimateProfile.objects.filter(organisation=molndal).values().get()
    for response in (client.get(EDIT_URL), client.post(EDIT_URL, form_data(1))):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={EDIT_URL}"
    assert ClimateProfile.objects.filter(organisation=molndal).values().get() == before


def test_staff_may_edit_any_profile(client, staff):
    login(client, staff)
    version = ClimateProfile.objects.get(organisation__slug="molndal").version
    assert client.post(EDIT_URL, form_data(version)).status_code == 302
    profile = ClimateProfile.objects.get(organisation__slug="molndal")
    assert (profile.summary, profile.updated_by) == ("Uppdaterad sammanfattning.", staff)


def test_a_concurrent_edit_returns_409_and_shows_the_other_value(client, molndal):
    me = UserFactory(organisation=molndal, role=Role.EDITOR)
    colleague = UserFactory(organisation=molndal, role=Role.EDITOR)
    seen = ClimateProfile.objects.get(organisation=molndal).version
    login(client, me)
    assert client.get(EDIT_URL).status_code == 200
    # The colleague saves while I am editing.
    services.climate_profile_update(
        actor=colleague,
        organisation=molndal,
        data={"contact_name": "Kollegan Karl", "summary": "Kollegans version."},
        expected_version=seen,
    )

    response = client.post(EDIT_URL, form_data(seen, contact_name="Jag Själv"))

    assert response.status_code == 409
    html = response.content.decode()
    assert "Kollegan Karl" in html and "Kollegans version." in html  # what they saved
    assert 'value="Jag Själv"' in html  # what I typed is kept
    assert (
        escape(
            translate(
                "Someone else saved this profile while you were editing. Review their changes "
                "below and save again."
            )
        )
        in html
    )
    assert re.search(rf'name="version" value="{seen + 1}"', html)
    profile = ClimateProfile.objects.get(organisation=molndal)
    assert profile.contact_name == "Kollegan Karl"
    assert profile.version == seen + 1

    # Saving again from the conflict page (with the new version) goes through.
    response = client.post(EDIT_URL, form_data(seen + 1, contact_name="Jag Själv"))
    assert response.status_code == 302
    assert ClimateProfile.objects.get(organisation=molndal).contact_name == "Jag Själv"


# --- audit log ---------------------------------------------------------------------------


AUDIT_URL = "/organisationer/molndal/logg/"


@pytest.fixture
def edited(molndal):
    editor = UserFactory(organisation=molndal, role=Role.EDITOR, email="redaktor@molndal.example")
    services.climate_profile_update(
        actor=editor, organisation=molndal, data={"summary": "Loggad ändring."}
    )
    return editor


def test_an_admin_reads_the_audit_log(client, molndal, edited):
    login(client, UserFactory(organisation=molndal, role=Role.ADMIN))
    response = client.get(AUDIT_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "redaktor@molndal.example" in html
    # The field's name in the reader's language, not the model's field name.
    with override("sv"):
        summary = str(ClimateProfile._meta.get_field("summary").verbose_name)
    assert re.search(rf"<li>{re.escape(capfirst(summary))}: [^<]* → Loggad ändring.</li>", html)
    assert "<li>Roll: – → Redaktör</li>" in html
    assert "<code>summary</code>" not in html
    assert "Loggad ändring." in html


def test_staff_read_any_audit_log(client, staff, edited):
    login(client, staff)
    response = client.get(AUDIT_URL)
    assert response.status_code == 200
    assert "Loggad ändring." in response.content.decode()


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_editors_and_viewers_may_not_read_the_audit_log(client, molndal, edited, role):
    login(client, UserFactory(organisation=molndal, role=role))
    response = client.get(AUDIT_URL)
    assert response.status_code == 403
    assert "Loggad ändring." not in response.content.decode()


def test_an_admin_of_another_organisation_may_not_read_the_audit_log(client, ale):
    login(client, UserFactory(organisation=ale, role=Role.ADMIN))
    assert client.get(AUDIT_URL).status_code == 403


def test_anonymous_must_log_in_to_read_the_audit_log(client):
    response = client.get(AUDIT_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- query counts ------------------------------------------------------------------------


@pytest.fixture
def many_organisations(gr, molndal):
    """Add 200 municipalities with boundaries, all members of GR and twinned with Mölndal."""

    def add():
        county = Organisation.objects.get(kind=OrganisationKind.COUNTY, code="14")
        fa = FARegion.objects.get(code="15")
        extra = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"Aaa Testkommun {i:03d}",
                    short_name=f"Aaa {i:03d}",
                    slug=f"aaa-testkommun-{i:03d}",
                    kind=OrganisationKind.MUNICIPALITY,
                    code=f"{9000 + i}",
                    county=county,
                    fa_region=fa,
                    population=1000 + i,
                    is_demo=bool(i % 2),
                )
                for i in range(200)
            ]
        )
        extra = list(Organisation.objects.filter(slug__startswith="aaa-testkommun-"))
        release = DataRelease.objects.create(
            dataset="boundaries", source="test", checksum="x", rows=200
        )
        Boundary.objects.bulk_create(
            [
                Boundary(
                    organisation=o,
                    svg_path="M1,1L2,2L1,2Z",
                    centroid_x=1,
                    centroid_y=1,
                    release=release,
                )
                for o in extra
            ]
        )
        Membership.objects.bulk_create(
            [Membership(member=o, body=gr, role=MembershipRole.MEMBER) for o in extra]
            + [Membership(member=o, body=molndal, role=MembershipRole.TWIN_CITY) for o in extra]
        )
        # bulk_create bypasses the services and so the data versions: start from an
        # empty cache, as the reference loader's audited writes would.
        cache.clear()
        return extra

    return add


def count_queries(client, url, params=None) -> tuple[int, object]:
    """Count the queries of the live path (the first view after a change): no cached block."""
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), response


PAGES = [
    (LIST_URL, {}, 5),
    (LIST_URL, {"kind": "municipality", "county": "14", "member_of": "goteborgsregionen"}, 5),
    (LIST_URL, {"format": "csv"}, 4),
    ("/organisationer/molndal/", {}, 7),
    ("/organisationer/molndal/", {"per": "capita"}, 7),
    ("/organisationer/goteborgsregionen/", {}, 4),
    (MAP_URL, {}, 1),
    (MAP_URL, {"metric": "emissions"}, 4),
]


@pytest.mark.parametrize(("url", "params", "limit"), PAGES)
def test_pages_take_a_small_constant_number_of_queries(
    client,
    many_organisations,
    django_assert_max_num_queries,
    django_assert_num_queries,
    url,
    params,
    limit,
):
    with django_assert_max_num_queries(limit):
        client.get(url, params)
    before, _response = count_queries(client, url, params)

    extra = many_organisations()

    with django_assert_num_queries(before):
        response = client.get(url, params)
    assert response.status_code == 200
    # The new organisations really are on the page (so the count is a fair test).
    html = response.content.decode()
    if url == MAP_URL:
        assert map_svg(html).count("<a href=") == 490
    elif "format" in params:
        assert len(parse_csv(response)) - 1 == Organisation.objects.count()
    elif url == LIST_URL:
        assert extra[0].name in html
    else:
        assert extra[0].get_absolute_url() in html


def test_signed_in_pages_take_a_constant_number_of_queries(
    client, molndal, many_organisations, django_assert_max_num_queries
):
    login(client, UserFactory(organisation=molndal, role=Role.ADMIN))
    counts = {}
    for url in (LIST_URL, "/organisationer/molndal/", MAP_URL, EDIT_URL, AUDIT_URL):
        with django_assert_max_num_queries(11):
            counts[url] = count_queries(client, url)[0]
    many_organisations()
    for url, before in counts.items():
        assert count_queries(client, url)[0] == before, url
