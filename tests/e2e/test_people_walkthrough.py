"""A new trainee's and a new mentor's first session, in Chromium, by the labels and roles a
person sees: from registering to the first task done (the trainee's submitted application; the
mentor's saved profile and volunteering for the open cycle).

axe-core checks every page on the way (WCAG 2.1 A and AA), and each stage is kept as a
screenshot under test-artifacts/ (trainee-walkthrough-*.png, mentor-walkthrough-*.png).
"""

import re

import pytest
from conftest import PASSWORD
from playwright.sync_api import Page, expect

from mri_match.extensions import db
from mri_match.models import Application, MentorOffer, MentorProfile

from .test_journeys import EXPERTISE, STATEMENT, flash, follow_confirmation_link

pytestmark = pytest.mark.e2e


def _stages(prefix: str, a11y, screenshot):
    shot = 0

    def stage(name: str) -> None:
        nonlocal shot
        shot += 1
        a11y(f"{prefix}: {name}")
        screenshot(f"{prefix}-{shot:02d}-{name}")

    return stage


def _register(page: Page, live_server, role_label: str, email: str, stage) -> None:
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register").click()
    expect(page.get_by_role("heading", name="Create your account", level=1)).to_be_visible()
    page.get_by_label(role_label).check()
    page.get_by_label("Email address").fill(email)
    stage("register")
    page.get_by_role("button", name="Email me a confirmation link").click()
    expect(page.get_by_role("heading", name="Check your email", level=1)).to_be_visible()
    stage("check-your-email")
    follow_confirmation_link(page, live_server, email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    stage("choose-password")
    page.get_by_role("button", name="Create account").click()
    expect(flash(page)).to_contain_text("Your email address is confirmed")


def test_a_new_trainee_goes_from_registering_to_a_submitted_application(
    live_server, page, a11y, screenshot
):
    stage = _stages("trainee-walkthrough", a11y, screenshot)
    with live_server.seeding() as make:
        make.cycle(name="MRI 2027", slug="mri-2027", status="open", tracks=["Medical student"])

    _register(page, live_server, "A trainee looking for a mentor", "amara@example.org", stage)
    expect(page.get_by_role("heading", name="My applications", level=1)).to_be_visible()
    stage("dashboard")
    page.get_by_role("link", name="Start application to MRI 2027").click()
    expect(page.get_by_role("heading", name="Apply to MRI 2027")).to_be_visible()
    stage("form")

    # Submitting too early: a summary at the top, focused, each error a link to its field.
    page.get_by_label("Full name", exact=True).fill("Amara Okafor")
    page.get_by_role("button", name="Submit application").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link", name="Choose your career stage.")).to_be_visible()
    stage("form-with-errors")
    summary.get_by_role("link", name="Choose your career stage.").click()
    stage_box = page.get_by_label("Career stage", exact=True)
    expect(stage_box).to_be_focused()
    expect(page.get_by_text("*", exact=True).first).to_be_visible()

    # Marked fields only; the two look-alike questions say why both are asked.
    stage_box.select_option(label="Medical student")
    expect(page.get_by_label("Program track", exact=True)).to_have_accessible_description(
        re.compile("career stage decides which mentors suit you")
    )
    page.get_by_label("Program track", exact=True).select_option(label="Medical student")
    page.get_by_label("Institution", exact=True).fill("Howard University")
    page.get_by_label("City", exact=True).fill("Washington")
    page.get_by_label("Country", exact=True).fill("United States")
    page.get_by_label("Find a time zone: type a city").fill("new york")
    expect(page.get_by_label("Time zone", exact=True)).to_have_value("America/New_York")
    page.get_by_label("Sickle cell disease").check()
    statement = page.get_by_label("Research statement")
    statement.fill("Too short")
    expect(page.locator("#research_statement-count")).to_have_text("9 characters: 41 more needed")
    statement.fill(STATEMENT)
    expect(page.locator("#research_statement-count")).to_contain_text("of 2,000")
    needs = page.get_by_role("group", name="What would you like help with?")
    needs.get_by_label("Research").check()
    page.get_by_label("Research mentor", exact=True).check()
    page.get_by_label("Virtual").check()
    expect(page.get_by_label("English")).to_be_checked()
    stage("form-filled")
    page.get_by_role("button", name="Submit application").click()

    expect(flash(page)).to_contain_text("Your application is submitted")
    expect(flash(page)).to_contain_text("We have emailed a receipt to amara@example.org")
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    expect(page.get_by_text("You hear about your match by email")).to_be_visible()
    stage("submitted")
    receipt = live_server.outbox.bodies()[-1]
    assert "we have received your application to MRI 2027" in receipt
    assert "You hear about your match by email: by " in receipt

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My applications").click()
    expect(page.get_by_text("Open until")).to_be_visible()
    stage("dashboard-submitted")
    with live_server.seeding():
        application = db.session.scalar(db.select(Application))
        assert application.status == "submitted" and application.timezone == "America/New_York"


def test_a_new_mentor_goes_from_registering_to_volunteering(live_server, page, a11y, screenshot):
    stage = _stages("mentor-walkthrough", a11y, screenshot)
    with live_server.seeding() as make:
        make.cycle(name="MRI 2027", slug="mri-2027", status="open")

    _register(page, live_server, "A mentor volunteering", "ada@example.org", stage)
    expect(page.get_by_role("heading", name="Volunteer as a mentor", level=1)).to_be_visible()
    expect(page.get_by_text("Step 1 of 2")).to_be_visible()
    stage("profile-form")

    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    stage("profile-with-errors")

    page.get_by_label("Full name").fill("Dr Ada Okafor")
    page.get_by_label("Institution").fill("Emory University")
    page.get_by_label("Country").fill("United States")
    search = page.get_by_label("Find a time zone: type a city")
    search.fill("kolkata")
    zone = page.get_by_label("Time zone", exact=True)
    expect(zone).to_have_value("Asia/Kolkata")
    expect(zone.locator("option[value='Asia/Calcutta']")).to_have_count(0)
    search.fill("")
    page.get_by_label("Sickle cell disease").check()
    expertise = page.get_by_label("Expertise statement")
    expect(expertise).to_have_accessible_description(re.compile("Between 50 and 2,000 characters"))
    expertise.fill(EXPERTISE)
    expect(page.locator("#expertise_statement-count")).to_contain_text("of 2,000")
    page.get_by_label("Medical student").check()
    offered = page.get_by_role("group", name="What you can help trainees with")
    offered.get_by_label("Career development").check()
    page.get_by_role("group", name="Meeting formats").get_by_label("Virtual").check()
    expect(page.get_by_label("English")).to_be_checked()
    stage("profile-filled")
    page.get_by_role("button", name="Save profile").click()

    expect(flash(page)).to_contain_text("Your mentor profile is saved")
    expect(page.get_by_role("heading", name="Volunteer for MRI 2027", level=1)).to_be_visible()
    expect(page.get_by_text("Step 2 of 2")).to_be_visible()
    stage("volunteer")
    page.get_by_label("How many trainees can you mentor in this cycle?").fill("2")
    page.get_by_label("Career-development mentor").check()
    page.get_by_role("button", name="Volunteer").click()

    expect(flash(page)).to_contain_text("Thank you for volunteering for MRI 2027")
    expect(page.get_by_text("0 of 2 places filled")).to_be_visible()
    expect(page.get_by_text("Asia/Kolkata")).to_be_visible()
    stage("dashboard")
    with live_server.seeding():
        profile = db.session.scalar(db.select(MentorProfile))
        offer = db.session.scalar(db.select(MentorOffer))
        assert profile.timezone == "Asia/Kolkata" and profile.languages == ["en"]
        assert (offer.capacity, offer.roles) == (2, ["career"])
