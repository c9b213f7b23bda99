"""Alumni consent and the yearly follow-up: who may consent, when a follow-up is due, the
signed link in its email, and saving one answer per person and year. The views and the
command call these and commit."""

from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    AlumniRecord,
    Application,
    Cycle,
    FollowUpResponse,
    Match,
    User,
    normalise_email,
    record,
    utcnow,
)

#: A follow-up link works for a year: until the next year's follow-up replaces it.
LINK_MAX_AGE = 366 * 24 * 3600


def mentored(user_id_column):
    """SQL condition: the trainee account in ``user_id_column`` has been mentored."""
    return (
        db.select(Match.id)
        .join(Application, Application.id == Match.application_id)
        .where(Application.trainee_id == user_id_column, Match.was_mentorship)
        .exists()
    )


def may_consent(user) -> bool:
    """Alumni are trainees who had a mentor through the program."""
    return user.role == "trainee" and bool(db.session.scalar(db.select(mentored(user.id))))


def give_consent(user, email: str | None) -> AlumniRecord:
    """Create (or update the address of) the person's alumni record; the caller commits."""
    email = normalise_email(email) if email else None
    alumni = AlumniRecord.of_user(user)
    if alumni is None:
        alumni = AlumniRecord(user_id=user.id, email=email, consented_at=utcnow())
        db.session.add(alumni)
        record(user, "alumni_consent", actor=user, to_state="consented")
    else:
        alumni.email = email
    db.session.flush()
    from .links import link_by_account

    link_by_account(alumni=alumni)
    return alumni


def withdraw_consent(user) -> bool:
    """Delete the person's alumni record and every answer; False if there was none."""
    alumni = AlumniRecord.of_user(user)
    if alumni is None:
        return False
    db.session.delete(alumni)
    record(user, "alumni_withdrawn", actor=user, to_state="withdrawn")
    return True


# --- when a follow-up is due ------------------------------------------------------------------


def anchors(*user_ids: int) -> dict[int, datetime]:
    """When each person's mentorship ended for the program (all people when none are named):
    the completion of the latest completed cycle in which they were mentored. Follow-ups fall
    on its anniversaries. One query."""
    stmt = (
        db.select(Application.trainee_id, db.func.max(Cycle.completed_at))
        .join(Match, Match.application_id == Application.id)
        .join(Cycle, Cycle.id == Match.cycle_id)
        .where(
            Match.was_mentorship,
            Cycle.status == "completed",
            Cycle.completed_at.is_not(None),
        )
        .group_by(Application.trainee_id)
    )
    if user_ids:
        stmt = stmt.where(Application.trainee_id.in_(user_ids))
    return {user_id: at for user_id, at in db.session.execute(stmt)}


def open_round(alumni: AlumniRecord, now: datetime | None = None) -> int | None:
    """The follow-up year the person may answer now, if any."""
    return current_round(anchors(alumni.user_id).get(alumni.user_id), now)


def anniversary(start: datetime, year: int) -> datetime:
    """``start`` moved to ``year`` (29 February falls on the 28th in other years)."""
    try:
        return start.replace(year=year)
    except ValueError:
        return start.replace(year=year, day=28)


def current_round(start: datetime | None, now: datetime | None = None) -> int | None:
    """The follow-up year open now: the latest anniversary of ``start`` that has passed, or
    None in the first year after the cycle (and before any cycle completed)."""
    if start is None:
        return None
    now = now or utcnow()
    year = now.year if anniversary(start, now.year) <= now else now.year - 1
    return year if year > start.year else None


def due_followups(now: datetime | None = None) -> list[tuple[AlumniRecord, int]]:
    """Every consenting person whose follow-up for this year is open and unanswered."""
    now = now or utcnow()
    alumni = db.session.scalars(
        db.select(AlumniRecord).join(User, User.id == AlumniRecord.user_id).where(User.active)
    ).all()
    answered = set(
        db.session.execute(db.select(FollowUpResponse.alumni_id, FollowUpResponse.year)).all()
    )
    ends = anchors()
    due = []
    for person in alumni:
        year = current_round(ends.get(person.user_id), now)
        if year is not None and (person.id, year) not in answered:
            due.append((person, year))
    return due


# --- the signed link ---------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="alumni-follow-up")


def link_token(alumni: AlumniRecord, year: int) -> str:
    return _serializer().dumps({"alumni": alumni.id, "year": year})


def from_token(token: str) -> tuple[AlumniRecord, int] | None:
    """The record and year a link names, or None when it is forged, expired, or the person
    has withdrawn their consent since."""
    try:
        data = _serializer().loads(token, max_age=LINK_MAX_AGE)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("year"), int):
        return None
    alumni = db.session.get(AlumniRecord, data.get("alumni")) if data.get("alumni") else None
    if alumni is None or not alumni.user.active:
        return None
    return alumni, data["year"]


# --- answers -----------------------------------------------------------------------------------


def save_response(alumni: AlumniRecord, year: int, answers: dict) -> FollowUpResponse:
    """The person's answers for ``year``: one row per person and year, so answering again
    that year changes it. Commits; a second tab saving at the same moment is read back."""
    for _attempt in range(2):
        response = alumni.response_for(year)
        if response is None:
            response = FollowUpResponse(alumni_id=alumni.id, year=year)
            db.session.add(response)
        for name in FollowUpResponse.ANSWER_FIELDS:
            setattr(response, name, answers[name])
        try:
            db.session.commit()
            return response
        except IntegrityError:
            db.session.rollback()
    raise RuntimeError("could not save the follow-up answers")
