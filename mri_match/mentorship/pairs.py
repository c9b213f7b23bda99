"""Where each pair stands: meetings, check-ins and the rules that make a pair *on track*,
*needs a check-in* or *at risk*. Used by the health page, the dashboards' next step and the
reminder rules, so the three always agree.

:func:`pair_states` reads a whole cycle in five statements whatever its size (the cycles'
settings, matches with their people, meeting totals, check-ins, open re-match requests) and
the rules are plain Python on the result.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Date, case, cast, func

from ..extensions import db
from ..models import (
    Application,
    CheckIn,
    Cycle,
    Match,
    Meeting,
    MentorProfile,
    RematchRequest,
    utcnow,
)

HEALTH_STATES = ("on_track", "needs_checkin", "at_risk", "waiting", "ended")
HEALTH_LABELS = {
    "on_track": "On track",
    "needs_checkin": "Needs a check-in",
    "at_risk": "At risk",
    "waiting": "Waiting for acceptance",
    "ended": "Ended",
}
SIDES = ("trainee", "mentor")
LOW_RATING = 2  # a check-in rated this or lower puts the pair at risk


@dataclass(frozen=True)
class Settings:
    """A cycle's after-match settings for one role."""

    first_meeting_days: int
    cadence_days: int
    grace_days: int
    checkin_interval_days: int

    @classmethod
    def of(cls, cycle: Cycle, role: str) -> "Settings":
        return cls(
            cycle.first_meeting_days,
            cycle.cadence_days(role),
            cycle.meeting_grace_days,
            cycle.checkin_interval_days,
        )


@dataclass
class PairState:
    match_id: int
    cycle_id: int
    role: str
    status: str
    trainee_user_id: int
    mentor_user_id: int
    trainee_name: str
    mentor_name: str
    settings: Settings
    started_on: date | None  # accepted (or confirmed, when no acceptance was needed), UTC
    first_meeting: date | None = None
    last_meeting: date | None = None
    meetings: int = 0
    last_checkin: dict[str, date] = field(default_factory=dict)  # side -> date answered
    latest_rating: int | None = None
    open_rematch: bool = False

    def user_of(self, side: str) -> int:
        return self.trainee_user_id if side == "trainee" else self.mentor_user_id

    def side_of(self, user_id: int) -> str | None:
        if user_id == self.trainee_user_id:
            return "trainee"
        return "mentor" if user_id == self.mentor_user_id else None

    @property
    def first_meeting_by(self) -> date | None:
        if self.started_on is None:
            return None
        return self.started_on + timedelta(days=self.settings.first_meeting_days)

    @property
    def next_meeting_by(self) -> date | None:
        """When the next meeting is expected (the cadence after the last one)."""
        if self.last_meeting is None:
            return self.first_meeting_by
        return self.last_meeting + timedelta(days=self.settings.cadence_days)

    @property
    def quiet_after(self) -> date | None:
        """After this date without a meeting the pair is quiet: cadence plus grace."""
        if self.last_meeting is None:
            return None
        return self.last_meeting + timedelta(
            days=self.settings.cadence_days + self.settings.grace_days
        )

    def checkin_due_on(self, side: str) -> date | None:
        """A check-in falls due at the first meeting, then every interval after the last."""
        if self.status != "active" or self.first_meeting is None:
            return None
        answered = self.last_checkin.get(side)
        if answered is None:
            return self.first_meeting
        return answered + timedelta(days=self.settings.checkin_interval_days)

    def checkin_due(self, side: str, today: date) -> bool:
        due = self.checkin_due_on(side)
        return due is not None and due <= today

    def risks(self, today: date) -> list[str]:
        """Why an active pair is at risk, in words (empty when it is not)."""
        if self.status != "active":
            return []
        out = []
        first_by = self.first_meeting_by
        if self.first_meeting is None and first_by is not None and today > first_by:
            out.append(f"No first meeting by {first_by:%d %b %Y}")
        quiet_after = self.quiet_after
        if quiet_after is not None and today > quiet_after:
            out.append(f"No meeting since {self.last_meeting:%d %b %Y}")
        if self.latest_rating is not None and self.latest_rating <= LOW_RATING:
            out.append(f"Latest check-in rated {self.latest_rating} of 5")
        if self.open_rematch:
            out.append("Asked for a different match")
        return out

    def health(self, today: date) -> str:
        if self.status == "offered":
            return "waiting"
        if self.status != "active":
            return "ended"
        if self.risks(today):
            return "at_risk"
        if any(self.checkin_due(side, today) for side in SIDES):
            return "needs_checkin"
        return "on_track"

    def next_step(self, side: str, today: date) -> str | None:
        """The one thing this person should do next, in a line; None when nothing is due."""
        if self.status == "offered":
            return "Accept or decline the match." if side == "mentor" else None
        if self.status != "active":
            return None
        if self.checkin_due(side, today):
            return "A check-in is due: tell the program team how it is going."
        if self.first_meeting is None:
            return f"Log your first meeting (expected by {self.first_meeting_by:%d %b %Y})."
        next_by = self.next_meeting_by
        if next_by is not None and today >= next_by:
            return f"Log your next meeting (expected by {next_by:%d %b %Y})."
        return None


def _utc_date(column):
    """The UTC calendar date of a timestamp column, computed by the database: a page of
    thousands of pairs then reads dates, far cheaper to load than aware datetimes."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.date(column, type_=Date)  # stored as naive UTC text
    return cast(func.timezone("UTC", column), Date)


def pair_states(
    *,
    cycle_id: int | None = None,
    role: str | None = None,
    statuses: tuple[str, ...] | None = None,
    match_ids: list[int] | None = None,
) -> list[PairState]:
    """Every pair in scope with its meetings, check-ins and open request: five statements
    (cycles' settings, pairs, meeting totals, check-ins, open requests) whatever the number."""
    scope = db.select(Match.id)
    if cycle_id is not None:
        scope = scope.where(Match.cycle_id == cycle_id)
    if role is not None:
        scope = scope.where(Match.role == role)
    if statuses is not None:
        scope = scope.where(Match.status.in_(statuses))
    if match_ids is not None:
        scope = scope.where(Match.id.in_(match_ids))
    scope_ids = scope.scalar_subquery()

    settings: dict[tuple[int, str], Settings] = {}
    for cycle in db.session.scalars(
        db.select(Cycle).where(
            Cycle.id.in_(db.select(Match.cycle_id).where(Match.id.in_(scope_ids)).distinct())
        )
    ):
        for each_role in ("research", "career"):
            settings[cycle.id, each_role] = Settings.of(cycle, each_role)
    started = case(
        (Match.accepted_at.is_not(None), Match.accepted_at),
        (Match.status == "active", Match.confirmed_at),
        else_=None,
    )
    rows = db.session.execute(
        db.select(
            Match.id,
            Match.cycle_id,
            Match.role,
            Match.status,
            _utc_date(started),
            Application.trainee_id,
            Application.full_name,
            MentorProfile.user_id,
            MentorProfile.full_name,
        )
        .join(Application, Application.id == Match.application_id)
        .join(MentorProfile, MentorProfile.id == Match.mentor_id)
        .where(Match.id.in_(scope_ids))
        .order_by(Match.id)
    )
    states: dict[int, PairState] = {}
    for (
        match_id,
        match_cycle,
        match_role,
        status,
        started_on,
        trainee,
        t_name,
        mentor,
        m_name,
    ) in rows:
        states[match_id] = PairState(
            match_id=match_id,
            cycle_id=match_cycle,
            role=match_role,
            status=status,
            trainee_user_id=trainee,
            mentor_user_id=mentor,
            trainee_name=t_name,
            mentor_name=m_name,
            settings=settings[match_cycle, match_role],
            started_on=started_on,
        )
    if not states:
        return []
    for match_id, first, last, count in db.session.execute(
        db.select(
            Meeting.match_id, func.min(Meeting.held_on), func.max(Meeting.held_on), func.count()
        )
        .where(Meeting.match_id.in_(scope_ids))
        .group_by(Meeting.match_id)
    ):
        state = states[match_id]
        state.first_meeting, state.last_meeting, state.meetings = first, last, count
    for match_id, side, rating, answered_on in db.session.execute(
        db.select(CheckIn.match_id, CheckIn.side, CheckIn.rating, _utc_date(CheckIn.answered_at))
        .where(CheckIn.match_id.in_(scope_ids))
        .order_by(CheckIn.answered_at, CheckIn.id)
    ):
        state = states[match_id]
        state.last_checkin[side] = answered_on
        state.latest_rating = rating  # rows come oldest first: the last one wins
    for (match_id,) in db.session.execute(
        db.select(RematchRequest.match_id)
        .where(RematchRequest.match_id.in_(scope_ids), RematchRequest.status == "open")
        .distinct()
    ):
        states[match_id].open_rematch = True
    return list(states.values())


def pair_state(match_id: int) -> PairState | None:
    found = pair_states(match_ids=[match_id])
    return found[0] if found else None


def next_steps(matches, user) -> dict[int, str]:
    """Each of ``user``'s matches' next step in a line (a template global for the dashboards'
    list of matches); four statements for the whole list."""
    ids = [m.id for m in matches if m.status in ("offered", "active")]
    if not ids:
        return {}
    today = utcnow().date()
    steps = {}
    for state in pair_states(match_ids=ids):
        side = state.side_of(user.id)
        step = state.next_step(side, today) if side else None
        if step:
            steps[state.match_id] = step
    return steps
