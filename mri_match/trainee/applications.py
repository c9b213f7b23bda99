"""Queries and changes for a trainee's own applications; the views call these and commit."""

from ..extensions import db
from ..models import Application, Cycle, NominatedMentor, record, utcnow


def applications_of(trainee) -> list[Application]:
    """The trainee's applications, newest cycle first (cycle and nominee load with them)."""
    return list(
        db.session.scalars(
            db.select(Application)
            .filter_by(trainee_id=trainee.id)
            .join(Application.cycle)
            .order_by(Cycle.opens_at.desc(), Application.id.desc())
        ).unique()
    )


def open_cycles_for(trainee) -> list[Cycle]:
    """Cycles taking applications now that the trainee has not started an application for."""
    now = utcnow()
    started = db.select(Application.cycle_id).filter_by(trainee_id=trainee.id)
    return list(
        db.session.scalars(
            Cycle.visible_to_people().where(
                Cycle.status == "open",
                Cycle.opens_at <= now,
                Cycle.closes_at > now,
                Cycle.id.not_in(started),
            )
        )
    )


def visible_cycle(slug: str) -> Cycle:
    """A cycle trainees may see, by its slug; 404 for drafts and unknown slugs."""
    return db.first_or_404(Cycle.visible_to_people().filter_by(slug=slug))


def own_application(trainee, application_id: int) -> Application:
    """The trainee's own application; another person's id answers 404, like a missing one."""
    return db.first_or_404(
        db.select(Application).filter_by(id=application_id, trainee_id=trainee.id)
    )


def application_for(trainee, cycle: Cycle) -> Application | None:
    return db.session.scalar(
        db.select(Application).filter_by(cycle_id=cycle.id, trainee_id=trainee.id)
    )


def latest_application(trainee) -> Application | None:
    """The trainee's most recent application, to start a new cycle's form from."""
    return db.session.scalar(
        db.select(Application)
        .filter_by(trainee_id=trainee.id)
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(1)
    )


def save_answers(application: Application, values: dict, nominee: dict | None, *, actor) -> None:
    """Write validated answers onto the application (the caller commits once)."""
    topics = values.pop("topics")
    for name, value in values.items():
        setattr(application, name, value)
    application.topics = topics
    _set_nominee(application, nominee, actor=actor)


def _set_nominee(application: Application, details: dict | None, *, actor) -> None:
    """Name, change or drop the research mentor; changed details need verifying again."""
    current = application.nominated_mentor
    if details is None:
        application.nominated_mentor = None
        return
    if current is None:
        application.nominated_mentor = NominatedMentor(**details)
        return
    if all(getattr(current, key) == value for key, value in details.items()):
        return
    for key, value in details.items():
        setattr(current, key, value)
    if current.verified_at is not None:
        current.verified_at = None
        current.verified_by_id = None
        record(
            current,
            "verification_reset",
            actor=actor,
            from_state="verified",
            to_state="unverified",
            reason="The trainee changed the research mentor’s details.",
        )
