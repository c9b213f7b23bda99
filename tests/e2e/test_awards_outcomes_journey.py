"""Awards and outcomes in a real browser, as one journey: the trainee uploads the midpoint
report, the mentor signs it off, the admin sees it done and releases the midpoint stipend; both
people answer the end-of-match survey from their dashboards, and the admin reads the pair's
answers and the cycle's survey report; then the alumni outcomes report, where the pair's cohort
is too small to show and is suppressed (with the cohort that would give it away). axe checks
every page on the way."""

import re
from datetime import timedelta

import pytest
from alumni_helpers import answered_cohort
from award_helpers import pdf_bytes
from mentorship_helpers import active_pair
from playwright.sync_api import Page, expect

from mri_match.awards import service as awards
from mri_match.extensions import db
from mri_match.models import Milestone, Payment, utcnow

from .test_awards_journey import release_midpoint_stipend
from .test_journeys import flash, log_in, log_out

pytestmark = pytest.mark.e2e


def _seed(make) -> dict:
    admin = make.user("admin", email="admin@example.org")
    # An earlier cohort of six, five of them answering the alumni follow-up: enough to show.
    earlier = make.cycle(status="completed", name="MRI 2024–25")
    earlier.completed_at = utcnow() - timedelta(days=400)
    elder = make.mentor(full_name="Dr Ada Elder")
    answered_cohort(make, earlier, elder, [f"Alumna {i}" for i in range(6)], answering=5)
    # The journey's pair: their cycle is completed and the end-of-match survey is open.
    cycle = make.cycle(status="completed", name="MRI 2025–26")
    cycle.completed_at = utcnow() - timedelta(days=5)
    mentor = make.mentor(full_name="Dr Ben Okafor")
    mentor.user.email = "ben@example.org"
    application = make.application(cycle=cycle, status="eligible", full_name="Ana Ruiz")
    application.trainee.email = "ana@example.org"
    match = active_pair(
        make,
        accepted_at=utcnow() - timedelta(days=181),
        cycle=cycle,
        application=application,
        mentor=mentor,
    )
    # The track's award (the medical-student defaults), given to the pair.
    awards.create_template(cycle, application.track, actor=admin, defaults=True)
    db.session.commit()
    awards.start_milestones(match)
    db.session.commit()
    return {"slug": cycle.slug, "match_id": match.id}


def _answer_end_survey(page: Page, a11y, other: str, worth: str, comment: str) -> None:
    expect(page.get_by_text("A survey is due: the end-of-match survey")).to_be_visible()
    page.get_by_role("link", name=f"Answer the survey about {other}").click()
    expect(page.get_by_role("heading", name="End-of-match survey", level=1)).to_be_visible()
    a11y(f"end-of-match survey about {other}")
    for question, answer in (
        ("We meet as often as we planned.", "4: agree"),
        ("Our meetings are useful to me.", "5: strongly agree"),
        ("I feel comfortable raising problems", "4: agree"),
        ("Taking part in the program was worth my time.", worth),
        ("Would you take part in the program again?", "Yes"),
    ):
        page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    page.get_by_label("What could the program do better? (optional)").fill(comment)
    page.get_by_role("button", name="Send to the program team").click()
    expect(page.get_by_text("Your answers went to the program team only.")).to_be_visible()
    a11y(f"match page after the survey about {other}")


def test_awards_and_outcomes_journey(live_server, page, a11y, screenshot, tmp_path):
    base = live_server.url
    with live_server.seeding() as make:
        seeded = _seed(make)
    slug, match_id = seeded["slug"], seeded["match_id"]

    # The trainee uploads the midpoint report.
    log_in(page, base, "ana@example.org")
    a11y("trainee dashboard with a milestone and a survey due")
    page.locator(".next-milestone").get_by_role("link", name=re.compile("Award milestones")).click()
    expect(page.get_by_role("heading", name="Award milestones", level=1)).to_be_visible()
    a11y("the pair's award milestones")
    page.get_by_role("link", name="Midpoint report", exact=True).click()
    a11y("the midpoint report milestone")
    report = tmp_path / "midpoint-report.pdf"
    report.write_bytes(pdf_bytes())
    page.get_by_label("Your file (PDF or Word .docx)").set_input_files(str(report))
    page.get_by_role("button", name="Upload and send for sign-off").click()
    expect(flash(page)).to_contain_text("midpoint-report.pdf is handed in for Midpoint report.")
    a11y("the midpoint report waiting for sign-off")
    page.goto(f"{base}/trainee/")

    # The end-of-match survey, answered by both people from their dashboards.
    _answer_end_survey(page, a11y, "Dr Ben Okafor", "5: strongly agree", "Earlier travel funds")
    page.goto(f"{base}/trainee/")
    expect(page.get_by_text("A survey is due")).to_have_count(0)
    log_out(page)

    # The mentor signs the midpoint report off, then answers the survey.
    log_in(page, base, "ben@example.org")
    a11y("mentor dashboard with a sign-off and a survey due")
    page.locator(".next-milestone").get_by_role("link", name=re.compile("Award milestones")).click()
    page.get_by_role("link", name="Midpoint report", exact=True).click()
    a11y("the midpoint report for the mentor to sign off")
    page.get_by_role("button", name="Sign off").click()
    expect(flash(page)).to_contain_text("Midpoint report is signed off.")
    page.goto(f"{base}/mentor/")
    _answer_end_survey(page, a11y, "Ana Ruiz", "4: agree", "A shared program calendar")
    expect(page.get_by_text("Earlier travel funds")).to_have_count(0)  # never the other's
    log_out(page)

    # The admin sees the midpoint report done and releases the midpoint stipend.
    log_in(page, base, "admin@example.org")
    page.goto(f"{base}/admin/matches/{match_id}/award")
    expect(page.get_by_role("heading", name=re.compile("Award: Ana Ruiz"))).to_be_visible()
    a11y("the pair's award, for admins")
    release_midpoint_stipend(page, a11y)
    a11y("the pair's award with the stipend released")

    # The admin reads the pair's survey answers and the cycle's survey report.
    page.goto(f"{base}/admin/matches/{match_id}/timeline")
    page.get_by_role("link", name="Survey answers").click()
    expect(page.get_by_text("Earlier travel funds")).to_be_visible()
    expect(page.get_by_text("A shared program calendar")).to_be_visible()
    a11y("the pair's survey answers")
    page.goto(f"{base}/admin/cycles/{slug}")
    page.get_by_role("link", name="Survey report").click()
    expect(page.get_by_role("heading", name="Survey report of MRI 2025–26")).to_be_visible()
    expect(page.get_by_text("2 of 2 people asked so far answered (100.0%)")).to_be_visible()
    expect(page.get_by_text("fewer than 5 people").first).to_be_visible()
    expect(page.get_by_text("Ana Ruiz")).to_have_count(0)
    a11y("survey report")

    # The outcomes report: the pair's cohort is there, and too small to show.
    page.goto(f"{base}/admin/reports/outcomes")
    expect(page.get_by_role("heading", name="Alumni outcomes", level=1)).to_be_visible()
    rates = page.get_by_role("table", name="Response rate by cohort")
    expect(rates.get_by_role("row", name="MRI 2025–26")).to_contain_text("fewer than 5 people")
    # hidden too, else "All cycles" minus it would give the small cohort away
    expect(rates.get_by_role("row", name="MRI 2024–25")).to_contain_text("fewer than 5 people")
    expect(rates.get_by_role("row", name="All cycles")).to_contain_text("5 of 7")
    a11y("outcomes report")
    screenshot("awards-outcomes-journey")

    with live_server.app.app_context():
        midpoint = db.session.scalar(
            db.select(Milestone).filter_by(match_id=match_id, title="Midpoint report")
        )
        assert midpoint.status == "done" and midpoint.document.filename == "midpoint-report.pdf"
        stipend = db.session.scalar(
            db.select(Payment).filter_by(match_id=match_id, title="Stipend at the midpoint")
        )
        assert stipend.status == "released"
        db.session.remove()
