"""Award milestones for the tests: files of each kind, and a pair under way with its award."""

import io
import zipfile
from datetime import datetime

from mentorship_helpers import active_pair

from mri_match.awards import service
from mri_match.extensions import db
from mri_match.models import Milestone

WORD_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def pdf_bytes(text: str = "Midpoint report", padding: int = 0) -> bytes:
    """A small PDF (``padding`` bytes longer, inside the file, for size tests)."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% "
        + text.encode()
        + b"\n% "
        + b"0" * padding
        + b"\ntrailer<<>>\n%%EOF\n"
    )


def docx_bytes(content_types: str = WORD_TYPES, extra: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document>Final report</w:document>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bomb(inflated: int = 60 * 2**20) -> bytes:
    """A Word document with one part of ``inflated`` zero bytes (deflates to almost nothing)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", WORD_TYPES)
        archive.writestr("word/document.xml", "<w:document/>")
        with archive.open("word/media/image1.bin", "w") as member:
            chunk = bytes(2**20)
            for _ in range(inflated // 2**20):
                member.write(chunk)
    return buffer.getvalue()


def award_pair(factory, *, accepted_at: datetime, cycle=None, admin=None, track="Medical student"):
    """An active research pair in a cycle whose ``track`` has the default award."""
    cycle = cycle or factory.cycle(status="matching")
    admin = admin or factory.user("admin")
    if service.template_for_track(cycle, track) is None:
        service.create_template(cycle, track, actor=admin, defaults=True)
        db.session.commit()
    match = active_pair(factory, accepted_at=accepted_at, cycle=cycle)
    service.start_milestones(match)
    db.session.commit()
    return match


def milestone(match, title: str) -> Milestone:
    return db.session.scalar(db.select(Milestone).filter_by(match_id=match.id, title=title))
