"""A person's matches as both dashboards list them: each with its next step, the survey due and
the award line, in one statement whatever the number of matches.

The trainee dashboard is the page every trainee opens first, so its matches cost one round
trip, and the statement is built once (building it costs more than running it). Per match it
reads the cycle's settings, both people, what :class:`..mentorship.pairs.PairState` holds
(meetings, each side's latest check-in, the latest rating, an open re-match request: correlated
subqueries, each an index lookup), which surveys are answered, and an active match's milestones
(one row per milestone). What to show is decided by the shared rules,
:meth:`~..mentorship.pairs.PairState.next_step`, :func:`..surveys.schedule.surveys_of` and
:func:`..awards.queries.milestone_line`, so the dashboards agree with the health page, the
survey page and the reminders; ``tests/test_dashboards.py`` holds the facts read here to those
of :func:`..mentorship.pairs.pair_facts` and :func:`..surveys.schedule.open_surveys`.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import and_, bindparam, func
from sqlalchemy.orm import load_only

from ..awards.queries import ORDER as MILESTONE_ORDER
from ..awards.queries import PairAward, milestone_line
from ..extensions import db
from ..mentorship.pairs import SIDES, PairState, Settings, started_at
from ..models import (
    Application,
    CheckIn,
    Cycle,
    Match,
    Meeting,
    MentorProfile,
    Milestone,
    RematchRequest,
    SurveyResponse,
    utcnow,
)
from ..models.surveys import SURVEYS
from ..surveys.dashboard import survey_step
from ..surveys.schedule import surveys_of


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


@cache
def _statement(side: str):
    """The person's matches, newest first, one row per milestone of an active match (one row
    when it has none). ``side``: "trainee" or "mentor", whose matches (``user_id``)."""
    of_match = Meeting.match_id == Match.id
    checkin_of = CheckIn.match_id == Match.id

    def scalar(column, *where):
        return db.select(column).where(*where).scalar_subquery()

    answered = [
        db.exists()
        .where(
            SurveyResponse.match_id == Match.id,
            SurveyResponse.survey == survey,
            SurveyResponse.side == each_side,
        )
        .label(f"answered_{survey}_{each_side}")
        for survey in SURVEYS
        for each_side in SIDES
    ]
    user_id = bindparam("user_id")
    person = Application.trainee_id if side == "trainee" else MentorProfile.user_id
    return (
        db.select(
            Match.id,
            Match.cycle_id,
            Match.role,
            Match.status,
            Match.accepted_at,
            Match.ended_at,
            started_at().label("started_at"),
            Cycle.name.label("cycle_name"),
            Cycle.first_meeting_days,
            Cycle.cadence_days(Match.role).label("cadence_days"),
            Cycle.meeting_grace_days,
            Cycle.checkin_interval_days,
            Cycle.survey_midpoint_days,
            Cycle.survey_end_days,
            Application.trainee_id,
            Application.full_name.label("trainee_name"),
            Application.institution.label("trainee_institution"),
            MentorProfile.user_id.label("mentor_user_id"),
            MentorProfile.full_name.label("mentor_name"),
            MentorProfile.institution.label("mentor_institution"),
            scalar(func.min(Meeting.held_on), of_match).label("first_meeting"),
            scalar(func.max(Meeting.held_on), of_match).label("last_meeting"),
            scalar(func.count(), of_match).label("meetings"),
            *(
                scalar(func.max(CheckIn.answered_at), checkin_of, CheckIn.side == each_side).label(
                    f"{each_side}_checkin"
                )
                for each_side in SIDES
            ),
            db.select(CheckIn.rating)
            .where(checkin_of)
            .order_by(CheckIn.answered_at.desc(), CheckIn.id.desc())
            .limit(1)
            .scalar_subquery()
            .label("latest_rating"),
            db.exists()
            .where(RematchRequest.match_id == Match.id, RematchRequest.status == "open")
            .label("open_rematch"),
            *answered,
            Milestone,
        )
        .join(Cycle, Cycle.id == Match.cycle_id)
        .join(Application, Application.id == Match.application_id)
        .join(MentorProfile, MentorProfile.id == Match.mentor_id)
        .outerjoin(Milestone, and_(Milestone.match_id == Match.id, Match.status == "active"))
        .where(person == user_id)
        .options(load_only(Milestone.title, Milestone.due_on, Milestone.status))
        .order_by(Match.confirmed_at.desc(), Match.id.desc(), *MILESTONE_ORDER)
    )


def _rows(user):
    side = "trainee" if user.role == "trainee" else "mentor"
    return db.session.execute(_statement(side), {"user_id": user.id}).all()


def pair_state_of(row) -> PairState:
    """The :class:`PairState` of a row of the dashboards' statement."""
    return PairState(
        match_id=row.id,
        cycle_id=row.cycle_id,
        role=row.role,
        status=row.status,
        trainee_user_id=row.trainee_id,
        mentor_user_id=row.mentor_user_id,
        trainee_name=row.trainee_name,
        mentor_name=row.mentor_name,
        settings=Settings(
            row.first_meeting_days,
            row.cadence_days,
            row.meeting_grace_days,
            row.checkin_interval_days,
        ),
        started_on=row.started_at.date() if row.started_at else None,
        first_meeting=row.first_meeting,
        last_meeting=row.last_meeting,
        meetings=row.meetings,
        last_checkin={
            side: answered.date()
            for side in SIDES
            if (answered := getattr(row, f"{side}_checkin")) is not None
        },
        latest_rating=row.latest_rating,
        open_rematch=bool(row.open_rematch),
    )


def _survey_due(row, user_id: int, now: datetime):
    found = surveys_of(
        now,
        match_id=row.id,
        cycle_id=row.cycle_id,
        status=row.status,
        accepted_at=row.accepted_at,
        ended_at=row.ended_at,
        midpoint_days=row.survey_midpoint_days,
        end_days=row.survey_end_days,
        people={
            "trainee": (row.trainee_id, row.mentor_name),
            "mentor": (row.mentor_user_id, row.trainee_name),
        },
        user_id=user_id,
        answered={
            (survey, side)
            for survey in SURVEYS
            for side in SIDES
            if getattr(row, f"answered_{survey}_{side}")
        },
    )
    return survey_step(found[0]) if found else None


def my_matches(user) -> list[MyMatch]:
    """``user``'s confirmed matches, newest first, each with what the dashboard says of it."""
    now = utcnow()
    today = now.date()
    matches: list[MyMatch] = []
    milestones: dict[int, list[Milestone]] = {}
    for row in _rows(user):
        if not matches or matches[-1].id != row.id:
            match = MyMatch(
                id=row.id,
                role=row.role,
                status=row.status,
                accepted_at=row.accepted_at,
                cycle_name=row.cycle_name,
                trainee_name=row.trainee_name,
                trainee_institution=row.trainee_institution,
                mentor_name=row.mentor_name,
                mentor_institution=row.mentor_institution,
                survey=_survey_due(row, user.id, now),
            )
            if row.status in ("offered", "active"):
                state = pair_state_of(row)
                side = state.side_of(user.id)
                match.next_step = state.next_step(side, today) if side else None
            matches.append(match)
        if row.Milestone is not None:
            milestones.setdefault(row.id, []).append(row.Milestone)
    for match in matches:
        if match.id in milestones:
            match.award_line = milestone_line(PairAward(match, milestones[match.id]), today)
    return matches
