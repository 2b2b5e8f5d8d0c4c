"""Follow-up, slice 3: imports of indicator values from files the tests generate in every
shape a municipality gets (cp1252 with semicolons, UTF-8 with BOM and commas, a wide XLSX
with title rows, codes without leading zeros, names without accents, Kolada v2 and v3
JSON), bad rows rejected whole with each row named, skipping them on request, undo, the
preview pages and the management commands."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import Role
from kraftsamla.followup import imports, selectors, services
from kraftsamla.followup.models import Direction, ImportStatus, IndicatorValue
from tests.factories.accounts import UserFactory
from tests.helpers import EDITOR_M, demo_user, org_by_slug, translate, xlsx_bytes

pytestmark = pytest.mark.django_db

NEXT_YEAR = datetime.date.today().year + 1


@pytest.fixture
def indicator():
    return services.indicator_create(
        actor=SYSTEM,
        owner=None,
        data={
            "name": {"sv": "Importtest", "en": "Import test"},
            "unit": "st",
            "direction": Direction.LOWER,
            "kolada_kpi": "N90001",
        },
    )


def _plan(data: bytes, indicator, who=SYSTEM, header_row=None):
    rows = imports.read_rows(data)
    return selectors.table_plan(who, rows, imports.guess_mapping(rows, header_row), indicator)


def _values(plan) -> dict[tuple[str, int, str], float]:
    return {(v.organisation.code, v.year, v.gender): v.value for v in plan.values}


# --- Shapes of files ---------------------------------------------------------------


def test_a_cp1252_semicolon_file_with_names_and_swedish_numbers(indicator):
    text = (
        "Kommun;År;Värde\r\nMölndal;2021;1 234,5\r\nHÄRRYDA;2021;-3,25\r\ngoteborg;2022;12 000\r\n"
    )
    plan = _plan(text.encode("cp1252"), indicator)
    assert plan.problems == []
    assert _values(plan) == {
        ("1481", 2021, "T"): 1234.5,
        ("1401", 2021, "T"): -3.25,
        ("1480", 2022, "T"): 12000.0,
    }


def test_a_utf8_file_with_bom_commas_and_codes_without_leading_zero(indicator):
    text = 'kod,kommun,år,värde\n180,Stockholm,2022,"1\u00a0000,5"\n1481,Mölndal,2022,\u22122\n'
    plan = _plan(("\ufeff" + text).encode("utf-8"), indicator)
    assert plan.problems == []
    assert _values(plan) == {("0180", 2022, "T"): 1000.5, ("1481", 2022, "T"): -2.0}


def test_a_wide_xlsx_with_title_rows_above_the_header(indicator):
    data = xlsx_bytes(
        [
            ["Utsläpp per invånare"],
            ["Källa: SMHI"],
            [],
            ["Kommunkod", "Kommun", 2020, 2021, 2022],
            [1481, "Mölndal", 3.1, "2,9", None],
            ["0180", "Stockholm", 2, 1.9, ".."],
        ]
    )
    rows = imports.read_rows(data)
    mapping = imports.guess_mapping(rows)
    assert (mapping.header_row, mapping.layout) == (3, imports.WIDE)
    assert mapping.year_columns == {2: 2020, 3: 2021, 4: 2022}
    plan = selectors.table_plan(SYSTEM, rows, mapping, indicator)
    assert plan.problems == []
    assert _values(plan) == {
        ("1481", 2020, "T"): 3.1,
        ("1481", 2021, "T"): 2.9,
        ("0180", 2020, "T"): 2.0,
        ("0180", 2021, "T"): 1.9,
    }


def test_a_long_xlsx_with_gender_and_kpi_columns(indicator):
    data = xlsx_bytes(
        [
            ["KPI", "Kod", "År", "Kön", "Värde"],
            ["N90001", "1481", 2021, "K", 5],
            ["N90001", "1481", 2021, "M", 7],
            ["N90001", "1481", 2021, "T", 6],
        ]
    )
    plan = _plan(data, None)
    assert plan.problems == []
    assert _values(plan) == {
        ("1481", 2021, "K"): 5.0,
        ("1481", 2021, "M"): 7.0,
        ("1481", 2021, "T"): 6.0,
    }


def test_the_separator_is_sniffed():
    assert imports.sniff_delimiter("a;b;c\n1;2,5;3\n") == ";"
    assert imports.sniff_delimiter('a,b,c\n1,"2,5",3\n') == ","
    assert imports.sniff_delimiter("a\tb\n1\t2\n") == "\t"


def test_names_are_matched_without_case_and_accents_and_ambiguous_names_are_reported(indicator):
    text = "Kommun;År;Värde\nMOLNDAL;2021;1\nHåbo;2021;2\nGotland;2021;3\nAtlantis;2021;4\n"
    plan = _plan(text.encode("utf-8"), indicator)
    assert ("1481", 2021, "T") in _values(plan)
    assert ("0305", 2021, "T") in _values(plan)  # Håbo, not Habo
    reasons = {p.row: p.reason for p in plan.problems}
    assert "Gotlands kommun" in reasons[4] and "Gotlands län" in reasons[4]
    assert "Atlantis" in reasons[5]


# --- Bad rows ---------------------------------------------------------------

BAD_FILE = (
    "Kod;År;Värde\n"
    "1481;2020;1\n"  # row 2: good
    "9999;2020;2\n"  # row 3: unknown code
    "1481;2020;3\n"  # row 4: the same as row 2
    f"1481;{NEXT_YEAR};4\n"  # row 5: a future year
    "1481;2019;abc\n"  # row 6: not a number
    "1481;tjugo;5\n"  # row 7: not a year
    "1481;2018;\n"  # row 8: no value
    "1481;2017;7\n"  # row 9: good
)


def test_a_file_with_bad_rows_is_rejected_whole_with_each_row_named(indicator):
    plan = _plan(BAD_FILE.encode("utf-8"), indicator)
    assert plan.bad_rows == [3, 4, 5, 6, 7, 8]
    by_row = {p.row: p for p in plan.problems}
    assert by_row[3].column == "Kod" and "9999" in by_row[3].reason
    assert "2" in by_row[4].reason  # names the earlier row
    assert by_row[6].column == "Värde"
    assert by_row[7].column == "År"
    with pytest.raises(ValidationError) as caught:
        services.values_import(actor=SYSTEM, plan=plan, file_name="bad.csv")
    messages = caught.value.message_dict["file"]
    assert len(messages) == 6
    assert "3" in messages[0] and "Kod" in messages[0] and "9999" in messages[0]
    assert not IndicatorValue.objects.filter(indicator=indicator).exists()


def test_skipping_bad_rows_imports_the_good_ones(indicator):
    plan = _plan(BAD_FILE.encode("utf-8"), indicator)
    batch = services.values_import(actor=SYSTEM, plan=plan, file_name="bad.csv", skip_bad_rows=True)
    assert (batch.rows_written, batch.rows_skipped) == (2, 6)
    years = IndicatorValue.objects.filter(indicator=indicator).values_list("year", flat=True)
    assert sorted(years) == [2017, 2020]


def test_an_editor_may_import_only_their_own_organisations_rows(indicator):
    text = "Kod;År;Värde\n1481;2020;1\n1440;2020;2\n"
    plan = _plan(text.encode("utf-8"), indicator, who=demo_user(EDITOR_M))
    assert plan.bad_rows == [3]
    assert "Ale" in plan.problems[0].reason


def test_someone_without_an_editing_role_may_not_import(indicator, molndal):
    plan = _plan("Kod;År;Värde\n1481;2020;1\n".encode(), indicator)
    viewer = UserFactory(organisation=molndal, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        services.values_import(actor=viewer, plan=plan, file_name="x.csv")


def test_an_unreadable_file_is_refused():
    with pytest.raises(imports.UnreadableFile):
        imports.read_rows(b"PK\x03\x04 not really a workbook")
    with pytest.raises(imports.UnreadableFile):
        imports.read_rows(b"")


# --- Undo ---------------------------------------------------------------


def test_undo_removes_added_values_and_restores_replaced_ones(indicator, molndal):
    services.indicator_value_set(
        actor=SYSTEM,
        organisation=molndal,
        indicator=indicator,
        year=2020,
        data={"value": 10.0, "source": "manual"},
    )
    plan = _plan("Kod;År;Värde\n1481;2020;11\n1481;2021;12\n".encode(), indicator)
    batch = services.values_import(actor=SYSTEM, plan=plan, file_name="f.csv", source="fil")
    values = dict(IndicatorValue.objects.filter(indicator=indicator).values_list("year", "value"))
    assert values == {2020: 11.0, 2021: 12.0}
    services.import_undo(actor=SYSTEM, batch=batch)
    restored = IndicatorValue.objects.get(indicator=indicator)
    assert (restored.year, restored.value, restored.source) == (2020, 10.0, "manual")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.UNDONE
    with pytest.raises(ValidationError):
        services.import_undo(actor=SYSTEM, batch=batch)


def test_only_the_importer_undoes(indicator):
    editor = demo_user(EDITOR_M)
    plan = _plan("Kod;År;Värde\n1481;2020;1\n".encode(), indicator, who=editor)
    batch = services.values_import(actor=editor, plan=plan, file_name="f.csv")
    with pytest.raises(PermissionDenied):
        services.import_undo(
            actor=UserFactory(organisation=org_by_slug("molndal"), role=Role.ADMIN), batch=batch
        )


# --- Kolada ---------------------------------------------------------------


def test_kolada_v2_keeps_the_gender_split(indicator):
    document = {
        "count": 2,
        "values": [
            {
                "kpi": "N90001",
                "municipality": "0138",
                "period": 2023,
                "values": [
                    {"count": 1, "gender": "T", "status": "", "value": 74.1},
                    {"count": 1, "gender": "K", "status": "", "value": 77.0},
                    {"count": 1, "gender": "M", "status": "", "value": 71.2},
                ],
            },
            {
                "kpi": "N90001",
                "municipality": "1481",
                "period": 2023,
                "values": [{"count": 0, "gender": "T", "status": "Saknas", "value": None}],
            },
        ],
    }
    plan = selectors.kolada_plan(SYSTEM, json.dumps(document).encode())
    assert plan.problems == []
    assert _values(plan) == {
        ("0138", 2023, "T"): 74.1,
        ("0138", 2023, "K"): 77.0,
        ("0138", 2023, "M"): 71.2,
    }


def test_kolada_v3_pages_and_unknown_kpis(indicator):
    pages = [
        {
            "values": [
                {
                    "kpi": "N90001",
                    "municipality": "1481",
                    "period": 2022,
                    "values": [{"gender": "T", "value": 1.5}],
                },
            ],
            "next_url": "https://api.kolada.se/v3/data/kpi/N90001?page=2",
        },
        {
            "values": [
                {
                    "kpi": "N90001",
                    "municipality": "1481",
                    "period": 2023,
                    "values": [{"gender": "T", "value": 1.4}],
                },
                {
                    "kpi": "X12345",
                    "municipality": "1481",
                    "period": 2023,
                    "values": [{"gender": "T", "value": 9}],
                },
            ],
            "next_url": None,
        },
    ]
    plan = selectors.kolada_plan(SYSTEM, json.dumps(pages).encode())
    assert _values(plan) == {("1481", 2022, "T"): 1.5, ("1481", 2023, "T"): 1.4}
    assert [(p.row, p.column) for p in plan.problems] == [(3, "kpi")]


def test_a_file_that_is_not_kolada_is_refused():
    with pytest.raises(imports.UnreadableFile):
        imports.kolada_pages(b'{"data": []}')
    with pytest.raises(imports.UnreadableFile):
        imports.kolada_pages(b"{not json")


# --- Pages ---------------------------------------------------------------


def _upload(client, name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("followup:import"), {"file": SimpleUploadedFile(name, data)})


def test_upload_preview_import_and_undo_through_the_pages(indicator, molndal):
    client = Client()
    client.force_login(demo_user(EDITOR_M))
    text = "Mölndals stad – indikatorer\n\nKommun;År;Värde\nMölndal;2020;1,5\nMölndal;2021;2,5\n"
    response = _upload(client, "varden.csv", text.encode("cp1252"))
    assert response.status_code == 302
    preview_url = response["Location"]
    page = client.get(preview_url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Mölndals stad – indikatorer" in content  # the raw rows, decoded from cp1252
    form = {
        "kind": "values",
        "header_row": "3",
        "layout": "long",
        "organisation_column": "0",
        "year_column": "1",
        "value_column": "2",
        "indicator": indicator.pk,
        "sharing_level": "region",
    }
    shown = client.post(preview_url, {**form, "action": "preview"})
    assert shown.status_code == 200
    assert "2,50" in shown.content.decode()
    assert not IndicatorValue.objects.filter(indicator=indicator).exists()
    done = client.post(preview_url, {**form, "action": "import"})
    assert done.status_code == 302
    assert IndicatorValue.objects.filter(indicator=indicator, organisation=molndal).count() == 2
    batch_page = client.get(done["Location"])
    assert translate("Undo the import") in batch_page.content.decode()
    undo_url = done["Location"] + "angra/"
    assert client.post(undo_url).status_code == 302
    assert not IndicatorValue.objects.filter(indicator=indicator).exists()


def test_the_preview_lists_bad_rows_and_imports_nothing(indicator):
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    preview_url = _upload(client, "bad.csv", BAD_FILE.encode())["Location"]
    form = {
        "kind": "values",
        "header_row": "1",
        "layout": "long",
        "organisation_column": "0",
        "year_column": "1",
        "value_column": "2",
        "indicator": indicator.pk,
        "sharing_level": "region",
        "action": "import",
    }
    response = client.post(preview_url, form)
    assert response.status_code == 400
    content = response.content.decode()
    assert "9999" in content
    assert not IndicatorValue.objects.filter(indicator=indicator).exists()


def test_an_unreadable_upload_is_shown_at_the_field():
    client = Client()
    client.force_login(demo_user(EDITOR_M))
    response = _upload(client, "x.xlsx", b"PK\x03\x04garbage")
    assert response.status_code == 400
    assert 'id="id_file-errors"' in response.content.decode()


def test_a_preview_whose_upload_was_cleared_asks_for_the_file_again(indicator):
    from django.core.files.storage import default_storage

    client = Client()
    client.force_login(demo_user(EDITOR_M))
    preview_url = _upload(client, "v.csv", b"Kod;Ar;Varde\n1481;2020;1\n")["Location"]
    token = preview_url.rstrip("/").rsplit("/", 1)[-1]
    default_storage.delete(f"{services.IMPORT_UPLOAD_DIRECTORY}/{token}")
    response = client.get(preview_url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("followup:import")
    assert translate("The uploaded file is no longer kept: upload it again.") in (
        response.content.decode()
    )
    assert client.get(preview_url).status_code == 404  # and the token is forgotten


def test_another_persons_preview_is_404(indicator):
    owner = Client()
    owner.force_login(demo_user(EDITOR_M))
    preview_url = _upload(owner, "v.csv", b"Kod;Ar;Varde\n1481;2020;1\n")["Location"]
    other = Client()
    other.force_login(UserFactory(is_staff=True))
    assert other.get(preview_url).status_code == 404


def test_the_import_page_needs_an_editing_role(molndal):
    client = Client()
    client.force_login(UserFactory(organisation=molndal, role=Role.VIEWER))
    assert client.get(reverse("followup:import")).status_code == 403


# --- Management commands ---------------------------------------------------------------


def test_the_command_imports_and_undoes(indicator, tmp_path):
    path = tmp_path / "values.csv"
    path.write_bytes("Kod;År;Värde\n180;2020;1 000,5\n".encode("cp1252"))
    out = io.StringIO()
    call_command("import_indicator_values", str(path), "--indicator", "N90001", stdout=out)
    value = IndicatorValue.objects.get(indicator=indicator)
    assert (value.organisation.code, value.value) == ("0180", 1000.5)
    call_command("undo_indicator_import", str(value.import_batch_id), stdout=out)
    assert not IndicatorValue.objects.filter(indicator=indicator).exists()


def test_the_command_refuses_bad_rows(indicator, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_FILE, encoding="utf-8")
    with pytest.raises(CommandError):
        call_command(
            "import_indicator_values",
            str(path),
            "--indicator",
            "N90001",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not IndicatorValue.objects.filter(indicator=indicator).exists()


def test_an_import_replaced_by_a_later_one_is_undone_after_it(indicator):
    first = services.values_import(
        actor=SYSTEM, plan=_plan("Kod;År;Värde\n1481;2020;1\n".encode(), indicator), file_name="a"
    )
    second = services.values_import(
        actor=SYSTEM, plan=_plan("Kod;År;Värde\n1481;2020;2\n".encode(), indicator), file_name="b"
    )
    services.import_undo(actor=SYSTEM, batch=second)
    assert IndicatorValue.objects.get(indicator=indicator).value == 1.0
    services.import_undo(actor=SYSTEM, batch=first)
    assert not IndicatorValue.objects.filter(indicator=indicator).exists()


def test_undoing_an_import_that_a_later_one_replaced_is_refused(indicator, molndal):
    services.indicator_value_set(
        actor=SYSTEM, organisation=molndal, indicator=indicator, year=2020, data={"value": 0.5}
    )
    first = services.values_import(
        actor=SYSTEM, plan=_plan("Kod;År;Värde\n1481;2020;1\n".encode(), indicator), file_name="a"
    )
    services.values_import(
        actor=SYSTEM, plan=_plan("Kod;År;Värde\n1481;2020;2\n".encode(), indicator), file_name="b"
    )
    # Undoing the first would bring back 0.5 where the second import's 2 now stands.
    with pytest.raises(ValidationError):
        services.import_undo(actor=SYSTEM, batch=first)
    assert IndicatorValue.objects.get(indicator=indicator).value == 2.0


# --- Fetching from the Kolada API (no network: the opener is replaced) ------------------------


class _Response(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _kolada_server(pages: dict[str, dict]):
    asked = []

    def opener(url, timeout):
        asked.append(url)
        if url not in pages:
            raise OSError("404")
        return _Response(json.dumps(pages[url]).encode())

    return opener, asked


def test_fetching_follows_next_url_pages(indicator, settings):
    settings.KRAFTSAMLA_KOLADA_BASE_URL = "https://kolada.test/v3/"
    url = imports.kolada_url("N90001", [2023, 2022])
    assert url == "https://kolada.test/v3/data/kpi/N90001/year/2022,2023"
    second = "https://kolada.test/v3/data/kpi/N90001/year/2022,2023?page=2"
    entry = {"kpi": "N90001", "municipality": "1481", "values": [{"gender": "T", "value": 3}]}
    opener, asked = _kolada_server(
        {
            url: {"values": [{**entry, "period": 2022}], "next_url": second},
            second: {"values": [{**entry, "period": 2023}], "next_url": None},
        }
    )
    pages = imports.kolada_fetch(url, opener=opener)
    assert asked == [url, second]
    plan = selectors.kolada_plan(SYSTEM, pages)
    assert _values(plan) == {("1481", 2022, "T"): 3.0, ("1481", 2023, "T"): 3.0}


def test_an_unreachable_kolada_is_a_clear_error():
    opener, _asked = _kolada_server({})
    with pytest.raises(imports.UnreadableFile):
        imports.kolada_fetch("https://kolada.test/v3/data/kpi/N90001/year/2022", opener=opener)
    with pytest.raises(imports.UnreadableFile):
        imports.kolada_url("X1", [2022])


def test_the_command_fetches_from_kolada(indicator, settings, monkeypatch):
    settings.KRAFTSAMLA_KOLADA_BASE_URL = "https://kolada.test/v3"
    url = "https://kolada.test/v3/data/kpi/N90001/year/2021"
    page = {
        "values": [
            {
                "kpi": "N90001",
                "municipality": "0180",
                "period": 2021,
                "values": [{"gender": "T", "value": 7.5}],
            }
        ]
    }
    opener, _asked = _kolada_server({url: page})
    monkeypatch.setattr("urllib.request.urlopen", opener)
    call_command(
        "import_indicator_values", "--kolada", "N90001", "--years", "2021", stdout=io.StringIO()
    )
    assert IndicatorValue.objects.get(indicator=indicator).value == 7.5


def test_only_the_last_uploads_are_kept(indicator):
    from django.core.files.storage import default_storage

    client = Client()
    client.force_login(demo_user(EDITOR_M))
    urls = [
        _upload(client, f"v{n}.csv", b"Kod;Ar;Varde\n1481;2020;1\n")["Location"] for n in range(5)
    ]
    assert client.get(urls[0]).status_code == 404
    assert client.get(urls[-1]).status_code == 200
    kept = client.session["followup_imports"]
    assert len(kept) == 3
    assert all(default_storage.exists(item["path"]) for item in kept.values())
