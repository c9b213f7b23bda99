"""Uploads that try to exhaust the server or break the database are refused with a clear 400.

A "zip bomb" XLSX is refused from its zip directory, before anything is inflated; a file name
with NUL or other control characters is cleaned before it reaches the audit trail (PostgreSQL
refuses NUL in text).
"""

import io
import struct
import time
import tracemalloc
import zipfile
import zlib

import pytest
from test_bulk import TRAINEE, csv_bytes, person, upload, xlsx_bytes

from mri_match.bulk import reader
from mri_match.bulk.reader import read_table
from mri_match.extensions import db
from mri_match.models import AuditEvent

SHEET = "xl/worksheets/sheet1.xml"


def _deflated_cell(inflated_bytes: int) -> tuple[bytes, bytes, int]:
    """The sheet XML with one cell of ``inflated_bytes`` letters a, raw-deflated, without
    running the compressor over all of it: once the window holds only "a", every further
    megabyte deflates to the same bytes. Returns (compressed, first bytes, CRC-32)."""
    head = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    )
    tail = b"</t></is></c></row></sheetData></worksheet>"
    chunk = b"a" * 2**20
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = squeeze.compress(head + chunk) + squeeze.flush(zlib.Z_SYNC_FLUSH)
    steady = squeeze.compress(chunk) + squeeze.flush(zlib.Z_SYNC_FLUSH)
    again = squeeze.compress(chunk) + squeeze.flush(zlib.Z_SYNC_FLUSH)
    assert steady == again
    repeats = inflated_bytes // len(chunk) - 1
    body = first + steady * (repeats - 1) + again + squeeze.compress(tail) + squeeze.flush()
    crc = zlib.crc32(head + chunk)
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    return body, len(head) + len(chunk) * (repeats + 1) + len(tail), crc


def _bomb(inflated_bytes: int) -> bytes:
    """A real workbook whose one cell is ``inflated_bytes`` of the letter a, deflated."""
    members = []
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes([{"email": "x"}]))) as book:
        for item in book.infolist():
            if item.filename == SHEET:
                members.append((SHEET, *_deflated_cell(inflated_bytes)))
                continue
            raw = book.read(item.filename)
            squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
            packed = squeeze.compress(raw) + squeeze.flush()
            members.append((item.filename, packed, len(raw), zlib.crc32(raw)))
    out, directory = io.BytesIO(), io.BytesIO()
    for name, packed, size, crc in members:
        offset = out.tell()
        fixed = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, len(packed), size)
        out.write(b"PK\x03\x04" + fixed + struct.pack("<HH", len(name), 0) + name.encode())
        out.write(packed)
        directory.write(
            b"PK\x01\x02"
            + struct.pack("<H", 20)
            + fixed
            + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, offset)
            + name.encode()
        )
    start = out.tell()
    out.write(directory.getvalue())
    count, length = len(members), len(directory.getvalue())
    out.write(b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, count, count, length, start, 0))
    return out.getvalue()


@pytest.fixture
def cycle(factory):
    return factory.cycle(status="open", slug="c2027")


def test_a_zip_bomb_is_refused_before_it_is_inflated(client, admin, cycle):
    bomb = _bomb(1024 * 2**20)  # 1 GB in one cell, about 1 MB on the wire
    assert len(bomb) < 2 * 2**20
    tracemalloc.start()
    started = time.perf_counter()
    table = read_table("bomb.xlsx", bomb, max_rows=2000, max_bytes=5 * 2**20)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    (problem,) = table.problems
    assert "unpacks to 1,024 MB" in problem.message
    assert seconds < 1 and peak < 10 * 2**20

    response = upload(client, cycle, bomb, filename="bomb.xlsx", mode="all")
    page = response.get_data(as_text=True)
    # The test client spools a body this large to a temporary file and leaves it open: close it
    # here (left to the garbage collector, it warns in whichever test happens to run then).
    response.request.environ["wsgi.input"].close()
    assert response.status_code == 400
    assert "unpacks to 1,024 MB" in page


def test_a_member_compressed_beyond_any_spreadsheet_is_refused(monkeypatch):
    bomb = _bomb(20 * 2**20)  # under the total, but some 1000 to 1
    table = read_table("bomb.xlsx", bomb, max_rows=2000, max_bytes=5 * 2**20)
    (problem,) = table.problems
    assert "compressed far more than a spreadsheet can be" in problem.message


def test_an_ordinary_workbook_passes_the_checks():
    rows = [person(TRAINEE, n) for n in range(300)]
    table = read_table("people.xlsx", xlsx_bytes(rows), max_rows=2000, max_bytes=5 * 2**20)
    assert table.problems == [] and len(table.rows) == 300
    assert reader._zip_problem(xlsx_bytes(rows)) is None


def test_a_lying_zip_directory_is_a_problem_not_a_crash():
    data = bytearray(_bomb(4 * 2**20))
    # lower the sheet's declared size in the central directory: inflating stops there and fails
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(SHEET)
    at = bytes(data).rindex(b"PK\x01\x02", 0, bytes(data).rindex(SHEET.encode()))
    assert info.file_size > 2**20
    data[at + 24 : at + 28] = (1000).to_bytes(4, "little")
    table = read_table("liar.xlsx", bytes(data), max_rows=2000, max_bytes=5 * 2**20)
    assert table.problems and "could not be read as an Excel workbook" in table.problems[0].message


@pytest.mark.parametrize("name", ["peo\x00ple.csv", "peo\x01ple\x1b.csv", "../people.csv"])
def test_a_file_name_with_control_characters_is_cleaned_for_the_audit(
    client, admin, cycle, outbox, name
):
    response = upload(client, cycle, csv_bytes([person(TRAINEE, 1)]), mode="all", filename=name)
    assert response.status_code == 302
    reasons = [e.reason for e in db.session.scalars(db.select(AuditEvent))]
    assert reasons == ["1 trainee imported from people.csv"]


def test_a_file_over_the_request_limit_is_read_up_to_the_import_limit(client, admin, cycle):
    """Other requests stop at MAX_CONTENT_LENGTH (2 MB); an import file may be 5 MB, and one a
    little over that is still read far enough to say so on the page, not on an error page."""
    padding = "x" * (3 * 2**20)
    within = csv_bytes([person(TRAINEE, 1, research_statement=padding)])
    response = upload(client, cycle, within)
    response.request.environ["wsgi.input"].close()
    assert response.status_code == 200  # "check the file" lists its problems
    page = response.get_data(as_text=True)
    assert "The CSV file could not be read: a cell is longer than 131,072 characters." in page

    over = csv_bytes([person(TRAINEE, 1, research_statement=padding * 2)])
    response = upload(client, cycle, over)
    response.request.environ["wsgi.input"].close()
    assert response.status_code == 200  # "check the file" lists its problems
    assert "The file is larger than 5 MB." in response.get_data(as_text=True)
