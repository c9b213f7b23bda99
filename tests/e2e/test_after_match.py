"""After the match, in Chromium with the clock under the test's control: a pair meets, confirms
and checks in and the admin's health page shows it on track; a second pair stays quiet and shows
at risk once the clock moves; ``remind`` run twice leaves exactly one email per rule and person.
Every new page is checked with axe-core on the way."""

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from playwright.sync_api import Page, expect

from mri_match.extensions import db
from mri_match.models import Cycle, Match
from mri_match.reminders.sending import in_url_context, run_reminders

from .test_journeys import flash, log_in, log_out

pytestmark = pytest.mark.e2e

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _seed(make) -> None:
    cycle = make.cycle(name="MRI 2026", slug="mri-2026", status="matching")
    make.user("admin", email="admin@example.org")
    for trainee, mentor, email in (
        ("Amara Okafor", "Ada Mensah", "amara"),
        ("Bilal Hassan", "Ben Ortiz", "bilal"),
    ):
        application = make.application(
            cycle=cycle,
            trainee=make.user("trainee", email=f"{email}@example.org"),
            full_name=trainee,
        )
        profile = make.mentor(
            user=make.user("mentor", email=f"{mentor.split()[0].lower()}@example.org"),
            cycle=cycle,
            full_name=mentor,
            capacity=1,
            roles=["research"],
        )
        db.session.add(
            Match(
                cycle=cycle,
                application=application,
                mentor=profile,
                role="research",
                status="active",
                score=0.8,
                confirmed_at=T0,
                accepted_at=T0,
            )
        )
    db.session.commit()


def _answer_check_in(page: Page, a11y, rating: str) -> None:
    page.get_by_role("link", name=re.compile("check-in", re.I)).first.click()
    expect(page.get_by_role("heading", name="How is it going?")).to_be_visible()
    a11y("check-in form")
    page.get_by_label(rating).check()
    page.get_by_role("button", name="Send to the program team").click()
    expect(flash(page)).to_contain_text("went to the program team only")


def test_a_pair_meets_and_checks_in_and_a_quiet_pair_shows_at_risk(
    live_server, page, a11y, screenshot
):
    base = live_server.url
    with time_machine.travel(T0, tick=True) as clock:
        with live_server.seeding() as make:
            _seed(make)

        # The trainee logs the first meeting from the next step on her dashboard.
        log_in(page, base, "amara@example.org")
        expect(page.get_by_text("Log your first meeting")).to_be_visible()
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

        # The mentor confirms it and answers the check-in too.
        log_in(page, base, "ada@example.org")
        page.get_by_role("link", name=re.compile("^Amara Okafor")).click()
        page.get_by_role("link", name="Meetings and check-ins").click()
        expect(page.get_by_text("An abstract for the annual meeting")).to_be_visible()
        expect(page.get_by_text("Ask about the travel award")).to_have_count(0)
        page.get_by_role("button", name=re.compile("^Confirm this meeting happened")).click()
        expect(flash(page)).to_contain_text("Meeting confirmed.")
        _answer_check_in(page, a11y, "5: very well")
        log_out(page)

        # The admin's health page: both pairs on track on the first days.
        log_in(page, base, "admin@example.org")
        page.goto(f"{base}/admin/cycles/mri-2026")
        page.get_by_role("link", name=re.compile("^Program health")).click()
        counts = page.get_by_role("region", name=re.compile("pairs$"))
        expect(counts.first).to_contain_text("On track: 2")
        a11y("program health")
        page.get_by_role("link", name="Meeting and check-in settings").click()
        a11y("after-match settings")

        # Three and a half weeks later the second pair has still not met: at risk.
        clock.shift(timedelta(days=25))
        page.goto(f"{base}/admin/cycles/mri-2026/health")
        expect(page.get_by_text("On track: 1")).to_be_visible()
        expect(page.get_by_text("At risk: 1")).to_be_visible()
        page.get_by_role("link", name="At risk", exact=True).click()
        row = page.get_by_role("row", name=re.compile("Bilal Hassan"))
        expect(row).to_contain_text("No first meeting by 23 Mar 2026")
        expect(page.get_by_role("row", name=re.compile("Amara Okafor"))).to_have_count(0)
        a11y("program health, at risk")
        screenshot("program-health-at-risk")
        row.get_by_role("link", name=re.compile("Bilal Hassan")).click()
        expect(page.get_by_text("No first meeting by 23 Mar 2026")).to_be_visible()
        a11y("admin's timeline of a pair")

        # remind, twice: one email per rule and person, and only to those concerned.
        before = len(live_server.outbox.messages())
        live_server.app.config["PUBLIC_URL"] = base  # as production sets it to the site
        with live_server.app.app_context():
            in_url_context(run_reminders)
            in_url_context(run_reminders)
            db.session.remove()
        sent = live_server.outbox.messages()[before:]
        by_rule = Counter((m["To"], m["Subject"].removeprefix("[MRI Match] ")) for m in sent)
        assert by_rule == {
            ("bilal@example.org", "Have you met Ben Ortiz yet?"): 1,
            ("ben@example.org", "Have you met Bilal Hassan yet?"): 1,
            ("admin@example.org", "Pairs at risk in MRI 2026"): 1,
        }
        log_out(page)

        # Ben follows his email's preferences link, with no login, and chooses the digest.
        body = next(
            m.get_payload(decode=True).decode() for m in sent if m["To"] == "ben@example.org"
        )
        page.goto(re.search(r"http://\S+/email-preferences/\S+", body).group(0))
        expect(page.get_by_role("heading", name="Email preferences")).to_be_visible()
        a11y("email preferences")
        page.get_by_label(re.compile("^One email a day at most")).check()
        page.get_by_role("button", name="Save").click()
        expect(flash(page)).to_contain_text("Your email preferences are saved.")
        screenshot()
    with live_server.seeding():
        assert db.session.scalar(db.select(Cycle.status)) == "matching"
