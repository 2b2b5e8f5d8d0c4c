"""Follow-up: a municipality's own emission figures, imported from the files it receives
(the national emissions database's wide export with title rows, a cp1252 semicolon file
with codes that lost their leading zero), bad rows rejected whole with each row named,
undo, emission targets followed on the own figures, who sees them, the pages and the
command."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import AuditEvent
from kraftsamla.followup import imports, selectors, services
from kraftsamla.followup.models import (
    EmissionFigure,
    EmissionSeries,
    ImportKind,
    ImportStatus,
)
from tests.factories.accounts import UserFactory
from tests.helpers import EDITOR_M, demo_user, org_by_slug, translate, xlsx_bytes

pytestmark = pytest.mark.django_db

EMISSIONS = ImportKind.EMISSIONS
NEXT_YEAR = datetime.date.today().year + 1


def _plan(data: bytes, who=SYSTEM, name: str = ""):
    rows = imports.read_rows(data, name)
    return selectors.table_plan(who, rows, imports.guess_mapping(rows), None, kind=EMISSIONS)


def _figures(plan) -> dict[tuple[str, int, str], float]:
    return {(v.organisation.code, v.year, v.sector): v.value for v in plan.values}


# The national emissions database's export: title rows, a row per municipality, main sector
# and sub-sector, the years as columns, "Alla" for all (sub-)sectors.
DATABASE_EXPORT = [
    ["Nationella emissionsdatabasen – utsläpp till luft"],
    ["Enhet: ton CO2-ekvivalenter"],
    [],
    ["Län", "Kommun", "Huvudsektor", "Undersektor", 2005, 2015, 2022],
    ["Västra Götalands län", "Mölndal", "Alla", "Alla", "310 000", "250 000,5", 200000],
    ["Västra Götalands län", "Mölndal", "Transporter", "Alla", 150000, "120 000", 95000],
    ["Västra Götalands län", "Mölndal", "Transporter", "Vägtrafik", 140000, 110000, 88000],
    ["Västra Götalands län", "Mölndal", "Transporter", "Sjöfart", 10000, 10000, 7000],
    ["Västra Götalands län", "Mölndal", "El och fjärrvärme", "Alla", 60000, 30000, ".."],
]


def test_the_databases_wide_export_with_title_rows_is_read_with_its_sectors():
    rows = imports.read_rows(xlsx_bytes(DATABASE_EXPORT))
    mapping = imports.guess_mapping(rows)
    assert (mapping.header_row, mapping.layout, mapping.sector, mapping.subsector) == (
        3,
        imports.WIDE,
        2,
        3,
    )
    plan = selectors.table_plan(SYSTEM, rows, mapping, None, kind=EMISSIONS)
    assert plan.problems == []
    # The sub-sector rows are parts of "Transporter": left out, not added, not bad.
    assert plan.subsector_rows == 2
    assert _figures(plan) == {
        ("1481", 2005, ""): 310000.0,
        ("1481", 2015, ""): 250000.5,
        ("1481", 2022, ""): 200000.0,
        ("1481", 2005, "transport"): 150000.0,
        ("1481", 2015, "transport"): 120000.0,
        ("1481", 2022, "transport"): 95000.0,
        ("1481", 2005, "electricity_heat"): 60000.0,
        ("1481", 2015, "electricity_heat"): 30000.0,
    }
    assert plan.values[0].sector_label == translate("All sectors (the total)")


def test_a_cp1252_semicolon_file_with_codes_without_leading_zero_and_sector_names():
    text = (
        "Kod;Sektor;År;Ton CO2e\r\n"
        "180;Transport;2021;1 234 567,5\r\n"
        "180;Jordbruk;2021;\u221212\r\n"
        "1481;transport;2021;95 000\r\n"
        "1481;Heating of homes and premises;2021;4000\r\n"
    )
    plan = _plan(text.encode("cp1252", errors="replace").replace(b"?", b"-"))
    assert plan.problems == []
    assert _figures(plan) == {
        ("0180", 2021, "transport"): 1234567.5,
        ("0180", 2021, "agriculture"): -12.0,
        ("1481", 2021, "transport"): 95000.0,
        ("1481", 2021, "heating"): 4000.0,
    }


def test_a_file_without_a_sector_column_holds_totals():
    plan = _plan("Kommun;År;Utsläpp\nMölndal;2021;200 000\n".encode())
    assert _figures(plan) == {("1481", 2021, ""): 200000.0}


BAD_EMISSIONS = (
    "Kommun;Sektor;År;Ton\n"
    "Mölndal;Transporter;2021;1000\n"  # row 2: good
    "Mölndal;Flyg;2021;50\n"  # row 3: not a sector
    "Göteborgsregionen;Alla;2021;9\n"  # row 4: not a municipality
    "Mölndal;Transporter;2021;1100\n"  # row 5: the same as row 2
    f"Mölndal;Alla;{NEXT_YEAR};5\n"  # row 6: a future year
    "Mölndal;Alla;2021;mycket\n"  # row 7: not a number
)


def test_bad_rows_are_each_named_and_the_file_is_rejected_whole():
    plan = _plan(BAD_EMISSIONS.encode())
    reasons = {problem.row: (problem.column, problem.reason) for problem in plan.problems}
    assert sorted(reasons) == [3, 4, 5, 6, 7]
    assert reasons[3] == (
        "Sektor",
        translate("“%(text)s” is not one of the emission sectors.") % {"text": "Flyg"},
    )
    assert "Göteborgsregionen" in reasons[4][1]
    assert "2" in reasons[5][1]  # names the earlier row
    with pytest.raises(ValidationError) as refused:
        services.values_import(actor=SYSTEM, plan=plan, file_name="bad.csv")
    assert len(refused.value.message_dict["file"]) == 5
    assert not EmissionFigure.objects.exists()


def test_skipping_bad_rows_imports_the_good_ones():
    plan = _plan(BAD_EMISSIONS.encode())
    batch = services.values_import(actor=SYSTEM, plan=plan, file_name="bad.csv", skip_bad_rows=True)
    assert (batch.kind, batch.rows_written, batch.rows_skipped) == (EMISSIONS, 1, 5)
    figure = EmissionFigure.objects.get()
    assert (figure.sector, figure.year, figure.tonnes_co2e) == ("transport", 2021, 1000.0)


def test_an_editor_of_another_municipality_may_not_import_its_figures():
    plan = _plan("Kommun;År;Ton\nLinköping;2021;1\n".encode(), who=demo_user(EDITOR_M))
    assert [p.row for p in plan.problems] == [2]
    assert "Linköping" in plan.problems[0].reason


def test_undo_removes_the_figures_and_restores_those_replaced():
    molndal = org_by_slug("molndal")
    first = services.values_import(
        actor=SYSTEM,
        plan=_plan("Kommun;År;Ton\nMölndal;2020;100\nMölndal;2021;90\n".encode()),
        file_name="first.csv",
        source="Egen inventering",
    )
    second = services.values_import(
        actor=SYSTEM,
        plan=_plan("Kommun;År;Ton\nMölndal;2021;80\nMölndal;2022;70\n".encode()),
        file_name="second.csv",
    )
    assert selectors.own_emission_series(SYSTEM, molndal) == {2020: 100, 2021: 80, 2022: 70}
    with pytest.raises(ValidationError):
        services.import_undo(actor=SYSTEM, batch=first)  # the second replaced a figure
    services.import_undo(actor=SYSTEM, batch=second)
    assert selectors.own_emission_series(SYSTEM, molndal) == {2020: 100, 2021: 90}
    restored = EmissionFigure.objects.get(year=2021)
    assert (restored.source, restored.import_batch_id) == ("Egen inventering", first.pk)
    second.refresh_from_db()
    assert second.status == ImportStatus.UNDONE
    assert AuditEvent.objects.filter(object_id=str(second.pk), action="delete").exists()


def test_a_years_total_is_the_given_total_else_the_sum_of_its_sectors():
    molndal = org_by_slug("molndal")
    services.values_import(
        actor=SYSTEM,
        plan=_plan(
            (
                "Kommun;Sektor;År;Ton\n"
                "Mölndal;Transporter;2020;60\nMölndal;Jordbruk;2020;40\n"
                "Mölndal;Transporter;2021;50\nMölndal;Jordbruk;2021;30\nMölndal;Alla;2021;85\n"
            ).encode()
        ),
        file_name="sectors.csv",
    )
    assert selectors.own_emission_series(SYSTEM, molndal) == {2020: 100, 2021: 85}
    assert selectors.own_emission_series(SYSTEM, molndal, "transport") == {2020: 60, 2021: 50}


def _own_figures(sharing_level="public"):
    return services.values_import(
        actor=SYSTEM,
        plan=_plan(
            (
                "Kommun;År;Ton\nMölndal;2015;400 000\nMölndal;2020;300 000\nMölndal;2023;240 000\n"
            ).encode()
        ),
        file_name="egna.csv",
        sharing_level=sharing_level,
    )


def _target(series=EmissionSeries.OWN, base_year=2015, sharing_level="public"):
    return services.emission_target_create(
        actor=SYSTEM,
        organisation=org_by_slug("molndal"),
        data={
            "name": {"sv": "Halvera", "en": "Halve"},
            "kind": "reduction",
            "reduction_percent": 50,
            "base_year": base_year,
            "target_year": 2030,
            "series": series,
            "sharing_level": sharing_level,
        },
    )


def test_an_emission_target_is_followed_on_the_own_figures():
    _own_figures()
    target = _target()
    page = selectors.emission_target_page(SYSTEM, target)
    # 400,000 in 2015 → 200,000 allowed in 2030; from 240,000 in 2023: 40,000 / 7 a year.
    assert (page.plan.base_value, page.plan.latest_year) == (400000, 2023)
    assert page.plan.target_value == 200000
    assert page.plan.required_tonnes_per_year == pytest.approx(40000 / 7)


def test_a_target_on_own_figures_needs_a_figure_for_its_base_year():
    _own_figures()
    with pytest.raises(ValidationError) as refused:
        _target(base_year=2016)
    assert "base_year" in refused.value.message_dict


def test_private_own_figures_are_not_shown_to_others_on_a_public_target():
    _own_figures(sharing_level="private")
    target = _target()
    outsider = UserFactory(organisation=org_by_slug("linkoping"))
    assert selectors.own_emission_series(outsider, target.organisation) == {}
    page = selectors.emission_target_page(outsider, target)
    assert page.plan is None and "2015" in page.problem
    assert selectors.emission_target_page(demo_user(EDITOR_M), target).plan is not None


def _upload(client, name: str, data: bytes):
    return client.post(reverse("followup:import"), {"file": SimpleUploadedFile(name, data)})


def test_the_pages_read_the_export_import_it_and_show_the_target_on_it():
    client = Client()
    client.force_login(demo_user(EDITOR_M))
    preview_url = _upload(client, "utslapp.xlsx", xlsx_bytes(DATABASE_EXPORT))["Location"]
    page = client.get(preview_url).content.decode()
    # The sector column makes the preview read the file as emission figures at once.
    assert re.search(r'value="emissions"[^>]*checked', page)
    assert translate("Electricity and district heating") in page
    assert "2 " in page and "Vägtrafik" in page  # the raw rows; the preview leaves them out
    form = {
        "kind": "emissions",
        "header_row": "4",
        "layout": "wide",
        "organisation_column": "1",
        "sector_column": "2",
        "subsector_column": "3",
        "sharing_level": "public",
        "source": "Nationella emissionsdatabasen",
    }
    done = client.post(preview_url, {**form, "action": "import"})
    assert done.status_code == 302
    assert EmissionFigure.objects.filter(organisation__slug="molndal").count() == 8
    batch_page = client.get(done["Location"]).content.decode()
    assert translate("Emission figures") in batch_page
    target = _target(base_year=2005)
    shown = client.get(
        reverse("followup:emission-target", kwargs={"slug": "molndal", "pk": target.pk})
    ).content.decode()
    assert translate("The municipality's own figures (imported)") in shown
    assert "310" in shown


def test_a_long_emissions_import_runs_in_the_background():
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    data = "Kommun;Sektor;År;Ton\nMölndal;Transporter;2021;1000\n".encode()
    path = default_storage.save("followup-imports/test-emissions", ContentFile(data))
    rows = imports.read_rows(data)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the immediate task backend
        job = services.import_job_create(
            actor=demo_user(EDITOR_M),
            path=path,
            file_name="long.csv",
            kind="table",
            options={
                "kind": EMISSIONS,
                "mapping": imports.mapping_to_json(imports.guess_mapping(rows)),
                "sharing_level": "region",
            },
        )
    job.refresh_from_db()
    assert job.batch is not None and job.batch.kind == EMISSIONS
    assert EmissionFigure.objects.get().sector == "transport"


def test_the_command_imports_emission_figures(tmp_path):
    path = tmp_path / "utslapp.csv"
    path.write_bytes("Kod;Sektor;År;Ton\n1481;Alla;2021;200 000\n".encode("cp1252"))
    out = io.StringIO()
    call_command("import_indicator_values", str(path), "--emissions", stdout=out)
    assert "Imported 1 values" in out.getvalue()
    assert EmissionFigure.objects.get().tonnes_co2e == 200000.0
