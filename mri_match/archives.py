"""Zip archives from uploads (XLSX workbooks, DOCX documents), judged by their directory alone.

Before anything opens an archive, the sizes its members declare are checked: zipfile never
inflates a member past its declared size (it stops, and the CRC check fails), so these bounds
hold for everything read afterwards, and a "zip bomb" is refused in milliseconds instead of
inflating gigabytes.
"""

import io
import zipfile
from dataclasses import dataclass

MAX_UNPACKED = 50 * 1024 * 1024  # bytes, all members together
MAX_RATIO = 100  # how many times a member larger than a megabyte may inflate
MAX_MEMBERS = 500


@dataclass(frozen=True)
class ArchiveWords:
    """How the messages name the file: ``what`` ("workbook"), ``kind`` ("a spreadsheet"),
    the sentence for an unreadable file, and the advice after a refusal."""

    what: str
    kind: str
    unreadable: str
    advice: str


def zip_problem(data: bytes, words: ArchiveWords) -> str | None:
    """Why this archive must not be unpacked, or None: from its directory, inflating nothing."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        return f"{words.unreadable} ({error})."
    if len(members) > MAX_MEMBERS:
        return (
            f"The {words.what} has {len(members):,} parts, more than {words.kind} has. "
            f"{words.advice}"
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED:
        return (
            f"The {words.what} unpacks to {unpacked / 2**20:,.0f} MB, more than the "
            f"{MAX_UNPACKED // 2**20} MB allowed. {words.advice}"
        )
    for member in members:
        if member.file_size > 2**20 and member.file_size > MAX_RATIO * member.compress_size:
            return (
                f"The {words.what} is compressed far more than {words.kind} can be "
                f"({member.file_size / max(member.compress_size, 1):,.0f} to 1). {words.advice}"
            )
    return None
