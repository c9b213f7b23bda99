"""The yearly alumni follow-up as a reminder rule: ``flask remind`` sends it once a year to
each consenting alumnus, on the anniversary of the end of their cycle, at the address they
gave, with a signed link to the survey (see :mod:`.service`)."""

from datetime import datetime

from ..email import email_url
from ..extensions import db
from ..models import AlumniRecord, Application, SentReminder
from ..reminders import Due, Notice, reminder_rule
from .service import due_followups, link_token

KIND = "alumni_follow_up"


def _subject(alumni: AlumniRecord) -> str:
    return f"alumni:{alumni.id}"


def _name(user_id: int) -> str | None:
    """The name the person gave on their latest application."""
    return db.session.scalar(
        db.select(Application.full_name)
        .where(Application.trainee_id == user_id)
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(1)
    )


def _describe(row: SentReminder) -> Notice | None:
    alumni = db.session.scalar(db.select(AlumniRecord).filter_by(user_id=row.user_id))
    if alumni is None or _subject(alumni) != row.subject:
        return None  # consent withdrawn since
    year = int(row.period)
    if alumni.response_for(year) is not None:
        return None  # answered from the dashboard in between
    name = _name(alumni.user_id)
    return Notice(
        subject=f"Where are you now? Your {year} alumni follow-up",
        lines=[
            f"Dear {name}," if name else "Dear former trainee,",
            "A year on, ASH would like to know where you are now. The follow-up takes about "
            "three minutes: your training stage, degree, specialty, fellowship or faculty post, "
            "grants, abstracts and papers, ASH membership and annual meeting, and whether you "
            "mentor now.",
            "The link below works for a year and needs no password. Only the program team sees "
            "your answers; reports show counts, never names.",
            "You get this because you agreed to stay in touch as an alumnus of the program. To "
            "change the address or stop (your record and answers are then deleted), log in "
            f"and go to {email_url('alumni.consent')}",
        ],
        url=email_url("alumni.follow_up_link", token=link_token(alumni, year)),
        to=alumni.address,
    )


@reminder_rule(
    KIND,
    describe=_describe,
    title="The yearly alumni follow-up (each anniversary of the end of the person's cycle)",
)
def alumni_follow_up(now: datetime):
    for alumni, year in due_followups(now):
        yield Due(alumni.user_id, KIND, _subject(alumni), str(year))
