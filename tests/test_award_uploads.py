"""Files handed in for milestones, fuzzed: each wrong file is refused with a message next to
the file field (the GOV.UK pattern), and nothing is stored, neither record nor bytes."""

import io
import re
from datetime import UTC, datetime

import pytest
from award_helpers import WORD_TYPES, award_pair, docx_bomb, docx_bytes, milestone, pdf_bytes

from mri_match.awards.uploads import UploadRefused, check_document
from mri_match.extensions import db
from mri_match.models import Milestone, MilestoneDocument, StoredFile

T0 = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
MACRO_TYPES = WORD_TYPES.replace("document.main+xml", "document.macroEnabled.main+xml").replace(
    "wordprocessingml.document.macroEnabled", "ms-word.document.macroEnabled"
)


def _zip_without_word() -> bytes:
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


BAD_FILES = [
    ("image.pdf", PNG, "is named .pdf but is not a PDF"),
    ("report.pdf", docx_bytes(), "is named .pdf but is not a PDF"),
    ("report.pdf", b"%PDF-1.7\n1 0 obj<<>>endobj\n", "The PDF is incomplete"),
    ("report.docx", pdf_bytes(), "is named .docx but is not a Word document"),
    ("report.docx", b"plain text pretending", "is named .docx but is not a Word document"),
    ("report.docx", _zip_without_word(), "a zip archive but not a Word document"),
    ("report.docx", docx_bytes(MACRO_TYPES), "not an ordinary Word document"),
    ("report.docx", docx_bomb(), "unpacks to 60 MB"),
    ("report.docx", docx_bomb(20 * 2**20), "compressed far more than a Word document can be"),
    ("report.pdf", b"", "The file is empty"),
    ("report.pdf", b"   \n", "The file is empty"),
    ("report.exe", b"MZ\x90\x00", "Upload a PDF or a Word (.docx) file."),
    ("report", pdf_bytes(), "Upload a PDF or a Word (.docx) file."),
]


@pytest.fixture
def small_app(make_app):
    app = make_app(AWARD_UPLOAD_MAX_BYTES=64 * 1024, MAX_CONTENT_LENGTH=32 * 1024)
    with app.app_context():
        yield app


@pytest.fixture
def pair(factory):
    return award_pair(factory, accepted_at=T0)


def _post(client, pair, item, data, filename):
    return client.post(
        f"/matches/{pair.id}/milestones/{item.id}",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def _nothing_stored(item) -> None:
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(MilestoneDocument)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(StoredFile)) == 0
    assert db.session.get(Milestone, item.id).status == "open"


def _error_next_to_the_field(html: str) -> str:
    found = re.search(r'<div id="file-error"[^>]*>(.*?)</div>', html, re.S)
    assert found, "no error next to the file field"
    assert 'href="#file"' in html  # the summary links to the field
    return re.sub(r"<[^>]+>", "", found.group(1))


@pytest.mark.parametrize(("filename", "data", "message"), BAD_FILES)
def test_a_wrong_file_is_refused_next_to_the_field_and_nothing_is_stored(
    client, auth, pair, filename, data, message
):
    item = milestone(pair, "Midpoint report")
    auth.login(pair.application.trainee)
    response = _post(client, pair, item, data, filename)
    assert response.status_code == 400
    assert message in _error_next_to_the_field(response.get_data(as_text=True))
    _nothing_stored(item)


@pytest.mark.parametrize(("filename", "data", "message"), BAD_FILES)
def test_the_check_refuses_each_wrong_file(filename, data, message):
    with pytest.raises(UploadRefused, match=re.escape(message)):
        check_document(filename, data)


def test_good_files_pass_the_check():
    assert check_document("Report.PDF", pdf_bytes()).content_type == "application/pdf"
    checked = check_document("../../etc/report.docx", docx_bytes())
    assert checked.filename == "report.docx" and checked.content_type.endswith(".document")


def test_a_file_over_the_limit_is_refused_next_to_the_field(small_app, factory, auth):
    client = small_app.test_client()
    pair = award_pair(factory, accepted_at=T0)
    item = milestone(pair, "Midpoint report")
    client.post(
        "/auth/login",
        data={"email": pair.application.trainee.email, "password": "correct horse battery staple"},
    )
    big = pdf_bytes(padding=64 * 1024)
    response = _post(client, pair, item, big, "big.pdf")
    assert response.status_code == 400
    assert "larger than 64 KB" in _error_next_to_the_field(response.get_data(as_text=True))
    _nothing_stored(item)
    # far over: the request itself is refused before it is read
    huge = _post(client, pair, item, b"%PDF-" + bytes(5 * 64 * 1024), "huge.pdf")
    assert huge.status_code == 413
    _nothing_stored(item)
    # at the limit: kept
    fits = pdf_bytes(padding=60 * 1024)
    kept = _post(client, pair, item, fits, "fits.pdf")
    assert kept.status_code == 302, kept.get_data(as_text=True)[-3000:]


def test_an_upload_larger_than_other_requests_may_be_is_read(make_app, factory):
    """MAX_CONTENT_LENGTH bounds every other request; a milestone's file may be larger."""
    app = make_app(MAX_CONTENT_LENGTH=32 * 1024, AWARD_UPLOAD_MAX_BYTES=256 * 1024)
    with app.app_context():
        client = app.test_client()
        pair = award_pair(factory, accepted_at=T0)
        item = milestone(pair, "Midpoint report")
        client.post(
            "/auth/login",
            data={
                "email": pair.application.trainee.email,
                "password": "correct horse battery staple",
            },
        )
        response = _post(client, pair, item, pdf_bytes(padding=100 * 1024), "report.pdf")
        assert response.status_code == 302
        assert db.session.get(Milestone, item.id).document.size > 100 * 1024
