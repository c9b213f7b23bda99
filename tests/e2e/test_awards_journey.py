"""Award milestones in Chromium: the admin sets up the track's award (a removal asks first, and
a milestone a payment needs alone stays); the trainee hands in the midpoint report (a wrong file
first: the error is next to the field); the mentor signs it off; the admin sees it done and
releases the midpoint stipend. axe-core checks every new page."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from award_helpers import pdf_bytes
from mentorship_helpers import active_pair
from playwright.sync_api import Page, expect

from mri_match.awards import service
from mri_match.extensions import db
from mri_match.models import Milestone, Payment

from .test_journeys import flash, log_in, log_out

pytestmark = pytest.mark.e2e

ACCEPTED = datetime.now(UTC) - timedelta(days=100)


def _seed(make) -> int:
    cycle = make.cycle(name="MRI 2026", slug="mri-2026", status="matching")
    make.user("admin", email="admin@example.org")
    application = make.application(
        cycle=cycle,
        trainee=make.user("trainee", email="amara@example.org"),
        full_name="Amara Okafor",
    )
    mentor = make.mentor(
        user=make.user("mentor", email="ada@example.org"),
        cycle=cycle,
        full_name="Ada Mensah",
        roles=["research"],
    )
    match = active_pair(
        make, accepted_at=ACCEPTED, cycle=cycle, application=application, mentor=mentor
    )
    return match.id


def release_midpoint_stipend(page: Page, a11y) -> None:
    """From a pair's award page for admins, release the midpoint stipend (ready to release)
    through its confirmation page."""
    row = page.get_by_role("row", name=re.compile("Stipend at the midpoint"))
    expect(row).to_contain_text("Ready to release")
    row.get_by_role("link", name=re.compile("Release")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Release Stipend at the midpoint")
    a11y("releasing a payment")
    page.get_by_role("button", name="Release the payment").click()
    expect(flash(page)).to_contain_text("Stipend at the midpoint is marked as released.")
    expect(page.get_by_role("row", name=re.compile("Stipend at the midpoint"))).to_contain_text(
        "Released"
    )


def test_midpoint_report_handed_in_signed_off_and_paid(live_server, page: Page, a11y, tmp_path):
    with live_server.seeding() as make:
        match_id = _seed(make)
    base = live_server.url

    # The admin sets up the medical-student award and gives it to the pair under way.
    log_in(page, base, "admin@example.org")
    page.goto(f"{base}/admin/cycles/mri-2026")
    page.get_by_role("link", name="Milestones, deliverables and payments").click()
    expect(page.get_by_role("heading", name="Awards: MRI 2026", level=1)).to_be_visible()
    a11y("awards of a cycle, none set up")
    page.get_by_role("link", name="Set up a track's award").click()
    page.get_by_role("button", name="Set up the award").click()  # no track chosen
    expect(page.get_by_role("link", name="Choose the track.")).to_be_visible()
    a11y("setting up an award, with an error")
    page.get_by_label("Medical student").check()
    page.get_by_role("button", name="Set up the award").click()
    expect(flash(page)).to_contain_text("The Medical student award is set up.")
    expect(page.get_by_role("heading", name="Medical student award", level=1)).to_be_visible()
    a11y("an award's milestones and payments")
    page.get_by_role("button", name="Add to the pairs under way").click()
    expect(flash(page)).to_contain_text("The pairs under way have every milestone")
    page.get_by_role("link", name="Change Project plan").click()
    expect(page.get_by_label("Title")).to_have_value("Project plan")
    a11y("changing a milestone")
    page.get_by_role("link", name="Cancel").click()
    # Removing asks first; a milestone a payment needs alone stays.
    page.get_by_role("link", name="Remove Project plan").click()
    expect(flash(page)).to_contain_text("Stipend at the start needs only Project plan")
    page.get_by_role("link", name="Remove Yearly engagement confirmation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Remove Yearly engagement confirmation from the Medical student award?"
    )
    expect(page.get_by_text("1 pair has its own copy")).to_be_visible()
    a11y("removing a milestone")
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("link", name="Remove Travel to the annual meeting").click()
    a11y("removing a payment")
    page.get_by_role("button", name="Remove").click()
    expect(flash(page)).to_contain_text("Travel to the annual meeting is removed from the award.")
    log_out(page)

    # The trainee sees the overdue project plan on the dashboard and hands in the midpoint report.
    log_in(page, base, "amara@example.org")
    line = page.locator(".next-milestone")
    expect(line).to_contain_text("1 overdue (Project plan)")
    line.get_by_role("link", name=re.compile("Award milestones")).click()
    expect(page.get_by_role("heading", name="Award milestones", level=1)).to_be_visible()
    a11y("the pair's award milestones")
    page.get_by_role("link", name="Midpoint report", exact=True).click()
    wrong = tmp_path / "midpoint.pdf"
    wrong.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    page.get_by_label("Your file (PDF or Word .docx)").set_input_files(str(wrong))
    page.get_by_role("button", name="Upload and send for sign-off").click()
    error = page.locator("#file-error")
    expect(error).to_contain_text("is named .pdf but is not a PDF")
    expect(page.get_by_label("Your file (PDF or Word .docx)")).to_have_attribute(
        "aria-invalid", "true"
    )
    a11y("a milestone, with a wrong file refused")
    report = tmp_path / "midpoint-report.pdf"
    report.write_bytes(pdf_bytes())
    page.get_by_label("Your file (PDF or Word .docx)").set_input_files(str(report))
    page.get_by_role("button", name="Upload and send for sign-off").click()
    expect(flash(page)).to_contain_text("midpoint-report.pdf is handed in for Midpoint report.")
    expect(page.get_by_text("Waiting for sign-off").first).to_be_visible()
    a11y("a milestone waiting for sign-off")
    log_out(page)

    # The mentor opens it from the dashboard, downloads the file and signs it off.
    log_in(page, base, "ada@example.org")
    page.locator(".next-milestone").get_by_role("link", name=re.compile("Award milestones")).click()
    page.get_by_role("link", name="Midpoint report", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="midpoint-report.pdf").click()
    assert download.value.suggested_filename == "midpoint-report.pdf"
    a11y("a milestone for the mentor to sign off")
    page.get_by_role("button", name="Sign off").click()
    expect(flash(page)).to_contain_text("Midpoint report is signed off.")
    log_out(page)

    # The admin sees it done and releases the midpoint stipend.
    log_in(page, base, "admin@example.org")
    page.goto(f"{base}/admin/cycles/mri-2026/awards")
    page.get_by_label("Show").select_option("overdue")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("cell", name=re.compile("Project plan \\(due"))).to_be_visible()
    a11y("awards of a cycle, the pairs with something overdue")
    page.get_by_role("link", name=re.compile("Amara Okafor")).click()
    expect(page.get_by_role("heading", name=re.compile("Award: Amara Okafor"))).to_be_visible()
    a11y("a pair's award, for admins")
    expect(page.get_by_role("row", name=re.compile("Stipend at completion"))).to_contain_text(
        "Final report missing"
    )
    release_midpoint_stipend(page, a11y)

    with live_server.app.app_context():
        midpoint = db.session.scalar(
            db.select(Milestone).filter_by(match_id=match_id, title="Midpoint report")
        )
        assert midpoint.status == "done" and midpoint.document.filename == "midpoint-report.pdf"
        paid = db.session.scalar(db.select(Payment).filter_by(title="Stipend at the midpoint"))
        assert paid.status == "released"
        assert service.template_for(midpoint.match) is not None
        db.session.remove()
