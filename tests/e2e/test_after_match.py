"""After the match, the whole way in Chromium with the clock under the test's control.

An admin confirms; one mentor accepts from the email's link, another from the dashboard; both
people then see each other's contact details. The trainee logs the first meeting, the mentor
confirms it, both answer the check-in and the admin's health page shows the pair on track. The
clock moves: the second pair, still quiet, shows at risk. Later still two more offers wait
(one half-way through its time to answer, one past it), surveys open and an alumna's yearly
follow-up is due, and ``flask remind``, run twice, leaves exactly one email per rule and person
in the outbox. axe-core checks every page on the way.
"""

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from playwright.sync_api import Page, expect

from mri_match.alumni.service import give_consent
from mri_match.extensions import db
from mri_match.matches import runs
from mri_match.models import Cycle, Match, Proposal
from mri_match.reminders.registry import rules

from .test_journeys import flash, log_in, log_out

pytestmark = pytest.mark.e2e

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
RESEARCH = {
    "role": "research",
    "objective": "total",
    "same_institution": "ignore",
    "must_have": [],
    "min_score": 0.0,
    "weights": {"text": 5, "topics": 4, "needs": 3, "meeting": 2, "geography": 2},
}
#: Every reminder rule but these finds something in the journey's one reminder run. The survey
#: reminder comes 14 days after the invitation, a second moment (tests/test_surveys.py); the
#: journey's cycle has no award, whose milestone reminders tests/test_award_reminders.py and
#: tests/e2e/test_awards_journey.py walk.
WALKED_RULES = {
    "offer_expiring",
    "offer_expired",
    "first_meeting_overdue",
    "meeting_overdue",
    "checkin_due",
    "pairs_at_risk",
    "alumni_follow_up",
    "survey_invitation",
}
WALKED_ELSEWHERE = {"survey_reminder", "milestone_due_soon", "milestone_overdue"}
# trainee, trainee's address, topic, the mentor proposed, mentor's address
PEOPLE = [
    ("Amara Okafor", "amara", "sickle-cell-disease", "Ada Mensah", "ada"),
    ("Bilal Hassan", "bilal", "thalassemia", "Ben Ortiz", "ben"),
    ("Chidi Eze", "chidi", "aml", "Cara Lindqvist", "cara"),
    ("Dana Whitfield", "dana", "mds", "Dev Raman", "dev"),
]


def _seed_alumna(make) -> None:
    """Esi, mentored in a cycle completed on 20 April 2025, agreed to a yearly follow-up."""
    past = make.cycle(name="MRI 2024", slug="mri-2024", status="completed")
    past.completed_at = datetime(2025, 4, 20, 12, tzinfo=UTC)
    application = make.application(
        cycle=past,
        trainee=make.user("trainee", email="esi@example.org"),
        full_name="Esi Boateng",
        status="eligible",
    )
    db.session.add(
        Match(
            cycle=past,
            application=application,
            mentor=make.mentor(cycle=past, full_name="Femi Ade"),
            role="research",
            status="ended",
            accepted_at=datetime(2024, 9, 1, tzinfo=UTC),
        )
    )
    db.session.commit()
    give_consent(application.trainee, "esi.boateng@example.net")
    db.session.commit()


def _seed(make) -> dict[str, int]:
    """A closed cycle after a research run: each trainee proposed the mentor of their topic
    (midpoint surveys 50 days after acceptance); and an alumna of a past cycle. Returns each
    trainee's proposal id by first name."""
    _seed_alumna(make)
    cycle = make.cycle(
        name="MRI 2026",
        slug="mri-2026",
        status="closed",
        closes_in_days=-1,
        survey_midpoint_days=50,
    )
    admin = make.user("admin", email="admin@example.org")
    applications = {}
    for trainee, email, topic, mentor, mentor_email in PEOPLE:
        applications[email] = make.application(
            cycle=cycle,
            trainee=make.user("trainee", email=f"{email}@example.org"),
            full_name=trainee,
            topics=[topic],
        )
        make.mentor(
            user=make.user("mentor", email=f"{mentor_email}@example.org"),
            cycle=cycle,
            full_name=mentor,
            topics=[topic],
            capacity=1,
            roles=["research"],
            timezone="America/Chicago",
        )
    run = runs.run_matching(db.session.get(Cycle, cycle.id), RESEARCH, actor=admin)
    db.session.commit()
    proposals = {}
    for email, application in applications.items():
        proposal = db.session.scalar(
            db.select(Proposal).filter_by(run_id=run.id, application_id=application.id)
        )
        expected = next(m for _, e, _, m, _ in PEOPLE if e == email)
        assert proposal.mentor.full_name == expected, "the run pairs each topic's people"
        proposals[email] = proposal.id
    return proposals


def _link_to(live_server, email: str, pattern: str) -> str:
    """The link matching ``pattern`` in the newest email to ``email``."""
    message = [m for m in live_server.outbox.messages() if m["To"] == email][-1]
    body = message.get_payload(decode=True).decode("utf-8")
    return re.search(pattern, body).group(0)


def _confirm(page: Page, base: str, proposal_id: int, a11y=None) -> None:
    page.goto(f"{base}/admin/proposals/{proposal_id}")
    if a11y:
        a11y("a proposal, before confirming")
    page.get_by_role("button", name="Confirm this match").click()
    expect(flash(page)).to_contain_text("Match confirmed")
    if a11y:
        a11y("a proposal, confirmed")


def _answer_check_in(page: Page, a11y, rating: str) -> None:
    page.get_by_role("link", name=re.compile("check-in", re.I)).first.click()
    expect(page.get_by_role("heading", name="How is it going?")).to_be_visible()
    a11y("check-in form")
    page.get_by_label(rating).check()
    page.get_by_role("button", name="Send to the program team").click()
    expect(flash(page)).to_contain_text("went to the program team only")


def _remind(live_server) -> str:
    """``flask --app mri_match remind``, as cron runs it; its output."""
    result = live_server.app.test_cli_runner().invoke(args=["remind"])
    assert result.exit_code == 0, result.output
    return result.output


def test_from_the_admins_confirmation_to_the_health_page_and_reminders_sent_once(
    live_server, page: Page, a11y, screenshot
):
    base = live_server.url
    with time_machine.travel(T0, tick=True) as clock:
        with live_server.seeding() as make:
            proposals = _seed(make)

        # Day 0. The admin confirms Amara's and Bilal's matches: each becomes an offer.
        log_in(page, base, "admin@example.org")
        _confirm(page, base, proposals["amara"], a11y)
        _confirm(page, base, proposals["bilal"])
        log_out(page)

        # Amara waits, without the mentor's name or address.
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

        # Ada follows the link in her email: she signs in first, then answers the offer.
        page.goto(_link_to(live_server, "ada@example.org", r"http://127\.0\.0\.1:\d+/offers/\S+"))
        expect(page).to_have_url(re.compile(r"/auth/login\?next="))
        a11y("log in, on the way to the offer")
        page.get_by_label("Email address").fill("ada@example.org")
        page.get_by_label("Password").fill("correct horse battery staple")
        page.get_by_role("button", name="Log in").click()
        expect(
            page.get_by_role("heading", name=re.compile("Would you mentor Amara Okafor"))
        ).to_be_visible()
        expect(page.get_by_text("amara@example.org")).to_have_count(0)
        expect(page.get_by_text("Medical student")).to_be_visible()
        a11y("mentor's offer")
        soon = T0.date() + timedelta(days=10)
        page.get_by_label("Propose a first meeting (optional)").fill(f"{soon:%Y-%m-%d}T12:00")
        page.get_by_role("button", name="Accept").click()
        expect(flash(page)).to_contain_text("You have accepted")
        expect(page.get_by_role("link", name="amara@example.org")).to_be_visible()
        expect(page.get_by_text(re.compile(r"12:00 C[SD]T"))).to_be_visible()
        a11y("mentor's match, accepted")
        log_out(page)

        # Ben answers from his dashboard, where the next step says what to do.
        log_in(page, base, "ben@example.org")
        expect(page.get_by_text("Accept or decline the match.")).to_be_visible()
        a11y("mentor dashboard, an offer waiting")
        page.get_by_role("link", name="Bilal Hassan", exact=True).click()
        a11y("mentor's offer, from the dashboard")
        page.get_by_role("button", name="Accept").click()
        expect(flash(page)).to_contain_text("You have accepted")
        expect(page.get_by_role("link", name="bilal@example.org")).to_be_visible()
        log_out(page)

        # Amara now sees Ada's name and address, and logs the first meeting.
        log_in(page, base, "amara@example.org")
        expect(page.get_by_text("Log your first meeting")).to_be_visible()
        a11y("trainee dashboard, matched")
        page.get_by_role("region", name="Your mentors").get_by_role(
            "link", name="Ada Mensah", exact=True
        ).click()
        expect(page.get_by_role("link", name="ada@example.org")).to_be_visible()
        a11y("trainee's match, accepted")
        page.get_by_role("link", name=re.compile("^Meetings and check-ins")).click()
        expect(page.get_by_role("heading", name="Your meetings with Ada Mensah")).to_be_visible()
        a11y("the pair's timeline, empty")
        page.get_by_role("link", name="Log a meeting").click()
        a11y("log a meeting")
        page.get_by_role("button", name="Log the meeting").click()
        expect(page.get_by_role("alert")).to_contain_text("Give the date.")
        a11y("log a meeting, with errors")
        page.get_by_label("Date of the meeting").fill(T0.date().isoformat())
        page.get_by_label("Length in minutes").fill("45")
        page.get_by_label("Video call").check()
        page.get_by_label("Topics").fill("An abstract for the annual meeting")
        page.get_by_label("Private note").fill("Ask about the travel award")
        page.get_by_role("button", name="Log the meeting").click()
        expect(flash(page)).to_contain_text("Meeting logged")
        expect(page.get_by_text("Not confirmed yet.")).to_be_visible()
        a11y("the pair's timeline, one meeting")
        _answer_check_in(page, a11y, "4: well")
        log_out(page)

        # Ada confirms the meeting (without seeing Amara's private note) and checks in too.
        log_in(page, base, "ada@example.org")
        a11y("mentor dashboard, matched")
        page.get_by_role("link", name=re.compile("^Amara Okafor")).click()
        page.get_by_role("link", name="Meetings and check-ins").click()
        expect(page.get_by_text("An abstract for the annual meeting")).to_be_visible()
        expect(page.get_by_text("Ask about the travel award")).to_have_count(0)
        a11y("the pair's timeline, the mentor's view")
        page.get_by_role("button", name=re.compile("^Confirm this meeting happened")).click()
        expect(flash(page)).to_contain_text("Meeting confirmed.")
        _answer_check_in(page, a11y, "5: very well")
        log_out(page)

        # The admin's health page: both pairs on track on the first day.
        log_in(page, base, "admin@example.org")
        page.goto(f"{base}/admin/cycles/mri-2026")
        a11y("the cycle's page")
        page.get_by_role("link", name=re.compile("^Program health")).click()
        expect(page.get_by_role("region", name=re.compile("pairs$")).first).to_contain_text(
            "On track: 2"
        )
        a11y("program health")
        page.get_by_role("link", name="Meeting and check-in settings").click()
        a11y("after-match settings")
        log_out(page)

        # Day 25: Bilal and Ben have still not met (the first meeting was due by day 21).
        clock.shift(timedelta(days=25))
        log_in(page, base, "admin@example.org")
        page.goto(f"{base}/admin/cycles/mri-2026/health")
        expect(page.get_by_text("On track: 1")).to_be_visible()
        expect(page.get_by_text("At risk: 1")).to_be_visible()
        a11y("program health, day 25")
        page.get_by_role("link", name="At risk", exact=True).click()
        row = page.get_by_role("row", name=re.compile("Bilal Hassan"))
        expect(row).to_contain_text("No first meeting by 23 Mar 2026")
        expect(page.get_by_role("row", name=re.compile("Amara Okafor"))).to_have_count(0)
        a11y("program health, at risk")
        screenshot("program-health-at-risk")
        row.get_by_role("link", name=re.compile("Bilal Hassan")).click()
        expect(page.get_by_text("No first meeting by 23 Mar 2026")).to_be_visible()
        a11y("admin's timeline of a pair")
        log_out(page)

        # Day 52 and day 57: two more offers, which nobody answers.
        for day, trainee in ((52, "dana"), (57, "chidi")):
            clock.shift(T0 + timedelta(days=day) - datetime.now(UTC))
            log_in(page, base, "admin@example.org")
            _confirm(page, base, proposals[trainee])
            log_out(page)

        # Day 61, 09:00: Dana's offer lapsed on day 59, Chidi's is past half its week; Amara
        # and Ada last met 61 days ago and their check-ins are due; Bilal and Ben never met.
        clock.shift(T0 + timedelta(days=61) - datetime.now(UTC))
        before = len(live_server.outbox.messages())
        first, second = _remind(live_server), _remind(live_server)
        sent = live_server.outbox.messages()[before:]
        by_rule = Counter((m["To"], m["Subject"].removeprefix("[MRI Match] ")) for m in sent)
        assert by_rule == {
            # offer_expiring
            ("cara@example.org", "Reminder: would you mentor Chidi Eze?"): 1,
            # offer_expired: the offer lapses, and the trainee, the mentor and admins are told
            ("dana@example.org", "Your research mentor: we are finding you another"): 1,
            ("dev@example.org", "The offer to mentor Dana Whitfield has lapsed"): 1,
            ("admin@example.org", "Dana Whitfield and Dev Raman: expired"): 1,
            # first_meeting_overdue
            ("bilal@example.org", "Have you met Ben Ortiz yet?"): 1,
            ("ben@example.org", "Have you met Bilal Hassan yet?"): 1,
            # meeting_overdue
            ("amara@example.org", "Time to meet Ada Mensah again"): 1,
            ("ada@example.org", "Time to meet Amara Okafor again"): 1,
            # checkin_due
            ("amara@example.org", "How is your mentorship going?"): 1,
            ("ada@example.org", "How is your mentorship going?"): 1,
            # pairs_at_risk
            ("admin@example.org", "Pairs at risk in MRI 2026"): 1,
            # survey_invitation: the midpoint survey opened on day 50 for both pairs
            ("amara@example.org", "Your midpoint survey: how is your mentorship going?"): 1,
            ("ada@example.org", "Your midpoint survey: how is your mentorship going?"): 1,
            ("bilal@example.org", "Your midpoint survey: how is your mentorship going?"): 1,
            ("ben@example.org", "Your midpoint survey: how is your mentorship going?"): 1,
            # alumni_follow_up, at the address Esi gave
            ("esi.boateng@example.net", "Where are you now? Your 2026 alumni follow-up"): 1,
        }
        # The rules of this journey found something the first time and nothing the second.
        covered = {kind for kind in re.findall(r"^(\w+): [1-9]\d* new$", first, re.M)}
        covered.add("offer_expired")  # a change of state: it records no reminder of its own
        assert covered == WALKED_RULES, first
        assert {rule.kind for rule in rules()} - WALKED_RULES == WALKED_ELSEWHERE
        assert "emails sent: 0" in second and not re.search(r": [1-9]\d* new$", second, re.M)
        with live_server.seeding():
            statuses = {
                m.application.full_name.split()[0]: m.status
                for m in db.session.scalars(db.select(Match))
            }
        assert statuses == {
            "Esi": "ended",
            "Amara": "active",
            "Bilal": "active",
            "Chidi": "offered",
            "Dana": "expired",
        }

        # Ben follows his email's preferences link, with no login, and chooses the digest.
        page.goto(_link_to(live_server, "ben@example.org", r"http://\S+/email-preferences/\S+"))
        expect(page.get_by_role("heading", name="Email preferences")).to_be_visible()
        a11y("email preferences")
        page.get_by_label(re.compile("^One email a day at most")).check()
        page.get_by_role("button", name="Save").click()
        expect(flash(page)).to_contain_text("Your email preferences are saved.")
        screenshot()
