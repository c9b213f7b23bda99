"""Accessibility in a real browser: error pages, announced form errors, keyboard-only use.

The journeys (test_journeys.py) run axe-core on every page they reach; this module adds the
pages a person meets when something goes wrong, and checks what axe cannot: that errors are
tied to their fields and announced, that focus is visible, and that the whole application
can be completed without a mouse.
"""

import re

import pytest
from conftest import PASSWORD
from playwright.sync_api import Locator, Page, expect

from mri_match.extensions import db
from mri_match.matches import decisions, runs
from mri_match.models import Application, MentorOffer, Proposal

from .test_journeys import log_in

pytestmark = pytest.mark.e2e

STATEMENT = (
    "I want to learn how gene therapy for sickle cell disease reaches patients, "
    "and how to design a translational research project."
)


# --- error pages -------------------------------------------------------------------------------


def test_error_pages_are_accessible(live_server, page, a11y, screenshot):
    with live_server.seeding() as make:
        make.user("trainee", email="amara@example.org")
    base = live_server.url

    response = page.goto(f"{base}/no-such-page")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
    expect(page).to_have_title("Page not found · MRI Match")
    a11y("404 page")

    response = page.goto(f"{base}/_e2e/boom")
    assert response.status == 500
    expect(page.get_by_role("heading", name="Something went wrong", level=1)).to_be_visible()
    expect(page.get_by_text("RuntimeError")).to_have_count(0)
    a11y("500 page")

    # A form whose session has gone (cookies cleared) fails its CSRF check: 400, not a crash.
    page.goto(f"{base}/auth/login")
    # Let the page's last requests (the favicon) finish first: a response still on its way
    # would set the session cookie again after the clearing.
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    page.get_by_label("Email address").fill("amara@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_response(re.compile(r"/auth/login$")) as posted:
        page.get_by_role("button", name="Log in").click()
    assert posted.value.status == 400
    expect(page.get_by_text("Your form expired")).to_be_visible()
    a11y("400 page, expired form")

    log_in(page, base, "amara@example.org")
    response = page.goto(f"{base}/admin/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed", level=1)).to_be_visible()
    a11y("403 page")
    page.get_by_role("link", name="Go to the home page").click()
    expect(page.get_by_role("heading", name="My applications", level=1)).to_be_visible()
    screenshot()


# --- pages beyond the journeys ------------------------------------------------------------------

RESEARCH = {
    "role": "research",
    "objective": "total",
    "same_institution": "ignore",
    "must_have": [],
    "min_score": 0.0,
    "weights": {"text": 5, "topics": 4, "needs": 3, "meeting": 2, "geography": 2},
}


def _seed_program(make) -> dict:
    """A cycle in matching with a run, one confirmed match and a re-match request."""
    cycle = make.cycle(name="MRI 2026", slug="mri-2026", status="closed")
    later = make.cycle(name="MRI 2027", slug="mri-2027", status="open")
    admin = make.user("admin", email="admin@example.org")
    trainee = make.user("trainee", email="amara@example.org")
    amara = make.application(cycle=cycle, trainee=trainee, full_name="Amara Okafor")
    make.application(cycle=cycle, full_name="Bilal Hassan")
    make.application(
        cycle=cycle,
        full_name="Carmen Diaz",
        has_research_mentor=True,
        requested_roles=["career"],
        nominated={"name": "Dr Lee", "email": "lee@example.org", "institution": "Howard"},
    )
    mentor_user = make.user("mentor", email="ada@example.org")
    ada = make.mentor(user=mentor_user, cycle=cycle, full_name="Ada Mensah", capacity=1)
    make.mentor(cycle=cycle, full_name="Ben Ortiz", capacity=1)
    offer = MentorOffer(cycle=later, mentor=ada, capacity=1, roles=["research"])
    db.session.add(offer)
    db.session.commit()
    run = runs.run_matching(cycle, RESEARCH, actor=admin)
    first, *rest = db.session.scalars(db.select(Proposal).filter_by(run_id=run.id)).all()
    match = decisions.confirm_proposal(first, actor=admin)
    decisions.lock_proposal(rest[0], actor=admin)
    db.session.commit()
    match.accept(actor=match.mentor.user)  # accepted (the emails are another test's)
    db.session.commit()
    rematch = decisions.request_rematch(
        match, person=first.application.trainee, reason="We never met."
    )
    db.session.commit()
    return {
        "application": amara.id,
        "nominee_application": db.session.scalar(
            db.select(Application.id).filter_by(full_name="Carmen Diaz")
        ),
        "mentor": ada.id,
        "run": run.id,
        "proposal": rest[0].id,
        "match": match.id,
        "offer": offer.id,
        "match_trainee": first.application.trainee.email,
        "rematch": rematch.id,
    }


NARROW = {"width": 320, "height": 640}  # WCAG 1.4.10: usable at 320 CSS pixels, no sideways page


def _check_pages(page: Page, base: str, a11y, paths, narrow=()) -> None:
    for path in paths:
        response = page.goto(base + path)
        assert response.status == 200, path
        a11y(path)
    wide = page.viewport_size
    page.set_viewport_size(NARROW)
    for path in narrow:
        page.goto(base + path)
        a11y(f"{path} at 320px")
    page.set_viewport_size(wide)


def test_other_pages_are_accessible(live_server, page, a11y, screenshot):
    """Admin lists and details, profiles, settings: every other page, with data on it."""
    with live_server.seeding() as make:
        ids = _seed_program(make)
    base = live_server.url
    run, proposal = f"/admin/runs/{ids['run']}", f"/admin/proposals/{ids['proposal']}"

    log_in(page, base, "admin@example.org")
    _check_pages(
        page,
        base,
        a11y,
        [
            "/admin/cycles/mri-2026",
            "/admin/cycles/mri-2026/edit",
            "/admin/cycles/mri-2026/applications",
            f"/admin/applications/{ids['application']}",
            f"/admin/applications/{ids['nominee_application']}",
            "/admin/cycles/mri-2026/mentors",
            f"/admin/mentors/{ids['mentor']}",
            "/admin/cycles/mri-2026/runs",
            run,
            proposal,
            "/admin/cycles/mri-2026/matches",
            f"/admin/matches/{ids['match']}",
            "/admin/rematch-requests",
            "/admin/audit",
            "/auth/password",
            # the pages that ask before an action that cannot simply be undone
            "/admin/cycles/mri-2026/move/completed",
            "/admin/cycles/mri-2027/move/closed",
            f"{proposal}/reject",
            f"{proposal}/unlock",
            f"/admin/matches/{ids['match']}/end",
            f"/admin/rematch-requests/{ids['rematch']}/end",
            f"/admin/rematch-requests/{ids['rematch']}/decline",
        ],
        narrow=[
            "/admin/",
            "/admin/cycles/mri-2026",
            run,
            proposal,
            "/admin/audit",
            "/admin/cycles/mri-2026/applications",
            f"/admin/matches/{ids['match']}/end",
        ],
    )
    # A table too wide for the screen scrolls in its own region, which the keyboard reaches.
    page.set_viewport_size(NARROW)
    page.goto(base + run)
    region = page.get_by_role("region", name=re.compile("proposals? .*scrolls sideways"))
    expect(region).to_have_attribute("tabindex", "0")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + run)
    expect(page.locator(".table-responsive[tabindex]")).to_have_count(0)
    page.get_by_role("button", name=re.compile("^Log out")).click()

    log_in(page, base, ids["match_trainee"])
    _check_pages(
        page,
        base,
        a11y,
        [f"/matches/{ids['match']}", "/trainee/self-identification"],
        narrow=["/trainee/", f"/matches/{ids['match']}"],
    )
    page.get_by_role("button", name=re.compile("^Log out")).click()

    log_in(page, base, "ada@example.org")
    _check_pages(
        page,
        base,
        a11y,
        [
            "/mentor/profile",
            "/mentor/cycles/mri-2027/offer",
            f"/mentor/offers/{ids['offer']}/pause",
        ],
        narrow=["/mentor/"],
    )
    screenshot()


# --- registering: check your email, choose your password, a dead link -------------------------


def test_registration_pages_are_accessible(live_server, page, a11y, screenshot):
    base = live_server.url
    page.goto(f"{base}/auth/register")
    page.get_by_label("A mentor volunteering").check()
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_role("button", name="Email me a confirmation link").click()
    expect(page.get_by_role("heading", name="Check your email", level=1)).to_be_visible()
    a11y("check your email")
    check_email = page.url

    body = live_server.outbox.bodies()[-1]
    link = re.search(r"http://127\.0\.0\.1:\d+/auth/register/confirm/\S+", body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose your password", level=1)).to_be_visible()
    a11y("choose your password")

    # Errors on the password page are summarised, announced and tied to their fields.
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_role("button", name="Create account").click()
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link")).to_have_text(
        ["Use between 12 and 128 characters.", "Repeat your password."]
    )
    expect(page.locator("[data-error-summary]")).to_be_focused()
    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(
        re.compile(r"At least 12 characters\..*Use between 12 and 128 characters\.")
    )
    expect(page.get_by_label("Repeat password")).to_have_accessible_description(
        "Repeat your password."
    )
    a11y("choose your password, with errors")

    page.set_viewport_size(NARROW)
    for url, what in [(check_email, "check your email"), (link, "choose your password")]:
        page.goto(url)
        a11y(f"{what} at 320px")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{base}/auth/register/confirm/not-a-valid-token")
    expect(page.get_by_role("heading", name="This link does not work", level=1)).to_be_visible()
    a11y("confirmation link that does not work")
    page.get_by_role("link", name="Register again").click()
    expect(page.get_by_role("heading", name="Create your account", level=1)).to_be_visible()
    screenshot()


# --- form errors -------------------------------------------------------------------------------


def _described_by(field: Locator) -> list[str]:
    return (field.get_attribute("aria-describedby") or "").split()


def test_form_errors_are_announced_and_tied_to_their_fields(live_server, page, a11y, screenshot):
    with live_server.seeding() as make:
        make.cycle(name="MRI 2026", slug="mri-2026", status="open")
        make.user("trainee", email="amara@example.org")
    base = live_server.url

    # A failed log-in is announced in the polite live region of every page.
    page.goto(f"{base}/auth/login")
    page.get_by_role("button", name="Log in").click()
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link")).to_have_text(
        ["Enter your email address.", "Enter your password."]
    )
    expect(page.locator("[data-error-summary]")).to_be_focused()
    summary.get_by_role("link", name="Enter your password.").click()
    expect(page.get_by_label("Password")).to_be_focused()
    email = page.get_by_label("Email address")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description("Enter your email address.")
    a11y("login with errors")

    page.get_by_label("Email address").fill("amara@example.org")
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Log in").click()
    live = page.get_by_role("status")
    expect(live).to_have_attribute("aria-live", "polite")
    expect(live).to_contain_text("That email and password do not match an account.")

    log_in(page, base, "amara@example.org")
    page.get_by_role("link", name="Start application to MRI 2026").click()
    page.get_by_role("button", name="Submit application").click()

    expect(page.locator("[data-error-summary]")).to_be_focused()
    page.get_by_role("alert").get_by_role(
        "link", name="Choose at least one research topic."
    ).click()
    expect(
        page.get_by_role("group", name="Research topics").get_by_role("checkbox").first
    ).to_be_focused()
    name = page.get_by_label("Full name", exact=True)
    expect(name).to_have_attribute("aria-invalid", "true")
    assert "full_name-error" in _described_by(name)
    expect(name).to_have_accessible_description("Enter your full name.")
    timezone = page.get_by_label("Time zone", exact=True)
    expect(timezone).to_have_accessible_description(
        re.compile(r"Used to suggest mentors.*Choose your time zone\.")
    )
    topics = page.get_by_role("group", name="Research topics")
    expect(topics).to_have_accessible_description(
        re.compile(r"Choose between 1 and 5 topics\..*Choose at least one research topic\.")
    )
    needs = page.get_by_role("group", name="What would you like help with?")
    expect(needs).to_have_accessible_description(
        re.compile(r"The subjects you want.*Choose at least one thing you would like help with\.")
    )
    # Every error message on the page is the description of some field or group.
    for error in page.locator("[id$='-error']").all():
        error_id = error.get_attribute("id")
        expect(page.locator(f"[aria-describedby~='{error_id}']")).to_have_count(1)
    a11y("application form with errors")

    # A draft submitted from its page while incomplete: the reason lands in the live region.
    page.get_by_label("Full name", exact=True).fill("Amara Okafor")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("This is a draft: it is not submitted yet.")).to_be_visible()
    page.get_by_role("button", name="Submit application").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("Choose your career stage.")
    expect(page.get_by_label("Career stage", exact=True)).to_have_accessible_description(
        re.compile(r"Choose your career stage\.$")
    )
    a11y("incomplete draft submitted")
    screenshot()


# --- keyboard only -----------------------------------------------------------------------------


def _is_focused(locator: Locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def _assert_focus_visible(page: Page) -> None:
    """The focused element shows a clear outline (at least 2px, not 'none')."""
    style = page.evaluate(
        """() => {
            const s = getComputedStyle(document.activeElement);
            return {style: s.outlineStyle, width: parseFloat(s.outlineWidth),
                    visible: document.activeElement.matches(':focus-visible')};
        }"""
    )
    assert style["visible"], "keyboard focus matches :focus-visible"
    assert style["style"] != "none" and style["width"] >= 2, f"focus indicator: {style}"


def _tab_to(page: Page, target: Locator, limit: int = 120) -> None:
    """Press Tab until ``target`` has focus (only forwards, as a person would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _is_focused(target):
            _assert_focus_visible(page)
            return
    raise AssertionError(f"Tab never reached {target}")


def _tab_and_type(page: Page, target: Locator, text: str) -> None:
    _tab_to(page, target)
    page.keyboard.type(text)


def _tab_and_tick(page: Page, target: Locator) -> None:
    _tab_to(page, target)
    page.keyboard.press("Space")
    expect(target).to_be_checked()


def test_trainee_completes_the_application_with_the_keyboard_alone(
    live_server, page, a11y, screenshot
):
    with live_server.seeding() as make:
        make.cycle(name="MRI 2026", slug="mri-2026", status="open")
        make.user("trainee", email="amara@example.org")
    base = live_server.url

    page.goto(f"{base}/auth/login")
    # The first Tab reaches the skip link, which moves focus to the main content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert _is_focused(skip)
    expect(skip).to_be_visible()
    _assert_focus_visible(page)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    _tab_and_type(page, page.get_by_label("Email address"), "amara@example.org")
    _tab_and_type(page, page.get_by_label("Password"), PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My applications", level=1)).to_be_visible()

    _tab_to(page, page.get_by_role("link", name="Start application to MRI 2026"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Apply to MRI 2026")).to_be_visible()

    _tab_and_type(page, page.get_by_label("Full name", exact=True), "Amara Okafor")
    _tab_to(page, page.get_by_label("Career stage", exact=True))
    page.keyboard.type("Medical")
    expect(page.get_by_label("Career stage", exact=True)).to_have_value("medical_student")
    _tab_to(page, page.get_by_label("Program track", exact=True))
    page.keyboard.type("Medical")
    expect(page.get_by_label("Program track", exact=True)).to_have_value("Medical student")
    _tab_and_type(page, page.get_by_label("Institution", exact=True), "Howard University")
    _tab_and_type(page, page.get_by_label("City", exact=True), "Washington")
    _tab_and_type(page, page.get_by_label("Country", exact=True), "United States")
    _tab_to(page, page.get_by_label("Time zone", exact=True))
    page.keyboard.type("America/New_York")
    expect(page.get_by_label("Time zone", exact=True)).to_have_value("America/New_York")
    _tab_and_tick(page, page.get_by_label("Sickle cell disease"))
    _tab_and_type(page, page.get_by_label("Research statement"), STATEMENT)
    needs = page.get_by_role("group", name="What would you like help with?")
    _tab_and_tick(page, needs.get_by_label("Research"))
    _tab_and_tick(page, page.get_by_label("Research mentor", exact=True))
    # A radio group is one Tab stop; the arrow keys choose within it.
    _tab_to(page, page.get_by_label("In person", exact=True))
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Virtual", exact=True)).to_be_checked()
    expect(page.get_by_label("English")).to_be_checked()  # ticked on every new form

    _tab_to(page, page.get_by_role("button", name="Submit application"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("Your application is submitted")
    a11y("application submitted by keyboard")
    screenshot()
    with live_server.seeding():
        application = db.session.scalar(db.select(Application))
        assert application.status == "submitted"
        assert application.meeting_format == "virtual"
        assert application.timezone == "America/New_York"
        assert application.research_statement == STATEMENT


# --- the checker itself ------------------------------------------------------------------------


def test_the_axe_check_reports_violations(page):
    """Guard against a check that passes vacuously: a bad page must fail it."""
    from .conftest import assert_accessible, assert_readable_and_reflowing

    page.set_content(
        "<html><head><title>Bad</title></head><body><main>"
        '<p style="color:#bbb;background:#fff">Faint text</p>'
        '<input type="text"><img src="data:,">'
        "</main></body></html>"
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "a deliberately inaccessible page")
    report = str(failure.value)
    for rule in ("color-contrast", "label", "image-alt"):
        assert rule in report

    page.set_content(
        '<html><body><main><span class="badge" style="color:#fff">Done</span>'
        '<span class="badge" style="color:#fff;background:#146c43">Fine</span>'
        '<div style="width:4000px">Too wide</div></main></body></html>'
    )
    with pytest.raises(AssertionError, match=r"faint status badges:\s*<span[^\n]*Done"):
        assert_readable_and_reflowing(page, "a faint badge")
    page.set_content('<html><body><div style="width:4000px">Too wide</div></body></html>')
    with pytest.raises(AssertionError, match="scrolls sideways"):
        assert_readable_and_reflowing(page, "a wide page")
