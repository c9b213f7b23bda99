"""Mentors: profile, volunteering per cycle, pause and resume, and who may see what."""

import re

import pytest
from conftest import register_and_confirm

from mri_match.extensions import db
from mri_match.models import MentorOffer, MentorProfile, history, utcnow

STATEMENT = (
    "I study sickle cell disease and fetal hemoglobin induction, and I enjoy helping "
    "trainees plan their first translational project."
)


def profile_data(**overrides):
    data = {
        "full_name": "Dr Ada Okafor",
        "degrees": "MD, PhD",
        "position": "Associate Professor",
        "institution": "Emory University",
        "city": "Atlanta",
        "region": "GA",
        "country": "United States",
        "timezone": "America/New_York",
        "ash_member_number": "123456",
        "topics": ["sickle-cell-disease", "gene-therapy"],
        "expertise_statement": STATEMENT,
        "publications": "Fetal hemoglobin induction in sickle cell disease.",
        "stages_accepted": ["medical_student", "resident"],
        "needs_offered": ["research", "identity"],
        "meeting_formats": ["virtual"],
        "languages": ["en", "fr"],
        "conflicts": "Jane Roe\n\n  Morehouse School of Medicine  \nJane Roe\n",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def error_for(page: str, field: str) -> str:
    """The error text tied to a field with aria-describedby, or '' if there is none."""
    assert re.search(rf'aria-describedby="[^"]*{field}-error', page), f"{field} has no error"
    match = re.search(rf'<div id="{field}-error"[^>]*>(.*?)</div>', page, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)).strip() if match else ""


def own_profile(user):
    db.session.expire_all()
    return MentorProfile.of_user(user)


@pytest.fixture
def mentor_user(factory, auth):
    user = factory.user("mentor")
    auth.login(user)
    return user


@pytest.fixture
def mentor(factory, auth):
    """A signed-in mentor with a profile and no offers."""
    profile = factory.mentor()
    auth.login(profile.user)
    return profile


# --- profile ----------------------------------------------------------------------------------


def test_registering_mentor_lands_on_profile_form(client, outbox):
    response = register_and_confirm(client, outbox, "new.mentor@example.org", role="mentor")
    assert response.headers["Location"].endswith("/mentor/profile")
    page = client.get("/mentor/profile").get_data(as_text=True)
    assert "<h1>Volunteer as a mentor</h1>" in page


def test_mentor_creates_profile(client, mentor_user):
    response = client.post("/mentor/profile", data=profile_data(), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your mentor profile is saved" in page
    assert "123456: awaiting verification" in page
    profile = own_profile(mentor_user)
    assert profile.full_name == "Dr Ada Okafor"
    assert profile.topics == ["gene-therapy", "sickle-cell-disease"]
    assert profile.languages == ["en", "fr"]
    assert profile.needs_offered == ["research", "identity"]
    assert "Can help with" in page and "Navigating identity in medicine" in page
    assert profile.conflict_list() == ["Jane Roe", "Morehouse School of Medicine"]
    assert profile.ash_verified is False


def test_mentor_edits_profile(client, mentor):
    page = client.get("/mentor/profile").get_data(as_text=True)
    assert mentor.full_name in page
    response = client.post(
        "/mentor/profile",
        data=profile_data(
            full_name="Dr Renamed",
            ash_member_number=mentor.ash_member_number,
            topics=["aml"],
            publications="",
        ),
    )
    assert response.status_code == 302
    profile = own_profile(mentor.user)
    assert profile.id == mentor.id
    assert profile.full_name == "Dr Renamed"
    assert profile.topics == ["aml"]
    assert profile.publications is None


def test_a_mentor_who_has_not_said_what_they_offer_is_asked_to(client, mentor):
    """Mentors from before the question have it unanswered: the dashboard says so, the
    form asks it and does not save without an answer."""
    mentor.needs_offered = None
    db.session.commit()
    page = client.get("/mentor/").get_data(as_text=True)
    assert "Not stated yet" in page
    form = client.get("/mentor/profile").get_data(as_text=True)
    assert "What you can help trainees with" in form
    response = client.post(
        "/mentor/profile",
        data=profile_data(ash_member_number=mentor.ash_member_number, needs_offered=None),
    )
    assert "Choose at least one thing you can help with." in response.get_data(as_text=True)
    assert own_profile(mentor.user).needs_offered is None
    client.post(
        "/mentor/profile",
        data=profile_data(ash_member_number=mentor.ash_member_number, needs_offered=["clinical"]),
    )
    assert own_profile(mentor.user).needs_offered == ["clinical"]


def test_changing_member_number_resets_verification(client, mentor, factory):
    admin = factory.user("admin")
    mentor.verify_membership(actor=admin)
    db.session.commit()
    assert "verified by an admin" in client.get("/mentor/profile").get_data(as_text=True)

    same = profile_data(ash_member_number=mentor.ash_member_number)
    client.post("/mentor/profile", data=same)
    assert own_profile(mentor.user).ash_verified is True

    response = client.post(
        "/mentor/profile", data=profile_data(ash_member_number="999999"), follow_redirects=True
    )
    assert "An admin will verify your ASH membership number" in response.get_data(as_text=True)
    profile = own_profile(mentor.user)
    assert profile.ash_member_number == "999999"
    assert profile.ash_verified is False
    assert "awaiting verification" in client.get("/mentor/profile").get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("full_name", "", "Enter your name."),
        ("full_name", "x" * 121, "at most 120"),
        ("institution", "   ", "Enter your institution."),
        ("country", None, "Enter your country."),
        ("timezone", "", "Choose your time zone."),
        ("timezone", "Mars/Olympus_Mons", "Choose one of the options listed."),
        ("ash_member_number", "12 34<script>", "letters, digits and hyphens"),
        ("topics", None, "Choose at least one topic."),
        ("topics", ["not-a-topic"], "Choose only from the options listed."),
        ("expertise_statement", "", "Describe your expertise."),
        ("expertise_statement", "Too short.", "between 50 and 2,000"),
        ("expertise_statement", "x" * 2001, "between 50 and 2,000"),
        ("publications", "x" * 10_001, "at most 10,000"),
        ("stages_accepted", None, "Choose at least one career stage."),
        ("stages_accepted", ["professor"], "Choose only from the options listed."),
        ("needs_offered", None, "Choose at least one thing you can help with."),
        ("needs_offered", ["sleep"], "Choose only from the options listed."),
        ("meeting_formats", None, "Choose at least one meeting format."),
        ("meeting_formats", ["carrier-pigeon"], "Choose only from the options listed."),
        ("languages", ["klingon"], "Choose only from the options listed."),
        ("conflicts", "x" * 2001, "at most 2,000"),
        ("conflicts", "\n".join(f"Person {i}" for i in range(51)), "at most 50"),
    ],
)
def test_profile_validation_shows_message_beside_field_and_saves_nothing(
    client, mentor_user, field, value, message
):
    response = client.post("/mentor/profile", data=profile_data(**{field: value}))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in error_for(page, field)
    assert own_profile(mentor_user) is None


def test_profile_edit_with_errors_keeps_old_values(client, mentor):
    old = mentor.expertise_statement
    response = client.post("/mentor/profile", data=profile_data(expertise_statement="short"))
    assert response.status_code == 200
    assert own_profile(mentor.user).expertise_statement == old


def test_publications_up_to_ten_thousand_characters_are_kept(client, mentor_user):
    text = "A title. " * 1111  # 9,999 characters
    client.post("/mentor/profile", data=profile_data(publications=text))
    assert own_profile(mentor_user).publications == text.strip()


# --- volunteering -----------------------------------------------------------------------------


def test_volunteering_needs_a_profile_first(client, mentor_user, factory):
    cycle = factory.cycle()
    response = client.get(f"/mentor/cycles/{cycle.slug}/offer", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Please fill in your mentor profile before volunteering" in page
    assert response.request.path == "/mentor/profile"


def test_mentor_volunteers_for_open_cycle(client, mentor, factory):
    cycle = factory.cycle(name="MRI 2027")
    page = client.get("/mentor/").get_data(as_text=True)
    assert "Volunteer for this cycle" in page
    assert f"/mentor/cycles/{cycle.slug}/offer" in page

    response = client.post(
        f"/mentor/cycles/{cycle.slug}/offer",
        data={"capacity": "3", "roles": ["research", "career"]},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Thank you for volunteering for MRI 2027" in page
    assert "Research mentor, Career-development mentor" in page
    offer = db.session.scalar(db.select(MentorOffer).filter_by(mentor_id=mentor.id))
    assert (offer.cycle_id, offer.capacity, offer.roles, offer.status) == (
        cycle.id,
        3,
        ["research", "career"],
        "active",
    )


def test_mentor_edits_offer_while_cycle_is_closed(client, factory, auth):
    cycle = factory.cycle(status="closed")
    mentor = factory.mentor(cycle=cycle, capacity=2)
    auth.login(mentor.user)
    assert 'value="2"' in client.get(f"/mentor/cycles/{cycle.slug}/offer").get_data(as_text=True)
    response = client.post(
        f"/mentor/cycles/{cycle.slug}/offer", data={"capacity": "0", "roles": ["career"]}
    )
    assert response.status_code == 302
    db.session.expire_all()
    offer = mentor.offers[0]
    assert (offer.capacity, offer.roles) == (0, ["career"])
    assert len(mentor.offers) == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"capacity": "6", "roles": ["research"]}, "capacity", "whole number from 0 to 5"),
        ({"capacity": "-1", "roles": ["research"]}, "capacity", "whole number from 0 to 5"),
        ({"capacity": "abc", "roles": ["research"]}, "capacity", "whole number from 0 to 5"),
        ({"capacity": "2.5", "roles": ["research"]}, "capacity", "whole number from 0 to 5"),
        ({"capacity": "", "roles": ["research"]}, "capacity", "whole number from 0 to 5"),
        ({"capacity": "2"}, "roles", "Choose at least one mentor role."),
        ({"capacity": "2", "roles": ["guru"]}, "roles", "Choose only from the options listed."),
    ],
)
def test_offer_validation_shows_message_beside_field_and_saves_nothing(
    client, mentor, factory, data, field, message
):
    cycle = factory.cycle()
    response = client.post(f"/mentor/cycles/{cycle.slug}/offer", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    error = error_for(page, field)
    assert message in error
    assert error.count(".") == 1  # one clear message, not a pile
    assert db.session.scalar(db.select(db.func.count(MentorOffer.id))) == 0


def test_cycles_in_draft_or_matching_are_not_offered(client, mentor, factory):
    draft = factory.cycle(status="draft", name="Draft cycle")
    matching = factory.cycle(status="matching", name="Matching cycle")
    completed = factory.cycle(status="completed", name="Completed cycle")
    page = client.get("/mentor/").get_data(as_text=True)
    assert "No cycle is looking for volunteers right now" in page
    for cycle in (draft, matching, completed):
        assert cycle.name not in page
    assert client.get(f"/mentor/cycles/{draft.slug}/offer").status_code == 404
    assert client.get("/mentor/cycles/no-such-cycle/offer").status_code == 404
    for cycle in (matching, completed):
        response = client.post(
            f"/mentor/cycles/{cycle.slug}/offer",
            data={"capacity": "1", "roles": ["research"]},
            follow_redirects=True,
        )
        assert "no longer taking volunteers" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(MentorOffer.id))) == 0


def test_offer_in_matching_cycle_is_shown_but_not_editable(client, factory, auth):
    cycle = factory.cycle(status="matching", name="Matching now")
    mentor = factory.mentor(cycle=cycle)
    auth.login(mentor.user)
    page = client.get("/mentor/").get_data(as_text=True)
    assert "Matching now" in page
    assert f"/mentor/cycles/{cycle.slug}/offer" not in page
    assert "/pause" not in page


def test_mentor_pauses_and_resumes_with_audit_history(client, factory, auth):
    cycle = factory.cycle(name="MRI 2027")
    mentor = factory.mentor(cycle=cycle)
    offer = mentor.offers[0]
    auth.login(mentor.user)

    assert client.get(f"/mentor/offers/{offer.id}/pause").status_code == 200
    response = client.post(
        f"/mentor/offers/{offer.id}/pause",
        data={"reason": "On sabbatical this spring"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "is paused" in page
    assert "Resume volunteering" in page
    db.session.expire_all()
    assert offer.status == "paused"

    response = client.post(f"/mentor/offers/{offer.id}/resume", follow_redirects=True)
    assert "active again" in response.get_data(as_text=True)
    db.session.expire_all()
    assert offer.status == "active"

    events = history(offer)
    assert [(e.from_state, e.to_state) for e in events] == [
        ("active", "paused"),
        ("paused", "active"),
    ]
    assert events[0].reason == "On sabbatical this spring"
    assert {e.actor_id for e in events} == {mentor.user_id}


def test_pausing_twice_or_resuming_an_active_offer_is_refused_gently(client, factory, auth):
    cycle = factory.cycle()
    mentor = factory.mentor(cycle=cycle)
    offer = mentor.offers[0]
    auth.login(mentor.user)
    response = client.post(f"/mentor/offers/{offer.id}/resume", follow_redirects=True)
    assert "already active" in response.get_data(as_text=True)
    client.post(f"/mentor/offers/{offer.id}/pause", data={})
    response = client.post(f"/mentor/offers/{offer.id}/pause", follow_redirects=True)
    assert "already paused" in response.get_data(as_text=True)
    assert len(history(offer)) == 1


def test_pause_reason_too_long_is_refused(client, factory, auth):
    cycle = factory.cycle()
    mentor = factory.mentor(cycle=cycle)
    offer = mentor.offers[0]
    auth.login(mentor.user)
    response = client.post(f"/mentor/offers/{offer.id}/pause", data={"reason": "x" * 501})
    assert response.status_code == 200
    assert "at most 500" in error_for(response.get_data(as_text=True), "reason")
    db.session.expire_all()
    assert offer.status == "active"
    assert history(offer) == []


def test_another_mentors_offer_answers_404(client, factory, auth):
    cycle = factory.cycle()
    theirs = factory.mentor(cycle=cycle).offers[0]
    me = factory.mentor()
    auth.login(me.user)
    assert client.get(f"/mentor/offers/{theirs.id}/pause").status_code == 404
    assert client.post(f"/mentor/offers/{theirs.id}/pause").status_code == 404
    assert client.post(f"/mentor/offers/{theirs.id}/resume").status_code == 404
    assert client.post("/mentor/offers/999999/resume").status_code == 404
    db.session.expire_all()
    assert theirs.status == "active"


# --- access -----------------------------------------------------------------------------------

MENTOR_PAGES = ["/mentor/", "/mentor/profile"]


@pytest.mark.parametrize("path", MENTOR_PAGES)
def test_anonymous_visitor_is_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["trainee", "admin"])
def test_other_roles_cannot_use_mentor_pages(client, factory, auth, role):
    cycle = factory.cycle()
    offer = factory.mentor(cycle=cycle).offers[0]
    auth.login(factory.user(role))
    for path in [*MENTOR_PAGES, f"/mentor/cycles/{cycle.slug}/offer"]:
        assert client.get(path).status_code == 403
    assert client.post(f"/mentor/offers/{offer.id}/pause").status_code == 403
    assert client.post(f"/mentor/offers/{offer.id}/resume").status_code == 403


def test_mentor_dashboard_shows_no_trainee_data(client, factory, auth):
    cycle = factory.cycle()
    factory.application(cycle=cycle, full_name="Trainee Secret Name")
    mentor = factory.mentor(cycle=cycle)
    auth.login(mentor.user)
    page = client.get("/mentor/").get_data(as_text=True)
    assert "Trainee Secret Name" not in page
    assert "Once a cycle's matching is confirmed" in page


def test_dashboard_empty_state_invites_profile(client, mentor_user, factory):
    factory.cycle(name="Open cycle")
    page = client.get("/mentor/").get_data(as_text=True)
    assert "You have not filled in your mentor profile yet" in page
    assert "You are not volunteering in any cycle yet" in page
    assert "Open cycle" in page
    assert "Volunteer for this cycle" not in page


def test_profile_shows_verified_state_on_dashboard(client, mentor, factory):
    mentor.ash_verified_at = utcnow()
    db.session.commit()
    page = client.get("/mentor/").get_data(as_text=True)
    assert f"{mentor.ash_member_number}: verified by an admin" in page


def test_every_field_a_mentor_enters_is_asked_imported_and_downloadable(app):
    """MentorProfile.ENTERED_FIELDS is the one list: the form saves them, an import file has a
    column for each, and the person's data download shows them."""
    from mri_match.bulk.columns import mentor_columns
    from mri_match.mentor.forms import MentorProfileForm
    from mri_match.privacy.personal_data import PROFILE_FIELDS

    entered = set(MentorProfile.ENTERED_FIELDS)
    own_rules = {"topics", "conflicts", "ash_member_number"}
    with app.test_request_context():
        asked = set(MentorProfileForm()._fields) - {"submit", "csrf_token"}
    assert asked == entered | own_rules
    assert entered | own_rules <= {c.name for c in mentor_columns()}
    assert entered | {"conflicts", "ash_member_number"} <= set(PROFILE_FIELDS)
