"""A new mentor's first steps, and what a matched pair reads about why they were matched."""

import re

import pytest
from test_authorization_matrix import _client_as
from test_mentor import profile_data

from mri_match.extensions import db
from mri_match.matches import decisions, runs
from mri_match.matches.decisions import Pairing
from mri_match.matches.notify import notify_match
from mri_match.models import MentorOffer, Proposal


def test_saving_a_new_profile_goes_straight_on_to_volunteering(app, factory):
    cycle = factory.cycle(status="open", name="MRI 2027")
    mentor = factory.user("mentor")
    client = _client_as(app, mentor.id)
    page = client.get("/mentor/profile").get_data(as_text=True)
    assert "Step 1 of 2" in page and "MRI 2027" in page

    response = client.post("/mentor/profile", data=profile_data())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/mentor/cycles/{cycle.slug}/offer?step=2")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your mentor profile is saved" in page
    assert "<h1>Volunteer for MRI 2027</h1>" in page and "Step 2 of 2" in page
    assert "Not now" in page

    client.post(f"/mentor/cycles/{cycle.slug}/offer", data={"capacity": "2", "roles": "career"})
    assert db.session.scalar(db.select(MentorOffer.capacity)) == 2


def test_saving_a_profile_with_nothing_to_volunteer_for_goes_to_the_dashboard(app, factory):
    mentor = factory.user("mentor")
    client = _client_as(app, mentor.id)
    assert "Step 1 of 2" not in client.get("/mentor/profile").get_data(as_text=True)
    response = client.post("/mentor/profile", data=profile_data())
    assert response.headers["Location"].endswith("/mentor/")


def test_editing_a_profile_already_volunteering_goes_back_to_the_dashboard(app, factory):
    cycle = factory.cycle(status="open")
    mentor = factory.mentor(cycle=cycle)
    response = _client_as(app, mentor.user_id).post("/mentor/profile", data=profile_data())
    assert response.headers["Location"].endswith("/mentor/")


RESEARCH = {
    "role": "research",
    "objective": "total",
    "same_institution": "ignore",
    "must_have": [],
    "min_score": 0.0,
    "weights": {"text": 5, "topics": 4, "needs": 3, "meeting": 2, "languages": 2, "timezone": 1},
}


@pytest.fixture
def matched(app, factory):
    """A confirmed match made from a real run, as the admin's confirmation makes it."""
    cycle = factory.cycle(status="closed", closes_in_days=-1)
    admin = factory.user("admin")
    mentor = factory.mentor(cycle=cycle, capacity=2, topics=["sickle-cell-disease", "aml"])
    application = factory.application(
        cycle=cycle,
        status="eligible",
        topics=["sickle-cell-disease", "aml"],
        languages=["en", "es"],
        requested_roles=["research"],
        timezone="America/New_York",
    )
    mentor.languages = ["en", "es"]
    mentor.needs_offered = ["research"]
    db.session.commit()
    run = runs.run_matching(cycle, RESEARCH, actor=admin)
    proposal = db.session.scalar(db.select(Proposal).filter_by(run_id=run.id))
    match = decisions.create_match(
        Pairing(
            application=application,
            mentor=mentor,
            role="research",
            score=proposal.score,
            explanation=proposal.explanation,
        ),
        actor=admin,
        proposal=proposal,
    )
    db.session.commit()
    match.accept(actor=mentor.user)  # the mentor accepted: both see the match
    db.session.commit()
    return match


def _why(html: str) -> str:
    return html.split("Why you were matched", 1)[1].split("</ul>", 1)[0]


ABOUT_SOMEONE = re.compile(r"trainee's|trainee’s|mentor's|similarity|\d\.\d\d|\+\d")


@pytest.mark.parametrize("reader", ["trainee", "mentor"])
def test_why_you_were_matched_speaks_to_the_reader_in_words(app, matched, reader):
    user_id = matched.application.trainee_id if reader == "trainee" else matched.mentor.user_id
    html = _client_as(app, user_id).get(f"/matches/{matched.id}").get_data(as_text=True)
    why = _why(html)
    assert not ABOUT_SOMEONE.search(why), why
    whose = "your" if reader == "trainee" else "their"
    assert f"You share 2 of {whose} 2 research topics: " in why
    assert "Sickle cell disease" in why and "Acute myeloid leukemia" in why
    assert "like to meet virtually" in why
    assert ("Research" in why or "research" in why) and "career development" not in why
    assert "You both speak English and Spanish." in why


def test_the_match_emails_say_why_in_words_to_each_reader(app, matched, outbox):
    notify_match(matched)
    bodies = outbox.bodies()
    assert len(bodies) == 2
    for body in bodies:
        why = body.split("Why you were matched:", 1)[1].split("\n\n", 1)[0]
        assert not ABOUT_SOMEONE.search(why), why
        assert "You both speak English and Spanish." in why
    assert any("You share 2 of your 2 research topics" in body for body in bodies)
    assert any("You share 2 of their 2 research topics" in body for body in bodies)


def test_the_volunteering_table_shows_places_filled(app, matched):
    html = _client_as(app, matched.mentor.user_id).get("/mentor/").get_data(as_text=True)
    assert "1 of 2 places filled" in html
    assert '<th scope="col">Places filled</th>' in html
