"""Turn rows into CSV or XLSX downloads, and read which download a page was asked for.

Three formats, named by `?format=`:
- `csv`: CSV for Excel, what a Swedish spreadsheet opens in columns: semicolon between
  cells, decimal comma, UTF-8 with a byte order mark, dates as ISO 8601 (2025-03-31).
- `csv-plain`: machine-readable CSV: comma between cells, decimal point, UTF-8 without
  a byte order mark, dates as ISO 8601.
- `xlsx`: a workbook with the data sheet (typed cells, widths from the content, a filter
  on the frozen header row) and an "About the data" sheet (source, date, demo marker, notes).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

# Text starting with one of these would run as a formula in a spreadsheet (CSV injection);
# the full-width forms count too, because spreadsheets fold them to the ASCII ones.
FORMULA_PREFIXES = ("=", "+", "-", "@", "|", "\t", "\r", "\n", "＝", "＋", "－", "＠", "｜")
CSV_EXCEL, CSV_PLAIN, XLSX = "csv", "csv-plain", "xlsx"
EXPORT_FORMATS = (CSV_EXCEL, CSV_PLAIN, XLSX)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Column widths of the data sheet, in characters.
MIN_WIDTH, MAX_WIDTH = 8, 60

# A column of a download: its header and how to read its value from one item.
Column = tuple[str, Callable[[Any], Any]]


@dataclass(frozen=True)
class CsvDialect:
    delimiter: str
    decimal_mark: str
    byte_order_mark: str


CSV_DIALECTS = {
    CSV_EXCEL: CsvDialect(delimiter=";", decimal_mark=",", byte_order_mark="\ufeff"),
    CSV_PLAIN: CsvDialect(delimiter=",", decimal_mark=".", byte_order_mark=""),
}


def export_format(request: HttpRequest) -> str | None:
    """Return the download format a list page was asked for (`?format=...`), else None."""
    fmt = request.GET.get("format")
    return fmt if fmt in EXPORT_FORMATS else None


def page_query(request: HttpRequest, *drop: str) -> str:
    """Return the page's query string for its links: without format, page and `drop`."""
    query = request.GET.copy()
    for key in ("format", "page", *drop):
        query.pop(key, None)
    return query.urlencode()


def export_table(
    *,
    items: Iterable,
    columns: Sequence[Column],
    fmt: str,
    filename: str,
    sheet: str,
    source: str = "",
    notes: Sequence[str] = (),
    demo: bool = False,
) -> HttpResponse:
    """Return a download with one row per item and one cell per column."""
    return export_response(
        rows=([value(item) for _header, value in columns] for item in items),
        headers=[header for header, _value in columns],
        fmt=fmt,
        filename=filename,
        sheet=sheet,
        source=source,
        notes=notes,
        demo=demo,
    )


def _safe(value):
    """Neutralise text that a spreadsheet would run as a formula; numbers stay numbers."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_text(value, dialect: CsvDialect) -> str:
    """Write one cell: empty for None, ISO dates, the dialect's decimal mark."""
    value = _safe(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float | Decimal):
        return str(value).replace(".", dialect.decimal_mark)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _csv_response(rows, headers, *, fmt: str, filename: str) -> HttpResponse:
    dialect = CSV_DIALECTS[fmt]
    buffer = io.StringIO()
    # Swedish Excel reads the file as UTF-8 (å, ä, ö) only with the byte order mark.
    buffer.write(dialect.byte_order_mark)
    writer = csv.writer(buffer, delimiter=dialect.delimiter)
    writer.writerow([str(header) for header in headers])
    for row in rows:
        writer.writerow([_csv_text(value, dialect) for value in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    suffix = "" if fmt == CSV_EXCEL else "-data"
    response["Content-Disposition"] = f'attachment; filename="{filename}{suffix}.csv"'
    return response


def _xlsx_cell(value):
    value = _safe(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _fit_columns(worksheet) -> None:
    """Set each column's width from its longest value, within MIN_WIDTH and MAX_WIDTH."""
    for index, column in enumerate(worksheet.iter_cols(values_only=True), start=1):
        longest = max((len(str(value)) for value in column if value is not None), default=0)
        width = min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)
        worksheet.column_dimensions[get_column_letter(index)].width = width


def _about_sheet(workbook, *, sheet: str, source: str, notes: Sequence[str], demo: bool):
    """Add the "About the data" sheet: what the data is, its source and date, notes."""
    about = workbook.create_sheet(_("About the data")[:31])
    lines = [
        (_("Data"), sheet),
        (_("Source"), source or "Kraftsamla"),
        (_("Exported"), timezone.localdate().isoformat()),
    ]
    if demo:
        lines.append((_("Demo data"), _("Includes demo data: not real figures.")))
    lines += [(_("Note"), str(note)) for note in notes]
    for label, text in lines:
        about.append([str(label), _safe(str(text))])
    for cell in about["A"]:
        cell.font = Font(bold=True)
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 100
    for cell in about["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _xlsx_response(rows, headers, *, filename, sheet, source, notes, demo) -> HttpResponse:
    workbook = Workbook()
    data = workbook.active
    data.title = sheet[:31]
    data.append([str(header) for header in headers])
    for cell in data[1]:
        cell.font = Font(bold=True)
    for row in rows:
        data.append([_xlsx_cell(value) for value in row])
    data.freeze_panes = "A2"
    data.auto_filter.ref = data.dimensions
    _fit_columns(data)
    _about_sheet(workbook, sheet=sheet, source=source, notes=notes, demo=demo)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def export_response(
    *,
    rows: Iterable[Sequence],
    headers: Sequence[str],
    fmt: str,
    filename: str,
    sheet: str = "Data",
    source: str = "",
    notes: Sequence[str] = (),
    demo: bool = False,
) -> HttpResponse:
    """Return an HTTP download of the rows as CSV for Excel, plain CSV or XLSX.

    Give every column one type (numbers as numbers; None for a missing value, explained
    in `notes`). `source`, `notes` and `demo` (any demo data included) go on the
    workbook's "About the data" sheet.
    """
    if fmt == XLSX:
        return _xlsx_response(
            rows,
            headers,
            filename=filename,
            sheet=str(sheet),
            source=source,
            notes=notes,
            demo=demo,
        )
    return _csv_response(rows, headers, fmt=fmt, filename=filename)
