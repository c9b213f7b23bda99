"""A new admin's first session, in Chromium, by the labels and roles a person sees: the account
made with ``flask create-admin``, the first log-in, a cycle created and opened, applications
closed and reviewed, matching run, and a first pair confirmed.

axe-core checks every page on the way (WCAG 2.1 A and AA), and each stage is kept as a
screenshot under test-artifacts/ (admin-walkthrough-*.png).
"""

import re
from datetime import date

import pytest
from conftest import PASSWORD
from playwright.sync_api import expect

from mri_match.extensions import db
from mri_match.models import Application, Cycle, Match, history

from .test_journeys import flash, seed_people

pytestmark = pytest.mark.e2e


def test_a_new_admin_goes_from_first_login_to_a_confirmed_match(
    live_server, page, a11y, screenshot
):
    base = live_server.url
    shot = 0

    def stage(name: str) -> None:
        nonlocal shot
        shot += 1
        a11y(name)
        screenshot(f"admin-walkthrough-{shot:02d}-{name}")

    # The operator makes the account on the server; the admin takes it from there.
    made = live_server.app.test_cli_runner().invoke(
        args=["create-admin", "new.admin@example.org", "--password", PASSWORD]
    )
    assert made.exit_code == 0 and "Admin new.admin@example.org created." in made.output

    page.goto(base + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    page.get_by_label("Email address").fill("new.admin@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    stage("login")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Program cycles", level=1)).to_be_visible()
    stage("cycles-none-yet")

    # A cycle: the slug follows the name until the admin types one of their own.
    page.get_by_role("link", name="New cycle").click()
    name, slug = page.get_by_label("Name", exact=True), page.get_by_label(re.compile("slug"))
    name.fill("MRI 2027–2028")
    expect(slug).to_have_value("mri-2027-2028")
    slug.fill("mri-2027")
    name.fill("MRI 2027–2028 cohort")
    expect(slug).to_have_value("mri-2027")
    page.get_by_label("Applications open (UTC)").fill("2020-01-01T09:00")
    page.get_by_label("Applications close (UTC)").fill(f"{date.today().year + 5}-12-31T17:00")
    stage("new-cycle-form")
    page.get_by_role("button", name="Create cycle").click()
    expect(flash(page)).to_contain_text("created as a draft")
    next_step = page.get_by_role("region", name="Next step")
    expect(next_step.get_by_role("textbox")).to_have_count(0)
    stage("cycle-draft")

    next_step.get_by_role("link", name="Open for applications").click()
    expect(
        page.get_by_role("heading", name="Open for applications: MRI 2027–2028 cohort?")
    ).to_be_visible()
    expect(page.get_by_text("mentors can volunteer for it")).to_be_visible()
    stage("confirm-open")
    page.get_by_role("button", name="Open for applications").click()
    expect(flash(page)).to_contain_text("is now open")

    with live_server.seeding() as make:
        seed_people(make, "mri-2027")
    page.reload()
    stage("cycle-open")

    page.get_by_role("region", name="Next step").get_by_role(
        "link", name="Close applications"
    ).click()
    expect(page.get_by_text("3 applications submitted go on to eligibility review")).to_be_visible()
    stage("confirm-close")
    page.get_by_role("button", name="Close applications").click()
    expect(flash(page)).to_contain_text("is now closed")
    stage("cycle-closed")

    # Eligibility: two at once from the list, then one by one with next and previous.
    page.get_by_role("link", name="See applications").click()
    page.get_by_role("checkbox", name="Select Amara Okafor").check()
    page.get_by_role("checkbox", name="Select Bilal Hassan").check()
    stage("applications-ticked")
    bulk = page.get_by_role("region", name="Decide eligibility for the ticked applications")
    bulk.get_by_label("Eligible", exact=True).check()
    bulk.get_by_role("button", name="Record the decision for the ticked applications").click()
    expect(flash(page)).to_contain_text("2 applications marked eligible.")

    page.get_by_role("checkbox", name="Select Carmen Diaz").check()
    bulk.get_by_label("Ineligible", exact=True).check()
    bulk.get_by_label("Reason").fill("Applied to the wrong program.")
    bulk.get_by_role("button", name="Record the decision for the ticked applications").click()
    expect(page.get_by_role("heading", name="Mark 1 application ineligible?")).to_be_visible()
    stage("confirm-ineligible")
    page.get_by_role("link", name="Cancel, change nothing").click()
    expect(page.get_by_role("heading", name=re.compile("^Applications"))).to_be_visible()

    page.get_by_role("link", name="Amara Okafor").click()
    expect(page.get_by_text("Application 1 of 3")).to_be_visible()
    page.get_by_role("link", name=re.compile("^Next: Bilal Hassan")).click()
    expect(page.get_by_role("heading", name=re.compile("^Bilal Hassan"), level=1)).to_be_visible()
    stage("application-next-previous")

    # Matching: the closed cycle's next step.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="MRI 2027–2028 cohort"
    ).click()
    page.get_by_role("region", name="Next step").get_by_role("link", name="Run matching").click()
    stage("matching-page")
    page.get_by_role("button", name="Run matching").click()
    expect(flash(page)).to_contain_text("Matching finished: 3 matched, 0 unmatched")
    expect(
        page.get_by_text("No other set of pairings matches more trainees or scores higher.")
    ).to_be_visible()
    expect(page.get_by_text(re.compile("Certified optimal"))).not_to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Re-solve"))).to_have_count(0)
    page.get_by_text("How this run was made").click()
    expect(page.get_by_text(re.compile("Certified optimal"))).to_be_visible()
    stage("proposals")

    page.get_by_role("link", name="Review Amara Okafor").click()
    expect(page.get_by_text(re.compile(r"^Score \d+ of 100: "))).to_be_visible()
    stage("proposal")
    page.get_by_role("link", name="Reject this pair").click()
    expect(
        page.get_by_role("heading", name=re.compile("^Reject Amara Okafor with"))
    ).to_be_visible()
    stage("confirm-reject")
    page.get_by_role("link", name="Cancel, keep the proposal open").click()
    page.get_by_role("button", name="Confirm this match").click()
    expect(flash(page)).to_contain_text("Match confirmed")
    stage("pair-confirmed")

    with live_server.seeding():
        match = db.session.scalar(db.select(Match))
        assert match.application.full_name == "Amara Okafor" and match.status == "offered"
        statuses = dict(
            db.session.execute(db.select(Application.full_name, Application.status)).all()
        )
        assert statuses == {
            "Amara Okafor": "eligible",
            "Bilal Hassan": "eligible",
            "Carmen Diaz": "submitted",
        }
        cycle = db.session.scalar(db.select(Cycle))
        moves = [(e.from_state, e.to_state) for e in history(cycle) if e.action == "status"]
        assert moves == [("draft", "open"), ("open", "closed"), ("closed", "matching")]
