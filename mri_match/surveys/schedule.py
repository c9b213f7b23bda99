"""When each survey of a match is open, and which are due for whom.

Both surveys count from the acceptance (``Match.accepted_at``): the midpoint survey opens the
cycle's ``survey_midpoint_days`` after it and stays open until the end survey opens; the end
survey opens ``survey_end_days`` after it, or when the match ends if that is sooner, and stays
open for :data:`END_OPEN_DAYS`. A match that ends before its midpoint gets only the end survey.
Matches that never started (declined, expired, ended before acceptance) get none.

:func:`open_surveys` reads any number of matches in two statements; the survey page and the
reminder rules use it, and the dashboards read the same facts with their own statement. All of
them decide with :func:`surveys_of`, so they always agree.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..extensions import db
from ..models import Application, Cycle, Match, MentorProfile, SurveyResponse, utcnow
from ..models.surveys import SIDES

#: How long the end survey stays open once it opens.
END_OPEN_DAYS = 60
STARTED_STATES = ("active", "ended")
#: Matches accepted longer ago than this have no survey open (their end survey has closed).
LOOK_BACK = timedelta(days=3 * 366)


@dataclass(frozen=True)
class Window:
    survey: str  # midpoint | end
    opens_at: datetime
    closes_at: datetime

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


def windows(
    accepted_at: datetime | None,
    ended_at: datetime | None,
    midpoint_days: int,
    end_days: int,
) -> list[Window]:
    """The two surveys' windows for a match accepted at ``accepted_at`` (and ended at
    ``ended_at``, if it has ended)."""
    if accepted_at is None:
        return []
    midpoint = accepted_at + timedelta(days=midpoint_days)
    end = accepted_at + timedelta(days=end_days)
    if ended_at is not None and ended_at < end:
        end = max(ended_at, accepted_at)
    found = []
    if midpoint < end:
        found.append(Window("midpoint", midpoint, end))
    found.append(Window("end", end, end + timedelta(days=END_OPEN_DAYS)))
    return found


@dataclass(frozen=True)
class OpenSurvey:
    """A survey one person of a match may answer now and has not answered yet."""

    match_id: int
    cycle_id: int
    survey: str
    side: str
    user_id: int
    other_name: str
    window: Window
    active: bool  # the match is under way (not ended)


def open_surveys(
    now: datetime | None = None,
    *,
    match_ids: list[int] | None = None,
    user_id: int | None = None,
    include_answered: bool = False,
) -> list[OpenSurvey]:
    """Every survey open at ``now`` and (unless ``include_answered``) not answered, for the
    matches in scope: two statements whatever their number."""
    now = now or utcnow()
    stmt = (
        db.select(
            Match.id,
            Match.cycle_id,
            Match.status,
            Match.accepted_at,
            Match.ended_at,
            Cycle.survey_midpoint_days,
            Cycle.survey_end_days,
            Application.trainee_id,
            Application.full_name,
            MentorProfile.user_id,
            MentorProfile.full_name,
        )
        .join(Cycle, Cycle.id == Match.cycle_id)
        .join(Application, Application.id == Match.application_id)
        .join(MentorProfile, MentorProfile.id == Match.mentor_id)
        .where(Match.status.in_(STARTED_STATES), Match.accepted_at.is_not(None))
        .where(Match.accepted_at > now - LOOK_BACK)  # long-closed ones: skip
        .order_by(Match.id)
    )
    if match_ids is not None:
        stmt = stmt.where(Match.id.in_(match_ids))
    if user_id is not None:
        stmt = stmt.where((Application.trainee_id == user_id) | (MentorProfile.user_id == user_id))
    rows = db.session.execute(stmt).all()
    if not rows:
        return []
    answered: dict[int, set[tuple[str, str]]] = {}
    if not include_answered:
        for match_id, survey, side in db.session.execute(
            db.select(SurveyResponse.match_id, SurveyResponse.survey, SurveyResponse.side).where(
                SurveyResponse.match_id.in_([row[0] for row in rows])
            )
        ):
            answered.setdefault(match_id, set()).add((survey, side))
    found = []
    for (
        match_id,
        cycle_id,
        status,
        accepted_at,
        ended_at,
        mid_days,
        end_days,
        trainee,
        t_name,
        mentor,
        m_name,
    ) in rows:
        found += surveys_of(
            now,
            match_id=match_id,
            cycle_id=cycle_id,
            status=status,
            accepted_at=accepted_at,
            ended_at=ended_at,
            midpoint_days=mid_days,
            end_days=end_days,
            people={"trainee": (trainee, m_name), "mentor": (mentor, t_name)},
            user_id=user_id,
            answered=answered.get(match_id, frozenset()),
        )
    return found


def surveys_of(
    now: datetime,
    *,
    match_id: int,
    cycle_id: int,
    status: str,
    accepted_at: datetime | None,
    ended_at: datetime | None,
    midpoint_days: int,
    end_days: int,
    people: dict[str, tuple[int, str]],
    user_id: int | None = None,
    answered=frozenset(),
) -> list[OpenSurvey]:
    """The surveys of one match open at ``now`` and not in ``answered`` (its answered
    ``(survey, side)`` pairs), for ``user_id``'s side or both. ``people``: for each side, the
    person's user id and the name of the other person of the pair."""
    if status not in STARTED_STATES or accepted_at is None or accepted_at <= now - LOOK_BACK:
        return []
    found = []
    ended = ended_at if status == "ended" else None
    for window in windows(accepted_at, ended, midpoint_days, end_days):
        if not window.is_open(now):
            continue
        for side in SIDES:
            person, other_name = people[side]
            if user_id is not None and person != user_id:
                continue
            if (window.survey, side) in answered:
                continue
            found.append(
                OpenSurvey(
                    match_id=match_id,
                    cycle_id=cycle_id,
                    survey=window.survey,
                    side=side,
                    user_id=person,
                    other_name=other_name,
                    window=window,
                    active=status == "active",
                )
            )
    return found


def open_survey(match_id: int, survey: str, user_id: int, now=None) -> OpenSurvey | None:
    """The survey ``survey`` of the match if ``user_id`` may answer it now (answered or not)."""
    for found in open_surveys(now, match_ids=[match_id], user_id=user_id, include_answered=True):
        if found.survey == survey:
            return found
    return None
