"""Reading an uploaded CSV or XLSX file into rows of text, with file-level problems."""

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from ..archives import ArchiveWords, zip_problem
from ..spreadsheet import FORMULA_PREFIXES

MAX_COLUMNS = 60
# An XLSX file is a zip archive: its directory is checked before openpyxl opens it (archives.py).
WORKBOOK = ArchiveWords(
    what="workbook",
    kind="a spreadsheet",
    unreadable="The file could not be read as an Excel workbook",
    advice="Upload a workbook of ordinary size (save it again, or as CSV).",
)


@dataclass(frozen=True)
class Problem:
    row: int | None  # the spreadsheet's row number (the header is row 1); None: the whole file
    column: str | None
    message: str


@dataclass
class Table:
    header: list[str] = field(default_factory=list)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (row number, cells)
    problems: list[Problem] = field(default_factory=list)


def normalise_header(name: str) -> str:
    return "_".join(str(name or "").strip().strip("*").strip().lower().replace("-", " ").split())


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    # Undo our own exports' formula guard: "'=…" was written for a spreadsheet, not the data.
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_PREFIXES:
        text = text[1:]
    return text


def _csv_rows(data: bytes, table: Table) -> list[list[str]] | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        table.problems.append(
            Problem(
                None,
                None,
                f"The file is not UTF-8 text (unreadable bytes at position {error.start:,}). "
                "In Excel choose “Save as… CSV UTF-8”, or upload the XLSX file instead.",
            )
        )
        return None
    if "\x00" in text:
        table.problems.append(
            Problem(None, None, "The file contains binary data; upload a CSV or XLSX file.")
        )
        return None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as error:
        reason = str(error)
        if "field larger than field limit" in reason:
            reason = f"a cell is longer than {csv.field_size_limit():,} characters"
        table.problems.append(Problem(None, None, f"The CSV file could not be read: {reason}."))
        return None


def _zip_problem(data: bytes) -> str | None:
    """Why this workbook must not be unpacked, or None: from its directory, inflating nothing."""
    return zip_problem(data, WORKBOOK)


def _xlsx_rows(data: bytes, table: Table, max_rows: int) -> list[list] | None:
    from openpyxl import load_workbook

    problem = _zip_problem(data)
    if problem:
        table.problems.append(Problem(None, None, problem))
        return None

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                rows = []
                for values in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
                    rows.append(list(values))
                    if len(rows) > max_rows + 1 + 1000:  # enough to report "too many rows"
                        break
            finally:
                book.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError) as error:
        table.problems.append(
            Problem(None, None, f"The file could not be read as an Excel workbook ({error}).")
        )
        return None
    except Exception as error:  # openpyxl raises its own kinds for malformed workbooks
        table.problems.append(
            Problem(None, None, f"The file could not be read as an Excel workbook ({error}).")
        )
        return None
    return rows


def read_table(filename: str, data: bytes, *, max_rows: int, max_bytes: int) -> Table:
    table = Table()
    name = (filename or "").lower()
    if len(data) > max_bytes:
        table.problems.append(
            Problem(None, None, f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
        )
        return table
    if not data.strip() or data.strip() == b"\xef\xbb\xbf":
        table.problems.append(Problem(None, None, "The file is empty."))
        return table
    if name.endswith(".xlsx"):
        raw = _xlsx_rows(data, table, max_rows)
    elif name.endswith(".csv") or name.endswith(".txt"):
        raw = _csv_rows(data, table)
    else:
        table.problems.append(Problem(None, None, "Upload a .csv or .xlsx file."))
        return table
    if raw is None:
        return table
    cells = [[_cell_text(v) for v in row] for row in raw]
    while cells and not any(cells[0]):
        cells.pop(0)  # blank lines above the header
    if not cells:
        table.problems.append(Problem(None, None, "The file is empty."))
        return table
    table.header = [normalise_header(h) for h in cells[0]]
    while table.header and not table.header[-1]:
        table.header.pop()
    table.rows = [(number, row) for number, row in enumerate(cells[1:], start=2) if any(row)]
    if not table.rows:
        table.problems.append(Problem(None, None, "The file has a header row but no people in it."))
    elif len(table.rows) > max_rows:
        table.problems.append(
            Problem(
                None,
                None,
                f"The file has {len(table.rows):,} rows of people; import at most {max_rows:,} "
                "at a time (split the file).",
            )
        )
    return table
