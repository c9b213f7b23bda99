"""A mentor's publications page in the browser: axe-clean when empty, with errors, with
publications and after a failed fetch; the sources typed and the ticks made with the keyboard.
The services are the local fake of tests/publications_fake.py; no request leaves the machine."""

import re

import pytest
from playwright.sync_api import expect
from publications_fake import ORCID, Running

from .test_accessibility import _tab_and_tick, _tab_and_type, _tab_to
from .test_journeys import log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def services():
    running = Running()
    yield running
    running.stop()


def test_mentor_fetches_and_ticks_publications_with_the_keyboard(
    live_server, services, page, a11y, screenshot
):
    live_server.app.config.update(services.config(), PUBLICATIONS_INLINE=True)
    with live_server.seeding() as make:
        cycle = make.cycle(name="MRI 2026", slug="mri-2026", status="open")
        make.mentor(
            user=make.user("mentor", email="ada@example.org"), cycle=cycle, full_name="Ada Mensah"
        )
    base = live_server.url
    log_in(page, base, "ada@example.org")

    page.goto(f"{base}/mentor/")
    page.get_by_role("link", name="Fetch your publications from ORCID or PubMed").click()
    expect(page.get_by_role("heading", name="Your publications", level=1)).to_be_visible()
    expect(page.get_by_text("No publications yet.")).to_be_visible()
    a11y("publications, none yet")

    # A mistyped ORCID iD: the summary links to the field, which says what is wrong.
    orcid = page.get_by_label("ORCID iD (optional)")
    _tab_and_type(page, orcid, "0000-0002-1825-0098")
    page.get_by_role("button", name="Save and fetch publications").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(
        summary.get_by_role("link", name=re.compile("last character does not match"))
    ).to_be_visible()
    expect(orcid).to_have_attribute("aria-invalid", "true")
    a11y("publications, a mistyped ORCID iD")

    orcid.fill("")
    _tab_to(page, orcid)
    page.keyboard.type(ORCID)
    _tab_and_type(page, page.get_by_label("PubMed IDs or DOIs (optional)"), "29000003")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your publications are fetched.")).to_be_visible()
    expect(page.get_by_text("0 of 5 ticked.")).to_be_visible()
    a11y("publications, fetched")

    doppler = page.get_by_label(re.compile("^Transcranial Doppler screening"))
    _tab_and_tick(page, doppler)
    page.get_by_role("button", name="Save my choices").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Matching will read 1 of your 5 publications.")).to_be_visible()
    expect(page.get_by_label(re.compile("^Transcranial Doppler screening"))).to_be_checked()

    # PubMed down: the page says so, and the publications stay as they were.
    services.fake.script("/eutils/", (503, "Service Unavailable"), (503, "Service Unavailable"))
    page.get_by_role("button", name="Save and fetch publications").click()
    expect(page.get_by_text("Your publications could not be fetched.")).to_be_visible()
    expect(page.get_by_text(re.compile("PubMed could not answer \\(error 503\\)"))).to_be_visible()
    expect(page.get_by_text("0 of 5 ticked.")).to_have_count(0)
    expect(page.get_by_text("1 of 5 ticked.")).to_be_visible()
    expect(page.get_by_text("Your publications are fetched.")).to_have_count(0)
    expect(page.get_by_text("2018 · from your ORCID record · no abstract")).to_be_visible()
    a11y("publications, a failed fetch")
    screenshot()
