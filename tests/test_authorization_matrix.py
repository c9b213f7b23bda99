"""Who may call what: every rule of ``app.url_map`` × every method × every kind of visitor.

``ACCESS`` is the explicit table. A route or method that is not in it fails
``test_every_route_is_in_the_access_table``, so a new page cannot be added without deciding
who may use it. URL parameters are filled with real ids from a small seeded world, each role
using its own objects; ``test_other_peoples_objects_answer_404`` then points them at someone
else's.
"""

import pytest
from flask import g, url_for
from werkzeug.routing import Rule

from mri_match.awards import service as award_service
from mri_match.awards.uploads import check_document
from mri_match.extensions import db
from mri_match.matches import decisions, lifecycle, runs
from mri_match.matches.decisions import Pairing
from mri_match.models import (
    Match,
    MatchRun,
    Meeting,
    Milestone,
    Payment,
    Proposal,
    User,
    refresh_pair_summaries,
    utcnow,
)
from mri_match.surveys.questions import ensure_questions

PUBLIC = "public"  # anyone, signed in or not
LOGIN = "login"  # any signed-in person
TRAINEE = "trainee"
MENTOR = "mentor"
ADMIN = "admin"
PERSON = "trainee+mentor"  # trainees and mentors, about themselves; not admins

ROLES = ("anonymous", "trainee", "mentor", "admin")
ALLOWED = {
    PUBLIC: set(ROLES),
    LOGIN: {"trainee", "mentor", "admin"},
    TRAINEE: {"trainee"},
    MENTOR: {"mentor"},
    ADMIN: {"admin"},
    PERSON: {"trainee", "mentor"},
}

ACCESS = {
    # the front door, static files, health check
    ("GET", "main.index"): PUBLIC,
    ("GET", "main.favicon"): PUBLIC,
    ("GET", "static"): PUBLIC,
    ("GET", "bootstrap.static"): PUBLIC,
    ("GET", "deploy.healthz"): PUBLIC,
    # accounts
    ("GET", "auth.login"): PUBLIC,
    ("POST", "auth.login"): PUBLIC,
    ("POST", "auth.logout"): PUBLIC,
    ("GET", "auth.register"): PUBLIC,
    ("POST", "auth.register"): PUBLIC,
    ("GET", "auth.check_email"): PUBLIC,
    ("GET", "auth.confirm_email"): PUBLIC,
    ("POST", "auth.confirm_email"): PUBLIC,
    ("GET", "auth.reset_request"): PUBLIC,
    ("POST", "auth.reset_request"): PUBLIC,
    ("GET", "auth.reset_password"): PUBLIC,
    ("POST", "auth.reset_password"): PUBLIC,
    ("GET", "auth.change_password"): LOGIN,
    ("POST", "auth.change_password"): LOGIN,
    ("POST", "auth.end_other_sessions"): LOGIN,
    # trainees
    ("GET", "trainee.dashboard"): TRAINEE,
    ("GET", "trainee.apply"): TRAINEE,
    ("POST", "trainee.apply"): TRAINEE,
    ("GET", "trainee.view_application"): TRAINEE,
    ("GET", "trainee.edit_application"): TRAINEE,
    ("POST", "trainee.edit_application"): TRAINEE,
    ("POST", "trainee.submit_application"): TRAINEE,
    ("GET", "trainee.withdraw_application"): TRAINEE,
    ("POST", "trainee.withdraw_application"): TRAINEE,
    ("POST", "trainee.reopen_application"): TRAINEE,
    # self-identification, own data and own match: trainees and mentors
    ("GET", "trainee.self_identification"): PERSON,
    ("POST", "trainee.self_identification"): PERSON,
    ("POST", "trainee.delete_self_identification"): PERSON,
    ("GET", "privacy.my_data"): PERSON,
    ("GET", "privacy.download_my_data"): PERSON,
    ("POST", "privacy.delete_my_account"): PERSON,
    ("GET", "matches.my_match"): PERSON,
    ("POST", "matches.my_match"): PERSON,
    # alumni: consent and the yearly follow-up (the emailed link works without signing in)
    ("GET", "alumni.consent"): TRAINEE,
    ("POST", "alumni.consent"): TRAINEE,
    ("POST", "alumni.change_address"): TRAINEE,
    ("GET", "alumni.withdraw"): TRAINEE,
    ("POST", "alumni.withdraw"): TRAINEE,
    ("GET", "alumni.follow_up"): TRAINEE,
    ("POST", "alumni.follow_up"): TRAINEE,
    ("GET", "alumni.follow_up_link"): PUBLIC,
    ("POST", "alumni.follow_up_link"): PUBLIC,
    # mentors
    ("GET", "mentor.dashboard"): MENTOR,
    ("GET", "matches.offer_link"): MENTOR,
    ("POST", "matches.accept_offer"): MENTOR,
    ("GET", "matches.decline_offer"): MENTOR,
    ("POST", "matches.decline_offer"): MENTOR,
    ("GET", "mentor.profile"): MENTOR,
    ("POST", "mentor.profile"): MENTOR,
    ("GET", "mentor.offer"): MENTOR,
    ("POST", "mentor.offer"): MENTOR,
    ("GET", "mentor.pause"): MENTOR,
    ("POST", "mentor.pause"): MENTOR,
    ("POST", "mentor.resume"): MENTOR,
    ("GET", "mentor.publications"): MENTOR,
    ("POST", "mentor.publications"): MENTOR,
    ("POST", "mentor.publication_choices"): MENTOR,
    # admins: cycles, applications, mentors
    ("GET", "admin.cycles"): ADMIN,
    ("GET", "admin.cycle"): ADMIN,
    ("GET", "admin.new_cycle"): ADMIN,
    ("POST", "admin.new_cycle"): ADMIN,
    ("GET", "admin.edit_cycle"): ADMIN,
    ("POST", "admin.edit_cycle"): ADMIN,
    ("GET", "admin.move_cycle"): ADMIN,
    ("POST", "admin.move_cycle"): ADMIN,
    ("GET", "admin.applications"): ADMIN,
    ("POST", "admin.decide_many"): ADMIN,
    ("GET", "admin.application"): ADMIN,
    ("POST", "admin.decide_eligibility"): ADMIN,
    ("POST", "admin.verify_nominee"): ADMIN,
    ("GET", "admin.mentors"): ADMIN,
    ("GET", "admin.mentor"): ADMIN,
    ("POST", "admin.verify_membership"): ADMIN,
    ("GET", "alumni.family_tree"): ADMIN,
    ("POST", "alumni.link_trainee"): ADMIN,
    # admins: bulk import and export
    ("GET", "bulk.export_applications"): ADMIN,
    ("GET", "bulk.export_mentors"): ADMIN,
    ("GET", "bulk.import_people_page"): ADMIN,
    ("POST", "bulk.import_people_page"): ADMIN,
    ("POST", "bulk.resend_invitations"): ADMIN,
    ("GET", "bulk.import_template"): ADMIN,
    # admins: matching runs, review, matches, audit
    ("GET", "matches.runs_page"): ADMIN,
    ("POST", "matches.runs_page"): ADMIN,
    ("GET", "matches.run"): ADMIN,
    ("POST", "matches.bulk_confirm"): ADMIN,
    ("POST", "matches.resolve"): ADMIN,
    ("POST", "matches.retry"): ADMIN,
    ("GET", "matches.proposal"): ADMIN,
    ("POST", "matches.confirm"): ADMIN,
    ("GET", "matches.reject"): ADMIN,
    ("POST", "matches.reject"): ADMIN,
    ("POST", "matches.swap"): ADMIN,
    ("POST", "matches.lock"): ADMIN,
    ("GET", "matches.unlock"): ADMIN,
    ("POST", "matches.unlock"): ADMIN,
    ("POST", "matches.outcome"): ADMIN,
    ("GET", "matches.cycle_matches"): ADMIN,
    ("GET", "matches.export_matches"): ADMIN,
    ("GET", "matches.admin_match"): ADMIN,
    ("POST", "matches.admin_match"): ADMIN,
    ("GET", "matches.end_match"): ADMIN,
    ("GET", "matches.rematch_queue"): ADMIN,
    ("GET", "matches.resolve_rematch"): ADMIN,
    ("POST", "matches.resolve_rematch"): ADMIN,
    ("GET", "matches.audit"): ADMIN,
    # admins: privacy and reports
    ("GET", "privacy.admin_self_identification"): ADMIN,
    ("GET", "privacy.access_log"): ADMIN,
    ("GET", "reports.cycle_reports_page"): ADMIN,
    ("GET", "reports.cycle_report_csv"): ADMIN,
    ("GET", "reports.equity"): ADMIN,
    ("GET", "reports.equity_csv"): ADMIN,
    # after the match: the pair's meetings and check-ins, program health, email preferences
    ("GET", "mentorship.timeline"): PERSON,
    ("GET", "mentorship.log"): PERSON,
    ("POST", "mentorship.log"): PERSON,
    ("POST", "mentorship.confirm"): PERSON,
    ("GET", "mentorship.check_in"): PERSON,
    ("POST", "mentorship.check_in"): PERSON,
    ("GET", "mentorship.admin_timeline"): ADMIN,
    ("GET", "mentorship.health"): ADMIN,
    ("GET", "mentorship.health_export"): ADMIN,
    ("GET", "mentorship.settings"): ADMIN,
    ("POST", "mentorship.settings"): ADMIN,
    ("GET", "reminders.preferences"): PUBLIC,
    ("POST", "reminders.preferences"): PUBLIC,
    ("GET", "reports.outcomes_page"): ADMIN,
    ("GET", "reports.outcomes_csv"): ADMIN,
    # feedback surveys: the pair answers, admins edit questions and read answers
    ("GET", "surveys.take"): PERSON,
    ("POST", "surveys.take"): PERSON,
    ("GET", "surveys.questions"): ADMIN,
    ("POST", "surveys.timing"): ADMIN,
    ("GET", "surveys.new_question"): ADMIN,
    ("POST", "surveys.new_question"): ADMIN,
    ("GET", "surveys.edit_question"): ADMIN,
    ("POST", "surveys.edit_question"): ADMIN,
    ("GET", "surveys.remove_question"): ADMIN,
    ("POST", "surveys.remove_question"): ADMIN,
    ("GET", "surveys.pair_answers"): ADMIN,
    ("GET", "surveys.report_page"): ADMIN,
    ("GET", "surveys.report_csv"): ADMIN,
    # awards: the pair's milestones and files (the pair and admins download), admins' awards
    ("GET", "awards.pair"): PERSON,
    ("GET", "awards.milestone"): PERSON,
    ("POST", "awards.milestone"): PERSON,
    ("POST", "awards.mark_done"): PERSON,
    ("POST", "awards.sign_off"): MENTOR,
    ("POST", "awards.send_back"): MENTOR,
    ("GET", "awards.document"): LOGIN,
    ("GET", "awards.cycle_awards"): ADMIN,
    ("GET", "awards.new_template"): ADMIN,
    ("POST", "awards.new_template"): ADMIN,
    ("GET", "awards.template"): ADMIN,
    ("POST", "awards.add_milestone"): ADMIN,
    ("GET", "awards.edit_milestone"): ADMIN,
    ("POST", "awards.edit_milestone"): ADMIN,
    ("GET", "awards.remove_milestone"): ADMIN,
    ("POST", "awards.remove_milestone"): ADMIN,
    ("POST", "awards.add_payment"): ADMIN,
    ("GET", "awards.remove_payment"): ADMIN,
    ("POST", "awards.remove_payment"): ADMIN,
    ("POST", "awards.apply"): ADMIN,
    ("GET", "awards.export"): ADMIN,
    ("GET", "awards.admin_pair"): ADMIN,
    ("POST", "awards.confirm_milestone"): ADMIN,
    ("GET", "awards.release"): ADMIN,
    ("POST", "awards.release"): ADMIN,
}

RESEARCH = {
    "role": "research",
    "objective": "total",
    "same_institution": "ignore",
    "must_have": [],
    "min_score": 0.0,
    "weights": {"text": 5, "topics": 4, "needs": 3, "meeting": 2, "geography": 2},
}


def _methods(rule: Rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _routes(app) -> list[tuple[str, str, Rule]]:
    return [
        (method, rule.endpoint, rule)
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule))
        for method in _methods(rule)
    ]


class World:
    """A closed cycle after a matching run: two trainees, two mentors, one match, one request."""

    def __init__(self, factory):
        self.cycle = factory.cycle(status="closed", closes_in_days=-1)
        self.admin = factory.user("admin")
        self.admin.can_view_self_identification = True
        self.mentor = factory.mentor(cycle=self.cycle)
        self.other_mentor = factory.mentor(cycle=self.cycle)
        self.application = factory.application(
            cycle=self.cycle,
            nominated={"name": "Dr Nominee", "email": "nominee@example.org", "institution": "X"},
        )
        self.other_application = factory.application(cycle=self.cycle)
        self.run = runs.run_matching(self.cycle, RESEARCH, actor=self.admin)
        self.proposal = db.session.scalar(
            db.select(Proposal).filter_by(run_id=self.run.id).order_by(Proposal.id)
        )
        # the career mentor signs off this cycle's medical-student award
        self.template = award_service.create_template(
            self.cycle, "Medical student", actor=self.admin, defaults=True, role="career"
        )
        self.match = decisions.create_match(
            Pairing(application=self.application, mentor=self.mentor, role="career", score=0.5),
            actor=self.admin,
        )
        db.session.commit()
        lifecycle.accept_offer(self.match, actor=self.mentor.user)
        db.session.commit()
        self.milestone = db.session.scalar(
            db.select(Milestone).filter_by(match_id=self.match.id, title="Project plan")
        )
        award_service.hand_in(
            self.milestone,
            check_document("plan.pdf", b"%PDF-1.4\n%%EOF\n"),
            person=self.application.trainee,
        )
        self.payment = db.session.scalar(db.select(Payment).filter_by(match_id=self.match.id))
        db.session.commit()
        self.rematch = decisions.request_rematch(
            self.match, person=self.application.trainee, reason="Different time zones."
        )
        db.session.commit()
        self.meeting = Meeting(
            match=self.match,
            logged_by_id=self.application.trainee_id,
            held_on=utcnow().date(),
            minutes=30,
            format="video",
        )
        db.session.add(self.meeting)
        db.session.flush()
        refresh_pair_summaries(Match.id == self.match.id)
        db.session.commit()
        self.question = ensure_questions(self.cycle)[0]
        assert self.proposal is not None and db.session.get(MatchRun, self.run.id)

    def users(self):
        return {
            "anonymous": None,
            "trainee": self.application.trainee_id,
            "mentor": self.mentor.user_id,
            "admin": self.admin.id,
            "other trainee": self.other_application.trainee_id,
            "other mentor": self.other_mentor.user_id,
        }

    def values(self) -> dict:
        """Every URL variable the app uses, pointing at the first trainee's and mentor's things."""
        return {
            "slug": self.cycle.slug,
            "application_id": self.application.id,
            "match_id": self.match.id,
            "offer_id": self.mentor.offers[0].id,
            "mentor_id": self.mentor.id,
            "proposal_id": self.proposal.id,
            "run_id": self.run.id,
            "request_id": self.rematch.id,
            "meeting_id": self.meeting.id,
            "user_id": self.application.trainee_id,
            "token": "not-a-valid-token",
            "state": "draft",  # not a move a closed cycle may make: nothing changes
            "action": "decline",
            "name": "funnel",
            "kind": "trainee",
            "fmt": "csv",
            "survey": "midpoint",
            "question_id": self.question.id,
            "template_id": self.template.id,
            "item_id": self.template.milestones[-1].id,
            "award_payment_id": self.template.payments[-1].id,
            "milestone_id": self.milestone.id,
            "payment_id": self.payment.id,
        }


STATIC_FILES = {"static": "css/app.css", "bootstrap.static": "css/bootstrap.min.css"}


def _url(rule: Rule, values: dict) -> str:
    args = {}
    for name in rule.arguments:
        if name == "filename":
            args[name] = STATIC_FILES[rule.endpoint]
        else:
            assert name in values, f"{rule.rule}: give the seeded world a value for <{name}>"
            args[name] = values[name]
    return url_for(rule.endpoint, _external=False, **args)


def _client_as(app, user_id):
    # The tests hold one app context open, and Flask-Login caches the signed-in user on its
    # ``g``: forget it, or the previous request's visitor would answer for this one.
    g.pop("_login_user", None)
    client = app.test_client()
    if user_id is not None:
        session_id = db.session.get(User, user_id).get_id()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
    return client


def _call(app, user_id, method, url):
    client = _client_as(app, user_id)
    # A harmless field, so forms see a submission (and mostly refuse it) rather than defaults.
    data = {"probe": "1"} if method == "POST" else None
    response = client.open(url, method=method, data=data)
    response.close()
    return response


def _verdict(access: str, role: str, response) -> str | None:
    """None if the response is what the table expects, else what went wrong."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if status >= 500:
        return f"server error {status}"
    if role in ALLOWED[access]:
        if status in (401, 403, 404, 405):
            return f"expected access, got {status}"
        if status == 302 and "/auth/login?next=" in location:
            return f"expected access, was sent to log in ({location})"
        return None
    if role == "anonymous":
        if status == 302 and "/auth/login" in location:
            return None
        return f"expected a redirect to log in, got {status} {location}"
    if status != 403:
        return f"expected 403, got {status}"
    return None


@pytest.fixture
def world(factory):
    return World(factory)


def test_every_route_is_in_the_access_table(app):
    missing = [(m, e, r.rule) for m, e, r in _routes(app) if (m, e) not in ACCESS]
    assert missing == [], "Add these to ACCESS in tests/test_authorization_matrix.py"


def test_the_access_table_names_only_existing_routes(app):
    existing = {(m, e) for m, e, _ in _routes(app)}
    assert sorted(set(ACCESS) - existing) == []


def test_every_route_answers_each_role_as_the_table_says(app, world):
    users = world.users()
    values = world.values()
    # Reads first, then writes; within each, the admin last, so its actions (confirming,
    # re-running) change the world only after the others have been checked.
    routes = sorted(_routes(app), key=lambda item: item[0] != "GET")
    problems = []
    for method, endpoint, rule in routes:
        url = _url(rule, values)
        for role in ROLES:
            response = _call(app, users[role], method, url)
            problem = _verdict(ACCESS.get((method, endpoint), "?"), role, response)
            if problem:
                problems.append(f"{method} {url} ({endpoint}) as {role}: {problem}")
    assert problems == [], "\n".join(problems)


# Each pair: who asks, for which route, with the id of whose object.
NOT_YOURS = [
    ("other trainee", "GET", "trainee.view_application"),
    ("other trainee", "GET", "trainee.edit_application"),
    ("other trainee", "POST", "trainee.edit_application"),
    ("other trainee", "POST", "trainee.submit_application"),
    ("other trainee", "GET", "trainee.withdraw_application"),
    ("other trainee", "POST", "trainee.withdraw_application"),
    ("other trainee", "POST", "trainee.reopen_application"),
    ("other trainee", "GET", "matches.my_match"),
    ("other trainee", "POST", "matches.my_match"),
    ("other mentor", "GET", "matches.my_match"),
    ("other mentor", "POST", "matches.my_match"),
    ("other mentor", "POST", "matches.accept_offer"),
    ("other mentor", "GET", "matches.decline_offer"),
    ("other mentor", "POST", "matches.decline_offer"),
    ("other mentor", "GET", "mentor.pause"),
    ("other mentor", "POST", "mentor.pause"),
    ("other mentor", "POST", "mentor.resume"),
    ("other trainee", "GET", "mentorship.timeline"),
    ("other trainee", "GET", "mentorship.log"),
    ("other trainee", "POST", "mentorship.log"),
    ("other trainee", "POST", "mentorship.confirm"),
    ("other trainee", "GET", "mentorship.check_in"),
    ("other mentor", "POST", "mentorship.check_in"),
    ("other mentor", "POST", "mentorship.confirm"),
    ("other trainee", "GET", "surveys.take"),
    ("other mentor", "POST", "surveys.take"),
    ("other trainee", "GET", "awards.pair"),
    ("other trainee", "GET", "awards.milestone"),
    ("other trainee", "POST", "awards.milestone"),
    ("other trainee", "POST", "awards.mark_done"),
    ("other trainee", "GET", "awards.document"),
    ("other mentor", "GET", "awards.document"),
    ("other mentor", "GET", "awards.pair"),
    ("other mentor", "POST", "awards.sign_off"),
    ("other mentor", "POST", "awards.send_back"),
]


def test_other_peoples_objects_answer_404(app, world):
    users = world.users()
    values = world.values()
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    problems = []
    for who, method, endpoint in NOT_YOURS:
        url = _url(rules[endpoint], values)
        status = _call(app, users[who], method, url).status_code
        if status != 404:
            problems.append(f"{method} {url} as {who}: {status}")
    assert problems == [], "\n".join(problems)


def test_ids_that_do_not_exist_answer_404_even_to_admins(app, world):
    users = world.users()
    values = {
        **world.values(),
        **dict.fromkeys(
            ("application_id", "match_id", "mentor_id", "proposal_id", "run_id", "request_id"),
            999_999,
        ),
    }
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith(("admin.", "matches.", "mentorship."))
    ]
    problems = []
    for rule in rules:
        if not set(rule.arguments) & {
            "application_id",
            "match_id",
            "mentor_id",
            "proposal_id",
            "run_id",
            "request_id",
        }:
            continue
        access = ACCESS.get(("GET", rule.endpoint)) or ACCESS.get(("POST", rule.endpoint), ADMIN)
        role = {ADMIN: "admin", MENTOR: "mentor"}.get(access, "trainee")
        for method in _methods(rule):
            status = _call(app, users[role], method, _url(rule, values)).status_code
            if status != 404:
                problems.append(f"{method} {rule.rule} as {role}: {status}")
    assert problems == [], "\n".join(problems)
