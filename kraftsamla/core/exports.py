"""Turn rows into CSV or XLSX downloads."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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
