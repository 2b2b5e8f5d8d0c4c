"""Reference data: counts, idempotent reloads, new releases and all-or-nothing validation."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from kraftsamla.core.models import AuditAction, AuditEvent
from kraftsamla.organisations import reference
from kraftsamla.organisations.models import (
    Boundary,
    DataRelease,
    Emission,
    EmissionSector,
    Organisation,
    OrganisationKind,
    PopulationFigure,
)
from kraftsamla.organisations.reference import (
    DATA_DIR,
    FILES,
    ReferenceDataError,
    reference_data_load,
)
from tests.helpers import municipality_count, translate

pytestmark = pytest.mark.django_db

MOLNDAL, ALE = "1481", "1440"


# --- helpers -----------------------------------------------------------------------------


def copy_reference_files(target: Path) -> Path:
    """Copy every shipped reference file into `target` unchanged."""
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES.values():
        shutil.copy(DATA_DIR / name, target / name)
    return target


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def small_copy(target: Path, codes=(MOLNDAL, ALE)) -> Path:
    """Copy the files, keeping only a few municipalities' emissions (fast to parse and load)."""
    copy_reference_files(target)
    for dataset in ("emissions", "population"):
        header, rows = read_csv(target / FILES[dataset])
        write_csv(target / FILES[dataset], header, [r for r in rows if r[0] in codes])
    return target


def line_of(path: Path, needle: str) -> int:
    """Return the 1-based line number of the first line starting with `needle`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(needle):
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def db_state() -> dict:
    """Everything a reference load writes, to prove a failed load wrote nothing."""
    return {
        "organisations": Organisation.objects.count(),
        "releases": DataRelease.objects.count(),
        "emission_ids": set(Emission.objects.values_list("id", flat=True)),
        "boundaries": Boundary.objects.count(),
        "population_ids": set(PopulationFigure.objects.values_list("id", flat=True)),
        "audit": AuditEvent.objects.count(),
        "molndal_population": Organisation.objects.get(code=MOLNDAL).population,
        "molndal_name": Organisation.objects.get(code=MOLNDAL).name,
    }


def load_errors(directory: Path) -> list[reference.RowError]:
    before = db_state()
    with pytest.raises(ReferenceDataError) as info:
        reference_data_load(directory=directory)
    assert db_state() == before, "a rejected load must write nothing"
    return info.value.errors


def find_error(errors, file: str, row, column):
    matches = [e for e in errors if e.file == file and e.row == row and e.column == column]
    assert matches, f"no error for {file} row {row} column {column}: {[str(e) for e in errors]}"
    error = matches[0]
    text = str(error)
    assert file in text
    if row is not None:
        assert str(row) in text
    if column is not None:
        assert column in text
    return error


@pytest.fixture
def broken_dir(tmp_path):
    """A small valid copy that ALSO carries a valid change (Mölndal's population).

    If a loader wrote valid rows before failing on broken ones, the population
    change would show; every broken-file test checks that it does not.
    """
    directory = small_copy(tmp_path / "data")
    replace_in(
        directory / FILES["municipalities"],
        "Mölndal,14,Västra Götalands län,72128,",
        "Mölndal,14,Västra Götalands län,99999,",
    )
    return directory


# --- the shipped release (2025) ---------------------------------------------------------
# The only tests that name figures of the shipped data; update them with a new data release.
# Other tests compute what they expect from the loaded data.


def test_release_2025_has_every_municipality_county_and_emission_row():
    assert Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).count() == 290
    assert Organisation.objects.filter(kind=OrganisationKind.COUNTY).count() == 21
    assert Emission.objects.count() == 26_100
    assert Boundary.objects.count() == 290
    assert municipality_count(county__code="14") == 49  # Västra Götaland


def test_release_2025_facts_of_molndal_match_the_files():
    molndal = Organisation.objects.select_related("county", "fa_region").get(code=MOLNDAL)
    assert molndal.name == "Mölndals kommun"
    assert molndal.short_name == "Mölndal"
    assert molndal.slug == "molndal"
    assert molndal.population == 72128
    assert molndal.county.code == "14"
    assert molndal.county.kind == OrganisationKind.COUNTY
    assert molndal.fa_region.code == "15"
    # Every municipality has 9 sectors × 10 years and a boundary.
    per_muni = Emission.objects.values("municipality").annotate(n=Count("id"))
    assert {row["n"] for row in per_muni} == {90}
    assert per_muni.count() == 290
    assert set(Emission.objects.values_list("sector", flat=True)) == set(EmissionSector.values)
    without_boundary = Organisation.objects.filter(
        kind=OrganisationKind.MUNICIPALITY, boundary__isnull=True
    )
    assert not without_boundary.exists()
    first = Emission.objects.get(municipality=molndal, year=1990, sector=EmissionSector.TRANSPORT)
    assert first.tonnes_co2e == pytest.approx(146355.67)


def test_release_2025_every_emission_and_boundary_has_provenance():
    emission_releases = DataRelease.objects.filter(
        pk__in=Emission.objects.values("release_id").distinct()
    )
    assert emission_releases.count() == 1
    release = emission_releases.get()
    assert release.dataset == "emissions"
    assert release.rows == 26_100
    assert "SMHI" in release.source
    assert len(release.checksum) == 64
    boundary_release = DataRelease.objects.get(
        pk__in=Boundary.objects.values("release_id").distinct()
    )
    assert boundary_release.dataset == "boundaries"
    assert boundary_release.rows == 290


def test_release_2025_population_by_year_matches_scb():
    assert PopulationFigure.objects.count() == 16_658
    figure = PopulationFigure.objects.get
    assert figure(municipality__code="0180", year=2023).population == 988_943
    assert figure(municipality__code="0180", year=2022).population == 984_748
    assert figure(municipality__code=MOLNDAL, year=2023).population == 70_534
    assert figure(municipality__code="0586", year=2023).population == 28_576
    national = PopulationFigure.objects.filter(year=1990).values_list("population", flat=True)
    assert sum(national) == 8_590_630
    # Knivsta was formed in 2003; SCB's 31 December 2002 figure already uses the new division.
    knivsta = PopulationFigure.objects.filter(municipality__code="0330")
    assert min(knivsta.values_list("year", flat=True)) == 2002
    # 2025 is the same figure as the municipality's population.
    assert figure(municipality__code=MOLNDAL, year=2025).population == 72128
    release = DataRelease.objects.get(
        pk__in=PopulationFigure.objects.values("release_id").distinct()
    )
    assert release.dataset == "population"
    assert "SCB" in release.source


# --- idempotency -------------------------------------------------------------------------


def test_loading_the_same_files_again_changes_nothing():
    releases = list(DataRelease.objects.values_list("id", flat=True))
    emission_ids = set(Emission.objects.values_list("id", flat=True))
    boundary_ids = set(Boundary.objects.values_list("id", flat=True))
    organisations = set(Organisation.objects.values_list("id", "slug", "updated_at"))
    audit_count = AuditEvent.objects.count()

    for _attempt in range(2):
        summary = reference_data_load()
        assert summary.counts == {
            "counties": {"unchanged": 21},
            "municipalities": {"unchanged": 290},
            "emissions": {"unchanged": 26_100},
            "population": {"unchanged": 16_658},
            "boundaries": {"unchanged": 290},
        }

    assert list(DataRelease.objects.values_list("id", flat=True)) == releases
    assert set(Emission.objects.values_list("id", flat=True)) == emission_ids
    assert set(Boundary.objects.values_list("id", flat=True)) == boundary_ids
    assert set(Organisation.objects.values_list("id", "slug", "updated_at")) == organisations
    # Nothing changed, so nothing is audited either.
    assert AuditEvent.objects.count() == audit_count


def test_a_changed_municipality_is_updated_in_place_and_audited(tmp_path, staff):
    directory = small_copy(tmp_path / "data")
    replace_in(
        directory / FILES["municipalities"],
        "Mölndal,14,Västra Götalands län,72128,",
        "Mölndal,14,Västra Götalands län,72500,",
    )
    molndal_id = Organisation.objects.get(code=MOLNDAL).pk

    summary = reference_data_load(actor=staff, directory=directory)

    assert summary.counts["municipalities"] == {"updated": 1, "unchanged": 289}
    molndal = Organisation.objects.get(code=MOLNDAL)
    assert molndal.pk == molndal_id and molndal.slug == "molndal"
    assert molndal.population == 72500
    assert Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).count() == 290
    event = AuditEvent.objects.filter(action=AuditAction.LOAD).latest("created_at")
    assert event.actor == staff
    assert event.after["municipalities"]["updated"] == 1


# --- new releases ------------------------------------------------------------------------


def test_a_new_emissions_release_replaces_series_and_never_mixes(tmp_path):
    directory = copy_reference_files(tmp_path / "data")
    path = directory / FILES["emissions"]
    header, rows = read_csv(path)
    changed = 0
    for row in rows:
        if row[0] == MOLNDAL and row[2] == "2024" and row[3] == "Transporter":
            row[4] = "123456.78"
            changed += 1
    assert changed == 1
    write_csv(path, header, rows)
    old_release = DataRelease.objects.filter(dataset="emissions").latest("loaded_at")
    releases_before = DataRelease.objects.count()
    boundary_ids = set(Boundary.objects.values_list("id", flat=True))

    summary = reference_data_load(directory=directory)

    assert summary.counts["emissions"] == {"loaded": 26_100}
    assert summary.counts["boundaries"] == {"unchanged": 290}
    assert DataRelease.objects.count() == releases_before + 1
    new_release = DataRelease.objects.exclude(pk=old_release.pk).get(
        dataset="emissions", pk__gt=old_release.pk
    )
    assert new_release.rows == 26_100
    assert new_release.checksum != old_release.checksum
    assert Emission.objects.count() == 26_100
    value = Emission.objects.get(
        municipality__code=MOLNDAL, year=2024, sector=EmissionSector.TRANSPORT
    )
    assert value.tonnes_co2e == pytest.approx(123456.78)
    assert value.release_id == new_release.pk
    # No municipality mixes two releases; the old release no longer backs any figure.
    mixed = (
        Emission.objects.values("municipality")
        .annotate(n=Count("release", distinct=True))
        .filter(n__gt=1)
    )
    assert not mixed.exists()
    assert not Emission.objects.filter(release=old_release).exists()
    # Boundaries were not touched.
    assert set(Boundary.objects.values_list("id", flat=True)) == boundary_ids

    # Loading the new release a second time changes nothing.
    again = reference_data_load(directory=directory)
    assert again.counts["emissions"] == {"unchanged": 26_100}
    assert DataRelease.objects.count() == releases_before + 1


def test_a_partial_release_replaces_one_municipalitys_whole_series(tmp_path):
    """SMHI revises earlier years: a new release replaces the series, it is never merged."""
    directory = copy_reference_files(tmp_path / "data")
    header, rows = read_csv(directory / FILES["emissions"])
    # The new release has Mölndal only, from 2000 on (1990 dropped), with one revised value.
    new_rows = [r for r in rows if r[0] == MOLNDAL and r[2] != "1990"]
    for r in new_rows:
        if r[2] == "2020" and r[3] == "Jordbruk":
            r[4] = "1.5"
    write_csv(directory / FILES["emissions"], header, new_rows)
    ale_rows = Emission.objects.filter(municipality__code=ALE).values_list(
        "id", "tonnes_co2e", "release"
    )
    ale_before = set(ale_rows)
    old_release = Emission.objects.filter(municipality__code=ALE).first().release

    summary = reference_data_load(directory=directory)

    assert summary.counts["emissions"] == {"loaded": 81}
    molndal = Emission.objects.filter(municipality__code=MOLNDAL)
    assert molndal.count() == 81
    assert not molndal.filter(year=1990).exists(), "old years must not survive a new release"
    assert molndal.values("release").distinct().count() == 1
    assert molndal.first().release != old_release
    assert molndal.get(year=2020, sector=EmissionSector.AGRICULTURE).tonnes_co2e == 1.5
    # Other municipalities keep their own complete series from the old release.
    assert set(ale_rows.all()) == ale_before
    assert Emission.objects.count() == 26_100 - 9
    mixed = (
        Emission.objects.values("municipality")
        .annotate(n=Count("release", distinct=True))
        .filter(n__gt=1)
    )
    assert not mixed.exists()


# --- broken files are rejected whole ------------------------------------------------------


def test_a_missing_column_is_reported_and_nothing_written(broken_dir):
    path = broken_dir / FILES["emissions"]
    replace_in(path, "tonnes_co2e", "tonnes")
    errors = load_errors(broken_dir)
    find_error(errors, "emissions_by_sector.csv", 1, "tonnes_co2e")


def test_a_three_digit_municipality_code_is_rejected(broken_dir):
    path = broken_dir / FILES["municipalities"]
    assert line_of(path, "0114,") == 2
    replace_in(path, "\n0114,", "\n114,")
    errors = load_errors(broken_dir)
    error = find_error(errors, "municipalities.csv", 2, "municipality_code")
    assert "0114" in error.message  # the message shows the expected form


def test_an_unknown_county_code_is_rejected(broken_dir):
    path = broken_dir / FILES["municipalities"]
    row = line_of(path, MOLNDAL)
    replace_in(path, "Mölndal,14,", "Mölndal,99,")
    errors = load_errors(broken_dir)
    error = find_error(errors, "municipalities.csv", row, "county_code")
    assert "99" in error.message


def test_bytes_that_are_not_utf8_are_rejected(broken_dir):
    path = broken_dir / FILES["municipalities"]
    row = line_of(path, MOLNDAL)
    raw = path.read_bytes()
    latin1 = "Mölndals kommun".encode("latin-1")
    assert "Mölndals kommun".encode() in raw
    path.write_bytes(raw.replace("Mölndals kommun".encode(), latin1, 1))
    errors = load_errors(broken_dir)
    error = find_error(errors, "municipalities.csv", row, None)
    assert "UTF-8" in error.message


def test_non_numeric_tonnes_are_rejected(broken_dir):
    path = broken_dir / FILES["emissions"]
    row = line_of(path, f"{MOLNDAL},Mölndal,2024,Transporter,")
    header, rows = read_csv(path)
    rows[row - 2][4] = "many"
    write_csv(path, header, rows)
    errors = load_errors(broken_dir)
    find_error(errors, "emissions_by_sector.csv", row, "tonnes_co2e")


@pytest.mark.parametrize("value", ["nan", "inf", ""])
def test_non_finite_or_empty_tonnes_are_rejected(broken_dir, value):
    path = broken_dir / FILES["emissions"]
    header, rows = read_csv(path)
    rows[4][4] = value
    write_csv(path, header, rows)
    errors = load_errors(broken_dir)
    find_error(errors, "emissions_by_sector.csv", 6, "tonnes_co2e")


def test_an_unknown_sector_is_rejected(broken_dir):
    path = broken_dir / FILES["emissions"]
    header, rows = read_csv(path)
    rows[0][3] = "Rymdfart"
    write_csv(path, header, rows)
    errors = load_errors(broken_dir)
    error = find_error(errors, "emissions_by_sector.csv", 2, "sector")
    assert "Rymdfart" in error.message


def test_an_emission_for_an_unknown_municipality_is_rejected(broken_dir):
    path = broken_dir / FILES["emissions"]
    header, rows = read_csv(path)
    rows.append(["9999", "Nowhere", "2024", "Transporter", "1.0"])
    write_csv(path, header, rows)
    errors = load_errors(broken_dir)
    find_error(errors, "emissions_by_sector.csv", len(rows) + 1, "municipality_code")


def test_a_duplicate_emission_cell_is_rejected(broken_dir):
    path = broken_dir / FILES["emissions"]
    header, rows = read_csv(path)
    rows.append(list(rows[0]))
    write_csv(path, header, rows)
    errors = load_errors(broken_dir)
    find_error(errors, "emissions_by_sector.csv", len(rows) + 1, None)


def test_an_oversized_file_is_rejected(broken_dir, monkeypatch):
    size = (broken_dir / FILES["municipalities"]).stat().st_size
    monkeypatch.setattr(reference, "MAX_FILE_BYTES", size - 1)
    errors = load_errors(broken_dir)
    error = find_error(errors, "municipalities.csv", None, None)
    assert str(size) in error.message and str(size - 1) in error.message
    # The small counties file is within the limit and not reported.
    assert not [e for e in errors if e.file == "counties.csv"]


def test_invalid_json_in_the_boundaries_is_rejected(broken_dir):
    path = broken_dir / FILES["boundaries"]
    path.write_text(
        '{"type": "FeatureCollection",\n"features": [\n{"type": "Feature",,}\n]}', encoding="utf-8"
    )
    errors = load_errors(broken_dir)
    error = find_error(errors, "municipalities.geojson", 3, None)
    assert "JSON" in error.message


def test_a_boundary_for_an_unknown_municipality_is_rejected(broken_dir):
    path = broken_dir / FILES["boundaries"]
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["features"][4]["properties"]["municipality_code"] = "9999"
    path.write_text(json.dumps(doc), encoding="utf-8")
    errors = load_errors(broken_dir)
    find_error(errors, "municipalities.geojson", 5, "municipality_code")


def test_a_missing_file_is_reported(broken_dir):
    (broken_dir / FILES["counties"]).unlink()
    errors = load_errors(broken_dir)
    find_error(errors, "counties.csv", None, None)


def test_every_problem_in_every_file_is_reported_at_once(broken_dir):
    municipalities = broken_dir / FILES["municipalities"]
    replace_in(municipalities, "\n0114,", "\n114,")
    emissions = broken_dir / FILES["emissions"]
    header, rows = read_csv(emissions)
    rows[0][3] = "Rymdfart"
    rows[1][4] = "x"
    write_csv(emissions, header, rows)
    (broken_dir / FILES["boundaries"]).write_text("not json", encoding="utf-8")

    errors = load_errors(broken_dir)

    find_error(errors, "municipalities.csv", 2, "municipality_code")
    find_error(errors, "emissions_by_sector.csv", 2, "sector")
    find_error(errors, "emissions_by_sector.csv", 3, "tonnes_co2e")
    find_error(errors, "municipalities.geojson", 1, None)


# --- management command ------------------------------------------------------------------


def test_the_command_fails_with_command_error_on_a_broken_dir(broken_dir):
    replace_in(broken_dir / FILES["municipalities"], "\n0114,", "\n114,")
    before = db_state()
    stderr = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command(
            "load_reference_data", "--dir", str(broken_dir), stderr=stderr, stdout=io.StringIO()
        )
    assert "nothing was loaded" in str(info.value)
    assert "municipalities.csv" in stderr.getvalue()
    assert "municipality_code" in stderr.getvalue()
    assert db_state() == before


def test_a_non_numeric_population_is_rejected(broken_dir):
    path = broken_dir / FILES["population"]
    replace_in(path, f"{MOLNDAL},1990,", f"{MOLNDAL},1990,many")
    errors = load_errors(broken_dir)
    find_error(errors, "population_by_year.csv", line_of(path, f"{MOLNDAL},1990,"), "population")


def test_a_duplicate_population_year_is_rejected(broken_dir):
    path = broken_dir / FILES["population"]
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"{MOLNDAL},1990,1\n")
    errors = load_errors(broken_dir)
    lines = len(path.read_text(encoding="utf-8").splitlines())
    find_error(errors, "population_by_year.csv", lines, None)


def test_an_empty_population_means_no_figure_yet(tmp_path):
    directory = small_copy(tmp_path / "data")
    path = directory / FILES["population"]
    header, rows = read_csv(path)
    write_csv(path, header, [[c, y, "" if (c, y) == (ALE, "1968") else p] for c, y, p in rows])
    reference_data_load(directory=directory)
    ale = PopulationFigure.objects.filter(municipality__code=ALE)
    assert not ale.filter(year=1968).exists()
    assert ale.filter(year=1969).exists()


def test_a_new_population_release_replaces_the_series(tmp_path):
    directory = small_copy(tmp_path / "data")
    path = directory / FILES["population"]
    header, rows = read_csv(path)
    write_csv(path, header, [[code, year, "1000"] for code, year, _ in rows if code == MOLNDAL])
    summary = reference_data_load(directory=directory)
    assert summary.counts["population"] == {"loaded": 58}
    molndal = PopulationFigure.objects.filter(municipality__code=MOLNDAL)
    assert set(molndal.values_list("population", flat=True)) == {1000}
    assert molndal.values("release_id").distinct().count() == 1
    # Other municipalities keep their figures.
    assert PopulationFigure.objects.filter(municipality__code=ALE).count() == 58
    assert reference_data_load(directory=directory).counts["population"] == {"unchanged": 58}


# --- geometry and file-level problems -----------------------------------------------------


def set_first_point(directory: Path, code: str, value) -> int:
    """Set the first longitude of `code`'s boundary to `value`; return the feature number."""
    path = directory / FILES["boundaries"]
    doc = json.loads(path.read_text(encoding="utf-8"))
    for number, feature in enumerate(doc["features"], start=1):
        if feature["properties"]["municipality_code"] == code:
            coordinates = feature["geometry"]["coordinates"]
            ring = (
                coordinates[0][0]
                if feature["geometry"]["type"] == "MultiPolygon"
                else coordinates[0]
            )
            ring[0][0] = value
            path.write_text(json.dumps(doc), encoding="utf-8")  # NaN is written as NaN
            return number
    raise AssertionError(code)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (float("nan"), "NaN"),
        (None, "null"),
        ("12.0", '"12.0"'),
        (float("inf"), "Infinity"),
        (99.0, "99"),
    ],
)
def test_a_broken_coordinate_is_reported_with_its_municipality(broken_dir, value, says):
    number = set_first_point(broken_dir, MOLNDAL, value)
    errors = load_errors(broken_dir)
    error = find_error(errors, "municipalities.geojson", number, "geometry")
    assert MOLNDAL in error.message
    assert says in error.message
    where = translate("polygon %(polygon)d, ring %(ring)d, point %(point)d: %(problem)s")
    assert where.split("%")[0] in error.message  # the message names the polygon first
    assert len(errors) == 1


def test_a_ring_with_too_few_points_is_rejected(broken_dir):
    path = broken_dir / FILES["boundaries"]
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["features"][0]["geometry"] = {"type": "Polygon", "coordinates": [[[12.0, 57.0]]]}
    path.write_text(json.dumps(doc), encoding="utf-8")
    errors = load_errors(broken_dir)
    error = find_error(errors, "municipalities.geojson", 1, "geometry")
    assert error.message == translate("Municipality %(code)s: %(problem)s") % {
        "code": doc["features"][0]["properties"]["municipality_code"],
        "problem": translate(
            "polygon %(polygon)d, ring %(ring)d: a ring needs at least four points."
        )
        % {"polygon": 1, "ring": 1},
    }


@pytest.mark.parametrize(
    ("dataset", "column"),
    [
        ("municipalities", "municipality_code"),
        ("municipalities", "population_2025_12"),
        ("emissions", "tonnes_co2e"),
        ("population", "population"),
    ],
)
def test_a_missing_column_is_reported_once(broken_dir, dataset, column):
    path = broken_dir / FILES[dataset]
    header, rows = read_csv(path)
    index = header.index(column)
    write_csv(path, [h for h in header if h != column], [r[:index] + r[index + 1 :] for r in rows])
    errors = load_errors(broken_dir)
    assert [(e.file, e.row, e.column) for e in errors] == [(FILES[dataset], 1, column)]


def test_the_command_prints_one_line_for_a_missing_column(broken_dir):
    path = broken_dir / FILES["municipalities"]
    replace_in(path, "municipality_code", "kommunkod")
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "load_reference_data", "--dir", str(broken_dir), stderr=stderr, stdout=io.StringIO()
        )
    assert len(stderr.getvalue().strip().splitlines()) == 1


def test_the_command_loads_a_valid_dir(tmp_path):
    directory = small_copy(tmp_path / "data")
    stdout = io.StringIO()
    call_command("load_reference_data", "--dir", str(directory), stdout=stdout)
    assert "emissions: loaded 180" in stdout.getvalue()
    assert "municipalities: unchanged 290" in stdout.getvalue()
    assert Emission.objects.filter(municipality__code=MOLNDAL).count() == 90


# --- Demo data: one command that asks every app's demo.py --------------------------------


def test_demo_loaders_are_found_in_installed_apps_order():
    from kraftsamla.core.demo import demo_loaders

    labels = [config.label for config, _loader in demo_loaders()]
    assert labels == [
        "organisations",
        "accounts",
        "capacity",
        "support",
        "projects",
        "funding",
        "twinning",
        "followup",
    ]
    skipped = [c.label for c, _loader in demo_loaders(skip=("support",))]
    assert skipped == [label for label in labels if label != "support"]


@pytest.mark.django_db
def test_load_demo_data_runs_every_apps_demo_and_prints_the_logins():
    from kraftsamla.organisations.demo import DEMO_USERS

    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    text = out.getvalue()
    positions = [text.index(f"{label}:") for label in ("organisations", "accounts", "capacity")]
    assert positions == sorted(positions)
    assert "support:" in text
    assert all(u.email in text for u in DEMO_USERS)
    assert "Demo data loaded" in text


@pytest.mark.django_db
def test_a_later_demo_that_lacks_its_prerequisite_is_skipped_with_a_note():
    from kraftsamla.capacity.models import Framework

    Framework.objects.update(is_current=False)
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    text = out.getvalue()
    assert "capacity: skipped (Load the framework first" in text
    assert "\nsupport:" not in text
