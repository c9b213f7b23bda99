"""Spreadsheet-safe CSV: formula-like cells neutralised, UTF-8 with BOM, ISO dates."""

import csv
import io
from datetime import UTC, datetime

from mri_match.spreadsheet import safe_cell, to_csv


def test_cells_that_would_run_as_formulas_are_neutralised():
    for dangerous in ('=HYPERLINK("x")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(dangerous).startswith("'")
    assert safe_cell("Dr Ada Lovelace") == "Dr Ada Lovelace"
    assert safe_cell(-5) == "-5"  # a real number stays a number


def test_csv_has_a_bom_iso_dates_and_survives_unicode():
    text = to_csv(
        ["Name", "When"], [["José Núñez – 東京", datetime(2026, 3, 1, 14, 5, tzinfo=UTC)]]
    )
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["Name", "When"], ["José Núñez – 東京", "2026-03-01T14:05:00+00:00"]]
