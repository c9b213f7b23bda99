"""The mentor's answer in Chromium: an admin confirms, the mentor accepts from the email's link,
and both people then see each other's contact details; a second offer is declined and a
trainee withdraws after a match, each through the page that says what happens. axe-core checks
every page on the way."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from mri_match.extensions import db
from mri_match.matches import runs
from mri_match.models import Cycle, Match, Proposal

from .test_journeys import flash, log_in, log_out

pytestmark = pytest.mark.e2e

RESEARCH = {
    "role": "research",
    "objective": "total",
    "same_institution": "ignore",
    "must_have": [],
    "min_score": 0.0,
    "weights": {"text": 5, "topics": 4, "needs": 3, "meeting": 2, "geography": 2},
}


def _seed(make) -> dict:
    """A closed cycle after a run: Amara's and Bilal's proposals, two mentors in Chicago."""
    cycle = make.cycle(name="MRI 2027", slug="mri-2027", status="closed", closes_in_days=-1)
    admin = make.user("admin", email="admin@example.org")
    amara = make.application(
        cycle=cycle,
        trainee=make.user("trainee", email="amara@example.org"),
        full_name="Amara Okafor",
        topics=["sickle-cell-disease"],
    )
    bilal = make.application(
        cycle=cycle,
        trainee=make.user("trainee", email="bilal@example.org"),
        full_name="Bilal Hassan",
        topics=["thalassemia"],
    )
    for name, email, topics in (
        ("Ada Mensah", "ada@example.org", ["sickle-cell-disease"]),
        ("Ben Ortiz", "ben@example.org", ["thalassemia"]),
    ):
        make.mentor(
            user=make.user("mentor", email=email),
            cycle=cycle,
            full_name=name,
            topics=topics,
            capacity=1,
            roles=["research"],
            timezone="America/Chicago",
        )
    cycle = db.session.get(Cycle, cycle.id)
    run = runs.run_matching(cycle, RESEARCH, actor=admin)
    db.session.commit()
    proposals = {
        p.application_id: p.id
        for p in db.session.scalars(db.select(Proposal).filter_by(run_id=run.id))
    }
    return {"amara": proposals[amara.id], "bilal": proposals[bilal.id], "run": run.id}


def _offer_link(live_server, email: str) -> str:
    message = [m for m in live_server.outbox.messages() if m["To"] == email][-1]
    body = message.get_payload(decode=True).decode("utf-8")
    return re.search(r"http://127\.0\.0\.1:\d+/offers/\S+", body).group(0)


def _match_of(full_name: str) -> Match:
    return next(
        m for m in db.session.scalars(db.select(Match)) if m.application.full_name == full_name
    )


def test_the_mentor_accepts_from_the_email_and_both_see_contact_details(
    live_server, page: Page, a11y, screenshot
):
    with live_server.seeding() as make:
        ids = _seed(make)
    base = live_server.url

    log_in(page, base, "admin@example.org")
    for proposal in (ids["amara"], ids["bilal"]):
        page.goto(f"{base}/admin/proposals/{proposal}")
        page.get_by_role("button", name="Confirm this match").click()
        expect(flash(page)).to_contain_text("Match confirmed")
    log_out(page)

    # the trainee waits, without the mentor's name or address
    log_in(page, base, "amara@example.org")
    mentors = page.get_by_role("region", name="Your mentors")
    expect(mentors).to_contain_text("waiting for your mentor to accept")
    expect(mentors).not_to_contain_text("Ada Mensah")
    a11y("trainee dashboard, waiting")
    mentors.get_by_role("link", name="Your research mentor").click()
    expect(
        page.get_by_role("heading", name="Your research mentor: waiting for your mentor")
    ).to_be_visible()
    expect(page.get_by_text("ada@example.org")).to_have_count(0)
    a11y("trainee's match, waiting")
    log_out(page)

    # the mentor follows the email's link: sign in first, then the offer
    page.goto(_offer_link(live_server, "ada@example.org"))
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("heading", name=re.compile("Would you mentor Amara Okafor"))
    ).to_be_visible()
    expect(page.get_by_text("amara@example.org")).to_have_count(0)
    expect(page.get_by_text("Medical student")).to_be_visible()
    a11y("mentor's offer")
    soon = datetime.now(UTC).date() + timedelta(days=10)
    page.get_by_label("Propose a first meeting (optional)").fill(f"{soon:%Y-%m-%d}T12:00")
    page.get_by_role("button", name="Accept").click()
    expect(flash(page)).to_contain_text("You have accepted")
    expect(page.get_by_role("link", name="amara@example.org")).to_be_visible()
    expect(page.get_by_text(re.compile(r"12:00 C[SD]T"))).to_be_visible()
    a11y("mentor's match, accepted")

    # the other offer: declined through the page that says what happens
    page.goto(_offer_link(live_server, "ben@example.org"))
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    a11y("offer link made for someone else")
    log_out(page)
    log_in(page, base, "ben@example.org")
    page.goto(_offer_link(live_server, "ben@example.org"))
    page.get_by_role("link", name="Decline this offer").click()
    expect(page.get_by_role("heading", name="Decline to mentor Bilal Hassan?")).to_be_visible()
    a11y("decline page")
    page.get_by_label(re.compile("Why are you declining")).fill("On sabbatical")
    page.get_by_role("button", name="Decline").click()
    expect(flash(page)).to_contain_text("You have declined")
    log_out(page)

    # the trainee now sees the mentor and the address; withdrawing asks first
    log_in(page, base, "amara@example.org")
    page.get_by_role("region", name="Your mentors").get_by_role(
        "link", name="Ada Mensah", exact=True
    ).click()
    expect(page.get_by_role("link", name="ada@example.org")).to_be_visible()
    a11y("trainee's match, accepted")
    screenshot("offer-accepted-trainee")
    with live_server.seeding():
        amara = _match_of("Amara Okafor")
        application_id = amara.application_id
        assert amara.status == "active" and amara.first_meeting_proposed_at is not None
        assert _match_of("Bilal Hassan").status == "declined"
        assert db.session.get(Proposal, ids["bilal"]).status == "open"
    page.goto(f"{base}/trainee/applications/{application_id}")
    page.get_by_role("link", name="Withdraw application").click()
    expect(
        page.get_by_role("heading", name="Withdraw your application to MRI 2027?")
    ).to_be_visible()
    expect(page.get_by_text(re.compile("Your match with Ada Mensah"))).to_be_visible()
    a11y("withdrawal after a match")
    page.get_by_role("button", name="Withdraw application").click()
    expect(flash(page)).to_contain_text("Your mentor has been told")
    screenshot()
    with live_server.seeding():
        assert _match_of("Amara Okafor").status == "ended"
