"""A cycle's awards as a spreadsheet: one row per milestone and per payment of every pair,
as CSV or as an XLSX workbook. Text that a spreadsheet would run as a formula is escaped in
both (``spreadsheet.safe_cell``); nothing about self-identification is in either."""

import io
import warnings
from datetime import date

from ..models import COMPLETERS, utcnow
from ..spreadsheet import safe_cell, to_csv
from .queries import cycle_awards

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = [
    "kind",
    "trainee",
    "mentor",
    "track",
    "match status",
    "item",
    "completed by",
    "due on",
    "status",
    "overdue",
    "handed in at",
    "done or released at",
    "file",
    "amount (USD)",
    "what is missing",
]


def rows(cycle) -> list[list]:
    today = utcnow().date()
    out = []
    for award in cycle_awards(cycle):
        match = award.match
        people = [match.application.full_name, match.mentor.full_name, match.application.track]
        for m in award.milestones:
            out.append(
                [
                    "milestone",
                    *people,
                    match.status,
                    m.title,
                    COMPLETERS.get(m.completed_by, m.completed_by),
                    m.due_on,
                    m.status,
                    m.overdue(today) and match.status == "active",
                    m.submitted_at,
                    m.completed_at,
                    m.document.filename if m.document else "",
                    None,
                    "" if m.done else m.missing_text,
                ]
            )
        for p in award.payments:
            out.append(
                [
                    "payment",
                    *people,
                    match.status,
                    p.title,
                    "",
                    None,
                    p.status,
                    False,
                    None,
                    p.released_at,
                    "",
                    p.amount,
                    "; ".join(p.blockers) if p.status == "waiting" else "",
                ]
            )
    return out


def awards_csv(cycle) -> str:
    return to_csv(HEADER, rows(cycle))


def _xlsx_value(value):
    """Numbers and dates as themselves, the rest as safe text (never a formula)."""
    if value is None or isinstance(value, (int, float, date)) and not isinstance(value, bool):
        if hasattr(value, "tzinfo") and value.tzinfo is not None:
            return value.replace(tzinfo=None)  # UTC; Excel keeps no time zone
        return value
    return safe_cell(value)


def awards_xlsx(cycle) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Milestones and payments"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(cycle):
        sheet.append([_xlsx_value(v) for v in row])
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book.save(buffer)
    return buffer.getvalue()
