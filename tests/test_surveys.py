"""Feedback surveys: when they open, answering them, who sees the answers, editing a cycle's
questions, the reminders, the report, and what is kept when people or cycles go."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from mentorship_helpers import active_pair

from mri_match.extensions import db
from mri_match.models import (
    Match,
    RematchRequest,
    SentReminder,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    utcnow,
)
from mri_match.privacy.deletion import delete_account
from mri_match.privacy.retention import purge
from mri_match.surveys.questions import NOT_A_GOOD_FIT, ensure_questions
from mri_match.surveys.report import survey_report, table_rows
from mri_match.surveys.schedule import END_OPEN_DAYS, open_surveys, windows

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the mentor accepted
MIDPOINT = T0 + timedelta(days=90)
END = T0 + timedelta(days=180)
SECRET = "The lab felt unwelcoming at first"


def _at(when: datetime):
    return time_machine.travel(when, tick=False)


@pytest.fixture
def pair(factory):
    return active_pair(factory, accepted_at=T0)


def _questions(match) -> dict[str, SurveyQuestion]:
    return {q.text: q for q in ensure_questions(match.cycle)}


def _midpoint_answers(match, *, fit="A good fit", comment=SECRET) -> dict:
    q = _questions(match)
    return {
        f"q{q['We meet as often as we planned.'].id}": "4",
        f"q{q['Our meetings are useful to me.'].id}": "5",
        f"q{q['I feel comfortable raising problems with the other person.'].id}": "3",
        f"q{q['How well does this match fit you?'].id}": fit,
        f"q{q['What has worked well?'].id}": comment,
    }


def _end_answers(match, comment="More structure") -> dict:
    q = _questions(match)
    return {
        f"q{q['We meet as often as we planned.'].id}": "3",
        f"q{q['Our meetings are useful to me.'].id}": "4",
        f"q{q['I feel comfortable raising problems with the other person.'].id}": "4",
        f"q{q['Taking part in the program was worth my time.'].id}": "5",
        f"q{q['Would you take part in the program again?'].id}": "Yes",
        f"q{q['What could the program do better?'].id}": comment,
    }


def _answer(client, auth, user, match, survey, data):
    auth.logout()
    auth.login(user)
    return client.post(f"/matches/{match.id}/surveys/{survey}", data=data)


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


# --- scheduling --------------------------------------------------------------------------------


def test_windows_count_from_acceptance_and_an_early_end_brings_the_end_survey():
    mid, end = windows(T0, None, 90, 180)
    assert (mid.survey, mid.opens_at, mid.closes_at) == ("midpoint", MIDPOINT, END)
    assert (end.opens_at, end.closes_at) == (END, END + timedelta(days=END_OPEN_DAYS))
    ended = T0 + timedelta(days=120)
    mid, end = windows(T0, ended, 90, 180)
    assert mid.closes_at == ended and end.opens_at == ended
    (only,) = windows(T0, T0 + timedelta(days=30), 90, 180)  # ended before the midpoint
    assert only.survey == "end" and only.opens_at == T0 + timedelta(days=30)
    assert windows(None, None, 90, 180) == []  # never accepted


def test_the_dashboards_show_a_survey_due_in_the_next_step(client, auth, pair):
    trainee, mentor = pair.application.trainee, pair.mentor.user
    with _at(MIDPOINT - timedelta(hours=1)):
        auth.login(trainee)
        assert "A survey is due" not in client.get("/trainee/").get_data(as_text=True)
    with _at(MIDPOINT + timedelta(hours=1)):
        page = client.get("/trainee/").get_data(as_text=True)
        assert "A survey is due: the midpoint survey" in page
        assert f"/matches/{pair.id}/surveys/midpoint" in page
        auth.logout()
        auth.login(mentor)
        page = client.get("/mentor/").get_data(as_text=True)
        assert "A survey is due: the midpoint survey" in page
        _answer(client, auth, mentor, pair, "midpoint", _midpoint_answers(pair))
        assert "A survey is due" not in client.get("/mentor/").get_data(as_text=True)
    with _at(END + timedelta(days=1)):
        assert "the end-of-match survey" in client.get("/mentor/").get_data(as_text=True)
    with _at(END + timedelta(days=END_OPEN_DAYS + 1)):
        assert "A survey is due" not in client.get("/mentor/").get_data(as_text=True)


def test_a_match_that_ends_early_gets_the_end_survey(client, auth, pair, factory):
    with _at(T0 + timedelta(days=40)):
        pair.end(actor=factory.user("admin"), reason="Moved away")
        db.session.commit()
    with _at(T0 + timedelta(days=41)):
        (due,) = open_surveys(user_id=pair.application.trainee_id)
        assert due.survey == "end" and not due.active
        auth.login(pair.application.trainee)
        page = client.get("/trainee/").get_data(as_text=True)
        assert "the end-of-match survey" in page
    with _at(MIDPOINT + timedelta(days=1)):  # no midpoint survey for an ended match
        assert [s.survey for s in open_surveys(match_ids=[pair.id])] == ["end", "end"]


# --- answering ---------------------------------------------------------------------------------


def test_a_survey_is_answered_once_and_only_while_open(client, auth, pair):
    trainee = pair.application.trainee
    with _at(MIDPOINT - timedelta(days=1)):
        auth.login(trainee)
        page = client.get(f"/matches/{pair.id}/surveys/midpoint").get_data(as_text=True)
        assert "This survey is not open" in page
        client.post(f"/matches/{pair.id}/surveys/midpoint", data=_midpoint_answers(pair))
        assert _count(SurveyResponse) == 0
    with _at(MIDPOINT + timedelta(days=1)):
        page = client.get(f"/matches/{pair.id}/surveys/midpoint").get_data(as_text=True)
        assert "How well does this match fit you?" in page
        assert "Taking part in the program was worth my time." not in page  # end only
        response = _answer(client, auth, trainee, pair, "midpoint", _midpoint_answers(pair))
        assert response.status_code == 302
        saved = db.session.scalar(db.select(SurveyResponse))
        assert (saved.side, saved.survey, saved.user_id) == ("trainee", "midpoint", trainee.id)
        assert sorted(a.rating for a in saved.answers if a.rating) == [3, 4, 5]
        assert {a.text for a in saved.answers if a.text} == {SECRET}
        client.post(f"/matches/{pair.id}/surveys/midpoint", data=_midpoint_answers(pair))
        assert _count(SurveyResponse) == 1
        page = client.get(f"/matches/{pair.id}/surveys/midpoint").get_data(as_text=True)
        assert "You have answered this survey" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"We meet as often as we planned.": ""}, "Choose one of the options listed."),
        ({"We meet as often as we planned.": "9"}, "Not a valid choice"),
        ({"How well does this match fit you?": "Brilliant"}, "Not a valid choice"),
        ({"What has worked well?": "x" * 2001}, "at most 2,000 characters"),
    ],
)
def test_bad_answers_are_refused_next_to_the_question(client, auth, pair, change, message):
    q = _questions(pair)
    data = _midpoint_answers(pair)
    for text, value in change.items():
        data[f"q{q[text].id}"] = value
    with _at(MIDPOINT + timedelta(days=1)):
        response = _answer(client, auth, pair.application.trainee, pair, "midpoint", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(SurveyResponse) == 0 and _count(SurveyAnswer) == 0


def test_only_the_pair_can_open_their_survey(client, auth, pair, factory):
    with _at(MIDPOINT + timedelta(days=1)):
        auth.login(factory.user("trainee"))
        assert client.get(f"/matches/{pair.id}/surveys/midpoint").status_code == 404
        auth.logout()
        auth.login(pair.application.trainee)
        assert client.get(f"/matches/{pair.id}/surveys/sometime").status_code == 404


def test_not_a_good_fit_opens_one_rematch_request(client, auth, pair):
    with _at(MIDPOINT + timedelta(days=1)):
        data = _midpoint_answers(pair, fit=NOT_A_GOOD_FIT)
        _answer(client, auth, pair.application.trainee, pair, "midpoint", data)
        _answer(client, auth, pair.mentor.user, pair, "midpoint", data)
    (request,) = db.session.scalars(db.select(RematchRequest)).all()
    assert request.match_id == pair.id and "Not a good fit" in request.reason
    assert SECRET not in request.reason  # the comment stays in the survey, for admins
    assert {r.rematch_request_id for r in db.session.scalars(db.select(SurveyResponse))} == {
        request.id
    }


# --- who sees the answers ----------------------------------------------------------------------


def test_the_other_person_never_sees_the_answers(client, auth, pair, factory):
    trainee, mentor = pair.application.trainee, pair.mentor.user
    with _at(MIDPOINT + timedelta(days=1)):
        _answer(client, auth, trainee, pair, "midpoint", _midpoint_answers(pair))
        assert SECRET in client.get("/account/data.json").get_data(as_text=True)  # their own
        auth.logout()
        auth.login(mentor)
        slug = pair.cycle.slug
        for url in (
            "/mentor/",
            f"/matches/{pair.id}",
            f"/matches/{pair.id}/meetings",
            f"/matches/{pair.id}/surveys/midpoint",
            f"/matches/{pair.id}/surveys/end",
            "/account/data",
            "/account/data.json",
        ):
            page = client.get(url).get_data(as_text=True)
            assert SECRET not in page, url
            assert " checked" not in page, url  # nothing of the trainee's filled in
        for url in (
            f"/admin/matches/{pair.id}/surveys",
            f"/admin/cycles/{slug}/surveys/report",
            f"/admin/cycles/{slug}/surveys/report.csv",
            f"/admin/cycles/{slug}/surveys",
        ):
            response = client.get(url)
            assert response.status_code in (302, 403, 404), url
            assert SECRET not in response.get_data(as_text=True), url
        auth.logout()
        auth.login(factory.user("admin"))
        page = client.get(f"/admin/matches/{pair.id}/surveys").get_data(as_text=True)
        assert SECRET in page and "4: agree" in page and "the trainee" in page


# --- a cycle's questions -----------------------------------------------------------------------


def test_a_cycle_gets_the_default_set_once(admin, client, pair):
    page = client.get(f"/admin/cycles/{pair.cycle.slug}/surveys").get_data(as_text=True)
    assert "How well does this match fit you?" in page and "Free text" in page
    client.get(f"/admin/cycles/{pair.cycle.slug}/surveys")
    assert _count(SurveyQuestion) == 8


def _question_data(**overrides) -> dict:
    return {
        "text": "My mentor helped with my abstract.",
        "kind": "likert",
        "audience": "trainee",
        "asked_in": "end",
        "required": "y",
        **overrides,
    }


def test_questions_change_until_answered_then_only_new_ones(admin, client, auth, pair):
    slug = pair.cycle.slug
    questions = _questions(pair)
    first = questions["We meet as often as we planned."]
    base = f"/admin/cycles/{slug}/surveys/questions"
    response = client.post(f"{base}/{first.id}", data=_question_data(text="We meet often."))
    assert response.status_code == 302
    db.session.refresh(first)
    assert (first.text, first.audience, first.asked_in) == ("We meet often.", "trainee", "end")
    client.post(
        f"{base}/{first.id}",
        data=_question_data(
            text="We meet as often as we planned.", audience="both", asked_in="both"
        ),
    )
    with _at(MIDPOINT + timedelta(days=1)):
        _answer(client, auth, pair.application.trainee, pair, "midpoint", _midpoint_answers(pair))
    auth.logout()
    auth.login(admin)
    page = client.get(f"/admin/cycles/{slug}/surveys").get_data(as_text=True)
    assert "Has answers" in page
    response = client.post(
        f"{base}/{first.id}", data=_question_data(text="Changed"), follow_redirects=True
    )
    assert "already has answers, so it cannot be changed" in response.get_data(as_text=True)
    db.session.refresh(first)
    assert first.text == "We meet as often as we planned."
    response = client.post(f"{base}/{first.id}/delete", follow_redirects=True)
    assert "cannot be deleted" in response.get_data(as_text=True)
    assert client.post(f"{base}/new", data=_question_data()).status_code == 302
    assert _count(SurveyQuestion) == 9
    added = db.session.scalar(db.select(SurveyQuestion).order_by(SurveyQuestion.position.desc()))
    assert added.text == "My mentor helped with my abstract." and added.position == 9


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"text": ""}, "Write the question."),
        ({"kind": "choice", "choices": "Only one"}, "Give from 2 to 10 options."),
        ({"kind": "choice", "choices": "A\nA"}, "Each option appears once."),
        (
            {"kind": "choice", "choices": "Yes\nNo", "rematch_choice": "Maybe"},
            "Copy one of the options exactly.",
        ),
        ({"rematch_choice": "No"}, "Only a “one choice from a list” question has options."),
        ({"kind": "essay"}, "Not a valid choice"),
    ],
)
def test_bad_questions_are_refused_next_to_the_field(admin, client, pair, overrides, message):
    _questions(pair)
    response = client.post(
        f"/admin/cycles/{pair.cycle.slug}/surveys/questions/new", data=_question_data(**overrides)
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(SurveyQuestion) == 8


def test_the_timing_is_a_cycle_setting(admin, client, pair):
    url = f"/admin/cycles/{pair.cycle.slug}/surveys/timing"
    refused = client.post(url, data={"survey_midpoint_days": "100", "survey_end_days": "100"})
    assert refused.status_code == 400 and "The end survey opens after" in refused.get_data(
        as_text=True
    )
    client.post(url, data={"survey_midpoint_days": "30", "survey_end_days": "200"})
    db.session.refresh(pair.cycle)
    assert (pair.cycle.survey_midpoint_days, pair.cycle.survey_end_days) == (30, 200)
    with _at(T0 + timedelta(days=31)):
        assert {s.survey for s in open_surveys(match_ids=[pair.id])} == {"midpoint"}


# --- reminders ---------------------------------------------------------------------------------


def _remind(runner, when):
    with _at(when):
        result = runner.invoke(args=["remind"])
    assert result.exit_code == 0, result.output
    return result.output


def _survey_mail(outbox) -> list:
    return [m for m in outbox.messages() if "survey" in m["Subject"]]


def test_an_invitation_and_one_reminder_each(runner, client, auth, pair, outbox):
    assert "survey_invitation: 0 new" in _remind(runner, MIDPOINT - timedelta(hours=1))
    assert _survey_mail(outbox) == []
    assert "survey_invitation: 2 new" in _remind(runner, MIDPOINT + timedelta(hours=1))
    assert "survey_invitation: 0 new" in _remind(runner, MIDPOINT + timedelta(days=2))
    sent = _survey_mail(outbox)
    assert len(sent) == 2 and all("midpoint survey" in m["Subject"] for m in sent)
    assert f"/matches/{pair.id}/surveys/midpoint" in str(sent[0].get_payload())
    with _at(MIDPOINT + timedelta(days=3)):
        _answer(client, auth, pair.mentor.user, pair, "midpoint", _midpoint_answers(pair))
    assert "survey_reminder: 1 new" in _remind(runner, MIDPOINT + timedelta(days=15))
    assert "survey_reminder: 0 new" in _remind(runner, MIDPOINT + timedelta(days=16))
    reminder = _survey_mail(outbox)[-1]
    assert len(_survey_mail(outbox)) == 3
    assert "Reminder: your midpoint survey" in reminder["Subject"]
    assert reminder["To"] == pair.application.trainee.email
    assert "survey_invitation: 2 new" in _remind(runner, END + timedelta(hours=1))
    kinds = db.session.scalars(
        db.select(SentReminder.kind).where(SentReminder.kind.like("survey%"))
    ).all()
    assert sorted(kinds) == sorted(["survey_invitation"] * 4 + ["survey_reminder"])


def test_a_late_run_sends_the_invitation_now_and_the_reminder_later(runner, pair, outbox):
    # The first run after the survey opened comes 20 days late: the invitation only.
    late = MIDPOINT + timedelta(days=20)
    output = _remind(runner, late)
    assert "survey_invitation: 2 new" in output and "survey_reminder: 0 new" in output
    assert "survey_reminder: 0 new" in _remind(runner, late + timedelta(days=13))
    assert "survey_reminder: 2 new" in _remind(runner, late + timedelta(days=14, hours=1))
    assert len(_survey_mail(outbox)) == 4


# --- the report --------------------------------------------------------------------------------


@pytest.fixture
def answered_cycle(factory, client, auth):
    """Six research pairs and two career pairs; every trainee and three mentors answered."""
    cycle = factory.cycle(status="matching")
    pairs = [active_pair(factory, accepted_at=T0, cycle=cycle) for _ in range(6)]
    pairs += [active_pair(factory, accepted_at=T0, cycle=cycle, role="career") for _ in range(2)]
    with _at(MIDPOINT + timedelta(days=1)):
        for i, match in enumerate(pairs):
            data = _midpoint_answers(match, comment=f"Comment number {i}")
            _answer(client, auth, match.application.trainee, match, "midpoint", data)
        for match in pairs[:3]:
            _answer(client, auth, match.mentor.user, match, "midpoint", _midpoint_answers(match))
    auth.logout()
    return cycle, pairs


def test_the_report_counts_and_suppresses_small_groups(client, auth, factory, answered_cycle):
    cycle, pairs = answered_cycle
    auth.login(factory.user("admin"))
    with _at(MIDPOINT + timedelta(days=2)):
        report = survey_report(cycle)
        page = client.get(f"/admin/cycles/{cycle.slug}/surveys/report").get_data(as_text=True)
    midpoint, end = report.sections
    assert (midpoint.invited, midpoint.answered, midpoint.percent) == (16, 11, 68.8)
    assert end.invited == 0
    rates = {g.label: g for g in midpoint.rates}
    assert rates["Trainees"].count == 8
    assert rates["Mentors"].suppressed is False and rates["Mentors"].count == 3
    meets = next(r for r in midpoint.questions if r.question.text.startswith("We meet"))
    assert meets.counts == [0, 0, 0, 11, 0] and meets.mean == 4.0
    by_side = dict(meets.breakdowns)["By side"]
    # three mentors answered: hidden, and the trainees with them (else 11 - 8 gives it away)
    assert [g.suppressed for g in by_side] == [True, True]
    by_role = {g.label: g for g in dict(meets.breakdowns)["By kind of mentoring"]}
    assert by_role["Research mentor"].people is None  # 9 research, 2 career: both hidden
    assert "Comment number 3" in page and pairs[3].application.full_name not in page
    assert "fewer than 5 people" in page
    assert "<svg" in page and "<table" in page


def test_the_report_downloads_as_csv(client, auth, factory, answered_cycle):
    cycle, _pairs = answered_cycle
    auth.login(factory.user("admin"))
    with _at(MIDPOINT + timedelta(days=2)):
        response = client.get(f"/admin/cycles/{cycle.slug}/surveys/report.csv")
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        built = table_rows(survey_report(cycle))
    assert response.status_code == 200 and rows[0][0] == "Survey"
    assert len(rows) == len(built) + 1
    assert [
        "Midpoint survey",
        "Free text",
        "What has worked well?",
        "Comment number 0",
        "",
        "",
        "",
    ] in rows
    assert any(row[4] == "fewer than 5" for row in rows)


# --- what is kept ------------------------------------------------------------------------------


def test_deleting_an_account_removes_its_comments_and_keeps_its_ratings(client, auth, pair):
    with _at(MIDPOINT + timedelta(days=1)):
        _answer(client, auth, pair.application.trainee, pair, "midpoint", _midpoint_answers(pair))
    auth.logout()
    delete_account(pair.application.trainee)
    db.session.commit()
    response = db.session.scalar(db.select(SurveyResponse))
    assert response.user_id is None
    assert [a.text for a in response.answers if a.text] == []
    assert sorted(a.rating for a in response.answers if a.rating) == [3, 4, 5]


def test_the_purge_removes_comments_of_expired_cycles(client, auth, pair):
    with _at(MIDPOINT + timedelta(days=1)):
        _answer(client, auth, pair.application.trainee, pair, "midpoint", _midpoint_answers(pair))
    auth.logout()
    pair.cycle.status, pair.cycle.completed_at = "completed", T0 + timedelta(days=200)
    db.session.commit()
    with _at(T0 + timedelta(days=300)):
        assert purge(365)["survey comments"] == 0
    with _at(T0 + timedelta(days=600)):
        counts = purge(365)
        db.session.commit()
    assert counts["survey comments"] == 1
    assert _count(SurveyAnswer) == 4 and _count(SurveyResponse) == 1


def test_no_answers_outlive_their_match(client, auth, pair):
    with _at(MIDPOINT + timedelta(days=1)):
        _answer(client, auth, pair.application.trainee, pair, "midpoint", _midpoint_answers(pair))
    auth.logout()
    db.session.execute(db.delete(Match).where(Match.id == pair.id))
    db.session.commit()
    assert _count(SurveyResponse) == 0 and _count(SurveyAnswer) == 0
    assert utcnow()  # the session is usable afterwards
