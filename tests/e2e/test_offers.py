"""The ways out of an offer and a match in Chromium: a link made for another mentor does
nothing, a mentor declines and a matched trainee withdraws, each through the page that says
what happens. axe-core checks every page on the way."""

import re

import pytest
from playwright.sync_api import Page, expect

from mri_match.extensions import db
from mri_match.matches import decisions, lifecycle, notify, runs
from mri_match.models import Cycle, Match, Proposal, User
from mri_match.reminders.sending import in_url_context

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


def _offer_both_and_accept_amaras(ids: dict) -> int:
    """The admin confirmed both proposals (the offers are emailed) and Ada accepted; returns
    Amara's application id."""
    admin = db.session.scalar(db.select(User).filter_by(role="admin"))
    offers = [
        decisions.confirm_proposal(db.session.get(Proposal, proposal), actor=admin)
        for proposal in (ids["amara"], ids["bilal"])
    ]
    db.session.commit()
    for offer in offers:
        assert notify.notify_match(offer) == []
    amara = _match_of("Amara Okafor")
    lifecycle.accept_offer(amara, actor=amara.mentor.user)
    db.session.commit()
    return amara.application_id


def test_a_mentor_declines_and_a_matched_trainee_withdraws_each_after_a_page_that_says_so(
    live_server, page: Page, a11y, screenshot
):
    """The ways out of an offer and a match (the way in, confirmation to acceptance from the
    email's link, is the journey in test_after_match.py)."""
    with live_server.seeding() as make:
        ids = _seed(make)
        application_id = in_url_context(_offer_both_and_accept_amaras, ids)
    base = live_server.url

    # A link made for another mentor does nothing for the one signed in.
    log_in(page, base, "ada@example.org")
    page.goto(_offer_link(live_server, "ben@example.org"))
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    a11y("offer link made for someone else")
    log_out(page)

    # Ben declines through the page that says what happens.
    log_in(page, base, "ben@example.org")
    page.goto(_offer_link(live_server, "ben@example.org"))
    page.get_by_role("link", name="Decline this offer").click()
    expect(page.get_by_role("heading", name="Decline to mentor Bilal Hassan?")).to_be_visible()
    a11y("decline page")
    page.get_by_label(re.compile("Why are you declining")).fill("On sabbatical")
    page.get_by_role("button", name="Decline").click()
    expect(flash(page)).to_contain_text("You have declined")
    log_out(page)
    with live_server.seeding():
        assert _match_of("Bilal Hassan").status == "declined"
        assert db.session.get(Proposal, ids["bilal"]).status == "open"

    # Amara, matched, withdraws: the page asks first and says what will happen.
    log_in(page, base, "amara@example.org")
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
