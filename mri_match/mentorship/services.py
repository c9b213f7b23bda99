"""State changes of a mentorship: log a meeting, confirm it, answer a check-in. Each checks
who may do it and raises :class:`MentorshipError` with a message for the person otherwise.
Logging a meeting and answering a check-in refresh the pair's summary on its match row
(:func:`..models.refresh_pair_summaries`) in the same transaction."""

from datetime import date, timedelta

from ..extensions import db
from ..matches.decisions import request_rematch
from ..models import (
    CHECKIN_RATINGS,
    MEETING_FORMATS,
    CheckIn,
    Match,
    Meeting,
    refresh_pair_summaries,
    utcnow,
)
from ..models import record as audit

MIN_MINUTES, MAX_MINUTES = 5, 600


class MentorshipError(ValueError):
    """A change the rules refuse; the message is for the person who asked."""


def side_of(match: Match, user) -> str | None:
    """ "trainee" or "mentor" when ``user`` is one of the pair, else None."""
    if match.application.trainee_id == user.id:
        return "trainee"
    if match.mentor.user_id == user.id:
        return "mentor"
    return None


def _require_active(match: Match) -> None:
    if match.status != "active":
        raise MentorshipError("Meetings and check-ins are for matches that are under way.")


def log_meeting(
    match: Match,
    *,
    person,
    held_on: date,
    minutes: int,
    format: str,
    topics: str | None = None,
    private_note: str | None = None,
) -> Meeting:
    _require_active(match)
    if side_of(match, person) is None:
        raise MentorshipError("Only the two people of a match can log its meetings.")
    today = utcnow().date()
    if held_on > today + timedelta(days=1):  # a day's leeway for time zones ahead of UTC
        raise MentorshipError("Log a meeting once it has happened: the date is in the future.")
    if held_on < match.confirmed_at.date():
        raise MentorshipError("The date is before you were matched.")
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise MentorshipError(f"A meeting lasts {MIN_MINUTES} to {MAX_MINUTES} minutes.")
    if format not in MEETING_FORMATS:
        raise MentorshipError("Choose how you met.")
    meeting = Meeting(
        match=match,
        logged_by_id=person.id,
        held_on=held_on,
        minutes=minutes,
        format=format,
        topics=topics,
        private_note=private_note,
    )
    db.session.add(meeting)
    db.session.flush()
    refresh_pair_summaries(Match.id == match.id)
    audit(meeting, "logged", actor=person)
    return meeting


def confirm_meeting(meeting: Meeting, *, person) -> None:
    """The other person confirms the meeting happened; once (a second tab changes nothing)."""
    match = meeting.match
    _require_active(match)
    if side_of(match, person) is None or meeting.logged_by_id == person.id:
        raise MentorshipError("Only the other person of the pair can confirm this meeting.")
    now = utcnow()
    done = db.session.execute(
        db.update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.confirmed_at.is_(None))
        .values(confirmed_at=now, confirmed_by_id=person.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise MentorshipError("This meeting is already confirmed.")
    db.session.refresh(meeting)
    audit(meeting, "confirmed", actor=person)


def answer_checkin(
    match: Match,
    *,
    person,
    rating: int,
    comment: str | None,
    not_a_good_fit: bool = False,
) -> CheckIn:
    """Record a check-in (seen by admins only). "Not a good fit" also opens a re-match request
    in the admins' queue, unless one is open already."""
    _require_active(match)
    side = side_of(match, person)
    if side is None:
        raise MentorshipError("Only the two people of a match can answer its check-ins.")
    if rating not in CHECKIN_RATINGS:
        raise MentorshipError("Choose a rating from 1 to 5.")
    if not_a_good_fit and not (comment or "").strip():
        raise MentorshipError("Tell the program team why this is not a good fit.")
    checkin = CheckIn(
        match=match,
        user_id=person.id,
        side=side,
        rating=rating,
        comment=comment,
        not_a_good_fit=not_a_good_fit,
    )
    if not_a_good_fit:
        from ..matches.queries import open_rematch_request

        request = open_rematch_request(match) or request_rematch(
            match, person=person, reason=f"Check-in: not a good fit. {comment}".strip()
        )
        db.session.flush()
        checkin.rematch_request_id = request.id
    db.session.add(checkin)
    db.session.flush()
    refresh_pair_summaries(Match.id == match.id)
    return checkin
