"""What a new trainee and a new mentor meet on their first form: one topic picker and one
default, questions that look alike say why both are asked, and stated character limits."""

import re

import pytest
from test_authorization_matrix import _client_as

from mri_match.vocabulary import topics


@pytest.fixture
def first_forms(app, factory):
    """The new-application page of a trainee and the new-profile page of a mentor."""
    cycle = factory.cycle(status="open", tracks=["Fellow", "Resident"])
    trainee, mentor = factory.user("trainee"), factory.user("mentor")
    apply = _client_as(app, trainee.id).get(f"/trainee/cycles/{cycle.slug}/apply")
    profile = _client_as(app, mentor.id).get("/mentor/profile")
    assert apply.status_code == profile.status_code == 200
    return apply.get_data(as_text=True), profile.get_data(as_text=True)


def _topic_groups(html: str) -> list[str]:
    return re.findall(r'<legend class="fs-6 fw-semibold">([^<]+)</legend>', html)


def _checked(html: str, name: str) -> list[str]:
    boxes = re.findall(rf'<input [^>]*name="{name}" type="checkbox"[^>]*>', html)
    return [re.search(r'value="([^"]+)"', box).group(1) for box in boxes if " checked " in box]


def test_both_forms_pick_topics_grouped_by_area_in_the_same_order(first_forms):
    trainee_page, mentor_page = first_forms
    areas = list(dict.fromkeys(t.area for t in topics()))
    assert _topic_groups(trainee_page)[: len(areas)] == areas
    assert _topic_groups(mentor_page)[: len(areas)] == areas

    def codes(html):
        return re.findall(r'name="topics" type="checkbox" value="([^"]+)"', html)

    assert codes(trainee_page) == codes(mentor_page) and len(codes(mentor_page)) == len(topics())


def test_both_forms_start_with_the_same_language_ticked(first_forms):
    trainee_page, mentor_page = first_forms
    assert _checked(trainee_page, "languages") == _checked(mentor_page, "languages") == ["en"]


def test_look_alike_questions_say_why_both_are_asked(first_forms):
    trainee_page, _ = first_forms
    stage_help = re.search(r'id="career_stage-help"[^>]*>([^<]+)<', trainee_page).group(1)
    track_help = re.search(r'id="track-help"[^>]*>([^<]+)<', trainee_page).group(1)
    assert "mentors" in stage_help and "career stage" in track_help and "award" in track_help
    needs_help = re.search(r'id="needs-help"[^>]*>([^<]+)<', trainee_page).group(1)
    roles_help = re.search(r'id="requested_roles-help"[^>]*>([^<]+)<', trainee_page).group(1)
    assert "subjects" in needs_help and "kind of mentor" in roles_help


def test_a_cycle_without_tracks_does_not_ask_for_one(app, factory):
    cycle = factory.cycle(status="open", tracks=[])
    trainee = factory.user("trainee")
    page = _client_as(app, trainee.id).get(f"/trainee/cycles/{cycle.slug}/apply").get_data(True)
    assert 'id="track"' not in page


@pytest.mark.parametrize(
    ("page_index", "field", "hint"),
    [
        (0, "research_statement", "Between 50 and 2,000 characters."),
        (1, "expertise_statement", "Between 50 and 2,000 characters."),
        (1, "publications", "Up to 10,000 characters."),
    ],
)
def test_text_areas_state_their_limits_and_carry_a_counter(first_forms, page_index, field, hint):
    html = first_forms[page_index]
    help_text = re.search(rf'id="{field}-help"[^>]*>([^<]+)<', html).group(1)
    assert help_text.startswith(hint)
    box = re.search(rf"<textarea[^>]*\bid=\"{field}\"[^>]*>", html).group(0)
    assert 'data-counter="true"' in box and "maxlength=" in box


# --- time zones ----------------------------------------------------------------------------------


def _zone_options(html: str) -> dict[str, str]:
    select = re.search(r'<select[^>]*id="timezone".*?</select>', html, re.S).group(0)
    return dict(re.findall(r'<option[^>]*value="([^"]+)"[^>]*>([^<]+)</option>', select))


def test_time_zones_are_canonical_grouped_and_named_as_everywhere(first_forms):
    for html in first_forms:
        zones = _zone_options(html)
        assert zones["Asia/Kolkata"] == "Asia/Kolkata"
        assert zones["America/New_York"] == "America/New York"
        assert zones["America/Argentina/Buenos_Aires"] == "America/Argentina/Buenos Aires"
        for legacy in ("Asia/Calcutta", "America/Buenos_Aires", "US/Eastern", "Etc/GMT+5"):
            assert legacy not in zones
        assert 350 < len(zones) < 500
        assert '<optgroup label="Americas">' in html and '<optgroup label="Europe">' in html
        assert 'data-searchable="Find a time zone: type a city"' in html


def test_an_older_zone_name_counts_as_the_zone_it_names(app, factory):
    from mri_match.models import MentorProfile

    mentor = factory.mentor()
    mentor.timezone = "Asia/Calcutta"
    from mri_match.extensions import db

    db.session.commit()
    html = _client_as(app, mentor.user_id).get("/mentor/profile").get_data(as_text=True)
    assert re.search(r'<option selected value="Asia/Kolkata">', html)
    assert db.session.get(MentorProfile, mentor.id).timezone == "Asia/Calcutta"


def test_every_page_names_a_time_zone_the_same_way(app, factory):
    """The "zone" filter: the trainee's and mentor's own pages and the admin's show one form."""
    cycle = factory.cycle(status="open")
    application = factory.application(cycle=cycle, timezone="America/New_York")
    mentor = factory.mentor(cycle=cycle, timezone="America/Argentina/Buenos_Aires")
    admin = factory.user("admin")
    pages = [
        (application.trainee_id, f"/trainee/applications/{application.id}", "America/New York"),
        (admin.id, f"/admin/applications/{application.id}", "America/New York"),
        (mentor.user_id, "/mentor/", "America/Argentina/Buenos Aires"),
        (admin.id, f"/admin/mentors/{mentor.id}", "America/Argentina/Buenos Aires"),
    ]
    for user_id, url, shown in pages:
        response = _client_as(app, user_id).get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert shown in html, url
        assert "New_York" not in html and "Buenos_Aires" not in html, url
