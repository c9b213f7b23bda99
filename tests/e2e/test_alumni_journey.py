"""Alumni in a real browser: a former trainee agrees to stay in touch and answers the yearly
follow-up; an admin reads the outcomes report (small cohorts suppressed) and a mentor's family
tree. axe checks every page on the way."""

from datetime import timedelta

import pytest
from alumni_helpers import answered_cohort, mentored
from playwright.sync_api import expect

from mri_match.alumni import links, service
from mri_match.extensions import db
from mri_match.models import utcnow

from .test_journeys import log_in

pytestmark = pytest.mark.e2e


def test_an_alumnus_answers_and_an_admin_reads_the_outcomes(live_server, page, a11y, screenshot):
    base = live_server.url
    with live_server.seeding() as make:
        admin = make.user("admin", email="admin@example.org")
        cycle = make.cycle(status="completed", name="MRI 2024–25")
        cycle.completed_at = utcnow() - timedelta(days=400)
        later = make.cycle(status="completed", name="MRI 2025–26")
        later.completed_at = utcnow() - timedelta(days=30)
        root = make.mentor(full_name="Dr Ada Root")
        rosa = mentored(make, cycle, root, full_name="Rosa Lee")
        rosa.trainee.email = "rosa@example.org"
        names = [f"Trainee {i}" for i in range(6)]
        others = answered_cohort(make, cycle, root, names, answering=5)
        grown = make.mentor(full_name="Dr Grace Grown")
        links.link_former_trainee(grown, others[0].trainee, actor=admin)
        db.session.commit()
        mentored(make, later, grown, full_name="Tom Third")
        root_id, open_year = root.id, service.current_round(cycle.completed_at)

    log_in(page, base, "rosa@example.org")
    page.get_by_role("link", name="Staying in touch after the program").click()
    expect(page.get_by_role("heading", name="Staying in touch after the program")).to_be_visible()
    a11y("alumni consent question")
    page.get_by_role("button", name="I agree").click()
    expect(page.locator("#consent-error")).to_contain_text("Tick the box to agree")
    a11y("alumni consent refused")
    page.get_by_label("Yes, keep my alumni record").check()
    page.get_by_label("Email address for the follow-ups (optional)").fill("rosa.lee@example.org")
    page.get_by_role("button", name="I agree").click()
    expect(page.get_by_text("You agreed to stay in touch")).to_be_visible()
    a11y("alumni record")

    page.get_by_role("link", name=f"Answer the {open_year} follow-up").click()
    page.get_by_role("button", name="Save my answers").click()
    expect(page.locator("#training_stage-error")).to_contain_text("Choose where you are now.")
    a11y("follow-up with errors")
    page.get_by_label("Where are you in your training or career now?").select_option("fellowship")
    page.get_by_role("group", name="The degree you were studying for").get_by_label(
        "Completed"
    ).check()
    page.get_by_label("Specialty or field you have chosen").select_option("hematology")
    for question in ("Are you a member of ASH?", "Do you mentor students or trainees now?"):
        page.get_by_role("group", name=question).get_by_label("Yes").check()
    page.get_by_role("group", name="Did you attend the ASH annual meeting").get_by_label(
        "No"
    ).check()
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_text(f"your answers for {open_year} are saved")).to_be_visible()
    page.get_by_role("link", name="Withdraw my consent").click()
    expect(page.get_by_role("heading", name="delete your alumni record?")).to_be_visible()
    a11y("withdraw confirmation")
    page.get_by_role("link", name="Cancel, keep my record").click()

    page.goto(f"{base}/alumni/follow-up/not-a-real-link")
    expect(page.get_by_role("heading", name="This follow-up link does not work")).to_be_visible()
    a11y("follow-up link that does not work")

    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "admin@example.org")
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name="Alumni outcomes across cycles").click()
    expect(page.get_by_role("heading", name="Alumni outcomes", level=1)).to_be_visible()
    expect(page.get_by_text("fewer than 5 people").first).to_be_visible()
    expect(page.get_by_role("img", name="Alumni outcomes, all cycles")).to_be_visible()
    a11y("outcomes report")
    screenshot("alumni-outcomes-report")

    page.goto(f"{base}/admin/mentors/{root_id}/family-tree")
    expect(page.get_by_text("Tom Third")).to_be_visible()
    a11y("family tree")
    screenshot("alumni-family-tree")
