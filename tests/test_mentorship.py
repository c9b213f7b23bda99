"""After the match: logging and confirming meetings, check-ins only admins read, "not a good
fit" opening a re-match request, the pair's timeline, and each dashboard's next step."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from mentorship_helpers import active_pair

from mri_match.extensions import db
from mri_match.mentorship.pairs import pair_state
from mri_match.mentorship.services import MentorshipError, confirm_meeting, log_meeting
from mri_match.models import CheckIn, Meeting, RematchRequest

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(T0 + timedelta(days=10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def pair(factory, frozen):
    return active_pair(factory, accepted_at=T0)


def _log_as(client, auth, user, pair, **fields):
    auth.logout()
    auth.login(user)
    data = {"held_on": "2026-03-05", "minutes": "45", "format": "video", **fields}
    return client.post(f"/matches/{pair.id}/meetings/new", data=data)


def test_one_person_logs_the_other_confirms_both_see_the_timeline(client, auth, pair):
    trainee, mentor = pair.application.trainee, pair.mentor.user
    response = _log_as(
        client, auth, trainee, pair, topics="Abstract for ASH", private_note="Felt nervous"
    )
    assert response.status_code == 302
    meeting = db.session.scalar(db.select(Meeting))
    assert meeting.logged_by_id == trainee.id and not meeting.confirmed
    page = client.get(f"/matches/{pair.id}/meetings").get_data(as_text=True)
    assert "Abstract for ASH" in page and "Felt nervous" in page
    auth.logout()
    auth.login(mentor)
    page = client.get(f"/matches/{pair.id}/meetings").get_data(as_text=True)
    assert "Abstract for ASH" in page and "Felt nervous" not in page  # private to the trainee
    assert "Confirm this meeting happened" in page
    assert client.post(f"/matches/{pair.id}/meetings/{meeting.id}/confirm").status_code == 302
    db.session.refresh(meeting)
    assert meeting.confirmed and meeting.confirmed_by_id == mentor.id
    # A second tab confirming again changes nothing and says so.
    client.post(f"/matches/{pair.id}/meetings/{meeting.id}/confirm")
    page = client.get(f"/matches/{pair.id}/meetings").get_data(as_text=True)
    assert "already confirmed" in page


def test_the_person_who_logged_cannot_confirm_their_own_meeting(pair):
    trainee = pair.application.trainee
    meeting = log_meeting(
        pair, person=trainee, held_on=date(2026, 3, 5), minutes=30, format="phone"
    )
    db.session.commit()
    with pytest.raises(MentorshipError):
        confirm_meeting(meeting, person=trainee)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"held_on": "2026-03-20"}, "the date is in the future"),
        ({"held_on": "2026-02-01"}, "before you were matched"),
        ({"minutes": "0"}, "Between 5 and 600"),
        ({"minutes": "lots"}, "whole number of minutes"),
        ({"format": "carrier pigeon"}, "Not a valid choice"),
        ({"held_on": ""}, "Give the date"),
    ],
)
def test_bad_meetings_are_refused_next_to_the_field(client, auth, pair, fields, message):
    response = _log_as(client, auth, pair.application.trainee, pair, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400)
    assert message in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Meeting)) == 0


def test_no_meetings_on_an_ended_match(client, auth, pair, factory):
    pair.end(actor=factory.user("admin"), reason="Moved away")
    db.session.commit()
    _log_as(client, auth, pair.application.trainee, pair)
    assert db.session.scalar(db.select(db.func.count()).select_from(Meeting)) == 0


def test_checkins_are_seen_by_admins_and_never_by_the_other_person(client, auth, pair, factory):
    trainee, mentor = pair.application.trainee, pair.mentor.user
    auth.login(trainee)
    response = client.post(
        f"/matches/{pair.id}/check-in", data={"rating": "2", "comment": "Hard to find a time"}
    )
    assert response.status_code == 302
    assert "Hard to find a time" not in client.get(f"/matches/{pair.id}/meetings").get_data(
        as_text=True
    )
    auth.logout()
    auth.login(mentor)
    for url in (
        f"/matches/{pair.id}/meetings",
        f"/matches/{pair.id}",
        f"/matches/{pair.id}/check-in",
        "/mentor/",
    ):
        page = client.get(url).get_data(as_text=True)
        assert "Hard to find a time" not in page, url
        assert "2 of 5" not in page, url
    auth.logout()
    admin = factory.user("admin")
    auth.login(admin)
    page = client.get(f"/admin/matches/{pair.id}/timeline").get_data(as_text=True)
    assert "Hard to find a time" in page and "2 of 5" in page
    assert "At risk" in page and "rated 2" in page


def test_not_a_good_fit_opens_one_rematch_request(client, auth, pair):
    auth.login(pair.application.trainee)
    refused = client.post(
        f"/matches/{pair.id}/check-in", data={"rating": "1", "not_a_good_fit": "y"}
    )
    assert refused.status_code == 400
    assert "why this is not a good fit" in refused.get_data(as_text=True)
    for _ in range(2):
        client.post(
            f"/matches/{pair.id}/check-in",
            data={"rating": "1", "comment": "No shared interests", "not_a_good_fit": "y"},
        )
    requests = db.session.scalars(db.select(RematchRequest)).all()
    assert len(requests) == 1 and "No shared interests" in requests[0].reason
    assert {c.rematch_request_id for c in db.session.scalars(db.select(CheckIn))} == {
        requests[0].id
    }
    auth.logout()


def test_the_next_step_follows_the_pair(pair, frozen):
    trainee = pair.application.trainee
    state = pair_state(pair.id)
    today = (T0 + timedelta(days=10)).date()
    assert state.health(today) == "on_track"
    assert "Log your first meeting" in state.next_step("trainee", today)
    log_meeting(pair, person=trainee, held_on=date(2026, 3, 5), minutes=30, format="video")
    db.session.commit()
    state = pair_state(pair.id)
    assert state.health(today) == "needs_checkin"
    assert "check-in is due" in state.next_step("mentor", today)
    later = today + timedelta(days=30)
    frozen.move_to(datetime.combine(later, T0.timetz()))
    from mri_match.mentorship.services import answer_checkin

    answer_checkin(pair, person=trainee, rating=5, comment=None)
    answer_checkin(pair, person=pair.mentor.user, rating=4, comment=None)
    db.session.commit()
    state = pair_state(pair.id)
    assert state.health(later) == "on_track"
    assert "Log your next meeting" in state.next_step("trainee", later)
    assert state.health(date(2026, 3, 5) + timedelta(days=43)) == "at_risk"


def test_dashboards_show_the_next_step_in_one_line(client, auth, pair):
    auth.login(pair.application.trainee)
    page = client.get("/trainee/").get_data(as_text=True)
    assert "Log your first meeting" in page
    auth.logout()
    auth.login(pair.mentor.user)
    page = client.get("/mentor/").get_data(as_text=True)
    assert "Log your first meeting" in page
