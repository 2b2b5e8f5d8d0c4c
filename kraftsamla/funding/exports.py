"""An application's budget as an XLSX workbook that a spreadsheet recomputes.

One sheet per party with its budget lines (co-funding in time = hours × rate, and each
line's total, as formulas) and a summary sheet whose figures are formulas over the
parties' sheets: edit a line in Excel and the summary follows. Texts are made safe
against formula injection like every other download (core/exports.py).
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.properties import CalcProperties

from kraftsamla.core.exports import _safe
from kraftsamla.funding.models import Application
from kraftsamla.funding.selectors import BudgetSummary

MONEY = '#,##0 "kr"'
PERCENT = "0.0%"
# Characters a sheet's name cannot hold, and its longest length.
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\']")
SHEET_MAX = 31


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def sheet_names(names: list[str]) -> list[str]:
    """Make valid, distinct sheet names (at most 31 characters, no []:*?/\\')."""
    used: set[str] = {_("Summary").casefold()}
    result = []
    for name in names:
        base = SHEET_FORBIDDEN.sub(" ", name).strip()[:SHEET_MAX] or "?"
        candidate, number = base, 2
        while candidate.casefold() in used:
            suffix = f" ({number})"
            candidate = base[: SHEET_MAX - len(suffix)] + suffix
            number += 1
        used.add(candidate.casefold())
        result.append(candidate)
    return result


def _bold(row) -> None:
    for cell in row:
        cell.font = Font(bold=True)


def budget_workbook(application: Application, budget: BudgetSummary) -> bytes:
    """Return the XLSX file of the budget rows in `budget` (the parties the reader may see)."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = _("Summary")
    names = sheet_names([row.party.organisation.display_name for row in budget.parties])
    headers = [
        _("Activity"),
        _("Support requested (SEK)"),
        _("Co-funding in money (SEK)"),
        _("Hours"),
        _("Hourly rate (SEK)"),
        _("Co-funding in time (SEK)"),
        _("Total (SEK)"),
    ]
    total_rows: dict[str, int] = {}
    for row, name in zip(budget.parties, names, strict=True):
        sheet = workbook.create_sheet(name)
        sheet.append([_safe(row.party.organisation.display_name)])
        sheet.append([_("Role"), str(row.party.get_role_display())])
        sheet.append([])
        sheet.append(headers)
        _bold(sheet[1])
        _bold(sheet[4])
        first = 5
        for index, line in enumerate(row.lines, start=first):
            sheet.append(
                [
                    _safe(line.activity),
                    _number(line.support),
                    _number(line.cofunding_money),
                    _number(line.hours),
                    _number(line.hourly_rate),
                    f"=D{index}*E{index}",
                    f"=B{index}+C{index}+F{index}",
                ]
            )
        last = first + len(row.lines) - 1
        total = last + 1
        if row.lines:
            sums = [f"=SUM({col}{first}:{col}{last})" for col in "BCDEFG"]
            sums[3] = ""  # a sum of hourly rates means nothing
        else:
            sums = [0, 0, 0, "", 0, 0]
        sheet.append([_("Total"), *sums])
        _bold(sheet[total])
        for line_row in sheet.iter_rows(min_row=first, max_row=total, min_col=2, max_col=7):
            for cell in line_row:
                if cell.column != 4:
                    cell.number_format = MONEY
        sheet.column_dimensions["A"].width = 45
        for column in range(2, 8):
            sheet.column_dimensions[get_column_letter(column)].width = 18
        total_rows[name] = total

    summary.append([_safe(application.title)])
    summary.append([_("Call"), _safe(str(application.call.title))])
    if application.is_demo:
        summary.append([_("Demo data"), _("Includes demo data: not real figures.")])
    else:
        summary.append([])
    summary.append(
        [
            _("Party"),
            _("Role"),
            _("Support requested (SEK)"),
            _("Co-funding in money (SEK)"),
            _("Co-funding in time (SEK)"),
            _("Total (SEK)"),
            _("Share of the total budget"),
        ]
    )
    _bold(summary[1])
    _bold(summary[4])
    first = 5
    last = first + len(budget.parties) - 1
    total = last + 1
    for index, (row, name) in enumerate(zip(budget.parties, names, strict=True), start=first):
        ref = f"'{name}'!"
        at = total_rows[name]
        summary.append(
            [
                _safe(row.party.organisation.display_name),
                str(row.party.get_role_display()),
                f"={ref}B{at}",
                f"={ref}C{at}",
                f"={ref}F{at}",
                f"=C{index}+D{index}+E{index}",
                f"=IF($F${total}=0,0,F{index}/$F${total})",
            ]
        )
    if budget.parties:
        summary.append(
            [_("Total"), ""]
            + [f"=SUM({col}{first}:{col}{last})" for col in "CDEF"]
            + [f"=IF($F${total}=0,0,F{total}/$F${total})"]
        )
    else:
        summary.append([_("Total"), "", 0, 0, 0, 0, 0])
    _bold(summary[total])
    summary.append([])
    summary.append(
        [_("Support's share of the total budget"), "", f"=IF(F{total}=0,0,C{total}/F{total})"]
    )
    share_row = total + 2
    _bold(summary[share_row])
    for line_row in summary.iter_rows(min_row=first, max_row=total, min_col=3, max_col=6):
        for cell in line_row:
            cell.number_format = MONEY
    for cell in summary["G"][first - 1 : total]:
        cell.number_format = PERCENT
    summary[f"C{share_row}"].number_format = PERCENT
    summary.column_dimensions["A"].width = 45
    summary.column_dimensions["B"].width = 16
    for column in range(3, 8):
        summary.column_dimensions[get_column_letter(column)].width = 20
    # Excel and LibreOffice compute every formula when the file opens.
    workbook.calculation = CalcProperties(fullCalcOnLoad=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
