"""The journeys of the issue, in Chromium, through the labels and roles a person sees.

Each page a journey reaches is checked with axe-core (WCAG 2.1 A and AA) on the way, and the
last page of each journey is kept as a screenshot under test-artifacts/.
"""

import re
from datetime import date

import pytest
from conftest import PASSWORD
from playwright.sync_api import Page, expect

from mri_match.extensions import db
from mri_match.matches.decisions import Pairing, create_match
from mri_match.models import Application, Cycle, Match, MentorProfile, User

pytestmark = pytest.mark.e2e

STATEMENT = (
    "I study how sickle cell disease shapes access to care, and I want to learn "
    "translational research methods in red cell biology."
)
EXPERTISE = (
    "Hemoglobinopathies and gene therapy for sickle cell disease; I enjoy helping "
    "trainees plan their first research projects."
)


def log_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/auth/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("You are logged in.")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile(r"^Log out")).click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()


def flash(page: Page):
    return page.get_by_role("status")


def follow_confirmation_link(page: Page, live_server, email: str) -> None:
    """Open the newest email to ``email`` and its confirmation link, as the person would."""
    message, body = live_server.outbox.messages()[-1], live_server.outbox.bodies()[-1]
    assert message["To"] == email
    link = re.search(r"http://127\.0\.0\.1:\d+/auth/register/confirm/\S+", body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose your password", level=1)).to_be_visible()


# --- 1. a trainee registers, applies, saves a draft, submits -----------------------------------


def test_trainee_registers_applies_saves_a_draft_and_submits(live_server, page, a11y, screenshot):
    with live_server.seeding() as make:
        make.cycle(name="MRI 2026", slug="mri-2026", status="open")
    base = live_server.url

    response = page.goto(base + "/")
    # The pages run under the strict policy; any blocked script or style fails the test
    # through the console check of the page fixture.
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    a11y("home page")
    page.get_by_role("link", name="Apply as a trainee").click()

    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    expect(page.get_by_label("A trainee looking for a mentor")).to_be_checked()
    a11y("register")
    expect(page.get_by_label("Password", exact=True)).to_have_count(0)  # chosen after the email
    page.get_by_label("Email address").fill("amara@example.org")
    page.get_by_role("button", name="Email me a confirmation link").click()

    expect(page.get_by_role("heading", name="Check your email", level=1)).to_be_visible()
    a11y("check your email")
    follow_confirmation_link(page, live_server, "amara@example.org")
    expect(page.get_by_text("You are registering as a trainee.")).to_be_visible()
    a11y("choose your password")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(flash(page)).to_contain_text("Your email address is confirmed")
    expect(page.get_by_role("heading", name="My applications", level=1)).to_be_visible()
    a11y("trainee dashboard, no application yet")
    page.get_by_role("link", name="Start application to MRI 2026").click()

    expect(page.get_by_role("heading", name="Apply to MRI 2026")).to_be_visible()
    a11y("application form, empty")
    page.get_by_label("Full name", exact=True).fill("Amara Okafor")
    page.get_by_label("Career stage", exact=True).select_option(label="Medical student")
    page.get_by_label("Institution", exact=True).fill("Howard University")
    page.get_by_role("button", name="Save draft").click()

    expect(flash(page)).to_contain_text("Your draft is saved")
    expect(page.get_by_text("This is a draft: it is not submitted yet.")).to_be_visible()
    a11y("application page, draft")
    page.get_by_role("link", name="Edit application").click()

    expect(page.get_by_label("Full name", exact=True)).to_have_value("Amara Okafor")
    page.get_by_label("Program track", exact=True).select_option(label="Medical student")
    page.get_by_label("City", exact=True).fill("Washington")
    page.get_by_label("State or province", exact=True).fill("DC")
    page.get_by_label("Country", exact=True).fill("United States")
    page.get_by_label("Time zone", exact=True).select_option(label="America/New York")
    page.get_by_label("Sickle cell disease").check()
    page.get_by_label("Research statement").fill(STATEMENT)
    needs = page.get_by_role("group", name="What would you like help with?")
    needs.get_by_label("Research").check()
    page.get_by_label("Research mentor", exact=True).check()
    page.get_by_label("Virtual").check()
    expect(page.get_by_label("English")).to_be_checked()  # as on the mentor's profile
    page.get_by_role("button", name="Submit application").click()

    expect(flash(page)).to_contain_text("Your application is submitted")
    expect(page.get_by_text("Submitted", exact=True)).to_be_visible()
    a11y("application page, submitted")
    page.get_by_role("link", name="Back to my applications").click()

    row = page.get_by_role("row", name=re.compile("MRI 2026"))
    expect(row).to_contain_text("Submitted")
    a11y("trainee dashboard, submitted application")
    screenshot()
    with live_server.seeding():
        application = db.session.scalar(db.select(Application))
        assert application.status == "submitted" and application.full_name == "Amara Okafor"
        assert application.topics == ["sickle-cell-disease"]


# --- 2. a mentor registers and volunteers ------------------------------------------------------


def test_mentor_registers_fills_a_profile_and_volunteers(live_server, page, a11y, screenshot):
    with live_server.seeding() as make:
        make.cycle(name="MRI 2026", slug="mri-2026", status="open")
    base = live_server.url

    page.goto(base + "/")
    page.get_by_role("link", name="Volunteer as a mentor").click()
    expect(page.get_by_label("A mentor volunteering")).to_be_checked()
    page.get_by_label("Email address").fill("dr.mensah@example.org")
    page.get_by_role("button", name="Email me a confirmation link").click()
    expect(page.get_by_role("heading", name="Check your email", level=1)).to_be_visible()
    follow_confirmation_link(page, live_server, "dr.mensah@example.org")
    expect(page.get_by_text("You are registering as a mentor.")).to_be_visible()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", name="Volunteer as a mentor")).to_be_visible()
    a11y("mentor profile, empty")
    page.get_by_label("Full name", exact=True).fill("Ada Mensah")
    page.get_by_label("Degrees", exact=True).fill("MD, PhD")
    page.get_by_label("Position or academic rank").fill("Associate Professor of Medicine")
    page.get_by_label("Institution", exact=True).fill("Johns Hopkins University")
    page.get_by_label("City", exact=True).fill("Baltimore")
    page.get_by_label("Country", exact=True).fill("United States")
    page.get_by_label("Time zone", exact=True).select_option(label="America/New York")
    page.get_by_label("ASH membership number").fill("ASH-12345")
    page.get_by_label("Sickle cell disease").check()
    page.get_by_label("Expertise statement").fill(EXPERTISE)
    stages = page.get_by_role("group", name="Career stages you will mentor")
    stages.get_by_label("Medical student").check()
    stages.get_by_label("Resident").check()
    offered = page.get_by_role("group", name="What you can help trainees with")
    offered.get_by_label("Research").check()
    offered.get_by_label("Grant writing").check()
    page.get_by_role("group", name="Meeting formats").get_by_label("Virtual").check()
    expect(page.get_by_label("English")).to_be_checked()
    page.get_by_role("button", name="Save profile").click()

    # saving the profile goes straight on to volunteering for the open cycle
    expect(flash(page)).to_contain_text("Your mentor profile is saved")
    expect(page.get_by_role("heading", name="Volunteer for MRI 2026")).to_be_visible()
    a11y("offer form")
    page.get_by_label("How many trainees can you mentor in this cycle?").fill("2")
    page.get_by_label("Research mentor", exact=True).check()
    page.get_by_role("button", name="Volunteer").click()

    expect(flash(page)).to_contain_text("Thank you for volunteering for MRI 2026")
    row = page.get_by_role("row", name=re.compile("MRI 2026"))
    expect(row).to_contain_text("Research mentor")
    a11y("mentor dashboard, volunteering")
    screenshot()
    with live_server.seeding():
        profile = db.session.scalar(db.select(MentorProfile))
        (offer,) = profile.offers
        assert offer.capacity == 2 and offer.roles == ["research"]
        assert profile.needs_offered == ["research", "grant_writing"]


# --- 3. an admin creates a cycle, closes it, runs matching, reviews, swaps, confirms -----------

TRAINEES = {
    "Amara Okafor": ["sickle-cell-disease"],
    "Bilal Hassan": ["thalassemia"],
    "Carmen Diaz": ["sickle-cell-disease", "thalassemia"],
}
MENTORS = {
    "Ada Mensah": ["sickle-cell-disease"],
    "Ben Ortiz": ["thalassemia"],
    "Chloe Ng": ["sickle-cell-disease", "thalassemia"],
    "Dev Patel": ["sickle-cell-disease", "gene-therapy"],
}


def seed_people(make, cycle_slug: str) -> None:
    """Trainees who applied and mentors who volunteered, straight into the database."""
    cycle = db.session.scalar(db.select(Cycle).filter_by(slug=cycle_slug))
    for name, topics in TRAINEES.items():
        make.application(cycle=cycle, full_name=name, topics=topics)
    for name, topics in MENTORS.items():
        make.mentor(cycle=cycle, full_name=name, topics=topics, capacity=1, roles=["research"])


def test_admin_runs_a_cycle_through_matching_swaps_one_and_confirms_the_rest(
    live_server, page, a11y, screenshot
):
    with live_server.seeding() as make:
        make.user("admin", email="admin@example.org")
    base = live_server.url
    log_in(page, base, "admin@example.org")

    expect(page.get_by_role("heading", name="Program cycles")).to_be_visible()
    a11y("admin cycles, none yet")
    page.get_by_role("link", name="New cycle").click()
    a11y("new cycle form")
    page.get_by_label("Name", exact=True).fill("MRI 2027")
    page.get_by_label("Short name for web addresses (slug)").fill("mri-2027")
    expect(page.get_by_label("Program tracks")).to_have_value(re.compile("Medical student"))
    page.get_by_label("Applications open (UTC)").fill("2020-01-01T09:00")
    page.get_by_label("Applications close (UTC)").fill(f"{date.today().year + 5}-12-31T17:00")
    page.get_by_role("button", name="Create cycle").click()

    expect(flash(page)).to_contain_text("created as a draft")
    a11y("cycle page, draft")
    page.get_by_role("link", name="Open for applications").click()
    expect(page.get_by_role("heading", name="Open for applications: MRI 2027?")).to_be_visible()
    page.get_by_role("button", name="Open for applications").click()
    expect(flash(page)).to_contain_text("is now open")

    with live_server.seeding() as make:
        seed_people(make, "mri-2027")
    page.reload()
    expect(page.get_by_text("4 active")).to_be_visible()
    a11y("cycle page, open")
    page.get_by_role("link", name="Close applications").click()
    expect(page.get_by_text("3 applications submitted go on to eligibility review")).to_be_visible()
    page.get_by_role("button", name="Close applications").click()
    expect(flash(page)).to_contain_text("is now closed")
    a11y("cycle page, closed")

    page.get_by_role("link", name="Run matching").click()
    expect(page.get_by_role("heading", name=re.compile("Matching for MRI 2027"))).to_be_visible()
    a11y("matching runs, none yet")
    page.get_by_role("button", name="Run matching").click()

    expect(flash(page)).to_contain_text("Matching finished: 3 matched, 0 unmatched")
    a11y("proposals of the run")
    proposals = page.get_by_role("table")
    idle = [name for name in MENTORS if not proposals.get_by_text(name, exact=True).count()]
    assert len(idle) == 1, "four mentors with one place each, three trainees"
    new_mentor = idle[0]
    page.get_by_role("link", name="Review Amara Okafor").click()

    expect(page.get_by_role("heading", name=re.compile("^Amara Okafor and"))).to_be_visible()
    expect(page.get_by_role("table", name="The best alternatives the engine found")).to_be_visible()
    a11y("one proposal")
    page.get_by_role("textbox", name="Find a mentor with room").fill(new_mentor)
    page.get_by_role("button", name="Search").click()
    a11y("one proposal, mentor search")
    page.get_by_role("button", name=f"Swap and confirm with {new_mentor}").last.click()

    expect(flash(page)).to_contain_text(f"Swapped: Amara Okafor is matched with {new_mentor}")
    a11y("proposal, swapped")
    page.get_by_role("link", name=re.compile(r"^Run \d+$")).click()

    selectable = page.get_by_role("checkbox", name=re.compile("^Select "))
    expect(selectable).to_have_count(2)
    for box in selectable.all():
        box.check()
    page.get_by_role("button", name="Confirm selected rows").click()
    expect(flash(page)).to_contain_text("Confirmed 2 matches.")
    expect(page.get_by_role("checkbox", name=re.compile("^Select "))).to_have_count(0)
    a11y("proposals, all decided")

    page.get_by_role("link", name="Matching", exact=True).click()
    page.get_by_role("link", name="Confirmed matches").click()
    expect(page.get_by_role("row")).to_have_count(4)  # a header and three matches
    a11y("confirmed matches")
    screenshot()
    with live_server.seeding():
        matches = db.session.scalars(db.select(Match)).all()
        # offered to the mentors, who accept before contact details are shared
        assert len(matches) == 3 and {m.status for m in matches} == {"offered"}
        amara = next(m for m in matches if m.application.full_name == "Amara Okafor")
        assert amara.mentor.full_name == new_mentor
        assert db.session.scalar(db.select(Cycle.status)) == "matching"
        assert len(live_server.outbox.messages()) == 6  # each mentor asked, each trainee told


# --- 4. the trainee and the mentor each see their match -----------------------------------------


def test_trainee_and_mentor_each_see_their_match(live_server, page, a11y, screenshot):
    with live_server.seeding() as make:
        cycle = make.cycle(name="MRI 2026", slug="mri-2026", status="matching")
        admin = make.user("admin")
        trainee = make.user("trainee", email="amara@example.org")
        application = make.application(cycle=cycle, trainee=trainee, full_name="Amara Okafor")
        mentor = make.mentor(
            user=make.user("mentor", email="ada@example.org"),
            cycle=cycle,
            full_name="Ada Mensah",
            capacity=1,
            roles=["research"],
        )
        match = create_match(
            Pairing(application=application, mentor=mentor, role="research", score=0.8),
            actor=admin,
        )
        db.session.commit()
        match.accept(actor=mentor.user)  # accepted (the emails are another test's)
        db.session.commit()
    base = live_server.url

    log_in(page, base, "amara@example.org")
    mentors = page.get_by_role("region", name="Your mentors")
    expect(mentors).to_contain_text("your research mentor in MRI 2026")
    a11y("trainee dashboard with a match")
    mentors.get_by_role("link", name="Ada Mensah", exact=True).click()
    expect(
        page.get_by_role("heading", name=re.compile("Your research mentor: Ada Mensah"))
    ).to_be_visible()
    a11y("trainee's match page")
    log_out(page)

    log_in(page, base, "ada@example.org")
    trainees = page.get_by_role("region", name="Your trainees")
    expect(trainees).to_contain_text("research mentoring in MRI 2026")
    a11y("mentor dashboard with a match")
    trainees.get_by_role("link", name="Amara Okafor", exact=True).click()
    expect(
        page.get_by_role("heading", name=re.compile("Your trainee: Amara Okafor"))
    ).to_be_visible()
    a11y("mentor's match page")
    screenshot()


# --- 5. a forgotten password is reset through the emailed link ---------------------------------


def test_forgotten_password_is_reset_through_the_emailed_link(live_server, page, a11y, screenshot):
    new_password = "a brand new and long passphrase"
    with live_server.seeding() as make:
        make.user("trainee", email="forgetful@example.org")
    base = live_server.url

    page.goto(base + "/auth/login")
    a11y("login")
    page.get_by_role("link", name="Forgot your password?").click()
    a11y("reset request")
    page.get_by_label("Email address").fill("forgetful@example.org")
    page.get_by_role("button", name="Email me a reset link").click()
    expect(flash(page)).to_contain_text("we have emailed it a link")

    (message,) = live_server.outbox.messages()
    assert message["To"] == "forgetful@example.org"
    (body,) = live_server.outbox.bodies()
    link = re.search(r"http://127\.0\.0\.1:\d+/auth/reset/\S+", body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name=re.compile("password", re.I))).to_be_visible()
    a11y("set a new password")
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("Repeat new password").fill(new_password)
    page.get_by_role("button", name="Set new password").click()
    expect(flash(page)).to_contain_text("Your password has been reset")

    page.get_by_label("Email address").fill("forgetful@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(flash(page)).to_contain_text("do not match an account")
    a11y("login, failed")

    log_in(page, base, "forgetful@example.org", new_password)
    expect(page.get_by_role("heading", name="My applications", level=1)).to_be_visible()
    page.goto(link)
    expect(flash(page)).to_contain_text("expired or has already been used")
    screenshot()
    with live_server.seeding():
        assert db.session.scalar(db.select(User).filter_by(email="forgetful@example.org"))
