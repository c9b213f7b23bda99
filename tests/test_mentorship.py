"""After the match: logging and confirming meetings, check-ins only admins read, "not a good
fit" opening a re-match request, the pair's timeline, and each dashboard's next step."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from mentorship_helpers import active_pair, stored_summary, summary_from_rows

from mri_match.extensions import db
from mri_match.mentorship import services
from mri_match.mentorship.pairs import pair_state
from mri_match.mentorship.services import (
    MentorshipError,
    answer_checkin,
    confirm_meeting,
    log_meeting,
)
from mri_match.models import CheckIn, Match, Meeting, RematchRequest, User

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


def test_the_match_row_sums_up_the_meetings_and_check_ins_as_they_change(factory, frozen):
    """After each meeting and check-in (dates out of order, two on one day, both sides, three
    check-ins in one second, one late in the UTC day) the match row holds what the rows give."""
    pair, other = active_pair(factory, accepted_at=T0), active_pair(factory, accepted_at=T0)
    trainee, mentor = pair.application.trainee, pair.mentor.user
    assert stored_summary(pair) == summary_from_rows(pair) == (None, None, 0, None, None, None)
    moments = iter(T0 + timedelta(days=day, hours=hours) for day, hours in ((12, 0), (13, 14.9)))
    steps = [
        ("meeting", trainee, date(2026, 3, 7)),
        ("meeting", mentor, date(2026, 3, 4)),  # earlier than the one before
        ("meeting", trainee, date(2026, 3, 7)),  # the same day again
        ("checkin", mentor, 2),
        ("checkin", trainee, 5),  # the same second: the later row is the newest
        ("meeting", mentor, date(2026, 3, 11)),
        ("checkin", mentor, 4),
        ("clock", None, None),
        ("checkin", trainee, 1),
        ("checkin", mentor, 3),
        ("clock", None, None),
        ("checkin", trainee, 4),  # 23:54 UTC on 15 March
    ]
    for kind, person, value in steps:
        if kind == "clock":
            frozen.move_to(next(moments))
        elif kind == "meeting":
            log_meeting(pair, person=person, held_on=value, minutes=30, format="video")
        else:
            answer_checkin(pair, person=person, rating=value, comment=None)
        loaded = (pair.first_meeting_on, pair.last_meeting_on, pair.meeting_count)
        assert loaded == summary_from_rows(pair)[:3], "the match in the session follows"
        db.session.commit()
        assert stored_summary(pair) == summary_from_rows(pair), (kind, value)
    assert stored_summary(pair) == (
        date(2026, 3, 4),
        date(2026, 3, 11),
        4,
        date(2026, 3, 15),
        date(2026, 3, 14),
        4,
    )
    assert stored_summary(other) == (None, None, 0, None, None, None)  # only the pair changes


def test_two_meetings_logged_at_once_both_count(app, factory, frozen, monkeypatch):
    """Both transactions insert their meeting before either sums up the pair: the row lock
    makes the second wait for the first to commit, then read both meetings."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time")
    pair = active_pair(factory, accepted_at=T0)
    ids = (pair.id, pair.application.trainee_id, pair.mentor.user_id)
    barrier = threading.Barrier(2, timeout=10)
    refresh = services.refresh_pair_summaries

    def refresh_once_both_logged(*where):
        barrier.wait()  # both meetings inserted, neither committed
        refresh(*where)

    monkeypatch.setattr(services, "refresh_pair_summaries", refresh_once_both_logged)
    failures = []

    def log(user_id, day):
        with app.app_context():
            try:
                log_meeting(
                    db.session.get(Match, ids[0]),
                    person=db.session.get(User, user_id),
                    held_on=date(2026, 3, day),
                    minutes=30,
                    format="video",
                )
                db.session.commit()
            except Exception as exc:  # reported below: a thread's failure is no test failure
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=log, args=args) for args in ((ids[1], 4), (ids[2], 6))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    db.session.expire_all()
    assert stored_summary(pair) == summary_from_rows(pair)
    assert stored_summary(pair)[:3] == (date(2026, 3, 4), date(2026, 3, 6), 2)
