"""Bulk import (CSV and XLSX: dry run, every kind of problem, all-or-nothing) and exports."""

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from mri_match.bulk.columns import mentor_columns, trainee_columns
from mri_match.email import INVALID_ADDRESS
from mri_match.extensions import db
from mri_match.models import Application, AuditEvent, MentorOffer, MentorProfile, User

STATEMENT = (
    "I study red cell biology and sickle cell disease outcomes in young adults, "
    "with a focus on access to care."
)
EXPERTISE = "Sickle cell disease, hemoglobinopathies, gene therapy and clinical trials design."

TRAINEE = {
    "email": "ada@example.org",
    "full_name": "Ada Okafor",
    "pronouns": "she/her",
    "career_stage": "medical_student",
    "institution": "Howard University",
    "city": "Washington",
    "region": "DC",
    "country": "United States",
    "timezone": "America/New_York",
    "track": "Medical student",
    "topics": "sickle-cell-disease; Thalassemia",
    "research_statement": STATEMENT,
    "needs": "research; Career development",
    "requested_roles": "research",
    "meeting_format": "virtual",
    "languages": "en; Spanish",
    "wants_same_institution": "no",
    "wants_same_region": "yes",
    "has_research_mentor": "no",
    "nominee_name": "",
    "nominee_email": "",
    "nominee_institution": "",
}
MENTOR = {
    "email": "dr.b@example.org",
    "full_name": "Dr Bea Mensah",
    "degrees": "MD, PhD",
    "position": "Professor",
    "institution": "Johns Hopkins University",
    "city": "Baltimore",
    "region": "MD",
    "country": "United States",
    "timezone": "America/New_York",
    "ash_member_number": "ASH-123",
    "topics": "sickle-cell-disease; gene-therapy",
    "expertise_statement": EXPERTISE,
    "publications": "",
    "stages_accepted": "medical_student; Resident",
    "needs_offered": "research; Grant writing",
    "meeting_formats": "virtual; in_person",
    "languages": "en",
    "conflicts": "",
    "capacity": "2",
    "roles": "research; career",
}


def csv_bytes(rows, header=None, encoding="utf-8") -> bytes:
    header = header or list(rows[0].keys())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    header = list(rows[0].keys())
    sheet.append(header)
    for row in rows:
        sheet.append([row[h] for h in header])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def person(base, n, **changes):
    row = dict(base)
    row["email"] = f"{base['email'].split('@')[0]}{n}@example.org"
    row.update(changes)
    return row


@pytest.fixture
def admin(factory, auth):
    user = factory.user("admin")
    auth.login(user)
    return user


@pytest.fixture
def cycle(factory):
    return factory.cycle(status="open", slug="c2027")


def upload(client, cycle, data, *, kind="trainee", mode="check", filename="people.csv"):
    return client.post(
        f"/admin/cycles/{cycle.slug}/import",
        data={"kind": kind, "mode": mode, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def counts():
    return (
        db.session.scalar(db.select(db.func.count(User.id))),
        db.session.scalar(db.select(db.func.count(Application.id))),
        db.session.scalar(db.select(db.func.count(MentorProfile.id))),
        db.session.scalar(db.select(db.func.count(MentorOffer.id))),
        db.session.scalar(db.select(db.func.count(AuditEvent.id))),
    )


def problems(response) -> list[tuple[str, str, str]]:
    """The (row, column, message) triples in the page's problem table."""
    import re

    html = response.get_data(as_text=True)
    table = (
        html.split('id="problems"', 1)[1].split("</table>", 1)[0] if 'id="problems"' in html else ""
    )
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table)
    return rows


def test_dry_run_of_a_clean_file_imports_nothing(client, admin, cycle, outbox):
    before = counts()
    response = upload(client, cycle, csv_bytes([person(TRAINEE, 1), person(TRAINEE, 2)]))
    assert response.status_code == 200
    assert "No problems found in 2 rows" in response.get_data(as_text=True)
    assert counts() == before
    assert outbox.messages() == []


def test_importing_a_clean_csv_creates_submitted_applications_and_invites(
    client, admin, cycle, outbox
):
    response = upload(
        client, cycle, csv_bytes([person(TRAINEE, 1), person(TRAINEE, 2)]), mode="all"
    )
    assert response.status_code == 302
    applications = db.session.scalars(db.select(Application).order_by(Application.id)).all()
    assert [a.trainee.email for a in applications] == ["ada1@example.org", "ada2@example.org"]
    first = applications[0]
    assert first.status == "submitted" and first.cycle_id == cycle.id
    assert first.topics == ["sickle-cell-disease", "thalassemia"]  # codes and labels both work
    assert first.needs == ["research", "career_development"]
    assert first.languages == ["en", "es"]
    assert first.wants_same_region is True and first.wants_same_institution is False
    assert not first.trainee.check_password("")  # no usable password until they set one
    bodies = outbox.bodies()
    assert len(bodies) == 2 and "/auth/reset/" in bodies[0]
    assert [e.action for e in db.session.scalars(db.select(AuditEvent))] == ["bulk_import"]


def test_invitation_link_lets_the_person_set_a_password_and_log_in(
    client, admin, cycle, outbox, auth
):
    upload(client, cycle, csv_bytes([person(TRAINEE, 1)]), mode="all")
    link = outbox.bodies()[0].split("http://localhost", 1)[1].split()[0]
    auth.logout()
    imported = User.by_email("ada1@example.org")
    assert imported.email_confirmed_at is None  # the admin's file does not prove the mailbox
    response = client.post(
        link, data={"password": "a brand new password", "confirm": "a brand new password"}
    )
    assert response.status_code == 302
    db.session.refresh(imported)
    assert imported.email_confirmed_at is not None  # the emailed link does
    assert auth.login("ada1@example.org", "a brand new password").status_code == 302
    assert client.get("/trainee/").status_code == 200


def test_invitation_link_outlives_a_reset_link(app, factory):
    user = factory.user()
    user.set_unusable_password("invited")
    db.session.commit()
    token = user.password_reset_token(invitation=True)
    reset = user.password_reset_token()
    app.config["PASSWORD_RESET_MAX_AGE"] = -1  # every ordinary reset link has expired
    assert User.from_reset_token(reset) is None
    assert User.from_reset_token(token) == user
    app.config["INVITATION_MAX_AGE"] = -1
    assert User.from_reset_token(token) is None


def test_importing_mentors_from_xlsx_creates_profiles_and_offers(client, admin, cycle, outbox):
    rows = [person(MENTOR, 1), person(MENTOR, 2, capacity=0)]
    rows[1]["capacity"] = 0  # a number cell, as Excel stores it
    response = upload(client, cycle, xlsx_bytes(rows), kind="mentor", mode="all", filename="m.xlsx")
    assert response.status_code == 302, problems(response)
    profiles = db.session.scalars(db.select(MentorProfile).order_by(MentorProfile.id)).all()
    assert [p.user.email for p in profiles] == ["dr.b1@example.org", "dr.b2@example.org"]
    assert profiles[0].user.role == "mentor"
    assert profiles[0].stages_accepted == ["medical_student", "resident"]
    assert profiles[0].needs_offered == ["research", "grant_writing"]
    assert profiles[0].ash_member_number == "ASH-123" and not profiles[0].ash_verified
    offers = db.session.scalars(db.select(MentorOffer).order_by(MentorOffer.id)).all()
    assert [(o.cycle_id, o.capacity, o.roles) for o in offers] == [
        (cycle.id, 2, ["research", "career"]),
        (cycle.id, 0, ["research", "career"]),
    ]
    assert len(outbox.messages()) == 2


def test_missing_column_is_reported_and_nothing_imported(client, admin, cycle):
    header = [h for h in TRAINEE if h != "research_statement"]
    before = counts()
    response = upload(client, cycle, csv_bytes([person(TRAINEE, 1)], header=header), mode="all")
    assert response.status_code == 400
    assert (
        "1",
        "research_statement",
        "Missing column “research_statement”: download the template for the columns.",
    ) in problems(response)
    assert counts() == before


def test_every_row_problem_is_listed_with_row_column_and_message(client, admin, cycle, factory):
    factory.user(email="taken@example.org")
    rows = [
        person(TRAINEE, 1, email="not-an-email"),
        person(TRAINEE, 2, topics="sickle-cell-disease; astrology"),
        person(TRAINEE, 3, email="dup@example.org"),
        person(TRAINEE, 4, email="DUP@example.org"),
        person(TRAINEE, 5, email="taken@example.org"),
        person(TRAINEE, 6, full_name="x" * 121),
        person(TRAINEE, 7, research_statement="s" * 2001),
        person(TRAINEE, 8, career_stage="professor", timezone="Mars/Olympus"),
        person(TRAINEE, 9, institution=""),
        person(TRAINEE, 10, has_research_mentor="yes"),
        person(TRAINEE, 11),
    ]
    before = counts()
    response = upload(client, cycle, csv_bytes(rows))
    found = problems(response)
    assert ("2", "email", "“not-an-email”: " + INVALID_ADDRESS) in found
    assert ("3", "topics", "Unknown topic: “astrology”.") in found
    assert ("5", "email", "Duplicate: dup@example.org is also on row 4.") in found
    assert ("6", "email", "Duplicate: an account with taken@example.org already exists.") in found
    assert ("7", "full_name", "Too long: at most 120 characters (it has 121).") in found
    assert (
        "8",
        "research_statement",
        "Too long: at most 2,000 characters (it has 2,001).",
    ) in found
    assert any(r == "9" and c == "career_stage" for r, c, _ in found)
    assert any(r == "9" and c == "timezone" for r, c, _ in found)
    assert ("10", "institution", "Required: this cell is empty.") in found
    assert (
        "11",
        "requested_roles",
        "They already have a research mentor, so do not also request one.",
    ) in found
    assert ("11", "nominee_email", "Required when has_research_mentor is yes.") in found
    assert not any(r == "12" for r, _, _ in found)
    html = response.get_data(as_text=True)
    assert "2 rows are valid" in html  # row 4 (the first dup) and row 12
    assert counts() == before


def test_import_all_refuses_a_file_with_any_problem(client, admin, cycle, outbox):
    rows = [person(TRAINEE, 1), person(TRAINEE, 2, email="bad@")]
    before = counts()
    response = upload(client, cycle, csv_bytes(rows), mode="all")
    assert response.status_code == 400
    assert "Nothing was imported" in response.get_data(as_text=True)
    assert counts() == before and outbox.messages() == []


def test_import_valid_rows_skips_the_rest_on_explicit_choice(client, admin, cycle, outbox):
    rows = [person(TRAINEE, 1), person(TRAINEE, 2, email="bad@"), person(TRAINEE, 3)]
    response = upload(client, cycle, csv_bytes(rows), mode="valid")
    assert response.status_code == 302
    emails = set(db.session.scalars(db.select(User.email).where(User.role == "trainee")))
    assert emails == {"ada1@example.org", "ada3@example.org"}
    assert len(outbox.messages()) == 2
    follow = client.get(response.headers["Location"])
    assert "skipped 1 row with problems" in follow.get_data(as_text=True)


def test_bad_encoding_is_reported_not_a_500(client, admin, cycle):
    data = csv_bytes([person(TRAINEE, 1, full_name="José Núñez")], encoding="latin-1")
    before = counts()
    response = upload(client, cycle, data, mode="all")
    assert response.status_code == 400
    assert "The file is not UTF-8 text" in response.get_data(as_text=True)
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "people.csv", "The file is empty."),
        (b"\xef\xbb\xbf\r\n", "people.csv", "The file is empty."),
        (",".join(TRAINEE).encode(), "people.csv", "header row but no people"),
        (b"PK\x03\x04 not really a workbook", "people.xlsx", "could not be read as an Excel"),
    ],
)
def test_empty_or_unreadable_files_are_reported(client, admin, cycle, data, filename, message):
    response = upload(client, cycle, data, filename=filename, mode="valid")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_too_many_rows_is_refused(app, client, admin, cycle):
    app.config["BULK_IMPORT_MAX_ROWS"] = 2
    rows = [person(TRAINEE, n) for n in range(3)]
    response = upload(client, cycle, csv_bytes(rows), mode="valid")
    assert response.status_code == 400
    assert "The file has 3 rows of people; import at most 2" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Application.id))) == 0


def test_unknown_and_semicolon_separated_columns(client, admin, cycle):
    row = person(TRAINEE, 1)
    header = [*TRAINEE, "shoe_size"]
    response = upload(client, cycle, csv_bytes([row], header=header))
    assert ("1", "shoe_size", "Unknown column “shoe_size”.") in problems(response)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(list(TRAINEE))
    writer.writerow([row[h] for h in TRAINEE])  # cells holding ";" lists get quoted
    response = upload(client, cycle, buffer.getvalue().encode())
    assert "No problems found in 1 row" in response.get_data(as_text=True)


def test_a_failed_import_leaves_the_database_unchanged(client, admin, cycle, factory, monkeypatch):
    """An error while writing (here: an address registered between check and import) rolls
    back every row, the audit event included."""
    from mri_match.bulk import validate

    factory.user(email="ada2@example.org")
    monkeypatch.setattr(validate, "_existing_emails", lambda emails: set())
    before = counts()
    response = upload(
        client, cycle, csv_bytes([person(TRAINEE, 1), person(TRAINEE, 2)]), mode="all"
    )
    assert response.status_code == 409
    assert "Nothing was imported" in response.get_data(as_text=True)
    assert counts() == before


def test_import_is_refused_once_matching_started(client, admin, factory, outbox):
    cycle = factory.cycle(status="matching", slug="late")
    before = counts()
    response = upload(client, cycle, csv_bytes([person(TRAINEE, 1)]), mode="all")
    assert response.status_code == 400
    assert "this one is matching" in response.get_data(as_text=True)
    assert counts() == before


def test_import_needs_a_file_and_an_admin(client, admin, cycle, auth, factory):
    response = client.post(
        f"/admin/cycles/{cycle.slug}/import", data={"kind": "trainee", "mode": "check"}
    )
    assert response.status_code == 400
    assert "Choose a file to upload." in response.get_data(as_text=True)
    auth.logout()
    auth.login(factory.user("trainee"))
    assert upload(client, cycle, csv_bytes([person(TRAINEE, 1)])).status_code == 403


@pytest.mark.parametrize("kind", ["trainee", "mentor"])
def test_templates_download_as_csv_and_xlsx_and_round_trip(client, admin, cycle, kind):
    columns = [c.name for c in (trainee_columns() if kind == "trainee" else mentor_columns())]
    response = client.get(f"/admin/import/template/{kind}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.get_data(as_text=True).lstrip("\ufeff").strip() == ",".join(columns)
    response = client.get(f"/admin/import/template/{kind}.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in book.worksheets[0][1]] == columns
    assert book.sheetnames == ["Import", "Help", "Topics"]
    # The untouched template is a file with a header and no people.
    response = upload(client, cycle, response.data, kind=kind, filename="t.xlsx")
    assert "header row but no people" in response.get_data(as_text=True)
    assert client.get("/admin/import/template/admin.csv").status_code == 404


def test_exports_are_spreadsheet_safe_and_never_include_self_identification(
    client, admin, cycle, factory
):
    from mri_match.models import SelfIdentification

    application = factory.application(cycle=cycle, full_name='=HYPERLINK("x")')
    db.session.add(SelfIdentification(user_id=application.trainee_id, gender_identity="non_binary"))
    mentor = factory.mentor(cycle=cycle, publications="+1 paper")
    db.session.add(SelfIdentification(user_id=mentor.user_id, lgbtq="yes"))
    db.session.commit()

    response = client.get(f"/admin/cycles/{cycle.slug}/export/applications.csv")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff") and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["Application ID", "Status", "Email", "Full name"]
    assert rows[1][3] == '\'=HYPERLINK("x")'
    assert "Sickle cell disease" in rows[1][12]
    assert "non_binary" not in text and "Non-binary" not in text

    text = client.get(f"/admin/cycles/{cycle.slug}/export/mentors.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][2] == mentor.user.email and rows[1][15] == "'+1 paper"
    header = rows[0]
    assert rows[1][header.index("Capacity")] == "2"
    needs = header.index("Mentoring needs offered")
    assert rows[1][needs] == "Research; Career development; Grant writing"
    mentor.needs_offered = None
    db.session.commit()
    text = client.get(f"/admin/cycles/{cycle.slug}/export/mentors.csv").get_data(as_text=True)
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1][needs] == "Not stated"
    lowered = text.lower()
    assert "lgbtq" not in lowered and "gender" not in lowered
