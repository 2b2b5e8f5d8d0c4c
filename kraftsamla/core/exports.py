"""Turn rows into CSV or XLSX downloads, and read which download a page was asked for."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_FORMATS = ("csv", "xlsx")

# A column of a download: its header and how to read its value from one item.
Column = tuple[str, Callable[[Any], Any]]


def export_format(request: HttpRequest) -> str | None:
    """Return the download format a list page was asked for (`?format=csv|xlsx`), else None."""
    fmt = request.GET.get("format")
    return fmt if fmt in EXPORT_FORMATS else None


def page_query(request: HttpRequest, *drop: str) -> str:
    """Return the page's query string for its links: without format, page and `drop`."""
    query = request.GET.copy()
    for key in ("format", "page", *drop):
        query.pop(key, None)
    return query.urlencode()


def export_table(
    *, items: Iterable, columns: Sequence[Column], fmt: str, filename: str, sheet: str
) -> HttpResponse:
    """Return a download with one row per item and one cell per column."""
    return export_response(
        rows=([value(item) for _header, value in columns] for item in items),
        headers=[header for header, _value in columns],
        fmt=fmt,
        filename=filename,
        sheet=sheet,
    )


def _safe(value):
    """Neutralise text that a spreadsheet would run as a formula (CSV injection)."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return "" if value is None else value


def export_response(
    *,
    rows: Iterable[Sequence],
    headers: Sequence[str],
    fmt: str,
    filename: str,
    sheet: str = "Data",
) -> HttpResponse:
    """Return an HTTP download of the rows as CSV (UTF-8 with BOM) or XLSX."""
    if fmt == "xlsx":
        wb = Workbook(write_only=False)
        ws = wb.active
        ws.title = sheet[:31]
        ws.append([str(h) for h in headers])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([_safe(v) for v in row])
        ws.freeze_panes = "A2"
        buffer = io.BytesIO()
        wb.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    buffer = io.StringIO()
    # The BOM makes Excel read the file as UTF-8 (å, ä, ö).
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([str(h) for h in headers])
    for row in rows:
        writer.writerow([_safe(v) for v in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
