"""Checking an uploaded report, abstract or poster: a PDF or a Word (.docx) file, judged by
its content, never by its name alone.

A PDF starts with ``%PDF-`` and ends with ``%%EOF``. A DOCX file is a zip archive: its
directory is checked first (``archives.zip_problem``: too many parts, too large unpacked,
compressed beyond any document), and only then is its small content-types part read, which
must name a Word document (a macro-enabled one is refused).
"""

import hashlib
import io
import zipfile
from dataclasses import dataclass

from ..archives import ArchiveWords, zip_problem
from ..forms import clean_filename

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TYPES = {"pdf": PDF, "docx": DOCX}
WORD_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
CONTENT_TYPES = "[Content_Types].xml"
MAX_CONTENT_TYPES_BYTES = 256 * 1024
DOCUMENT = ArchiveWords(
    what="document",
    kind="a Word document",
    unreadable="The file could not be read as a Word document",
    advice="Save it again as an ordinary .docx file, or as a PDF.",
)


class UploadRefused(ValueError):
    """The file cannot be kept; the message is for the field."""


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def megabytes(size: int) -> str:
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size / 1024:,.0f} KB"


def read_limited(stream, max_bytes: int) -> bytes:
    """At most ``max_bytes`` from ``stream``; one byte more says the file is too large."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadRefused(
            f"The file is larger than {megabytes(max_bytes)}. Upload a smaller one."
        )
    return data


def _pdf_problem(data: bytes) -> str | None:
    if not data.startswith(b"%PDF-"):
        return "The file is named .pdf but is not a PDF. Save or export it as PDF and try again."
    if b"%%EOF" not in data[-2048:]:
        return "The PDF is incomplete (its end is missing). Save it again and upload it again."
    return None


def _docx_problem(data: bytes) -> str | None:
    if not data.startswith(b"PK\x03\x04"):
        return (
            "The file is named .docx but is not a Word document. Save it as .docx or PDF and "
            "try again."
        )
    problem = zip_problem(data, DOCUMENT)
    if problem:
        return problem
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = {member.filename: member for member in archive.infolist()}
        parts = names.get(CONTENT_TYPES)
        if parts is None or "word/document.xml" not in names:
            return "The file is a zip archive but not a Word document. Upload a .docx or PDF."
        if parts.file_size > MAX_CONTENT_TYPES_BYTES:
            return f"{DOCUMENT.unreadable}. {DOCUMENT.advice}"
        try:
            content_types = archive.read(CONTENT_TYPES)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return f"{DOCUMENT.unreadable}. {DOCUMENT.advice}"
    if WORD_MAIN not in content_types:
        return (
            "The file is not an ordinary Word document (a macro-enabled or other Office file). "
            "Save it as .docx or PDF."
        )
    return None


def check_document(filename: str | None, data: bytes) -> CheckedFile:
    """``data`` as a file to keep, or :class:`UploadRefused` saying why not."""
    name = clean_filename(filename)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in TYPES:
        raise UploadRefused("Upload a PDF or a Word (.docx) file.")
    if not data.strip():
        raise UploadRefused("The file is empty. Choose the file with your work in it.")
    problem = _pdf_problem(data) if extension == "pdf" else _docx_problem(data)
    if problem:
        raise UploadRefused(problem)
    return CheckedFile(filename=name, content_type=TYPES[extension], data=data)
