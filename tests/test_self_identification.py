"""Self-identification: optional, private to the person, used for matching only with consent."""

import re

import pytest

from mri_match.extensions import db
from mri_match.models import SelfIdentification, self_identification_of

URL = "/trainee/self-identification"
# Labels that appear nowhere in the app except on the self-identification page.
PRIVATE_LABELS = ("Native Hawaiian or Pacific Islander", "Non-binary")

ANSWERS = {
    "race_ethnicity": ["native_hawaiian_pacific_islander", "black"],
    "gender_identity": "non_binary",
    "first_generation": "yes",
    "disability": "prefer_not",
    "lgbtq": "no",
}


def checked(page: str, name: str, value: str) -> bool:
    """Whether the radio button or checkbox for this answer is ticked on the page."""
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return " checked" in tag
    raise AssertionError(f"no input {name}={value}")


def error_for(page: str, field: str) -> str:
    match = re.search(rf'<div id="{field}-error"[^>]*>(.*?)</div>', page, re.S)
    assert match, f"no error shown beside {field}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def rows() -> list[SelfIdentification]:
    return list(db.session.scalars(db.select(SelfIdentification)))


@pytest.fixture
def trainee(factory, auth):
    user = factory.user("trainee")
    auth.login(user)
    return user


def test_page_explains_who_can_see_the_answers(client, trainee):
    page = client.get(URL).get_data(as_text=True)
    assert page.count("<h1") == 1
    assert "No mentor and no other trainee can see your answers" in page
    assert "stored separately" in page
    assert "never used to decide whether an application is eligible" in page
    assert "Use this to find a mentor who shares my background" in page
    assert page.count(">Prefer not to say</label>") == 5  # one on every question
    assert "Delete my answers" not in page  # nothing to delete yet


def test_answers_are_saved_without_consent_and_not_used_for_matching(client, trainee):
    response = client.post(URL, data=ANSWERS, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Your answers are saved" in page
    assert checked(page, "gender_identity", "non_binary")
    assert checked(page, "race_ethnicity", "black")
    assert not checked(page, "consent_use_for_matching", "y")
    record = self_identification_of(trainee)
    assert record.race_ethnicity == ["native_hawaiian_pacific_islander", "black"]
    assert (record.gender_identity, record.first_generation) == ("non_binary", "yes")
    assert record.consent_use_for_matching is False
    assert record.matching_attributes() is None


def test_consent_is_a_separate_choice(client, trainee):
    client.post(URL, data={**ANSWERS, "consent_use_for_matching": "y"})
    record = self_identification_of(trainee)
    assert record.consent_use_for_matching is True
    assert record.matching_attributes() == {
        "race:native_hawaiian_pacific_islander",
        "race:black",
        "gender_identity:non_binary",
        "first_generation:yes",
    }
    client.post(URL, data=ANSWERS)  # unticking keeps the answers but withdraws consent
    db.session.expire_all()
    record = self_identification_of(trainee)
    assert record.gender_identity == "non_binary"
    assert record.matching_attributes() is None
    assert len(rows()) == 1  # one row per person


def test_every_question_may_be_left_blank(client, trainee):
    response = client.post(URL, data={})
    assert response.status_code == 302
    record = self_identification_of(trainee)
    assert record.race_ethnicity is None and record.gender_identity is None
    assert record.lgbtq is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("gender_identity", "bogus", "Choose one of the options listed."),
        ("lgbtq", "maybe", "Choose one of the options listed."),
        ("race_ethnicity", ["martian"], "Choose only from the options listed."),
        ("race_ethnicity", ["prefer_not", "asian"], "Choose “Prefer not to say” on its own"),
    ],
)
def test_wrong_answers_get_a_message_and_nothing_is_saved(client, trainee, field, value, message):
    response = client.post(URL, data={**ANSWERS, field: value})
    assert response.status_code == 200
    assert message in error_for(response.get_data(as_text=True), field)
    assert rows() == []


def test_answers_can_be_deleted(client, trainee):
    client.post(URL, data=ANSWERS)
    page = client.get(URL).get_data(as_text=True)
    assert "Delete my answers" in page
    response = client.post(f"{URL}/delete", follow_redirects=True)
    assert "Your self-identification answers are deleted." in response.get_data(as_text=True)
    assert self_identification_of(trainee) is None


def test_mentors_answer_for_themselves(client, factory, auth):
    trainee = factory.user("trainee")
    db.session.add(SelfIdentification(user_id=trainee.id, gender_identity="non_binary"))
    db.session.commit()
    mentor = factory.user("mentor")
    auth.login(mentor)
    page = client.get(URL).get_data(as_text=True)
    assert not checked(page, "gender_identity", "non_binary")  # not the trainee's answers
    client.post(URL, data={"gender_identity": "woman", "consent_use_for_matching": "y"})
    assert self_identification_of(mentor).gender_identity == "woman"
    assert self_identification_of(trainee).gender_identity == "non_binary"


def test_admins_and_anonymous_visitors_cannot_use_the_page(client, factory, auth):
    response = client.get(URL)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    auth.login(factory.user("admin"))
    assert client.get(URL).status_code == 403
    assert client.post(URL, data=ANSWERS).status_code == 403
    assert rows() == []


def test_trainee_pages_never_show_self_identification(client, factory, trainee):
    client.post(URL, data={**ANSWERS, "consent_use_for_matching": "y"})
    application = factory.application(trainee=trainee)
    for url in (
        "/trainee/",
        f"/trainee/applications/{application.id}",
        f"/trainee/applications/{application.id}/edit",
    ):
        page = client.get(url).get_data(as_text=True)
        for label in PRIVATE_LABELS:
            assert label not in page, f"{label} shown on {url}"


def test_mentor_pages_never_show_a_trainees_self_identification(client, factory, auth):
    cycle = factory.cycle()
    trainee = factory.user("trainee")
    db.session.add(
        SelfIdentification(
            user_id=trainee.id,
            race_ethnicity=["native_hawaiian_pacific_islander"],
            gender_identity="non_binary",
            consent_use_for_matching=True,
        )
    )
    db.session.commit()
    factory.application(cycle=cycle, trainee=trainee)
    mentor = factory.mentor(cycle=cycle)
    auth.login(mentor.user)
    for url in ("/mentor/", "/mentor/profile"):
        page = client.get(url).get_data(as_text=True)
        for label in PRIVATE_LABELS:
            assert label not in page, f"{label} shown on {url}"
    page = client.get(URL).get_data(as_text=True)  # the mentor's own, empty form
    assert not checked(page, "race_ethnicity", "native_hawaiian_pacific_islander")
    assert not checked(page, "gender_identity", "non_binary")
