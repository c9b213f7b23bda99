"""A person's matches as both dashboards list them: each with its next step, the survey due and
the award line, in one statement whatever the number of matches.

The trainee dashboard is the page every trainee opens first, so its matches cost one round
trip, and the statement is built once (building it costs more than running it). Per match it
reads the cycle's settings, both people, what :class:`..mentorship.pairs.PairState` holds
(the meetings, each side's latest check-in and the latest rating from the summary on the match
row, :func:`..mentorship.pairs.summary_columns`; an open re-match request, a correlated
subquery), which surveys are answered, and an active match's milestones (one row per
milestone). What to show is decided by the shared rules,
:meth:`~..mentorship.pairs.PairState.next_step`, :func:`..surveys.schedule.surveys_of` and
:func:`..awards.queries.milestone_line`, so the dashboards agree with the health page, the
survey page and the reminders; ``tests/test_dashboards.py`` holds the facts read here to those
of :func:`..mentorship.pairs.pair_facts` and :func:`..surveys.schedule.open_surveys`.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import and_, bindparam, case, func
from sqlalchemy.orm import aliased, load_only

from ..awards.queries import ORDER as MILESTONE_ORDER
from ..awards.queries import PairAward, milestone_line
from ..extensions import db
from ..mentorship.pairs import PairState, Settings, started_at, summary_columns, summary_of
from ..models import (
    Application,
    Cycle,
    Match,
    MentorProfile,
    Milestone,
    RematchRequest,
    SurveyResponse,
    utcnow,
)
from ..surveys.dashboard import survey_step
from ..surveys.schedule import surveys_of

#: An answered survey's bit is its survey's factor times its side's: 1, 2, 4 and 8
#: (``tests/test_dashboards.py`` checks that every survey and side has one).
SURVEY_FACTOR = {"midpoint": 1, "end": 2}
SIDE_FACTOR = {"trainee": 1, "mentor": 4}


def _answered_bit(survey: str, side: str) -> int:
    return SURVEY_FACTOR[survey] * SIDE_FACTOR[side]


@dataclass
class MyMatch:
    """One of a person's matches, as the dashboards show it."""

    id: int
    role: str
    status: str
    accepted_at: datetime | None
    cycle_name: str
    trainee_name: str
    trainee_institution: str | None
    mentor_name: str
    mentor_institution: str | None
    next_step: str | None = None
    survey: tuple[str, str] | None = None  # the survey due: the line and its address
    award_line: str | None = None


def _columns(cycle) -> list:
    """What the dashboards read of each match (``cycle``: the match's cycle, an alias)."""
    # Which surveys are answered, in one number: each answered survey and side adds its bit
    # (_answered_bit); the unique (match, survey, side) makes the sum the union of the bits.
    answered = (
        db.select(
            func.coalesce(
                func.sum(
                    case(SURVEY_FACTOR, value=SurveyResponse.survey)
                    * case(SIDE_FACTOR, value=SurveyResponse.side)
                ),
                0,
            )
        )
        .where(SurveyResponse.match_id == Match.id)
        .scalar_subquery()
        .label("answered_surveys")
    )
    return [
        Match.id.label("match_id"),
        Match.cycle_id.label("match_cycle_id"),
        Match.role.label("match_role"),
        Match.status.label("match_status"),
        Match.confirmed_at.label("match_confirmed_at"),
        Match.accepted_at.label("match_accepted_at"),
        Match.ended_at.label("match_ended_at"),
        started_at().label("match_started_at"),
        cycle.name.label("match_cycle_name"),
        cycle.first_meeting_days.label("match_first_meeting_days"),
        cycle.cadence_days(Match.role).label("match_cadence_days"),
        cycle.meeting_grace_days.label("match_grace_days"),
        cycle.checkin_interval_days.label("match_checkin_interval_days"),
        cycle.survey_midpoint_days.label("match_survey_midpoint_days"),
        cycle.survey_end_days.label("match_survey_end_days"),
        Application.trainee_id.label("trainee_user_id"),
        Application.full_name.label("trainee_name"),
        Application.institution.label("trainee_institution"),
        MentorProfile.user_id.label("mentor_user_id"),
        MentorProfile.full_name.label("mentor_name"),
        MentorProfile.institution.label("mentor_institution"),
        *summary_columns(),
        db.exists()
        .where(RematchRequest.match_id == Match.id, RematchRequest.status == "open")
        .label("open_rematch"),
        answered,
        Milestone,
    ]


def with_matches(stmt, joined):
    """``stmt`` (a select of ``joined``, a join tree that holds :class:`Application`) with
    each of the applications' matches: what :func:`from_rows` reads, one row per milestone of
    an active match. Outer joins, so an application without a match keeps its row."""
    cycle = aliased(Cycle, name="match_cycle")
    return (
        stmt.add_columns(*_columns(cycle))
        .select_from(
            joined.outerjoin(Match.__table__, Match.application_id == Application.id)
            .outerjoin(cycle, cycle.id == Match.cycle_id)
            .outerjoin(MentorProfile.__table__, MentorProfile.id == Match.mentor_id)
            .outerjoin(
                Milestone.__table__,
                and_(Milestone.match_id == Match.id, Match.status == "active"),
            )
        )
        .options(load_only(Milestone.title, Milestone.due_on, Milestone.status))
        .order_by(Match.confirmed_at.desc(), Match.id.desc(), *MILESTONE_ORDER)
    )


@cache
def _statement(side: str):
    """The matches of a trainee or a mentor (``side``; the person: ``user_id``)."""
    person = Application.trainee_id if side == "trainee" else MentorProfile.user_id
    stmt = with_matches(db.select(), Application.__table__)
    return stmt.where(person == bindparam("user_id"), Match.id.is_not(None))


def pair_state_of(row) -> PairState:
    """The :class:`PairState` of a row with :func:`with_matches`' columns."""
    return PairState(
        match_id=row.match_id,
        cycle_id=row.match_cycle_id,
        role=row.match_role,
        status=row.match_status,
        trainee_user_id=row.trainee_user_id,
        mentor_user_id=row.mentor_user_id,
        trainee_name=row.trainee_name,
        mentor_name=row.mentor_name,
        settings=Settings(
            row.match_first_meeting_days,
            row.match_cadence_days,
            row.match_grace_days,
            row.match_checkin_interval_days,
        ),
        started_on=row.match_started_at.date() if row.match_started_at else None,
        open_rematch=bool(row.open_rematch),
        **summary_of(row),
    )


def _survey_due(row, user_id: int, now: datetime):
    found = surveys_of(
        now,
        match_id=row.match_id,
        cycle_id=row.match_cycle_id,
        status=row.match_status,
        accepted_at=row.match_accepted_at,
        ended_at=row.match_ended_at,
        midpoint_days=row.match_survey_midpoint_days,
        end_days=row.match_survey_end_days,
        people={
            "trainee": (row.trainee_user_id, row.mentor_name),
            "mentor": (row.mentor_user_id, row.trainee_name),
        },
        user_id=user_id,
        answered={
            (survey, side)
            for survey in SURVEY_FACTOR
            for side in SIDE_FACTOR
            if row.answered_surveys & _answered_bit(survey, side)
        },
    )
    return survey_step(found[0]) if found else None


def from_rows(rows, user) -> list[MyMatch]:
    """``user``'s matches in rows with :func:`with_matches`' columns (rows without a match are
    skipped), newest first, each with what the dashboard says of it."""
    now = utcnow()
    today = now.date()
    matches: dict[int, MyMatch] = {}
    confirmed: dict[int, datetime] = {}
    milestones: dict[int, list[Milestone]] = {}
    for row in rows:
        if row.match_id is None:
            continue
        if row.match_id not in matches:
            match = MyMatch(
                id=row.match_id,
                role=row.match_role,
                status=row.match_status,
                accepted_at=row.match_accepted_at,
                cycle_name=row.match_cycle_name,
                trainee_name=row.trainee_name,
                trainee_institution=row.trainee_institution,
                mentor_name=row.mentor_name,
                mentor_institution=row.mentor_institution,
                survey=_survey_due(row, user.id, now),
            )
            if row.match_status in ("offered", "active"):
                state = pair_state_of(row)
                side = state.side_of(user.id)
                match.next_step = state.next_step(side, today) if side else None
            matches[row.match_id] = match
            confirmed[row.match_id] = row.match_confirmed_at
        if row.Milestone is not None:
            milestones.setdefault(row.match_id, []).append(row.Milestone)
    for match_id, found in milestones.items():
        matches[match_id].award_line = milestone_line(PairAward(matches[match_id], found), today)
    # newest first across applications (a trainee's page reads them per application)
    return sorted(matches.values(), key=lambda m: (confirmed[m.id], m.id), reverse=True)


def my_matches(user) -> list[MyMatch]:
    """``user``'s confirmed matches, newest first, each with what the dashboard says of it:
    one statement."""
    side = "trainee" if user.role == "trainee" else "mentor"
    return from_rows(db.session.execute(_statement(side), {"user_id": user.id}), user)
