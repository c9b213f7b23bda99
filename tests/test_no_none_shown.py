"""Blank optional answers never show as the word "None": every page, every role, every email."""

import re

from test_authorization_matrix import ACCESS, ALLOWED, World, _client_as, _routes, _url

from mri_match.display import given, joined, place, position_at
from mri_match.extensions import db
from mri_match.matches import decisions
from mri_match.matches.decisions import Pairing
from mri_match.matches.notify import notify_match

# What a person may leave blank: on the application and on the mentor profile.
OPTIONAL_APPLICATION = ("pronouns", "region")
OPTIONAL_PROFILE = ("degrees", "position", "city", "region", "ash_member_number")
OPTIONAL_PROFILE_TEXT = ("publications", "conflicts")
NONE_WORD = re.compile(r"\bNone\b")
TAG = re.compile(r"<[^>]*>")


class MinimalWorld(World):
    """The authorization matrix's world, with every optional answer left blank."""

    def __init__(self, factory):
        super().__init__(factory)
        for application in (self.application, self.other_application):
            for name in OPTIONAL_APPLICATION:
                setattr(application, name, None)
            application.pronouns = None
        for profile in (self.mentor, self.other_mentor):
            for name in OPTIONAL_PROFILE + OPTIONAL_PROFILE_TEXT:
                setattr(profile, name, None)
        db.session.commit()


def _nones(text: str) -> list[str]:
    """Each "None" a reader would see, with a little context (markup removed)."""
    visible = TAG.sub(" ", text)
    return [
        " ".join(visible[max(0, m.start() - 60) : m.end() + 20].split())
        for m in NONE_WORD.finditer(visible)
    ]


def test_no_page_shows_none_for_a_blank_optional_answer(app, factory):
    world = MinimalWorld(factory)
    users = world.users()
    values = world.values()
    found = []
    for method, endpoint, rule in _routes(app):
        if method != "GET" or endpoint in ("static", "bootstrap.static"):
            continue
        for role in ("anonymous", "trainee", "mentor", "admin"):
            if role not in ALLOWED[ACCESS[(method, endpoint)]]:
                continue
            url = _url(rule, values)
            response = _client_as(app, users[role]).get(url)
            if response.status_code >= 300 or not response.mimetype.startswith("text/"):
                response.close()
                continue
            for context in _nones(response.get_data(as_text=True)):
                found.append(f"{url} as {role}: …{context}…")
            response.close()
    assert found == [], "\n".join(found)


def test_no_email_shows_none_for_a_blank_optional_answer(app, factory, outbox):
    world = MinimalWorld(factory)
    match = decisions.create_match(
        Pairing(
            application=world.other_application,
            mentor=world.other_mentor,
            role="research",
            score=0.7,
        ),
        actor=world.admin,
    )
    db.session.commit()
    for each in (world.match, match):
        notify_match(each)
    bodies = outbox.bodies()
    # the world's match was accepted (an introduction to both), then each match emails both
    # people: the accepted one its details, the new one its offer
    assert len(bodies) == 6
    assert "Position None" not in "".join(bodies)
    assert "Johns Hopkins University" in bodies[0]
    found = [context for body in bodies for context in _nones(body)]
    assert found == []


def test_a_blank_position_leaves_the_institution_under_its_own_label(app, factory):
    world = MinimalWorld(factory)
    page = _client_as(app, world.mentor.user_id).get("/mentor/").get_data(as_text=True)
    text = " ".join(TAG.sub(" ", page).split())
    assert "Position Not given Institution Johns Hopkins University" in text
    trainee = _client_as(app, world.application.trainee_id)
    page = trainee.get(f"/matches/{world.match.id}").get_data(as_text=True)
    text = " ".join(TAG.sub(" ", page).split())
    assert "Position and institution Johns Hopkins University" in text


def test_display_filters():
    class Person:
        position, institution = " ", "Howard University"
        city, region, country = None, "DC", "United States"

    assert position_at(Person) == "Howard University"
    assert place(Person) == "DC, United States"
    assert given(None) == given("  ") == "Not given"
    assert given("x") == "x"
    assert joined([None, "", "a", " b "], "; ") == "a; b"
