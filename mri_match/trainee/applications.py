"""Queries and changes for a trainee's own applications; the views call these and commit."""

from functools import cache

from sqlalchemy import and_, bindparam, or_
from sqlalchemy.orm import contains_eager, lazyload, load_only

from ..access import prefetched_rows
from ..extensions import db
from ..matches.dashboard import MyMatch, from_rows, with_matches
from ..models import (
    Application,
    Cycle,
    NominatedMentor,
    User,
    record,
    session_user_condition,
    utcnow,
)

#: What the dashboard shows of a cycle (and what its status line's methods read).
CYCLE_SHOWN = (Cycle.name, Cycle.slug, Cycle.status, Cycle.opens_at, Cycle.closes_at)


@cache
def _dashboard_statement(with_user: bool):
    """Built once per form: the dashboard runs it on every visit, and building the statement
    (with its loader options) costs more than the query itself. ``with_user``: the signed-in
    user's row comes in the same statement (see :func:`dashboard_with_user`)."""
    now, trainee_id = bindparam("now"), bindparam("trainee_id")
    taking_applications = and_(Cycle.status == "open", Cycle.opens_at <= now, Cycle.closes_at > now)
    # each cycle once, with the trainee's application to it if there is one
    cycles = Cycle.__table__.outerjoin(
        Application.__table__,
        and_(Application.cycle_id == Cycle.id, Application.trainee_id == trainee_id),
    )
    shown = or_(Application.id.is_not(None), and_(Cycle.status != "draft", taking_applications))
    if with_user:
        statement = db.select(User, Cycle, Application).where(session_user_condition(trainee_id))
        joined = User.__table__.outerjoin(cycles, shown)
    else:
        statement = db.select(Cycle, Application).where(shown)
        joined = cycles
    # cycles and applications in the page's order, then each application's matches
    statement = statement.order_by(Cycle.opens_at.desc(), Cycle.id, Application.id.desc())
    return with_matches(statement, joined).options(
        # only what the dashboard shows: statements and answers stay in the database
        load_only(*CYCLE_SHOWN),
        load_only(Application.cycle_id, Application.trainee_id, Application.status),
        contains_eager(Application.cycle).load_only(*CYCLE_SHOWN),  # the row's cycle
        lazyload(Application.topic_links),
        lazyload(Application.nominated_mentor),
        lazyload(Application.trainee),
    )


def dashboard_with_user(user_id: int):
    """The signed-in user and the dashboard's rows in one statement (one row per cycle shown
    and match of its application, or one row with no cycle): the user loader runs this for the
    dashboard, so the page costs one round trip. The user is None when the session's account
    is missing or deleted."""
    rows = db.session.execute(
        _dashboard_statement(True), {"trainee_id": user_id, "now": utcnow()}
    ).all()
    if not rows:
        return None, []
    return rows[0][0], [row for row in rows if row.Cycle is not None]


def dashboard(trainee) -> tuple[list[Application], list[Cycle], list[MyMatch]]:
    """The trainee's applications with their cycles (newest cycle first), the cycles taking
    applications now that the trainee has not started one for, and the trainee's matches with
    what the page says of each (:func:`..matches.dashboard.with_matches`), in one statement,
    or none when the user loader fetched the rows already (:func:`dashboard_with_user`).

    The dashboard is the page every trainee opens first, so it costs one round trip rather than
    one per list. Topics, nominee and the trainee (the current user) are not loaded; the
    query-count tests would notice a template touching them per row.
    """
    rows = prefetched_rows(dashboard_with_user)
    if rows is None:
        rows = db.session.execute(
            _dashboard_statement(False), {"trainee_id": trainee.id, "now": utcnow()}
        ).all()
    applications, open_cycles, seen = [], [], set()
    for row in rows:
        key = (row.Cycle.id, row.Application and row.Application.id)
        if key in seen:  # the same cycle and application: a row per match and milestone
            continue
        seen.add(key)
        if row.Application is None:
            open_cycles.append(row.Cycle)
        else:
            applications.append(row.Application)
    return applications, open_cycles, from_rows(rows, trainee)


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


WITHDRAWN_REASON = "The trainee withdrew their application."


def withdraw(application: Application, *, actor, reason: str | None) -> None:
    """Withdraw the application and, in the same transaction, end or cancel its live matches
    (the mentor and the admins are told; the mentor's place is free). The caller commits."""
    from ..matches.lifecycle import close_matches_of_application

    application.withdraw(actor=actor, reason=reason)
    close_matches_of_application(application, actor=actor, reason=WITHDRAWN_REASON)
