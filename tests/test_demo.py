"""The seed-demo and demo-logins commands."""

import statistics
from collections import Counter

import pytest
from werkzeug.datastructures import MultiDict

from mri_match.demo import (
    ADMIN_EMAIL,
    DEMO_PASSWORD,
    DEMO_SLUG,
    make_plan,
    mentor_email,
    tables,
    trainee_email,
)
from mri_match.extensions import db
from mri_match.mentor.forms import MentorProfileForm
from mri_match.models import (
    Application,
    Cycle,
    MentorOffer,
    MentorProfile,
    NominatedMentor,
    SelfIdentification,
    User,
    history,
)
from mri_match.vocabulary import DEFAULT_TRACKS, timezone_choices, topic_labels


def count(model, *where) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def seed(runner, *args):
    return runner.invoke(args=["seed-demo", *args])


def snapshot() -> list[tuple]:
    rows = db.session.scalars(db.select(Application).order_by(Application.id))
    mentors = db.session.scalars(db.select(MentorProfile).order_by(MentorProfile.id))
    return [
        (a.trainee.email, a.full_name, a.topics, a.research_statement, a.institution) for a in rows
    ] + [(m.user.email, m.full_name, m.topics, m.expertise_statement, m.offers[0].capacity)
         for m in mentors]  # fmt: skip


def test_seed_demo_creates_the_cycle_and_people_asked_for(runner):
    result = seed(runner, "--trainees", "12", "--mentors", "6", "--alumni", "0", "--seed", "7")
    assert result.exit_code == 0, result.output
    cycle = db.session.scalar(db.select(Cycle).filter_by(slug=DEMO_SLUG))
    assert cycle.status == "open"
    assert cycle.accepts_applications()
    assert cycle.tracks == DEFAULT_TRACKS
    assert count(User, User.role == "admin") == 1
    assert count(User, User.role == "trainee") == 12
    assert count(User, User.role == "mentor") == 6
    submitted = count(
        Application, Application.cycle_id == cycle.id, Application.status == "submitted"
    )
    assert submitted == 12
    assert count(MentorProfile) == 6
    assert count(MentorOffer, MentorOffer.cycle_id == cycle.id) == 6
    assert "12 trainees, 6 mentors" in result.output
    assert ADMIN_EMAIL in result.output
    assert DEMO_PASSWORD in result.output


def test_seed_demo_defaults_to_sixty_trainees_and_thirty_mentors(runner):
    result = seed(runner)
    assert result.exit_code == 0, result.output
    demo_cycle = db.select(Cycle.id).filter_by(slug=DEMO_SLUG).scalar_subquery()
    assert count(Application, Application.cycle_id == demo_cycle) == 60
    assert count(MentorProfile) == 30
    assert trainee_email(60) in result.output
    assert mentor_email(30) in result.output
    # a few nominated research mentors, self-identification with and without consent
    assert 1 <= count(NominatedMentor) <= 15
    consents = Counter(db.session.scalars(db.select(SelfIdentification.consent_use_for_matching)))
    assert consents[True] > 0 and consents[False] > 0


def test_same_seed_gives_the_same_demo(runner, app):
    assert seed(runner, "--trainees", "15", "--mentors", "8", "--seed", "11").exit_code == 0
    first = snapshot()
    db.session.remove()
    db.drop_all()
    db.create_all()
    assert seed(runner, "--trainees", "15", "--mentors", "8", "--seed", "11").exit_code == 0
    assert snapshot() == first


def test_plan_is_deterministic_per_seed():
    assert make_plan(30, 10, seed=5) == make_plan(30, 10, seed=5)
    assert make_plan(30, 10, seed=5) != make_plan(30, 10, seed=6)


def test_plan_is_varied_and_realistic():
    plan = make_plan(400, 150, seed=2024)
    trainees, mentors = plan["trainees"], plan["mentors"]
    zones = dict(timezone_choices())
    labels = topic_labels()

    demand = Counter(code for t in trainees for code in t["topics"])
    assert demand.most_common(1)[0][1] > 4 * statistics.median(demand.values())
    assert all(code in labels for t in trainees + mentors for code in t["topics"])
    for t in trainees:
        app = t["application"]
        assert 50 <= len(app["research_statement"]) <= 2000
        assert app["timezone"] in zones
        assert app["track"] in DEFAULT_TRACKS
        assert app["requested_roles"]
    nominated = sum(1 for t in trainees if t["nominated"])
    assert 0.05 * len(trainees) <= nominated <= 0.15 * len(trainees)
    capacities = Counter(m["offer"]["capacity"] for m in mentors)
    assert set(capacities) <= set(range(6))
    assert capacities[1] + capacities[2] + capacities[3] > 0.7 * len(mentors)
    assert len({m["profile"]["ash_member_number"] for m in mentors}) == len(mentors)
    assert len({t["application"]["institution"] for t in trainees}) > 20
    assert {m["profile"]["country"] for m in mentors} == {
        c[3] for c in tables()["academic_centers"]
    }
    # statements are written from the vocabulary, so text matching has words to use
    text = " ".join(t["application"]["research_statement"] for t in trainees).lower()
    assert "sickle cell disease" in text and "acute myeloid leukemia" in text


def test_demo_mentor_profiles_pass_the_profile_form(app):
    for mentor in make_plan(0, 40, seed=3)["mentors"]:
        data = MultiDict({k: v for k, v in mentor["profile"].items() if isinstance(v, str)})
        for key in ("stages_accepted", "needs_offered", "meeting_formats", "languages"):
            for value in mentor["profile"][key]:
                data.add(key, value)
        for code in mentor["topics"]:
            data.add("topics", code)
        with app.test_request_context(method="POST", data=data):
            form = MentorProfileForm()
            assert form.validate(), form.errors


def test_demo_logins_work_through_the_login_form(runner, client, auth):
    assert seed(runner, "--trainees", "3", "--mentors", "2").exit_code == 0
    unconfirmed = db.select(db.func.count(User.id)).where(User.email_confirmed_at.is_(None))
    assert db.session.scalar(unconfirmed) == 0  # every demo account is ready to use
    for email, home in [
        (ADMIN_EMAIL, "/admin"),
        (trainee_email(1), "/trainee"),
        (mentor_email(1), "/mentor"),
    ]:
        response = auth.login(email, DEMO_PASSWORD)
        assert response.status_code == 302, email
        assert client.get("/").headers["Location"].startswith(home), email
        auth.logout()
    auth.login(mentor_email(1), DEMO_PASSWORD)
    page = client.get("/mentor/").get_data(as_text=True)
    assert "MRI 2026–27 Demo" in page


def test_paused_demo_offers_have_history(runner):
    assert seed(runner, "--trainees", "0", "--mentors", "120", "--seed", "1").exit_code == 0
    paused = db.session.scalars(db.select(MentorOffer).filter_by(status="paused")).all()
    assert paused
    assert [e.to_state for e in history(paused[0])] == ["paused"]


def test_second_run_refuses_clearly_and_changes_nothing(runner):
    assert seed(runner, "--trainees", "4", "--mentors", "2", "--alumni", "0").exit_code == 0
    result = seed(runner, "--trainees", "4", "--mentors", "2")
    assert result.exit_code == 1
    assert "demo data already exists" in result.output
    assert "nothing was changed" in result.output
    assert count(User) == 7


def test_if_empty_seeds_once_then_exits_quietly(runner):
    first = seed(runner, "--if-empty", "--trainees", "4", "--mentors", "2", "--alumni", "0")
    assert first.exit_code == 0
    assert "Created" in first.output
    second = seed(runner, "--if-empty")
    assert second.exit_code == 0
    assert second.output == ""
    assert count(User) == 7


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--trainees", "-1"], "Invalid value for '--trainees'"),
        (["--mentors", "-5"], "Invalid value for '--mentors'"),
        (["--trainees", "many"], "Invalid value for '--trainees'"),
        (["--mentors", "100000"], "Invalid value for '--mentors'"),
        (["--seed", "abc"], "Invalid value for '--seed'"),
        (["--bogus"], "No such option"),
    ],
)
def test_bad_options_are_refused_with_a_clear_message(runner, args, complaint):
    result = seed(runner, *args)
    assert result.exit_code == 2
    assert complaint in result.output
    assert count(User) == 0


def test_seed_demo_help_describes_the_options(runner):
    result = runner.invoke(args=["seed-demo", "--help"])
    assert result.exit_code == 0
    for option in ("--trainees", "--mentors", "--alumni", "--seed", "--if-empty", "default: 60"):
        assert option in result.output


def test_demo_logins_before_and_after_seeding(runner):
    before = runner.invoke(args=["demo-logins"])
    assert before.exit_code == 0
    assert "no demo data yet" in before.output
    seed(runner, "--trainees", "5", "--mentors", "3")
    after = runner.invoke(args=["demo-logins"])
    assert after.exit_code == 0
    assert ADMIN_EMAIL in after.output
    assert f"{trainee_email(1)} … {trainee_email(5)}" in after.output
    assert f"{mentor_email(1)} … {mentor_email(3)}" in after.output
    assert DEMO_PASSWORD in after.output


def test_seed_demo_refuses_to_run_in_production(make_app):
    app = make_app(
        APP_ENV="production", SECRET_KEY="a-real-secret-for-this-test", TRUSTED_HOSTS=["localhost"]
    )
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 1
        assert "APP_ENV=production" in result.output
        assert count(User) == 0


def test_demo_and_engine_write_from_one_phrase_bank():
    """data/topic_phrases.csv covers every topic, and the demo's statements use its phrases."""
    from mri_match.engine.synth import field_phrases

    bank = field_phrases()
    assert set(bank) == set(topic_labels())
    for mentor in make_plan(0, 20, seed=4)["mentors"]:
        statement = mentor["profile"]["expertise_statement"]
        assert any(phrase in statement for phrase in bank[mentor["topics"][0]])


def test_seed_demo_fills_past_cycles_with_alumni_outcomes_and_a_family_tree(runner):
    from mri_match.alumni.tree import family_of
    from mri_match.models import AlumniRecord, FollowUpResponse, FormerTraineeLink, Match
    from mri_match.reports.outcomes import outcomes_report

    result = seed(runner, "--trainees", "4", "--mentors", "6", "--alumni", "30", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "Added 30 past trainees in MRI 2023–24, MRI 2024–25." in result.output
    past = db.session.scalars(db.select(Cycle).where(Cycle.status == "completed")).all()
    assert len(past) == 2 and all(c.completed_at for c in past)
    # a few award pairs of the later cycle are still under way (see test_demo_awards.py)
    assert count(Match, Match.status.in_(("ended", "active"))) == 30
    assert 15 <= count(AlumniRecord) <= 30 and count(FollowUpResponse) >= 10
    report = outcomes_report()
    assert report.awardees == 30 and report.response_rate.total.count >= 10
    link = db.session.scalar(db.select(FormerTraineeLink))
    family = family_of(db.session.get(MentorProfile, link.mentor_id))
    assert family.mentored_by and family.former_trainee


def test_seed_demo_fills_the_past_cycles_survey_reports(runner):
    from mri_match.models import SurveyAnswer, SurveyResponse
    from mri_match.surveys.report import survey_report

    result = seed(runner, "--trainees", "4", "--mentors", "6", "--alumni", "30", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert count(SurveyResponse) >= 30 and count(SurveyAnswer, SurveyAnswer.text.is_not(None))
    cycle = db.session.scalar(db.select(Cycle).filter_by(slug="demo-2024"))
    midpoint, end = survey_report(cycle).sections
    assert midpoint.invited == end.invited > 0 and 0 < midpoint.answered < midpoint.invited
    assert any(result.texts for result in end.questions)
    assert any(not group.suppressed for group in midpoint.rates)
