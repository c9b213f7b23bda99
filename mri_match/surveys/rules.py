"""The survey reminders: an invitation when a survey opens, and one reminder
:data:`REMINDER_AFTER_DAYS` after the invitation if the survey is still unanswered (counted from
the invitation, so a run that comes late never sends both at once). Each goes once per person,
match and survey; both read :func:`.schedule.open_surveys`, as the dashboards do, once per run."""

from datetime import datetime, timedelta

from ..email import email_url
from ..extensions import db
from ..models import SentReminder, utcnow
from ..models.surveys import SURVEYS
from ..reminders import Due, Notice, reminder_rule, run_cached
from ..reminders.registry import Pending
from .schedule import OpenSurvey, open_surveys

INVITATION = "survey_invitation"
REMINDER = "survey_reminder"
REMINDER_AFTER_DAYS = 14


def _subject(found: OpenSurvey) -> str:
    return f"match:{found.match_id}"


def _open(now: datetime | None = None) -> dict[tuple[int, int, str], OpenSurvey]:
    """Every open, unanswered survey by (match, person, survey), read once per reminder run."""
    return run_cached(
        "open_surveys",
        lambda: {(s.match_id, s.user_id, s.survey): s for s in open_surveys(now or utcnow())},
    )


def _invited() -> dict[tuple[int, str, str], datetime]:
    """When each invitation fell due, by (person, subject, survey), read once per run."""
    return run_cached(
        "survey_invitations",
        lambda: {
            (user_id, subject, period): created_at
            for user_id, subject, period, created_at in db.session.execute(
                db.select(
                    SentReminder.user_id,
                    SentReminder.subject,
                    SentReminder.period,
                    SentReminder.created_at,
                ).where(SentReminder.kind == INVITATION)
            )
        },
    )


def _still_open(row: Pending) -> OpenSurvey | None:
    """The survey the reminder is about, if it is still open and unanswered."""
    match_id = int(row.subject.split(":", 1)[1])
    return _open().get((match_id, row.user_id, row.period))


def _describe(row: Pending) -> Notice | None:
    found = _still_open(row)
    if found is None:
        return None  # answered, or closed, since
    title = SURVEYS[found.survey].lower()
    first = row.kind == INVITATION
    return Notice(
        subject=(
            f"Your {title}: how is your mentorship going?"
            if first
            else f"Reminder: your {title} is still open"
        ),
        lines=[
            f"{'The' if first else 'A reminder: the'} {title} about your mentorship with "
            f"{found.other_name} is open until {found.window.closes_at:%d %B %Y}. It takes "
            "about three minutes.",
            f"Only the program team reads your answers, never {found.other_name}.",
        ],
        url=email_url("surveys.take", match_id=found.match_id, survey=found.survey),
    )


@reminder_rule(
    INVITATION,
    describe=_describe,
    title="A midpoint or end-of-match survey opens (days after acceptance, cycle settings)",
)
def survey_invitation(now: datetime):
    for found in _open(now).values():
        yield Due(found.user_id, INVITATION, _subject(found), found.survey)


@reminder_rule(
    REMINDER,
    describe=_describe,
    title=f"A survey is still unanswered {REMINDER_AFTER_DAYS} days after the invitation",
)
def survey_reminder(now: datetime):
    invited = _invited()
    for found in _open(now).values():
        invited_at = invited.get((found.user_id, _subject(found), found.survey))
        if invited_at is not None and now >= invited_at + timedelta(days=REMINDER_AFTER_DAYS):
            yield Due(found.user_id, REMINDER, _subject(found), found.survey)
