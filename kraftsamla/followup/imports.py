"""Read indicator values and emission figures from the files municipalities actually get:
CSV, XLSX, Kolada JSON.

What a file may look like, and how it is read:

- **Encoding** (CSV): UTF-8 with or without a byte order mark, else Windows-1252.
- **Separator** (CSV): semicolon, comma or tab, whichever splits the first lines evenly.
- **Metadata rows** above the header (a title, a source line) are skipped: the header is
  the first row with as many filled cells as the widest of the first rows (or the row
  the person picks in the preview).
- **Layout**: long (a row per organisation and year: a year column and a value column)
  or wide (a row per organisation, a column per year: headers such as "2021").
- **Numbers** the Swedish way: space or no-break space between thousands, decimal comma,
  the minus sign "−"; ".." and "-" (Statistics Sweden's "no figure") and empty cells are
  missing values, not errors.
- **Organisations** by SCB code ("180" is 0180: Excel drops the leading zero) or by name,
  matched without regard to case, accents and the word "kommun"; a name that fits more
  than one organisation is reported as ambiguous.
- **Emission figures** (tonnes CO₂e per municipality, year and sector) in the same
  shapes, e.g. the national emissions database's export: a row per municipality and
  sector with the years as columns. The sector is matched by its code, its Swedish
  name in the database ("Transporter", "El och fjärrvärme") or its name on this site
  (Swedish or English); "Alla", "Totalt" or an empty sector is the total of all
  sectors. Only municipalities have emission figures. The database's export also has
  rows per sub-sector: with a sub-sector column, only its "Alla" rows are read and the
  others are left out (and counted), since they are parts of their main sector.
- **Kolada** JSON: the v2 shape ({"count", "values": [{"kpi", "municipality", "period",
  "values": [{"gender", "value"}]}]}) and v3 pages ({"values": [...], "next_url"}), one
  page or a list of pages; the gender split (T, K, M) is kept.

Every bad row is reported with its row number (as in the file, from 1), its column and
the reason; a duplicate of an earlier row and an unknown code are bad rows. Nothing here
writes: `services.values_import` writes a checked plan.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kraftsamla.core.numbers import parse_decimal
from kraftsamla.followup.models import Gender, ImportKind, IndicatorDefinition
from kraftsamla.organisations.models import SECTOR_BY_SOURCE_NAME, EmissionSector, Organisation

HEADER_SCAN = 30
PREVIEW_ROWS = 10
MISSING = {"", "..", "-", "–", "−", "x", "X"}
YEAR_HEADER = re.compile(r"^\s*(19|20)\d\d\s*$")
LONG, WIDE = "long", "wide"
LAYOUTS = [
    (LONG, gettext_lazy("Long: a row per year")),
    (WIDE, gettext_lazy("Wide: years as columns")),
]

# Header words that name a column's role (compared without case and accents).
CODE_WORDS = {
    "kod",
    "kommunkod",
    "code",
    "municipality code",
    "municipality_code",
    "kommun-id",
    "lkf",
}
NAME_WORDS = {
    "kommun",
    "namn",
    "kommunnamn",
    "name",
    "municipality",
    "municipality_name",
    "organisation",
}
YEAR_WORDS = {"ar", "year", "period", "artal"}
VALUE_WORDS = {
    "varde",
    "value",
    "ton",
    "tonnes",
    "tonnes_co2e",
    "tonnes co2e",
    "ton co2e",
    "ton co2-ekv",
    "utslapp",
    "emissions",
    "antal",
    "andel",
}
SECTOR_WORDS = {"sektor", "huvudsektor", "sector", "main sector", "main_sector"}
SUBSECTOR_WORDS = {"undersektor", "subsector", "sub-sector", "sub sector"}
# Sector cells that mean "all sectors": the figure is the municipality's total.
TOTAL_WORDS = {"", "alla", "totalt", "total", "summa", "alla sektorer", "all sectors"}
GENDER_WORDS = {"kon", "gender", "sex"}
KPI_WORDS = {"kpi", "nyckeltal", "indicator", "indikator", "kpi-id"}


class UnreadableFile(ValueError):
    """The file cannot be read at all (not one of the formats, damaged, empty)."""


def fold(text: str) -> str:
    """Return text without case, accents and surrounding space: "Malmö" → "malmo"."""
    decomposed = unicodedata.normalize("NFKD", str(text).strip().casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# --- Reading a file into rows of text ---------------------------------------------------------


def decode(data: bytes) -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM), else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    """Return the separator that splits the first lines into the most, evenly wide, cells."""
    lines = [line for line in text.splitlines()[:HEADER_SCAN] if line.strip()]
    best, best_score = ";", -1
    for delimiter in (";", ",", "\t"):
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not counts:
            continue
        widest = max(counts)
        score = sum(1 for count in counts if count == widest) * (widest - 1)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def read_rows(data: bytes, file_name: str = "") -> list[list]:
    """Return the file's rows; XLSX cells keep their types (numbers stay numbers)."""
    if not data:
        raise UnreadableFile(_("The file is empty."))
    if data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise UnreadableFile(_("The file is not a readable XLSX workbook.")) from exc
        sheet = workbook.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        return rows
    text = decode(data)
    return [row for row in csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text))]


def find_header(rows: list[list]) -> int:
    """Return the index of the header row: the first as wide as the widest of the first rows."""

    def filled(row) -> int:
        return sum(1 for cell in row if cell_text(cell).strip())

    widths = [filled(row) for row in rows[:HEADER_SCAN]]
    if not widths or max(widths) == 0:
        raise UnreadableFile(_("The file has no rows."))
    return widths.index(max(widths))


# --- Numbers, years, organisations ------------------------------------------------------------


def parse_value(cell) -> float | None:
    """Return the cell's number; None for a missing value; raise ValueError if not a number."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return float(cell)
    text = cell_text(cell).strip()
    if text in MISSING:
        return None
    number = parse_decimal(text)
    if number is None:
        raise ValueError(text)
    return float(number)


def parse_year(cell) -> int:
    text = cell_text(cell).strip()
    if not re.fullmatch(r"\d{4}", text):
        raise ValueError(text)
    return int(text)


class OrganisationIndex:
    """Find organisations by SCB code or by name (two queries, built once per import)."""

    def __init__(self, organisations: Iterable[Organisation]) -> None:
        self.by_code: dict[str, Organisation] = {}
        # Names without case (accents kept), and without case and accents.
        self.by_name: dict[str, list[Organisation]] = {}
        self.by_folded: dict[str, list[Organisation]] = {}
        for organisation in organisations:
            if organisation.code:
                self.by_code[organisation.code] = organisation
            for name in filter(None, {organisation.name, organisation.short_name}):
                for index, key in (
                    (self.by_name, self._name_key(name.casefold())),
                    (self.by_folded, self._name_key(fold(name))),
                ):
                    bucket = index.setdefault(key, [])
                    if organisation not in bucket:
                        bucket.append(organisation)

    @staticmethod
    def _name_key(name: str) -> str:
        key = name.strip()
        for suffix in (" kommun", " stad", " municipality"):
            key = key.removesuffix(suffix)
        return key.strip()

    @classmethod
    def load(cls) -> OrganisationIndex:
        return cls(Organisation.objects.only("pk", "name", "short_name", "code", "kind", "slug"))

    def by_code_text(self, text: str) -> Organisation | None:
        code = text.strip()
        if code.isdigit() and len(code) < 4:
            code = code.zfill(4)
        return self.by_code.get(code)

    def find(self, cell) -> tuple[Organisation | None, str]:
        """Return (organisation, "") or (None, the reason it was not found)."""
        text = cell_text(cell).strip()
        if not text:
            return None, _("The organisation is missing.")
        if text.isdigit():
            found = self.by_code_text(text)
            if found is None:
                return None, _("No municipality or county has the code %(code)s.") % {"code": text}
            return found, ""
        # An exact name (whatever the case) first: "Håbo" is Håbo, though "habo" is Habo too.
        matches = self.by_name.get(self._name_key(text.casefold())) or self.by_folded.get(
            self._name_key(fold(text)), []
        )
        if len(matches) > 1:
            return None, _("The name %(name)s fits more than one organisation: %(names)s.") % {
                "name": text,
                "names": ", ".join(sorted(o.name for o in matches)),
            }
        if not matches:
            return None, _("No organisation is called %(name)s.") % {"name": text}
        return matches[0], ""


# --- The mapping and the plan -------------------------------------------------------------------


@dataclass
class ColumnMapping:
    """Which column holds what (column indexes into the header row)."""

    header_row: int
    layout: str
    organisation: int
    year: int | None = None
    value: int | None = None
    gender: int | None = None
    kpi: int | None = None
    sector: int | None = None
    subsector: int | None = None
    # Wide files: column index → year.
    year_columns: dict[int, int] = field(default_factory=dict)


def mapping_to_json(mapping: ColumnMapping) -> dict:
    """Return the mapping as JSON data (for a background import)."""
    data = dataclasses.asdict(mapping)
    data["year_columns"] = {str(k): v for k, v in mapping.year_columns.items()}
    return data


def mapping_from_json(data: dict) -> ColumnMapping:
    return ColumnMapping(
        **{**data, "year_columns": {int(k): v for k, v in data.get("year_columns", {}).items()}}
    )


def guess_mapping(rows: list[list], header_row: int | None = None) -> ColumnMapping:
    """Guess the header row, the layout and which column is which from the header's words."""
    header_row = find_header(rows) if header_row is None else header_row
    header = [fold(cell_text(cell)) for cell in rows[header_row]]

    def first(words: set[str]) -> int | None:
        return next((i for i, h in enumerate(header) if h in words), None)

    year_columns = {i: int(h) for i, h in enumerate(header) if YEAR_HEADER.match(h)}
    code = first(CODE_WORDS)
    name = first(NAME_WORDS)
    organisation = code if code is not None else name if name is not None else 0
    layout = WIDE if year_columns and first(YEAR_WORDS) is None else LONG
    return ColumnMapping(
        header_row=header_row,
        layout=layout,
        organisation=organisation,
        year=first(YEAR_WORDS),
        value=first(VALUE_WORDS),
        gender=first(GENDER_WORDS),
        kpi=first(KPI_WORDS),
        sector=first(SECTOR_WORDS),
        subsector=first(SUBSECTOR_WORDS),
        year_columns=year_columns if layout == WIDE else {},
    )


@dataclass(frozen=True)
class Problem:
    row: int  # as numbered in the file, from 1
    column: str
    reason: str


@dataclass(frozen=True)
class ParsedValue:
    """One value to write: an indicator value, or (without an indicator) an emission figure
    in tonnes CO₂e for `sector` ("" for the total)."""

    row: int
    indicator: IndicatorDefinition | None
    organisation: Organisation
    year: int
    gender: str
    value: float
    sector: str = ""

    @property
    def sector_label(self) -> str:
        if not self.sector:
            return _("All sectors (the total)")
        return str(EmissionSector(self.sector).label)


@dataclass
class Plan:
    """What an import would write, and every bad row."""

    kind: str = ImportKind.VALUES
    values: list[ParsedValue] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows_read: int = 0
    # Rows of sub-sectors, left out of an emissions import (parts of their main sector).
    subsector_rows: int = 0

    @property
    def bad_rows(self) -> list[int]:
        return sorted({problem.row for problem in self.problems})

    @property
    def good_values(self) -> list[ParsedValue]:
        bad = set(self.bad_rows)
        return [value for value in self.values if value.row not in bad]


class _Builder:
    """Collect values and problems, refusing duplicates, futures and unknown codes."""

    def __init__(
        self,
        *,
        may_write: Callable[[Organisation], bool],
        header: list[str],
        kind: str = ImportKind.VALUES,
    ) -> None:
        self.plan = Plan(kind=kind, header=header)
        self.may_write = may_write
        self.seen: dict[tuple, int] = {}
        self.allowed: dict[int, bool] = {}
        self.this_year = datetime.date.today().year

    def problem(self, row: int, column: str, reason: str) -> None:
        self.plan.problems.append(Problem(row, column, reason))

    def add(self, row, column, indicator, organisation, year, gender, value, sector="") -> None:
        if year > self.this_year:
            self.problem(row, column, _("%(year)s has not begun.") % {"year": year})
            return
        if organisation.pk not in self.allowed:
            self.allowed[organisation.pk] = self.may_write(organisation)
        if not self.allowed[organisation.pk]:
            self.problem(
                row,
                column,
                _("You may not report values for %(name)s.") % {"name": organisation.name},
            )
            return
        key = (indicator.pk if indicator else None, organisation.pk, year, gender, sector)
        if key in self.seen:
            self.problem(
                row,
                column,
                _("The same value as row %(row)s (%(name)s, %(year)s).")
                % {"row": self.seen[key], "name": organisation.name, "year": year},
            )
            return
        self.seen[key] = row
        self.plan.values.append(
            ParsedValue(row, indicator, organisation, year, gender, value, sector)
        )


def _column_name(header: list[str], index: int | None) -> str:
    if index is None:
        return ""
    return header[index] if index < len(header) and header[index] else f"#{index + 1}"


GENDER_BY_TEXT = {
    "t": Gender.TOTAL,
    "totalt": Gender.TOTAL,
    "total": Gender.TOTAL,
    "k": Gender.WOMEN,
    "kvinnor": Gender.WOMEN,
    "women": Gender.WOMEN,
    "m": Gender.MEN,
    "man": Gender.MEN,
    "men": Gender.MEN,
}


PROGRESS_EVERY = 5000


def sector_names() -> dict[str, str]:
    """Return folded sector names → sector code ("" for the total of all sectors)."""
    names = {fold(word): "" for word in TOTAL_WORDS}
    names.update(
        {fold(name): EmissionSector(code).value for name, code in SECTOR_BY_SOURCE_NAME.items()}
    )
    for code, label in EmissionSector.choices:
        names[fold(code)] = code
        for language in ("sv", "en"):
            with translation.override(language):
                names[fold(str(label))] = code
    return names


class _RowRefused(Exception):
    """A row is bad: the problem is already recorded."""


def plan_table(
    rows: list[list],
    mapping: ColumnMapping,
    *,
    indicator: IndicatorDefinition | None,
    indicators_by_kpi: Mapping[str, IndicatorDefinition],
    organisations: OrganisationIndex,
    may_write: Callable[[Organisation], bool],
    on_progress: Callable[[float], None] | None = None,
    kind: str = ImportKind.VALUES,
) -> Plan:
    """Read every row below the header with the mapping into values and problems.

    `kind` says what the file holds: indicator values (of `indicator`, or of the KPI a
    column names) or emission figures (tonnes CO₂e, with a sector column or as totals).
    `on_progress` gets the share of rows read (0–1) every PROGRESS_EVERY rows."""
    header = [cell_text(cell).strip() for cell in rows[mapping.header_row]]
    builder = _Builder(may_write=may_write, header=header, kind=kind)
    name = lambda index: _column_name(header, index)  # noqa: E731
    sectors = sector_names() if kind == ImportKind.EMISSIONS else {}

    def what_of_row(offset, cell, organisation):
        """Return the row's (indicator, gender, sector), or refuse the row."""
        if kind == ImportKind.EMISSIONS:
            if mapping.subsector is not None and (
                fold(cell_text(cell(mapping.subsector))) not in TOTAL_WORDS
            ):
                builder.plan.subsector_rows += 1
                raise _RowRefused
            if not organisation.is_municipality:
                builder.problem(
                    offset,
                    name(mapping.organisation),
                    _("%(name)s is not a municipality: only municipalities have emission figures.")
                    % {"name": organisation.name},
                )
                raise _RowRefused
            text = cell_text(cell(mapping.sector)) if mapping.sector is not None else ""
            sector = sectors.get(fold(text))
            if sector is None:
                builder.problem(
                    offset,
                    name(mapping.sector),
                    _("“%(text)s” is not one of the emission sectors.") % {"text": text},
                )
                raise _RowRefused
            return None, Gender.TOTAL, sector
        row_indicator = indicator
        if mapping.kpi is not None:
            kpi = cell_text(cell(mapping.kpi)).strip().upper()
            row_indicator = indicators_by_kpi.get(kpi)
            if row_indicator is None:
                builder.problem(
                    offset,
                    name(mapping.kpi),
                    _("No indicator has the Kolada KPI %(kpi)s.") % {"kpi": kpi or "–"},
                )
                raise _RowRefused
        if row_indicator is None:
            builder.problem(offset, "", _("Choose the indicator the values belong to."))
            raise _RowRefused
        gender = Gender.TOTAL
        if mapping.gender is not None:
            gender = GENDER_BY_TEXT.get(fold(cell_text(cell(mapping.gender))), "")
            if not gender:
                builder.problem(offset, name(mapping.gender), _("The gender must be T, K or M."))
                raise _RowRefused
        return row_indicator, gender, ""

    for offset, row in enumerate(rows[mapping.header_row + 1 :], start=mapping.header_row + 2):
        if on_progress and offset % PROGRESS_EVERY == 0:
            on_progress(offset / len(rows))
        if not any(cell_text(cell).strip() for cell in row):
            continue
        builder.plan.rows_read += 1

        def cell(index: int | None, row=row):
            return row[index] if index is not None and index < len(row) else None

        organisation, reason = organisations.find(cell(mapping.organisation))
        if organisation is None:
            builder.problem(offset, name(mapping.organisation), reason)
            continue
        try:
            row_indicator, gender, sector = what_of_row(offset, cell, organisation)
        except _RowRefused:
            continue
        if mapping.layout == WIDE:
            for index, year in sorted(mapping.year_columns.items()):
                try:
                    value = parse_value(cell(index))
                except ValueError as exc:
                    builder.problem(
                        offset, name(index), _("“%(text)s” is not a number.") % {"text": exc}
                    )
                    continue
                if value is not None:
                    builder.add(
                        offset,
                        name(index),
                        row_indicator,
                        organisation,
                        year,
                        gender,
                        value,
                        sector,
                    )
            continue
        try:
            year = parse_year(cell(mapping.year))
        except ValueError:
            builder.problem(
                offset,
                name(mapping.year),
                _("“%(text)s” is not a year.") % {"text": cell_text(cell(mapping.year))},
            )
            continue
        try:
            value = parse_value(cell(mapping.value))
        except ValueError as exc:
            builder.problem(
                offset, name(mapping.value), _("“%(text)s” is not a number.") % {"text": exc}
            )
            continue
        if value is None:
            builder.problem(offset, name(mapping.value), _("The value is missing."))
            continue
        builder.add(
            offset, name(mapping.value), row_indicator, organisation, year, gender, value, sector
        )
    return builder.plan


# --- Kolada ---------------------------------------------------------------------------------------


def kolada_pages(document) -> list[dict]:
    """Return the pages of a Kolada response: one v2/v3 object, or a list of v3 pages."""
    if isinstance(document, bytes | str):
        try:
            document = json.loads(
                document.decode("utf-8-sig") if isinstance(document, bytes) else document
            )
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UnreadableFile(_("The file is not JSON: %(error)s") % {"error": exc}) from exc
    pages = document if isinstance(document, list) else [document]
    if not pages or not all(
        isinstance(p, dict) and isinstance(p.get("values"), list) for p in pages
    ):
        raise UnreadableFile(_('This is not a Kolada response: it has no list of "values".'))
    return pages


def plan_kolada(
    document,
    *,
    indicators_by_kpi: Mapping[str, IndicatorDefinition],
    organisations: OrganisationIndex,
    may_write: Callable[[Organisation], bool],
) -> Plan:
    """Read a Kolada response into values; a "row" is an entry of "values" (from 1)."""
    builder = _Builder(
        may_write=may_write, header=["kpi", "municipality", "period", "gender", "value"]
    )
    row = 0
    for page in kolada_pages(document):
        for entry in page["values"]:
            row += 1
            builder.plan.rows_read += 1
            if not isinstance(entry, dict):
                builder.problem(row, "", _("The entry is not an object."))
                continue
            kpi = str(entry.get("kpi", "")).upper()
            indicator = indicators_by_kpi.get(kpi)
            if indicator is None:
                builder.problem(
                    row, "kpi", _("No indicator has the Kolada KPI %(kpi)s.") % {"kpi": kpi or "–"}
                )
                continue
            code = str(entry.get("municipality", ""))
            organisation = organisations.by_code_text(code) if code.isdigit() else None
            if organisation is None:
                builder.problem(
                    row,
                    "municipality",
                    _("No municipality or county has the code %(code)s.") % {"code": code or "–"},
                )
                continue
            try:
                year = parse_year(entry.get("period"))
            except ValueError:
                builder.problem(
                    row, "period", _("“%(text)s” is not a year.") % {"text": entry.get("period")}
                )
                continue
            for split in entry.get("values") or []:
                gender = str(split.get("gender", "T")).upper()
                if gender not in Gender.values:
                    builder.problem(row, "gender", _("The gender must be T, K or M."))
                    continue
                value = split.get("value")
                if value is None:
                    continue  # Kolada publishes no figure (see its "status")
                if not isinstance(value, int | float) or isinstance(value, bool):
                    builder.problem(
                        row, "value", _("“%(text)s” is not a number.") % {"text": value}
                    )
                    continue
                builder.add(row, "value", indicator, organisation, year, gender, float(value))
    return builder.plan


# --- Fetching from the Kolada API -----------------------------------------------------------

KOLADA_BASE_URL = "https://api.kolada.se/v3"
KOLADA_PAGES_MAX = 200
KOLADA_TIMEOUT = 30


def kolada_url(kpi: str, years: Iterable[int], base_url: str | None = None) -> str:
    """Return the Kolada API address of a KPI's values for the years (all municipalities)."""
    from django.conf import settings

    base = (base_url or getattr(settings, "KRAFTSAMLA_KOLADA_BASE_URL", KOLADA_BASE_URL)).rstrip(
        "/"
    )
    if not re.fullmatch(r"[NU]\d{5}", kpi):
        raise UnreadableFile(_("A Kolada KPI id is N or U and five digits."))
    return f"{base}/data/kpi/{kpi}/year/{','.join(str(year) for year in sorted(years))}"


def kolada_fetch(url: str, *, opener: Callable | None = None) -> list[dict]:
    """Fetch a Kolada response and the pages its `next_url` points to (v3); v2 has one.

    `opener(url, timeout)` returns a file-like response (urllib's urlopen by default).
    """
    from urllib.request import urlopen

    opener = opener or urlopen
    pages: list[dict] = []
    while url and len(pages) < KOLADA_PAGES_MAX:
        if not url.startswith(("https://", "http://")):
            raise UnreadableFile(_("Kolada's next page has an address that is not a web address."))
        try:
            with opener(url, timeout=KOLADA_TIMEOUT) as response:
                page = kolada_pages(response.read())[0]
        except OSError as exc:
            raise UnreadableFile(
                _("Kolada could not be reached: %(error)s") % {"error": exc}
            ) from exc
        pages.append(page)
        url = page.get("next_url") or page.get("next_page") or ""
    return pages
