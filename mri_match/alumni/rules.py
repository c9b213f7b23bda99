"""The yearly alumni follow-up as a reminder rule: ``flask remind`` sends it once a year to
each consenting alumnus, on the anniversary of the end of their cycle, at the address they
gave, with a signed link to the survey (see :mod:`.service`)."""

from dataclasses import dataclass
from datetime import datetime

from ..email import email_url
from ..extensions import db
from ..models import AlumniRecord, Application, FollowUpResponse, User
from ..reminders import Due, Notice, reminder_rule, run_cached
from ..reminders.registry import Pending
from .service import due_followups, link_token

KIND = "alumni_follow_up"


def _subject(alumni) -> str:
    return f"alumni:{alumni.id}"


@dataclass(frozen=True)
class _Alumnus:
    """What a follow-up email needs of a consenting person (``id`` is the record's, which the
    survey link signs)."""

    id: int
    address: str
    name: str | None  # the name on their latest application


def _alumni() -> dict[int, _Alumnus]:
    """Every consenting person by account id, read once per reminder run (two statements)."""

    def load() -> dict[int, _Alumnus]:
        names: dict[int, str] = {}
        for trainee_id, full_name in db.session.execute(
            db.select(Application.trainee_id, Application.full_name)
            .where(Application.trainee_id.in_(db.select(AlumniRecord.user_id)))
            .order_by(Application.created_at, Application.id)
        ):
            names[trainee_id] = full_name  # oldest first: the latest wins
        return {
            user_id: _Alumnus(record_id, own or account, names.get(user_id))
            for record_id, user_id, own, account in db.session.execute(
                db.select(
                    AlumniRecord.id, AlumniRecord.user_id, AlumniRecord.email, User.email
                ).join(User, User.id == AlumniRecord.user_id)
            )
        }

    return run_cached("alumni", load)


def _answered() -> set[tuple[int, int]]:
    """(record id, year) of every follow-up answered, read once per reminder run."""
    return run_cached(
        "alumni_answered",
        lambda: {
            (alumni_id, year)
            for alumni_id, year in db.session.execute(
                db.select(FollowUpResponse.alumni_id, FollowUpResponse.year)
            )
        },
    )


def _describe(row: Pending) -> Notice | None:
    alumni = _alumni().get(row.user_id)
    if alumni is None or _subject(alumni) != row.subject:
        return None  # consent withdrawn since
    year = int(row.period)
    if (alumni.id, year) in _answered():
        return None  # answered from the dashboard in between
    name = alumni.name
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
