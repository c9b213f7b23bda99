"""Feedback surveys in a real browser: a trainee answers the midpoint survey from the
dashboard's next step; an admin edits the cycle's questions, reads the pair's answers and the
survey report. axe checks every page on the way."""

from datetime import timedelta

import pytest
from mentorship_helpers import active_pair
from playwright.sync_api import expect

from mri_match.models import utcnow

from .test_journeys import log_in

pytestmark = pytest.mark.e2e

COMMENT = "Weekly lab meetings with my mentor's team"


def test_a_trainee_answers_and_an_admin_reads_the_report(live_server, page, a11y, screenshot):
    base = live_server.url
    with live_server.seeding() as make:
        make.user("admin", email="admin@example.org")
        cycle = make.cycle(status="matching", name="MRI 2026–27")
        application = make.application(cycle=cycle, status="eligible", full_name="Ana Ruiz")
        application.trainee.email = "ana@example.org"
        mentor = make.mentor(cycle=cycle, full_name="Dr Ben Okafor")
        match = active_pair(
            make,
            accepted_at=utcnow() - timedelta(days=91),
            cycle=cycle,
            application=application,
            mentor=mentor,
        )
        slug, match_id = cycle.slug, match.id

    log_in(page, base, "ana@example.org")
    expect(page.get_by_text("A survey is due: the midpoint survey")).to_be_visible()
    page.get_by_role("link", name="Answer the survey about Dr Ben Okafor").click()
    expect(page.get_by_role("heading", name="Midpoint survey", level=1)).to_be_visible()
    a11y("midpoint survey")
    page.get_by_role("button", name="Send to the program team").click()
    expect(page.get_by_text("Choose one of the options listed.").first).to_be_visible()
    a11y("midpoint survey with errors")
    for question, answer in (
        ("We meet as often as we planned.", "4: agree"),
        ("Our meetings are useful to me.", "5: strongly agree"),
        ("I feel comfortable raising problems", "4: agree"),
        ("How well does this match fit you?", "A good fit"),
    ):
        page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    page.get_by_label("What has worked well? (optional)").fill(COMMENT)
    page.get_by_role("button", name="Send to the program team").click()
    expect(page.get_by_text("Your answers went to the program team only.")).to_be_visible()
    page.goto(f"{base}/matches/{match_id}/surveys/midpoint")
    expect(page.get_by_role("heading", name="You have answered this survey")).to_be_visible()
    a11y("survey already answered")
    page.get_by_role("button", name="Log out").click()

    log_in(page, base, "admin@example.org")
    page.goto(f"{base}/admin/cycles/{slug}")
    page.get_by_role("link", name="Surveys: questions and timing").click()
    expect(page.get_by_role("heading", name="Surveys of MRI 2026–27")).to_be_visible()
    a11y("survey questions")
    page.get_by_role("link", name="Add a question").click()
    page.get_by_role("group", name="Kind of answer").get_by_label("One choice from a list").check()
    page.get_by_role("button", name="Add the question").click()
    expect(page.locator("#text-error")).to_contain_text("Write the question.")
    a11y("new question with errors")
    page.get_by_label("Question", exact=True).fill("Did you present your work?")
    page.get_by_label("Options, one per line").fill("Yes\nNot yet")
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_text("The question is added.")).to_be_visible()
    page.get_by_role("link", name="Edit “Did you present your work?”").click()
    expect(page.get_by_role("heading", name="Edit a question")).to_be_visible()
    a11y("edit a question")
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("link", name="Delete “Did you present your work?”").click()
    expect(page.get_by_role("heading", name="Delete the question")).to_be_visible()
    a11y("delete question confirmation")
    page.get_by_role("button", name="Delete the question").click()
    expect(page.get_by_text("The question is deleted.")).to_be_visible()

    page.get_by_role("link", name="See the survey report").click()
    expect(page.get_by_role("heading", name="Survey report of MRI 2026–27")).to_be_visible()
    expect(page.get_by_text(COMMENT)).to_be_visible()
    expect(page.get_by_text("fewer than 5 people").first).to_be_visible()
    expect(
        page.get_by_role("img", name="Midpoint survey: We meet as often as we planned.")
    ).to_be_visible()
    expect(page.get_by_text("Ana Ruiz")).to_have_count(0)
    a11y("survey report")
    screenshot("survey-report")

    page.goto(f"{base}/admin/matches/{match_id}/surveys")
    expect(page.get_by_text(COMMENT)).to_be_visible()
    a11y("a pair's survey answers")
