"""CSV that opens cleanly in a spreadsheet: UTF-8 with BOM, ISO dates, no formula injection."""

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Render one cell; text a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    if isinstance(value, (int, float)):
        return text  # numbers, negative ones included, are data not formulas
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def to_csv(header: list[str], rows: Iterable[Iterable]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the BOM makes Excel read UTF-8 instead of guessing a code page
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue()
