"""Both dashboards' list of matches (:mod:`mri_match.matches.dashboard`): one statement for
every match, meeting, check-in and milestone, reading the same facts as the health page, the
survey page and the award page read with their own statements."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from award_helpers import award_pair, milestone
from flask import g
from mentorship_helpers import active_pair
from test_query_counts import count_statements

from mri_match.awards.queries import milestone_line, pair_award
from mri_match.extensions import db
from mri_match.matches.dashboard import _answered_bit, _statement, my_matches, pair_state_of
from mri_match.matches.decisions import request_rematch
from mri_match.mentorship.pairs import pair_state
from mri_match.mentorship.services import answer_checkin, confirm_meeting, log_meeting
from mri_match.models import Match, SurveyResponse
from mri_match.models.surveys import SIDES, SURVEYS
from mri_match.surveys.dashboard import survey_step
from mri_match.surveys.schedule import open_surveys

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=100)  # past the midpoint survey's opening (90 days)


def _at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def _meet(match, person, day: int, *, at: datetime | None = None):
    with _at(at or T0 + timedelta(days=day, hours=3)):
        meeting = log_meeting(
            match,
            person=person,
            held_on=(T0 + timedelta(days=day)).date(),
            minutes=45,
            format="video",
        )
        db.session.commit()
    return meeting


def _check_in(match, person, when: datetime, rating: int):
    with _at(when):
        answer_checkin(match, person=person, rating=rating, comment=None)
        db.session.commit()


@pytest.fixture
def pairs(factory):
    """One trainee with an active research pair (meetings, check-ins on both sides, one late in
    the UTC day, a low latest rating, an award, the mentor's survey answered) and an active
    career pair that needed no acceptance; their mentor with an offer waiting from another
    trainee; and an ended pair and a declined offer of other people."""
    with _at(T0):
        cycle = factory.cycle(status="matching", career_cadence_days=45, checkin_interval_days=30)
        research = award_pair(factory, accepted_at=T0, cycle=cycle)
    trainee, mentor = research.application.trainee, research.mentor
    with _at(T0):
        career = Match(
            cycle=cycle,
            application=research.application,
            mentor=factory.mentor(cycle=cycle),
            role="career",
            status="active",
            confirmed_at=T0 + timedelta(days=2),
        )
        offered = Match(
            cycle=cycle,
            application=factory.application(cycle=cycle),
            mentor=mentor,
            role="career",
            status="offered",
            confirmed_at=T0 + timedelta(days=90),
            respond_by=T0 + timedelta(days=97),
        )
        ended = active_pair(factory, accepted_at=T0 - timedelta(days=20), cycle=cycle)
        declined = Match(
            cycle=cycle,
            application=factory.application(cycle=cycle),
            mentor=ended.mentor,
            role="research",
            status="declined",
            confirmed_at=T0,
            respond_by=T0 + timedelta(days=7),
            ended_at=T0 + timedelta(days=3),
        )
        db.session.add_all([career, offered, declined])
        db.session.commit()
    first = _meet(research, trainee, 10)
    with _at(T0 + timedelta(days=11)):
        confirm_meeting(first, person=mentor.user)
        db.session.commit()
    _meet(research, mentor.user, 38)
    _meet(research, trainee, 70)
    _check_in(research, trainee, T0 + timedelta(days=12), 4)
    _check_in(research, mentor.user, T0 + timedelta(days=40, hours=14, minutes=30), 5)  # 23:30
    _check_in(research, trainee, T0 + timedelta(days=71), 2)
    _meet(ended, ended.application.trainee, 5)
    _check_in(ended, ended.mentor.user, T0 + timedelta(days=6), 3)
    with _at(T0 + timedelta(days=60)):
        request_rematch(ended, person=ended.application.trainee, reason="We do not get on.")
        db.session.commit()
        ended.end(actor=factory.user("admin"), reason="Moved away")
        db.session.commit()
    with _at(T0 + timedelta(days=95)):
        milestone(research, "Midpoint report").status = "done"  # early; the plan is overdue
        db.session.add(
            SurveyResponse(
                match_id=research.id, survey="midpoint", side="mentor", user_id=mentor.user_id
            )
        )
        db.session.commit()
    return {
        "research": research,
        "career": career,
        "offered": offered,
        "ended": ended,
        "declined": declined,
    }


def _people(pairs):
    research, ended = pairs["research"], pairs["ended"]
    return [
        research.application.trainee,
        research.mentor.user,
        pairs["career"].mentor.user,
        pairs["offered"].application.trainee,
        ended.application.trainee,
        ended.mentor.user,
        pairs["declined"].application.trainee,
    ]


def test_the_dashboards_read_the_same_pair_facts_as_the_health_page(app, pairs):
    seen = set()
    with _at(NOW):
        for person in _people(pairs):
            side = "trainee" if person.role == "trainee" else "mentor"
            for row in db.session.execute(_statement(side), {"user_id": person.id}):
                assert pair_state_of(row) == pair_state(row.match_id), (person.email, row.match_id)
                seen.add(row.match_id)
    assert seen == {match.id for match in pairs.values()}
    research = pair_state(pairs["research"].id)
    assert research.meetings == 3 and research.latest_rating == 2
    assert research.last_checkin == {
        "trainee": (T0 + timedelta(days=71)).date(),
        "mentor": (T0 + timedelta(days=40)).date(),  # the UTC day, late in it
    }
    assert pair_state(pairs["ended"].id).open_rematch  # resolved by nobody: still open


def test_each_match_s_line_is_the_one_the_shared_rules_give(app, pairs):
    with _at(NOW), app.test_request_context():
        today = NOW.date()
        lines = 0
        for person in _people(pairs):
            surveys = {}
            for found in open_surveys(user_id=person.id):
                surveys.setdefault(found.match_id, survey_step(found))
            for shown in my_matches(person):
                match = db.session.get(Match, shown.id)
                state = pair_state(shown.id)
                side = state.side_of(person.id)
                step = (
                    state.next_step(side, today) if match.status in ("offered", "active") else None
                )
                assert shown.next_step == step
                assert shown.survey == surveys.get(shown.id)
                award = pair_award(match)
                assert shown.award_line == (
                    milestone_line(award, today) if award.milestones else None
                )
                lines += bool(shown.next_step) + bool(shown.survey) + bool(shown.award_line)
        assert lines >= 5  # steps, surveys and an award line, not just Nones


def test_the_research_pair_s_dashboards_say_what_is_due(client, auth, pairs):
    research = pairs["research"]
    with _at(NOW):
        auth.login(research.application.trainee)
        page = client.get("/trainee/").get_data(as_text=True)
        assert "A survey is due: the midpoint survey" in page
        assert f"/matches/{research.id}/surveys/midpoint" in page
        assert "Award:</strong>" in page and f"/matches/{research.id}/award" in page
        assert "Log your first meeting" in page  # the career pair never met
        auth.logout()
        auth.login(research.mentor.user)
        page = client.get("/mentor/").get_data(as_text=True)
        assert "the midpoint survey" not in page  # the mentor answered it
        assert "Accept or decline the match." in page  # the offer waiting


def test_the_trainee_dashboard_is_one_statement_with_a_pair_under_way(client, auth, pairs):
    trainee = pairs["research"].application.trainee
    with _at(NOW):
        auth.login(trainee)
        client.get("/trainee/")  # shows the flashed welcome
        held = client.get("/trainee/").get_data(as_text=True)  # the user already on g
        g.pop("_login_user", None)  # as a browser's next request: the user loader runs
        with count_statements() as seen:
            page = client.get("/trainee/").get_data(as_text=True)
    assert len(seen) == 1, seen  # the user, applications, cycles and matches together
    assert page == held
    assert "Your mentors" in page and pairs["research"].mentor.full_name in page
    assert "A survey is due" in page and "Log your first meeting" in page


def test_the_matches_are_one_statement_whatever_their_history(app, factory, pairs):
    mentor = pairs["research"].mentor.user
    with _at(NOW), app.test_request_context():
        with count_statements() as few:
            before = my_matches(mentor)
        for day in range(75, 95, 5):
            _meet(pairs["research"], mentor, day)
        _check_in(pairs["research"], mentor, NOW - timedelta(days=1), 3)
        more = award_pair(factory, accepted_at=T0, cycle=pairs["research"].cycle)
        more.mentor_id = pairs["research"].mentor_id
        db.session.commit()
        db.session.refresh(mentor)  # the commit expired it; not the dashboard's to reload
        with count_statements() as many:
            after = my_matches(mentor)
    assert len(after) == len(before) + 1
    assert len(few) == len(many) == 1


def test_every_survey_and_side_has_a_bit_of_its_own():
    bits = [_answered_bit(survey, side) for survey in SURVEYS for side in SIDES]
    assert sorted(bits) == [1 << n for n in range(len(SURVEYS) * len(SIDES))]
