"""Alumni for the tests: trainees whose match has ended, their consent, and the answers of a
yearly follow-up."""

from datetime import timedelta

from mri_match.alumni import service
from mri_match.extensions import db
from mri_match.models import AlumniRecord, Application, Match, utcnow

#: One year's follow-up answers, as the service takes them.
ANSWERS = {
    "training_stage": "residency",
    "degree_status": "completed",
    "degree_completed": "MD",
    "specialty": "hematology_oncology",
    "fellowship": None,
    "faculty_post": None,
    "grants": 1,
    "abstracts": 2,
    "papers": 1,
    "ash_member": True,
    "attended_annual_meeting": True,
    "mentors_now": False,
}


def completed_cycle(factory, days_ago: int, **kw):
    cycle = factory.cycle(status="completed", **kw)
    cycle.completed_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return cycle


def mentored(
    factory, cycle, mentor=None, trainee=None, status="ended", accepted=True, respond_by=None, **kw
) -> Application:
    """A trainee who had ``mentor`` (a new one if not given) in ``cycle``."""
    application = factory.application(cycle=cycle, trainee=trainee, status="eligible", **kw)
    mentor = mentor or factory.mentor(cycle=cycle)
    db.session.add(
        Match(
            cycle=cycle,
            application=application,
            mentor=mentor,
            role="research",
            status=status,
            accepted_at=utcnow() if accepted else None,
            respond_by=respond_by,
        )
    )
    db.session.commit()
    return application


def consented(user, email=None) -> AlumniRecord:
    alumni = service.give_consent(user, email)
    db.session.commit()
    return alumni


def answered_cohort(factory, cycle, mentor, names, *, answering: int) -> list[Application]:
    """A trainee of each name mentored by ``mentor`` in ``cycle`` (ended); the first
    ``answering`` of them agreed to stay in touch and answered this year's follow-up."""
    cohort = [mentored(factory, cycle, mentor, full_name=name) for name in names]
    for application in cohort[:answering]:
        alumni = consented(application.trainee)
        service.save_response(alumni, service.open_round(alumni), ANSWERS)
    db.session.commit()
    return cohort
