"""Admins run the program: cycles and their states, applications, mentors and verification."""

import re
from contextlib import contextmanager

import pytest
import time_machine
from sqlalchemy import event

from mri_match.engine.inputs import CRITERIA
from mri_match.extensions import db
from mri_match.models import (
    AuditEvent,
    Cycle,
    MentorOffer,
    SelfIdentification,
    history,
)

RUN_SETTINGS = {
    "role": "research",
    "objective": "total",
    "same_institution": "ignore",
    "min_score": "0",
    **{f"weight_{c.name}": str(c.default) for c in CRITERIA},
}
NEW_CYCLE = {
    "name": "MRI 2027",
    "slug": "mri-2027",
    "tracks": "Medical student\nResident\n\nFellow\n",
    "opens_at": "2027-01-15T09:00",
    "closes_at": "2027-03-01T17:00",
}


def page_text(response) -> str:
    return response.get_data(as_text=True)


@contextmanager
def count_statements():
    counter = {"n": 0}

    def before(*_args, **_kwargs):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def admin_urls(factory):
    cycle = factory.cycle(slug="access-cycle")
    application = factory.application(
        cycle=cycle, nominated={"name": "Dr N", "email": "n@example.org", "institution": "U"}
    )
    mentor = factory.mentor(cycle=cycle)
    gets = [
        "/admin/",
        "/admin/cycles/new",
        f"/admin/cycles/{cycle.slug}",
        f"/admin/cycles/{cycle.slug}/edit",
        f"/admin/cycles/{cycle.slug}/applications",
        f"/admin/cycles/{cycle.slug}/mentors",
        f"/admin/applications/{application.id}",
        f"/admin/mentors/{mentor.id}",
    ]
    posts = [
        "/admin/cycles/new",
        f"/admin/cycles/{cycle.slug}/edit",
        f"/admin/cycles/{cycle.slug}/move/closed",
        f"/admin/applications/{application.id}/eligibility",
        f"/admin/applications/{application.id}/verify-nominee",
        f"/admin/mentors/{mentor.id}/verify-membership",
    ]
    return cycle, application, mentor, gets, posts


# --- access -----------------------------------------------------------------------------------


def test_anonymous_user_is_sent_to_login_from_every_admin_page(client, factory):
    _, _, _, gets, posts = admin_urls(factory)
    for url in gets:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/auth/login" in response.headers["Location"]
    for url in posts:
        response = client.post(url)
        assert response.status_code == 302, url
        assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["trainee", "mentor"])
def test_trainee_and_mentor_get_403_on_every_admin_page(client, auth, factory, role):
    cycle, application, mentor, gets, posts = admin_urls(factory)
    auth.login(factory.user(role))
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, data={"decision": "eligible"}).status_code == 403, url
    db.session.expire_all()
    assert cycle.status == "open"
    assert application.status == "submitted"
    assert mentor.ash_verified_at is None
    assert application.nominated_mentor.verified_at is None


def test_unknown_slug_and_ids_answer_404(client, admin):
    for url in [
        "/admin/cycles/nope",
        "/admin/cycles/nope/edit",
        "/admin/cycles/nope/applications",
        "/admin/cycles/nope/mentors",
        "/admin/applications/999",
        "/admin/mentors/999",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post("/admin/cycles/nope/move/open").status_code == 404
    assert client.post("/admin/applications/999/eligibility").status_code == 404
    assert client.post("/admin/mentors/999/verify-membership").status_code == 404


def test_verifying_an_application_without_a_named_mentor_answers_404(client, admin, factory):
    application = factory.application()
    assert client.post(f"/admin/applications/{application.id}/verify-nominee").status_code == 404


def test_transition_without_csrf_token_is_refused(make_app, factory):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        user = factory.user("admin")
        cycle = factory.cycle(status="draft")
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        response = client.post(f"/admin/cycles/{cycle.slug}/move/open")
        assert response.status_code == 400
        db.session.expire_all()
        assert cycle.status == "draft"


# --- cycles -----------------------------------------------------------------------------------


def test_cycles_page_lists_cycles_with_counts_by_status(client, admin, factory):
    cycle = factory.cycle(name="MRI 2026", slug="mri-2026")
    factory.application(cycle=cycle, status="submitted")
    factory.application(cycle=cycle, status="submitted")
    factory.application(cycle=cycle, status="eligible")
    factory.mentor(cycle=cycle)
    paused = factory.mentor(cycle=cycle)
    paused.offers[0].status = "paused"
    db.session.commit()
    factory.cycle(name="Empty cycle", status="draft")

    page = page_text(client.get("/admin/"))
    assert "MRI 2026" in page and "Empty cycle" in page
    row = page.split("MRI 2026")[1].split("</tr>")[0]
    cells = [c.split(">")[-1] for c in row.split("</td>")[:-1]]
    # draft, submitted, eligible, ineligible, withdrawn, mentors offering (active only)
    assert cells[-6:] == ["0", "2", "1", "0", "0", "1"]


def test_cycles_page_counts_in_a_fixed_number_of_statements(client, admin, factory):
    def statements():
        with count_statements() as counter:
            assert client.get("/admin/").status_code == 200
        return counter["n"]

    cycle = factory.cycle()
    factory.application(cycle=cycle)
    few = statements()
    for _ in range(3):
        more = factory.cycle()
        factory.application(cycle=more)
        factory.mentor(cycle=more)
    assert statements() == few


def test_new_cycle_form_suggests_default_tracks_and_says_dates_are_utc(client, admin):
    page = page_text(client.get("/admin/cycles/new"))
    assert "Medical student\nResident\nGraduate student\nFellow" in page
    assert "UTC" in page


def test_admin_creates_a_cycle_as_draft_with_history(client, admin):
    response = client.post("/admin/cycles/new", data=NEW_CYCLE, follow_redirects=True)
    assert response.status_code == 200
    assert "MRI 2027" in page_text(response)
    cycle = db.session.scalar(db.select(Cycle).filter_by(slug="mri-2027"))
    assert cycle.status == "draft"
    assert cycle.tracks == ["Medical student", "Resident", "Fellow"]
    assert cycle.opens_at.isoformat() == "2027-01-15T09:00:00+00:00"
    assert cycle.closes_at.isoformat() == "2027-03-01T17:00:00+00:00"
    [created] = history(cycle)
    assert (created.action, created.actor_id, created.to_state) == ("created", admin.id, "draft")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Enter a name for the cycle."),
        ({"name": "x" * 121}, "name", "A name has at most 120 characters."),
        ({"name": "!!!", "slug": ""}, "slug", "Enter a slug"),
        ({"slug": "MRI 2027!"}, "slug", "Use lowercase letters, digits and single hyphens"),
        ({"slug": "mri--2027"}, "slug", "Use lowercase letters, digits and single hyphens"),
        ({"slug": "-mri"}, "slug", "Use lowercase letters, digits and single hyphens"),
        ({"slug": "taken"}, "slug", "Another cycle already uses this slug"),
        ({"tracks": "\n \n"}, "tracks", "List at least one track"),
        ({"tracks": "A\n" + "B" * 81}, "tracks", "Each track has at most 80 characters."),
        ({"tracks": "Resident\nresident"}, "tracks", "Each track appears only once."),
        ({"opens_at": ""}, "opens_at", "Enter when applications open."),
        ({"opens_at": "next tuesday"}, "opens_at", "Enter a date and time"),
        ({"closes_at": "2027-01-15T09:00"}, "closes_at", "must close after they open"),
        ({"closes_at": "2026-12-01T09:00"}, "closes_at", "must close after they open"),
        ({"opens_at": "0001-01-15T09:00"}, "opens_at", "Enter a date from 01 January 2000 to"),
        ({"opens_at": "1999-12-31T23:59"}, "opens_at", "Enter a date from 01 January 2000 to"),
        ({"closes_at": "9999-03-01T17:00"}, "closes_at", "Past cycles may be recorded"),
    ],
)
def test_create_cycle_shows_message_beside_field_and_saves_nothing(
    client, admin, factory, changes, field, message
):
    factory.cycle(slug="taken")
    response = client.post("/admin/cycles/new", data={**NEW_CYCLE, **changes})
    assert response.status_code == 200
    page = page_text(response)
    error_block = page.split(f'id="{field}-error"')[1].split("</div>")[0]
    assert message in error_block
    assert f'aria-describedby="{field}-help {field}-error"' in page
    assert db.session.scalar(db.select(Cycle).filter_by(slug="mri-2027")) is None


def test_a_blank_slug_is_made_from_the_name_and_kept_unique(client, admin, factory):
    factory.cycle(slug="mri-2027-2028", name="Another")
    for expected in ("mri-2027-2028-2", "mri-2027-2028-3"):
        response = client.post(
            "/admin/cycles/new", data={**NEW_CYCLE, "name": "MRI 2027–2028", "slug": "  "}
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/admin/cycles/{expected}")
    made = db.session.scalar(db.select(Cycle).filter_by(slug="mri-2027-2028-3"))
    assert made.name == "MRI 2027–2028"


def test_a_slug_made_from_a_long_accented_name_fits_the_rules(client, admin):
    name = "Café Zürich " + "mentoring " * 10
    response = client.post("/admin/cycles/new", data={**NEW_CYCLE, "name": name, "slug": ""})
    assert response.status_code == 302
    slug = response.headers["Location"].rsplit("/", 1)[1]
    assert slug.startswith("cafe-zurich-mentoring-") and len(slug) <= 55
    assert not slug.endswith("-")


def test_new_cycle_form_fills_the_slug_from_the_name_with_a_script_of_its_own(
    client, admin, factory
):
    page = page_text(client.get("/admin/cycles/new"))
    assert 'data-slug-from="name"' in page
    assert "/static/js/slug.js" in page
    assert "leave it blank" in page
    slug_label = page.split('for="slug"')[1].split("</label>")[1].split("<div")[0]
    assert "required-marker" not in slug_label
    # the edit form has no slug to fill, so no script either
    cycle = factory.cycle(status="draft")
    assert "slug.js" not in page_text(client.get(f"/admin/cycles/{cycle.slug}/edit"))


def test_slug_taken_between_check_and_save_gets_a_message_not_a_500(
    client, admin, factory, monkeypatch
):
    from mri_match.admin.forms import CycleForm

    factory.cycle(slug="mri-2027", name="First")
    monkeypatch.setattr(CycleForm, "validate_slug", lambda form, field: None)
    response = client.post("/admin/cycles/new", data=NEW_CYCLE)
    assert response.status_code == 200
    assert "Another cycle already uses this slug" in page_text(response)
    assert db.session.scalar(db.select(db.func.count()).select_from(Cycle)) == 1


def test_admin_edits_cycle_details_and_history_says_what_changed(client, admin, factory):
    cycle = factory.cycle(name="Old name", status="open")
    form = page_text(client.get(f"/admin/cycles/{cycle.slug}/edit"))
    assert "Old name" in form and "Medical student\nResident" in form
    response = client.post(
        f"/admin/cycles/{cycle.slug}/edit",
        data={**NEW_CYCLE, "name": "New name", "slug": "ignored"},
        follow_redirects=True,
    )
    assert "Cycle saved." in page_text(response)
    db.session.expire_all()
    assert cycle.name == "New name"
    assert cycle.slug != "ignored"
    assert cycle.status == "open"
    [edited] = history(cycle)
    assert edited.action == "edited" and edited.actor_id == admin.id
    assert "name" in edited.reason and "tracks" in edited.reason


def test_cycle_dates_run_from_2000_to_ten_years_ahead(client, admin):
    with time_machine.travel("2026-12-06 12:00Z", tick=False):
        past = {**NEW_CYCLE, "slug": "mri-2001", "opens_at": "2000-01-01T00:00"}
        past["closes_at"] = "2001-03-01T17:00"
        assert client.post("/admin/cycles/new", data=past).status_code == 302
        late = {**NEW_CYCLE, "slug": "mri-2036", "opens_at": "2036-12-01T09:00"}
        late["closes_at"] = "2036-12-31T23:59"
        assert client.post("/admin/cycles/new", data=late).status_code == 302
        too_late = {**late, "slug": "mri-2037", "closes_at": "2037-01-01T00:00"}
        response = client.post("/admin/cycles/new", data=too_late)
        assert "Enter a date from 01 January 2000 to 31 December 2036." in page_text(response)
    assert db.session.scalar(db.select(db.func.count(Cycle.id))) == 2


def test_edit_cycle_validates_dates(client, admin, factory):
    cycle = factory.cycle()
    response = client.post(
        f"/admin/cycles/{cycle.slug}/edit",
        data={**NEW_CYCLE, "closes_at": "2020-01-01T00:00"},
    )
    assert "must close after they open" in page_text(response)


def test_completed_cycle_cannot_be_edited(client, admin, factory):
    cycle = factory.cycle(status="completed", name="Finished")
    response = client.post(
        f"/admin/cycles/{cycle.slug}/edit", data={**NEW_CYCLE, "name": "Changed"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert cycle.name == "Finished"
    assert "Edit name, tracks and dates" not in page_text(client.get(f"/admin/cycles/{cycle.slug}"))


def next_step(page: str) -> str:
    return page.split('id="next-heading"')[1].split("</section>")[0]


def test_each_cycle_state_offers_one_main_action_and_no_reason_box(client, admin, factory):
    expected = {
        "draft": (["Open for applications"], []),
        "open": (["Close applications"], []),
        "closed": (["Run matching"], ["Reopen applications"]),
        "matching": (["Review matching"], ["Mark the cycle completed"]),
        "completed": ([], []),
    }
    for status, (main, others) in expected.items():
        cycle = factory.cycle(status=status)
        section = next_step(page_text(client.get(f"/admin/cycles/{cycle.slug}")))
        buttons = re.findall(r'class="btn btn-primary"[^>]*>([^<]+)<', section)
        secondary = re.findall(r'class="btn btn-outline-secondary"[^>]*>([^<]+)<', section)
        assert (buttons, secondary) == (main, others), status
        assert "Start matching" not in section
        assert "<textarea" not in section and "Reason" not in section
    done = next_step(page_text(client.get(f"/admin/cycles/{cycle.slug}")))
    assert "cannot change any more" in done


def move(client, cycle, state, reason=""):
    return client.post(f"/admin/cycles/{cycle.slug}/move/{state}", data={"reason": reason})


@pytest.mark.parametrize(
    ("status", "state", "says"),
    [
        ("draft", "open", ["Open for applications: Cycle", "mentors can volunteer for it"]),
        (
            "open",
            "closed",
            [
                "Close applications: Cycle",
                "2 applications submitted go on",
                "1 application still in draft will not be matched",
                "although the deadline",
            ],
        ),
        ("closed", "open", ["Reopen applications: Cycle", "Why are applications reopening?"]),
        (
            "matching",
            "completed",
            [
                "Mark the cycle completed: Cycle",
                "0 active matches in it go on",
                "deleted 365 days from today",
            ],
        ),
    ],
)
def test_every_state_change_has_a_page_that_says_what_will_happen(
    client, admin, factory, status, state, says
):
    cycle = factory.cycle(status=status)
    factory.application(cycle=cycle)
    factory.application(cycle=cycle, status="eligible")
    factory.application(cycle=cycle, status="draft")
    response = client.get(f"/admin/cycles/{cycle.slug}/move/{state}")
    assert response.status_code == 200
    page = page_text(response)
    assert "What will happen" in page
    for text in says:
        assert text in page, text
    assert f'href="/admin/cycles/{cycle.slug}">Cancel' in page
    db.session.expire_all()
    assert cycle.status == status and history(cycle) == []


def test_reopening_a_cycle_past_its_closing_date_says_the_dates_need_changing(
    client, admin, factory
):
    cycle = factory.cycle(status="closed", opens_in_days=-30, closes_in_days=-1)
    page = page_text(client.get(f"/admin/cycles/{cycle.slug}/move/open"))
    assert "has passed" in page and "change the dates" in page
    assert f"/admin/cycles/{cycle.slug}/edit" in page


def test_admin_moves_a_cycle_through_every_state_with_the_confirmation_pages(
    client, admin, factory
):
    cycle = factory.cycle(status="draft")
    for state, reason in [
        ("open", ""),
        ("closed", "Deadline reached"),
        ("open", "Deadline extended by a week"),
        ("closed", ""),
    ]:
        response = client.post(
            f"/admin/cycles/{cycle.slug}/move/{state}",
            data={"reason": reason},
            follow_redirects=True,
        )
        assert response.status_code == 200
        assert f"is now {state}" in page_text(response)
        db.session.expire_all()
        assert cycle.status == state
    # a closed cycle moves on to matching when matching runs, not by a button of its own
    response = move(client, cycle, "matching")
    assert response.headers["Location"].endswith(f"/admin/cycles/{cycle.slug}/runs")
    db.session.expire_all()
    assert cycle.status == "closed"
    client.post(f"/admin/cycles/{cycle.slug}/runs", data=RUN_SETTINGS)
    db.session.expire_all()
    assert cycle.status == "matching"
    move(client, cycle, "completed", "All matches confirmed")
    db.session.expire_all()
    assert cycle.status == "completed"

    rows = [(e.from_state, e.to_state, e.reason, e.actor_id) for e in history(cycle)]
    assert rows == [
        ("draft", "open", None, admin.id),
        ("open", "closed", "Deadline reached", admin.id),
        ("closed", "open", "Deadline extended by a week", admin.id),
        ("open", "closed", None, admin.id),
        ("closed", "matching", "Matching started", admin.id),
        ("matching", "completed", "All matches confirmed", admin.id),
    ]
    page = page_text(client.get(f"/admin/cycles/{cycle.slug}"))
    assert "Deadline extended by a week" in page
    assert "admin@example.org" in page


def test_reopening_a_closed_cycle_needs_a_reason(client, admin, factory):
    cycle = factory.cycle(status="closed")
    response = move(client, cycle, "open", "  ")
    assert response.status_code == 400
    page = page_text(response)
    assert "Say why applications are reopening." in page.split('id="reason-error"')[1]
    assert "What will happen" in page
    db.session.expire_all()
    assert cycle.status == "closed"
    assert history(cycle) == []


@pytest.mark.parametrize(
    ("status", "target"),
    [
        ("draft", "matching"),
        ("draft", "completed"),
        ("draft", "closed"),
        ("open", "matching"),
        ("matching", "closed"),
        ("matching", "open"),
        ("completed", "open"),
        ("open", "draft"),
        ("open", "bogus"),
    ],
)
def test_forbidden_transition_from_a_forged_post_is_refused(client, admin, factory, status, target):
    cycle = factory.cycle(status=status)
    response = client.post(
        f"/admin/cycles/{cycle.slug}/move/{target}",
        data={"reason": "forged"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    page = page_text(response)
    assert "Cannot change status" in page
    assert f"The cycle is still “{status}”" in page
    db.session.expire_all()
    assert cycle.status == status
    assert history(cycle) == []


# --- applications -----------------------------------------------------------------------------


@pytest.fixture
def cohort(factory):
    """A cycle with four applications that differ in every filterable way, and one elsewhere."""
    cycle = factory.cycle(slug="cohort")
    people = {
        "ada": factory.application(
            cycle=cycle,
            full_name="Ada Okafor",
            institution="Howard University",
            career_stage="medical_student",
            track="Medical student",
            topics=["sickle-cell-disease"],
            status="submitted",
        ),
        "ben": factory.application(
            cycle=cycle,
            full_name="Ben Reyes",
            institution="Morehouse School of Medicine",
            career_stage="resident",
            track="Resident",
            topics=["thalassemia", "gene-therapy"],
            status="eligible",
        ),
        "cai": factory.application(
            cycle=cycle,
            full_name="Cai Lin",
            institution="University of Puerto Rico",
            career_stage="fellow",
            track="Fellow",
            topics=["gene-therapy"],
            status="ineligible",
        ),
        "dee": factory.application(
            cycle=cycle,
            full_name="Dee Harris",
            institution="Meharry Medical College",
            career_stage="graduate_student",
            track="Graduate student",
            topics=["anemia-iron"],
            status="draft",
        ),
    }
    other = factory.cycle(slug="other")
    factory.application(cycle=other, full_name="Zed Elsewhere", career_stage="resident")
    return cycle, people


def listed(client, query="", slug="cohort") -> str:
    response = client.get(f"/admin/cycles/{slug}/applications{query}")
    assert response.status_code == 200
    return page_text(response)


def names_in(page: str) -> set[str]:
    return {n for n in ("Ada", "Ben", "Cai", "Dee", "Zed") if f">{n} " in page}


def test_applications_list_shows_the_cycles_applications_only(client, admin, cohort):
    page = listed(client)
    assert names_in(page) == {"Ada", "Ben", "Cai", "Dee"}
    assert "<caption>" in page and 'scope="col"' in page
    assert "Sickle cell disease" in page  # topic labels, not codes


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?stage=resident", {"Ben"}),
        ("?stage=fellow", {"Cai"}),
        ("?topic=gene-therapy", {"Ben", "Cai"}),
        ("?topic=sickle-cell-disease", {"Ada"}),
        ("?status=eligible", {"Ben"}),
        ("?status=draft", {"Dee"}),
        ("?track=Fellow", {"Cai"}),
        ("?track=Graduate+student", {"Dee"}),
        ("?topic=gene-therapy&status=ineligible", {"Cai"}),
        ("?stage=resident&track=Fellow", set()),
    ],
)
def test_applications_list_filters(client, admin, cohort, query, expected):
    assert names_in(listed(client, query)) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("okafor", {"Ada"}),
        ("BEN", {"Ben"}),
        ("puerto", {"Cai"}),
        ("MEDIC", {"Ben", "Dee"}),
        ("%25", set()),
        ("_", set()),
    ],
)
def test_applications_search_is_case_insensitive_on_name_and_institution(
    client, admin, cohort, q, expected
):
    assert names_in(listed(client, f"?q={q}")) == expected


def test_applications_search_finds_email(client, admin, cohort):
    _, people = cohort
    email = people["cai"].trainee.email.upper()
    assert names_in(listed(client, f"?q={email}")) == {"Cai"}


def test_unknown_filter_values_are_explained_and_ignored(client, admin, cohort):
    page = listed(client, "?stage=astronaut&topic=alchemy&status=lost&track=Nope&q=" + "x" * 101)
    for field in ("stage", "topic", "status", "track"):
        assert "Unknown choice: this filter was ignored." in page.split(f'id="{field}-error"')[1]
    assert "Search for at most 100 characters." in page
    assert names_in(page) == {"Ada", "Ben", "Cai", "Dee"}


@pytest.mark.parametrize("page_arg", ["abc", "-3", "0", "99", "99999999999999999999", ""])
def test_bad_page_numbers_never_fail(client, admin, cohort, page_arg):
    listed(client, f"?page={page_arg}")
    assert client.get(f"/admin/cycles/cohort/mentors?page={page_arg}").status_code == 200


def test_applications_paginate_and_keep_filters_across_pages(app, client, admin, factory):
    app.config["PER_PAGE"] = 2
    cycle = factory.cycle(slug="big")
    for n in range(5):
        factory.application(cycle=cycle, full_name=f"Resident {n}", career_stage="resident")
    factory.application(cycle=cycle, full_name="Fellow X", career_stage="fellow")

    first = listed(client, "?stage=resident", slug="big")
    assert "5 applications match these filters" in first
    assert "page 1 of 3" in first
    assert "Resident 0" in first and "Resident 1" in first and "Resident 2" not in first
    assert "/admin/cycles/big/applications?stage=resident&amp;page=2" in first

    third = listed(client, "?stage=resident&page=3", slug="big")
    assert "Resident 4" in third and "Resident 0" not in third and "Fellow X" not in third


def test_odd_query_keys_do_not_break_page_links(app, client, admin, factory):
    app.config["PER_PAGE"] = 1
    cycle = factory.cycle(slug="odd")
    factory.application(cycle=cycle)
    factory.application(cycle=cycle)
    for query in ("?endpoint=x", "?slug=elsewhere&page=2", "?_external=1&page=9"):
        page = listed(client, query, slug="odd")
        assert "/admin/cycles/odd/applications?page=2" in page or "page=1" in page, query
        assert "elsewhere" not in page.split('aria-label="Pages"')[-1]


def test_applications_list_uses_a_fixed_number_of_statements(client, admin, factory):
    cycle = factory.cycle(slug="nplus")
    nominee = {"name": "Dr N", "email": "n@example.org", "institution": "U"}

    def statements():
        with count_statements() as counter:
            listed(client, "", slug="nplus")
        return counter["n"]

    factory.application(cycle=cycle, nominated=nominee)
    one = statements()
    for _ in range(5):
        factory.application(cycle=cycle, nominated=nominee, topics=["aml", "mds"])
    assert statements() == one


def test_application_page_shows_every_field_with_labels(client, admin, factory):
    application = factory.application(
        full_name="Ada Okafor",
        pronouns="she/her",
        career_stage="postdoc_early_faculty",
        topics=["sickle-cell-disease", "gene-therapy"],
        needs=["grant_writing"],
        requested_roles=["career"],
        meeting_format="either",
        languages=["es", "yo"],
        wants_same_region=True,
        nominated={"name": "Dr Nia Brown", "email": "nia@example.edu", "institution": "Emory"},
    )
    page = page_text(client.get(f"/admin/applications/{application.id}"))
    for text in [
        "Ada Okafor",
        "she/her",
        application.trainee.email,
        "Postdoc / early faculty",
        "Sickle cell disease",
        "Gene therapy",
        "Grant writing",
        "Career-development mentor",
        "Either",
        "Spanish; Yoruba",
        "Same region",
        "Howard University",
        "Washington, DC, United States",
        "America/New York",
        "sickle cell disease outcomes",
        "Dr Nia Brown",
        "nia@example.edu",
        "Verify research mentor",
    ]:
        assert text in page, text


def test_admin_marks_an_application_eligible_without_a_reason(client, admin, factory):
    application = factory.application(status="submitted")
    response = client.post(
        f"/admin/applications/{application.id}/eligibility",
        data={"decision": "eligible", "reason": ""},
        follow_redirects=True,
    )
    assert "Application marked eligible." in page_text(response)
    db.session.expire_all()
    assert application.status == "eligible"
    [event_row] = history(application)
    assert (event_row.from_state, event_row.to_state, event_row.actor_id) == (
        "submitted",
        "eligible",
        admin.id,
    )


def test_marking_ineligible_needs_a_reason(client, admin, factory):
    application = factory.application(status="submitted")
    response = client.post(
        f"/admin/applications/{application.id}/eligibility",
        data={"decision": "ineligible", "reason": " "},
    )
    assert response.status_code == 400
    page = page_text(response)
    assert (
        "Give a reason when marking an application ineligible."
        in page.split('id="reason-error"')[1]
    )
    db.session.expire_all()
    assert application.status == "submitted"
    assert history(application) == []


def test_admin_marks_an_application_ineligible_with_a_reason(client, admin, factory):
    application = factory.application(status="eligible")
    client.post(
        f"/admin/applications/{application.id}/eligibility",
        data={"decision": "ineligible", "reason": "Not enrolled in a US or Canadian program"},
    )
    db.session.expire_all()
    assert application.status == "ineligible"
    assert application.status_reason == "Not enrolled in a US or Canadian program"
    [event_row] = history(application)
    assert event_row.reason == "Not enrolled in a US or Canadian program"
    page = page_text(client.get(f"/admin/applications/{application.id}"))
    assert page.count("Not enrolled in a US or Canadian program") == 2  # decision and history


def test_eligibility_decision_validates_choice(client, admin, factory):
    application = factory.application(status="submitted")
    for data in ({}, {"decision": "maybe"}):
        response = client.post(f"/admin/applications/{application.id}/eligibility", data=data)
        assert response.status_code == 400
        assert 'id="decision-error"' in page_text(response)
    db.session.expire_all()
    assert application.status == "submitted"


@pytest.mark.parametrize("status", ["draft", "withdrawn"])
def test_eligibility_cannot_be_decided_before_submission(client, admin, factory, status):
    application = factory.application(status=status)
    page = page_text(client.get(f"/admin/applications/{application.id}"))
    assert "Record decision" not in page
    response = client.post(
        f"/admin/applications/{application.id}/eligibility",
        data={"decision": "eligible"},
        follow_redirects=True,
    )
    assert "Cannot change status" in page_text(response)
    db.session.expire_all()
    assert application.status == status


def test_admin_verifies_a_named_research_mentor(client, admin, factory):
    application = factory.application(
        nominated={"name": "Dr Nia Brown", "email": "nia@example.edu", "institution": "Emory"}
    )
    response = client.post(
        f"/admin/applications/{application.id}/verify-nominee", follow_redirects=True
    )
    page = page_text(response)
    assert "Research mentor Dr Nia Brown verified." in page
    assert "Verify research mentor" not in page
    assert "Yes, by admin@example.org" in page
    db.session.expire_all()
    nominee = application.nominated_mentor
    assert nominee.verified_by_id == admin.id
    assert nominee.verified_at is not None
    [row] = history(nominee)
    assert (row.action, row.actor_id) == ("verified", admin.id)

    again = client.post(
        f"/admin/applications/{application.id}/verify-nominee", follow_redirects=True
    )
    assert "already verified" in page_text(again)
    assert len(history(nominee)) == 1


# --- mentors ----------------------------------------------------------------------------------


@pytest.fixture
def mentors(factory, admin):
    cycle = factory.cycle(slug="cohort")
    people = {
        "amara": factory.mentor(
            cycle=cycle,
            full_name="Amara Nwosu",
            institution="Johns Hopkins University",
            topics=["sickle-cell-disease"],
            stages_accepted=["medical_student"],
            roles=("research",),
        ),
        "bruno": factory.mentor(
            cycle=cycle,
            full_name="Bruno Diaz",
            institution="Stanford University",
            topics=["aml", "gene-therapy"],
            stages_accepted=["resident", "fellow"],
            roles=("career",),
        ),
        "chen": factory.mentor(
            cycle=cycle,
            full_name="Chen Wu",
            institution="University of Michigan",
            topics=["gene-therapy"],
            stages_accepted=["postdoc_early_faculty"],
            roles=("research", "career"),
        ),
    }
    people["bruno"].offers[0].status = "paused"
    people["chen"].verify_membership(actor=admin)
    factory.mentor(full_name="Zara NotVolunteering")
    db.session.commit()
    return cycle, people


def mentor_names(page: str) -> set[str]:
    return {n for n in ("Amara", "Bruno", "Chen", "Zara") if f">{n} " in page}


def mentors_listed(client, query="") -> str:
    response = client.get(f"/admin/cycles/cohort/mentors{query}")
    assert response.status_code == 200
    return page_text(response)


def test_mentors_list_shows_the_cycles_volunteers(client, admin, mentors):
    page = mentors_listed(client)
    assert mentor_names(page) == {"Amara", "Bruno", "Chen"}
    assert "Gene therapy" in page and "Research mentor" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?topic=gene-therapy", {"Bruno", "Chen"}),
        ("?topic=sickle-cell-disease", {"Amara"}),
        ("?stage=resident", {"Bruno"}),
        ("?stage=medical_student", {"Amara"}),
        ("?role=career", {"Bruno", "Chen"}),
        ("?role=research", {"Amara", "Chen"}),
        ("?status=paused", {"Bruno"}),
        ("?status=active", {"Amara", "Chen"}),
        ("?verified=yes", {"Chen"}),
        ("?verified=no", {"Amara", "Bruno"}),
        ("?q=stanford", {"Bruno"}),
        ("?q=WU", {"Chen"}),
        ("?topic=gene-therapy&status=active", {"Chen"}),
        ("?verified=perhaps&role=astronaut", {"Amara", "Bruno", "Chen"}),
    ],
)
def test_mentors_list_filters_and_search(client, admin, mentors, query, expected):
    assert mentor_names(mentors_listed(client, query)) == expected


def test_mentors_search_finds_email(client, admin, mentors):
    _, people = mentors
    assert mentor_names(mentors_listed(client, f"?q={people['amara'].user.email}")) == {"Amara"}


def test_mentors_list_paginates_in_a_fixed_number_of_statements(app, client, admin, factory):
    app.config["PER_PAGE"] = 2
    cycle = factory.cycle(slug="cohort")

    def statements():
        with count_statements() as counter:
            mentors_listed(client)
        return counter["n"]

    factory.mentor(cycle=cycle)
    one = statements()
    for _ in range(4):
        factory.mentor(cycle=cycle)
    assert statements() == one
    page = mentors_listed(client, "?status=active&page=3")
    assert "page 3 of 3" in page
    assert "/admin/cycles/cohort/mentors?status=active&amp;page=2" in page


def test_mentor_page_shows_profile_offers_and_verifies_membership(client, admin, factory):
    cycle = factory.cycle(name="MRI 2026")
    profile = factory.mentor(
        cycle=cycle, full_name="Amara Nwosu", conflicts="Dr Someone\nHoward University"
    )
    page = page_text(client.get(f"/admin/mentors/{profile.id}"))
    for text in [
        "Amara Nwosu",
        profile.user.email,
        "Associate Professor",
        profile.ash_member_number,
        "not verified yet",
        "Verify ASH membership",
        "MRI 2026",
        "Sickle cell disease",
        "Dr Someone; Howard University",
    ]:
        assert text in page, text

    response = client.post(f"/admin/mentors/{profile.id}/verify-membership", follow_redirects=True)
    page = page_text(response)
    assert "ASH membership of Amara Nwosu verified." in page
    assert "verified by admin@example.org" in page
    assert "Verify ASH membership" not in page
    db.session.expire_all()
    assert profile.ash_verified_by_id == admin.id
    assert profile.ash_verified_at is not None
    [row] = history(profile)
    assert (row.action, row.actor_id, row.to_state) == ("ash_verified", admin.id, "verified")


def test_membership_without_a_number_cannot_be_verified(client, admin, factory):
    profile = factory.mentor(ash_member_number=None)
    response = client.post(f"/admin/mentors/{profile.id}/verify-membership", follow_redirects=True)
    assert "has not given an ASH membership number" in page_text(response)
    db.session.expire_all()
    assert profile.ash_verified_at is None
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == 0


def test_mentor_history_includes_offer_changes(client, admin, factory):
    cycle = factory.cycle()
    profile = factory.mentor(cycle=cycle)
    offer = db.session.scalar(db.select(MentorOffer).filter_by(mentor_id=profile.id))
    offer.pause(actor=profile.user, reason="On sabbatical")
    db.session.commit()
    page = page_text(client.get(f"/admin/mentors/{profile.id}"))
    assert "On sabbatical" in page and profile.user.email in page


# --- self-identification never appears -----------------------------------------------------


def test_self_identification_never_appears_on_admin_pages(client, admin, factory):
    cycle = factory.cycle(slug="private")
    application = factory.application(
        cycle=cycle, nominated={"name": "Dr N", "email": "n@example.org", "institution": "U"}
    )
    mentor = factory.mentor(cycle=cycle)
    for user in (application.trainee, mentor.user):
        db.session.add(
            SelfIdentification(
                user_id=user.id,
                race_ethnicity=["native_hawaiian_pacific_islander", "middle_eastern_north_african"],
                gender_identity="non_binary",
                first_generation="yes",
                disability="yes",
                lgbtq="yes",
                consent_use_for_matching=True,
            )
        )
    db.session.commit()
    secrets = [
        "native_hawaiian",
        "Native Hawaiian",
        "middle_eastern",
        "Middle Eastern",
        "non_binary",
        "Non-binary",
        "first_generation",
        "First-generation",
        "lgbtq",
        "LGBTQ",
        "Disability",
        "consent",
    ]
    urls = [
        "/admin/",
        f"/admin/cycles/{cycle.slug}",
        f"/admin/cycles/{cycle.slug}/applications",
        f"/admin/cycles/{cycle.slug}/applications?q=trainee",
        f"/admin/cycles/{cycle.slug}/mentors",
        f"/admin/applications/{application.id}",
        f"/admin/mentors/{mentor.id}",
    ]
    for url in urls:
        page = page_text(client.get(url))
        for secret in secrets:
            assert secret.lower() not in page.lower(), (url, secret)
