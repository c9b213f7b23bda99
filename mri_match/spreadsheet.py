"""CSV that opens cleanly in a spreadsheet: UTF-8 with BOM, ISO dates, no formula injection."""

import csv
from collections.abc import Iterable, Iterator
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


class _Line:
    """A file-like target for :mod:`csv` that hands back the last line written."""

    def write(self, text: str) -> str:
        return text


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV a line at a time (the BOM first, which makes Excel read UTF-8 instead of
    guessing a code page), for a download to stream however many rows it has."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def to_csv(header: list[str], rows: Iterable[Iterable]) -> str:
    return "".join(csv_lines(header, rows))
