"""Trainees: dashboard, applications from draft to submission, withdrawing, and access rules."""

import re

import pytest
from conftest import PASSWORD

from mri_match.extensions import db
from mri_match.models import Application, NominatedMentor, history

STATEMENT = (
    "I want to study how sickle cell disease outcomes depend on access to care, "
    "and to learn laboratory methods for red cell biology."
)


def complete_answers(**overrides) -> dict:
    data = {
        "full_name": "Ada Okafor",
        "pronouns": "she/her",
        "career_stage": "medical_student",
        "institution": "Howard University",
        "city": "Washington",
        "region": "DC",
        "country": "United States",
        "timezone": "America/New_York",
        "track": "Medical student",
        "topics": ["sickle-cell-disease", "thalassemia"],
        "research_statement": STATEMENT,
        "needs": ["research", "career_development"],
        "requested_roles": ["research", "career"],
        "meeting_format": "virtual",
        "languages": ["en", "es"],
        "action": "submit",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def applications_in_db() -> list[Application]:
    return list(db.session.scalars(db.select(Application)))


def error_for(page: str, field: str) -> str:
    """The message shown beside a field (the element its aria-describedby points to)."""
    match = re.search(rf'<div id="{field}-error"[^>]*>(.*?)</div>', page, re.S)
    assert match, f"no error shown beside {field}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


@pytest.fixture
def trainee(factory, auth):
    user = factory.user("trainee")
    auth.login(user)
    return user


# --- dashboard ------------------------------------------------------------------------------


def test_dashboard_offers_open_cycles_with_start_link(client, factory, trainee):
    cycle = factory.cycle(name="Spring 2026")
    factory.cycle(name="Secret draft", status="draft")
    factory.cycle(name="Long closed", status="closed", closes_in_days=-5)
    page = client.get("/trainee/").get_data(as_text=True)
    assert "You have not started an application yet." in page
    assert "Spring 2026" in page
    assert f'href="/trainee/cycles/{cycle.slug}/apply"' in page
    assert "Secret draft" not in page
    assert "Long closed" not in page


def test_dashboard_says_when_no_cycle_is_open(client, trainee):
    page = client.get("/trainee/").get_data(as_text=True)
    assert "No cycle is open for applications right now." in page


def test_dashboard_lists_own_applications_with_status_and_deadline(client, factory, trainee):
    cycle = factory.cycle(name="Spring 2026")
    application = factory.application(cycle=cycle, trainee=trainee, status="draft")
    factory.application(cycle=cycle, full_name="Someone Else")
    page = client.get("/trainee/").get_data(as_text=True)
    assert "Spring 2026" in page
    assert "status-draft" in page and "Not submitted yet" in page
    assert cycle.closes_at.strftime("%d %B %Y") in page
    assert f"/trainee/applications/{application.id}/edit" in page
    assert "Someone Else" not in page
    assert f'href="/trainee/cycles/{cycle.slug}/apply"' not in page  # already applied


# --- starting and saving --------------------------------------------------------------------


def test_apply_page_shows_the_cycle_tracks_and_statement_rule(client, factory, trainee):
    cycle = factory.cycle(tracks=["Medical student", "Postbac scholar"])
    page = client.get(f"/trainee/cycles/{cycle.slug}/apply").get_data(as_text=True)
    assert page.count("<h1") == 1
    assert '<option value="Postbac scholar">' in page
    assert "Between 50 and 2,000 characters" in page
    assert "America/New York" in page
    assert "Save draft" in page and "Submit application" in page
    assert applications_in_db() == []  # looking at the form creates nothing


def test_draft_cycle_and_unknown_slug_answer_404(client, factory, trainee):
    cycle = factory.cycle(status="draft")
    assert client.get(f"/trainee/cycles/{cycle.slug}/apply").status_code == 404
    assert client.get("/trainee/cycles/no-such-cycle/apply").status_code == 404


def test_closed_cycle_cannot_be_applied_to(client, factory, trainee):
    cycle = factory.cycle(closes_in_days=-1)
    response = client.post(
        f"/trainee/cycles/{cycle.slug}/apply", data=complete_answers(), follow_redirects=True
    )
    assert "is not taking applications now" in response.get_data(as_text=True)
    assert applications_in_db() == []


def test_draft_saves_with_partial_answers(client, factory, trainee):
    cycle = factory.cycle()
    response = client.post(
        f"/trainee/cycles/{cycle.slug}/apply",
        data={"full_name": " Ada Okafor ", "topics": ["thalassemia"], "action": "draft"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Your draft is saved" in page
    [application] = applications_in_db()
    assert application.status == "draft"
    assert application.full_name == "Ada Okafor"
    assert application.topics == ["thalassemia"]
    assert application.career_stage is None and application.research_statement is None
    assert history(application) == []  # saving a draft is not a status change


def test_starting_again_returns_to_the_existing_application(client, factory, trainee):
    cycle = factory.cycle()
    application = factory.application(cycle=cycle, trainee=trainee, status="draft")
    response = client.get(f"/trainee/cycles/{cycle.slug}/apply")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/trainee/applications/{application.id}/edit")
    response = client.post(f"/trainee/cycles/{cycle.slug}/apply", data=complete_answers())
    assert response.headers["Location"].endswith(f"/trainee/applications/{application.id}/edit")
    assert len(applications_in_db()) == 1


def test_new_application_starts_from_the_last_one(client, factory, trainee):
    old = factory.cycle(name="2025", opens_in_days=-400, closes_in_days=-300, status="completed")
    factory.application(cycle=old, trainee=trainee, institution="Meharry Medical College")
    cycle = factory.cycle()
    page = client.get(f"/trainee/cycles/{cycle.slug}/apply").get_data(as_text=True)
    assert 'value="Meharry Medical College"' in page
    assert "We filled in answers from your last application" in page


def test_submit_complete_application(client, factory, trainee):
    cycle = factory.cycle()
    response = client.post(
        f"/trainee/cycles/{cycle.slug}/apply", data=complete_answers(), follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Your application is submitted" in page
    assert "status-submitted" in page
    [application] = applications_in_db()
    assert application.status == "submitted" and application.submitted_at is not None
    assert application.topics == ["sickle-cell-disease", "thalassemia"]
    assert application.requested_roles == ["research", "career"]
    assert application.languages == ["en", "es"]
    assert application.trainee_id == trainee.id
    [event] = history(application)
    assert (event.from_state, event.to_state, event.actor_id) == ("draft", "submitted", trainee.id)
    assert "Sickle cell disease" in page and "Spanish" in page  # labels, not codes


def test_submit_with_missing_answers_shows_messages_beside_fields_and_saves_nothing(
    client, factory, trainee
):
    cycle = factory.cycle()
    response = client.post(
        f"/trainee/cycles/{cycle.slug}/apply",
        data={"full_name": "Ada Okafor", "action": "submit"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert '<a href="#career_stage" class="alert-link">Choose your career stage.</a>' in page
    assert '<a href="#topics-0" class="alert-link">Choose at least one research topic.</a>' in page
    assert error_for(page, "career_stage") == "Choose your career stage."
    assert error_for(page, "institution") == "Enter your institution."
    assert error_for(page, "timezone") == "Choose your time zone."
    assert error_for(page, "track") == "Choose a program track."
    assert error_for(page, "topics") == "Choose at least one research topic."
    assert error_for(page, "research_statement") == "Write a research statement."
    assert error_for(page, "meeting_format") == "Choose how you would like to meet."
    assert "Choose at least one mentor role" in error_for(page, "requested_roles")
    assert 'aria-describedby="career_stage-help career_stage-error"' in page
    assert 'value="Ada Okafor"' in page  # what was typed is kept
    assert applications_in_db() == []


@pytest.mark.parametrize(
    ("statement", "action", "message"),
    [
        ("Too short.", "submit", "Write at least 50 characters (it has 10)."),
        ("x" * 2001, "submit", "Keep your statement to 2,000 characters or fewer (it has 2,001)."),
        ("x" * 2001, "draft", "Keep your statement to 2,000 characters or fewer (it has 2,001)."),
    ],
)
def test_statement_length_rules(client, factory, trainee, statement, action, message):
    cycle = factory.cycle()
    data = complete_answers(research_statement=statement, action=action)
    page = client.post(f"/trainee/cycles/{cycle.slug}/apply", data=data).get_data(as_text=True)
    assert error_for(page, "research_statement") == message
    assert applications_in_db() == []


def test_statement_line_breaks_count_once(client, factory, trainee):
    cycle = factory.cycle()
    statement = "\r\n".join(["y" * 99] * 20) + "y"  # 2,000 characters in the browser
    data = complete_answers(research_statement=statement)
    client.post(f"/trainee/cycles/{cycle.slug}/apply", data=data)
    [application] = applications_in_db()
    assert len(application.research_statement) == 2000


def test_short_statement_may_be_saved_as_draft(client, factory, trainee):
    cycle = factory.cycle()
    data = complete_answers(research_statement="Started.", action="draft")
    client.post(f"/trainee/cycles/{cycle.slug}/apply", data=data)
    [application] = applications_in_db()
    assert application.status == "draft" and application.research_statement == "Started."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("career_stage", "bogus", "Choose one of the options listed."),
        ("timezone", "Mars/Olympus_Mons", "Choose one of the options listed."),
        ("track", "Astronaut", "Choose one of the options listed."),
        ("meeting_format", "telepathy", "Choose one of the options listed."),
        ("topics", ["bogus"], "Choose only from the options listed."),
        ("needs", ["sleep"], "Choose only from the options listed."),
        ("requested_roles", ["boss"], "Choose only from the options listed."),
        ("languages", ["klingon"], "Choose only from the options listed."),
        ("nominee_email", "not an email", "Enter a valid email address"),
        ("full_name", "x" * 121, "A name has at most 120 characters."),
    ],
)
@pytest.mark.parametrize("action", ["draft", "submit"])
def test_wrong_values_get_a_message_not_an_error_page(
    client, factory, trainee, field, value, message, action
):
    cycle = factory.cycle()
    data = complete_answers(**{field: value, "action": action})
    response = client.post(f"/trainee/cycles/{cycle.slug}/apply", data=data)
    assert response.status_code == 200
    assert message in error_for(response.get_data(as_text=True), field)
    assert applications_in_db() == []


def test_at_most_five_topics(client, factory, trainee):
    cycle = factory.cycle()
    topics = ["sickle-cell-disease", "thalassemia", "anemia-iron", "hemophilia", "thrombosis"]
    data = complete_answers(topics=[*topics, "hemostasis"], action="draft")
    page = client.post(f"/trainee/cycles/{cycle.slug}/apply", data=data).get_data(as_text=True)
    assert error_for(page, "topics") == "Choose at most 5 topics."
    client.post(f"/trainee/cycles/{cycle.slug}/apply", data=complete_answers(topics=topics))
    assert len(applications_in_db()[0].topics) == 5


# --- a research mentor the trainee already has ----------------------------------------------


def nominee_answers(**overrides):
    nominee = {
        "has_research_mentor": "y",
        "requested_roles": ["career"],
        "nominee_name": "Dr Grace Mensah",
        "nominee_email": "Grace.Mensah@Example.edu",
        "nominee_institution": "Emory University",
    }
    return complete_answers(**{**nominee, **overrides})


def test_nominated_mentor_needs_name_email_and_institution(client, factory, trainee):
    cycle = factory.cycle()
    data = nominee_answers(nominee_name="", nominee_email="", nominee_institution="")
    page = client.post(f"/trainee/cycles/{cycle.slug}/apply", data=data).get_data(as_text=True)
    assert error_for(page, "nominee_name") == "Enter your research mentor’s name."
    assert error_for(page, "nominee_email") == "Enter your research mentor’s email address."
    assert error_for(page, "nominee_institution") == "Enter your research mentor’s institution."
    assert applications_in_db() == []


def test_nominated_mentor_and_research_mentor_request_conflict(client, factory, trainee):
    cycle = factory.cycle()
    data = nominee_answers(requested_roles=["research", "career"])
    page = client.post(f"/trainee/cycles/{cycle.slug}/apply", data=data).get_data(as_text=True)
    assert "do not also request one" in error_for(page, "requested_roles")
    assert applications_in_db() == []


def test_nominated_mentor_replaces_a_role_request(client, factory, trainee):
    cycle = factory.cycle()
    data = nominee_answers(requested_roles=[])
    page = client.post(
        f"/trainee/cycles/{cycle.slug}/apply", data=data, follow_redirects=True
    ).get_data(as_text=True)
    [application] = applications_in_db()
    assert application.status == "submitted"
    assert application.has_research_mentor and application.requested_roles == []
    nominee = application.nominated_mentor
    assert (nominee.name, nominee.email, nominee.institution) == (
        "Dr Grace Mensah",
        "grace.mensah@example.edu",
        "Emory University",
    )
    assert "Dr Grace Mensah" in page and "Not verified yet" in page


def test_changing_a_verified_nominee_needs_verifying_again(client, factory, trainee):
    admin = factory.user("admin")
    application = factory.application(
        trainee=trainee,
        has_research_mentor=True,
        requested_roles=["career"],
        nominated={"name": "Dr Grace Mensah", "email": "g@example.edu", "institution": "Emory"},
    )
    application.nominated_mentor.verify(actor=admin)
    db.session.commit()
    edit = f"/trainee/applications/{application.id}/edit"

    unchanged = nominee_answers(
        nominee_email="g@example.edu", nominee_institution="Emory", action="save"
    )
    client.post(edit, data=unchanged)
    db.session.expire_all()
    assert application.nominated_mentor.verified_at is not None  # same details: still verified

    client.post(edit, data={**unchanged, "nominee_institution": "Morehouse School of Medicine"})
    db.session.expire_all()
    nominee = application.nominated_mentor
    assert nominee.institution == "Morehouse School of Medicine"
    assert nominee.verified_at is None and nominee.verified_by_id is None
    assert [e.action for e in history(nominee)] == ["verified", "verification_reset"]


def test_unticking_the_box_removes_the_nominee(client, factory, trainee):
    application = factory.application(
        trainee=trainee,
        has_research_mentor=True,
        requested_roles=["career"],
        nominated={"name": "Dr Grace Mensah", "email": "g@example.edu", "institution": "Emory"},
    )
    client.post(f"/trainee/applications/{application.id}/edit", data=complete_answers())
    db.session.expire_all()
    assert application.has_research_mentor is False
    assert db.session.scalars(db.select(NominatedMentor)).all() == []


# --- editing until the deadline -------------------------------------------------------------


def test_submitted_application_edited_stays_submitted(client, factory, trainee):
    application = factory.application(trainee=trainee)
    edit = f"/trainee/applications/{application.id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert "Save changes" in page and "Save draft" not in page
    response = client.post(edit, data=complete_answers(city="Atlanta", action="save"))
    assert response.status_code == 302
    db.session.expire_all()
    assert application.status == "submitted" and application.city == "Atlanta"


def test_submitted_application_is_checked_in_full_when_edited(client, factory, trainee):
    application = factory.application(trainee=trainee)
    edit = f"/trainee/applications/{application.id}/edit"
    data = complete_answers(city="", research_statement="Short.", action="draft")
    page = client.post(edit, data=data).get_data(as_text=True)
    assert error_for(page, "city") == "Enter your city."
    assert "Write at least 50 characters" in error_for(page, "research_statement")
    db.session.expire_all()
    assert application.city == "Washington"  # nothing half-saved
    assert application.status == "submitted"


def test_draft_can_be_completed_and_submitted_from_the_form(client, factory, trainee):
    application = factory.application(trainee=trainee, status="draft")
    client.post(f"/trainee/applications/{application.id}/edit", data=complete_answers())
    db.session.expire_all()
    assert application.status == "submitted"


def test_submit_button_on_a_complete_draft(client, factory, trainee):
    application = factory.application(trainee=trainee, status="draft")
    page = client.get(f"/trainee/applications/{application.id}").get_data(as_text=True)
    assert "This is a draft: it is not submitted yet." in page
    response = client.post(f"/trainee/applications/{application.id}/submit")
    assert response.status_code == 302
    db.session.expire_all()
    assert application.status == "submitted"


def test_submit_button_on_an_incomplete_draft_shows_what_is_missing(client, factory, trainee):
    application = factory.application(
        trainee=trainee, status="draft", career_stage=None, research_statement=None
    )
    response = client.post(f"/trainee/applications/{application.id}/submit")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert error_for(page, "career_stage") == "Choose your career stage."
    assert error_for(page, "research_statement") == "Write a research statement."
    assert f'action="/trainee/applications/{application.id}/edit"' in page
    db.session.expire_all()
    assert application.status == "draft"


def test_no_editing_after_the_deadline(client, factory, trainee):
    cycle = factory.cycle(closes_in_days=-1, status="closed")
    application = factory.application(cycle=cycle, trainee=trainee)
    edit = f"/trainee/applications/{application.id}/edit"
    response = client.get(edit, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Applications for this cycle are closed" in page
    assert edit not in page  # no edit link on the read-only page
    client.post(edit, data=complete_answers(city="Atlanta", action="save"))
    db.session.expire_all()
    assert application.city == "Washington"


def test_draft_cannot_be_submitted_after_the_deadline(client, factory, trainee):
    cycle = factory.cycle(closes_in_days=-1)
    application = factory.application(cycle=cycle, trainee=trainee, status="draft")
    response = client.post(f"/trainee/applications/{application.id}/submit", follow_redirects=True)
    assert "Applications for this cycle are closed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert application.status == "draft"


@pytest.mark.parametrize("eligible", [True, False])
def test_decided_application_is_read_only_and_shows_the_reason(client, factory, trainee, eligible):
    admin = factory.user("admin")
    application = factory.application(trainee=trainee)
    application.decide_eligibility(eligible, actor=admin, reason="Checked against the track rules")
    db.session.commit()
    page = client.get(f"/trainee/applications/{application.id}").get_data(as_text=True)
    assert "An administrator has reviewed this application" in page
    assert "Checked against the track rules" in page
    assert "(by program staff)" in page
    assert admin.email not in page
    response = client.get(f"/trainee/applications/{application.id}/edit")
    assert response.status_code == 302


# --- withdrawing and reopening --------------------------------------------------------------


def test_withdraw_with_reason_then_reopen(client, factory, trainee):
    application = factory.application(trainee=trainee)
    response = client.post(
        f"/trainee/applications/{application.id}/withdraw",
        data={"reason": "I found a mentor at my school."},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Your application is withdrawn" in page
    assert "status-withdrawn" in page and "Reopen application" in page
    db.session.expire_all()
    assert application.status == "withdrawn"

    client.post(f"/trainee/applications/{application.id}/reopen")
    db.session.expire_all()
    assert application.status == "draft"
    events = [(e.from_state, e.to_state, e.reason) for e in history(application)]
    assert events == [
        ("submitted", "withdrawn", "I found a mentor at my school."),
        ("withdrawn", "draft", None),
    ]
    page = client.get(f"/trainee/applications/{application.id}").get_data(as_text=True)
    assert "I found a mentor at my school." in page  # history is shown


def test_withdrawing_twice_is_a_message_not_an_error(client, factory, trainee):
    application = factory.application(trainee=trainee, status="withdrawn")
    response = client.post(
        f"/trainee/applications/{application.id}/withdraw", follow_redirects=True
    )
    assert response.status_code == 200
    assert "cannot be withdrawn now" in response.get_data(as_text=True)


def test_reopening_needs_a_withdrawn_application_and_an_open_cycle(client, factory, trainee):
    application = factory.application(trainee=trainee)
    response = client.post(f"/trainee/applications/{application.id}/reopen", follow_redirects=True)
    assert "Only a withdrawn application can be reopened." in response.get_data(as_text=True)

    closed = factory.cycle(closes_in_days=-1)
    late = factory.application(cycle=closed, trainee=trainee, status="withdrawn")
    response = client.post(f"/trainee/applications/{late.id}/reopen", follow_redirects=True)
    assert "cannot be reopened" in response.get_data(as_text=True)
    db.session.expire_all()
    assert late.status == "withdrawn"


def test_withdraw_reason_too_long(client, factory, trainee):
    application = factory.application(trainee=trainee)
    response = client.post(
        f"/trainee/applications/{application.id}/withdraw",
        data={"reason": "x" * 1001},
        follow_redirects=True,
    )
    assert "A reason has at most 1,000 characters." in response.get_data(as_text=True)
    db.session.expire_all()
    assert application.status == "submitted"


# --- who may see what -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("get", "/edit"), ("post", "/edit"), ("post", "/submit"), ("post", "/withdraw")],
)
def test_trainee_cannot_reach_another_trainees_application(
    client, factory, trainee, method, suffix
):
    other = factory.application(full_name="Someone Else", status="draft")
    response = getattr(client, method)(f"/trainee/applications/{other.id}{suffix}")
    assert response.status_code == 404
    assert "Someone Else" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert other.status == "draft"


def test_missing_application_answers_404(client, trainee):
    assert client.get("/trainee/applications/999999").status_code == 404


@pytest.mark.parametrize("role", ["mentor", "admin"])
def test_other_roles_cannot_use_trainee_pages(client, factory, auth, role):
    cycle = factory.cycle()
    application = factory.application(cycle=cycle)
    auth.login(factory.user(role))
    assert client.get("/trainee/").status_code == 403
    assert client.get(f"/trainee/cycles/{cycle.slug}/apply").status_code == 403
    assert client.get(f"/trainee/applications/{application.id}").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, factory):
    application = factory.application()
    for url in ("/trainee/", f"/trainee/applications/{application.id}"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]


def page_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_buttons_refuse_a_missing_csrf_token(make_app, factory):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        application = factory.application()
        submitted_id, email = application.id, application.trainee.email
        draft_id = factory.application(trainee=application.trainee, status="draft", city=None).id
    # Requests run outside that context, so each has its own `g` (and CSRF token), as in life.
    client = app.test_client()
    token = page_token(client.get("/auth/login").get_data(as_text=True))
    client.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token})

    response = client.post(f"/trainee/applications/{submitted_id}/withdraw")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Application, submitted_id).status == "submitted"

    # After a failed "Submit", the form shown carries a working token.
    token = page_token(client.get(f"/trainee/applications/{draft_id}").get_data(as_text=True))
    response = client.post(f"/trainee/applications/{draft_id}/submit", data={"csrf_token": token})
    page = response.get_data(as_text=True)
    assert error_for(page, "city") == "Enter your city."
    data = complete_answers(csrf_token=page_token(page))
    response = client.post(f"/trainee/applications/{draft_id}/edit", data=data)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Application, draft_id).status == "submitted"


def test_cycle_without_tracks_does_not_ask_for_one(client, factory, trainee):
    cycle = factory.cycle(tracks=[])
    client.post(f"/trainee/cycles/{cycle.slug}/apply", data=complete_answers(track=None))
    [application] = applications_in_db()
    assert application.status == "submitted" and application.track is None
