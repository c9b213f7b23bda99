"""Where each pair stands: meetings, check-ins and the rules that make a pair *on track*,
*needs a check-in* or *at risk*. Used by the health page, the dashboards' next step
(:mod:`..matches.dashboard`, which reads the same facts in its own statement) and the reminder
rules, so the three always agree.

:func:`pair_facts` reads what the rules need in one statement whatever the number of pairs;
:class:`PairState` holds the rules in plain Python (reminders, dashboards, a page's reasons) and
:func:`health_sql` the same rules as SQL, so the health page counts, filters, sorts and pages
its pairs in the database.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Date, Integer, Select, and_, case, cast, func, literal, or_

from ..extensions import db
from ..models import (
    Application,
    Cycle,
    Match,
    MentorProfile,
    RematchRequest,
    utc_date,
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


def days_between(later, earlier):
    """Whole days from one date column to another, computed by the database."""
    if db.session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return cast(later - earlier, Integer)  # date minus date is a number of days


def with_people(stmt: Select, application_id, mentor_id) -> Select:
    """``stmt`` with the names and accounts of the pair's trainee and mentor."""
    return (
        stmt.add_columns(
            Application.trainee_id.label("trainee_user_id"),
            Application.full_name.label("trainee_name"),
            MentorProfile.user_id.label("mentor_user_id"),
            MentorProfile.full_name.label("mentor_name"),
        )
        .join(Application, Application.id == application_id)
        .join(MentorProfile, MentorProfile.id == mentor_id)
    )


def started_at() -> ColumnElement:
    """When a pair started, as SQL: the mentor's acceptance, or the confirmation when no
    acceptance was needed (an active match never accepted); None for an offer."""
    return case(
        (Match.accepted_at.is_not(None), Match.accepted_at),
        (Match.status == "active", Match.confirmed_at),
        else_=None,
    )


def pair_facts(*where, people: bool = True) -> Select:
    """One row per match in scope (``where``: conditions on :class:`Match`) with all that
    :class:`PairState` holds: the people, the start date, the meetings' first, last and count,
    each side's latest check-in date, the latest rating and whether a re-match request is open.
    One statement whatever the number of pairs: the meetings and check-ins are read from the
    summary each match row keeps (:func:`..models.refresh_pair_summaries`), the open requests
    grouped. ``people=False`` leaves out the names and accounts (:func:`with_people` adds them
    to a later statement)."""
    scope_ids = db.select(Match.id).where(*where).scalar_subquery()
    requests = (
        db.select(RematchRequest.match_id)
        .where(RematchRequest.match_id.in_(scope_ids), RematchRequest.status == "open")
        .group_by(RematchRequest.match_id)
        .subquery("requests")
    )
    stmt = (
        db.select(
            Match.id.label("match_id"),
            Match.cycle_id,
            Match.role,
            Match.status,
            Match.application_id,
            Match.mentor_id,
            utc_date(started_at()).label("started_on"),
            *summary_columns(),
            requests.c.match_id.is_not(None).label("open_rematch"),
        )
        .outerjoin(requests, requests.c.match_id == Match.id)
        .where(*where)
    )
    return with_people(stmt, Match.application_id, Match.mentor_id) if people else stmt


def summary_columns() -> list[ColumnElement]:
    """The match row's summary of its meetings and check-ins under the names
    :class:`PairState` reads them by (:func:`state_of`, the dashboards)."""
    return [
        Match.first_meeting_on.label("first_meeting"),
        Match.last_meeting_on.label("last_meeting"),
        Match.meeting_count.label("meetings"),
        Match.trainee_checkin_on.label("trainee_checkin"),
        Match.mentor_checkin_on.label("mentor_checkin"),
        Match.latest_rating.label("latest_rating"),
    ]


def summary_of(row) -> dict:
    """:class:`PairState`'s meeting and check-in fields from a row with
    :func:`summary_columns`."""
    return {
        "first_meeting": row.first_meeting,
        "last_meeting": row.last_meeting,
        "meetings": row.meetings,
        "last_checkin": {
            side: answered
            for side in SIDES
            if (answered := getattr(row, f"{side}_checkin")) is not None
        },
        "latest_rating": row.latest_rating,
    }


def state_of(row, settings: Settings) -> PairState:
    """A :class:`PairState` from a row of :func:`pair_facts`."""
    return PairState(
        match_id=row.match_id,
        cycle_id=row.cycle_id,
        role=row.role,
        status=row.status,
        trainee_user_id=row.trainee_user_id,
        mentor_user_id=row.mentor_user_id,
        trainee_name=row.trainee_name,
        mentor_name=row.mentor_name,
        settings=settings,
        started_on=row.started_on,
        open_rematch=bool(row.open_rematch),
        **summary_of(row),
    )


def health_sql(pair, today: date, settings: dict[str, Settings]):
    """:meth:`PairState.health` as one SQL expression over the columns of :func:`pair_facts`
    (``pair``), for the pairs' roles in ``settings``, so the database can count, filter and
    sort pairs by their state. Each "``today`` is past a date plus N days" reads as "the date
    is before ``today`` minus N days": the database compares dates and does no arithmetic.
    ``tests/test_health.py`` holds the two to the same answer on the boundary days."""

    def before(days_of) -> ColumnElement:
        cutoffs = {role: today - timedelta(days=days_of(s)) for role, s in settings.items()}
        if len(set(cutoffs.values())) == 1:
            return literal(next(iter(cutoffs.values())), Date)
        return case({role: literal(day, Date) for role, day in cutoffs.items()}, value=pair.role)

    at_risk = or_(
        and_(
            pair.first_meeting.is_(None),
            pair.started_on < before(lambda s: s.first_meeting_days),
        ),
        pair.last_meeting < before(lambda s: s.cadence_days + s.grace_days),
        pair.latest_rating <= LOW_RATING,
        pair.open_rematch,
    )
    interval_ago = before(lambda s: s.checkin_interval_days)
    checkin_due = and_(
        pair.first_meeting.is_not(None),
        or_(
            *(
                or_(
                    and_(answered.is_(None), pair.first_meeting <= literal(today, Date)),
                    answered <= interval_ago,
                )
                for answered in (pair.trainee_checkin, pair.mentor_checkin)
            )
        ),
    )
    return case(
        (pair.status == "offered", "waiting"),
        (pair.status != "active", "ended"),
        (at_risk, "at_risk"),
        (checkin_due, "needs_checkin"),
        else_="on_track",
    )


def pair_states(
    *,
    cycle_id: int | None = None,
    role: str | None = None,
    statuses: tuple[str, ...] | None = None,
    match_ids: list[int] | None = None,
) -> list[PairState]:
    """Every pair in scope with its meetings, check-ins and open request: two statements
    (the cycles' settings and :func:`pair_facts`) whatever the number."""
    where = []
    if cycle_id is not None:
        where.append(Match.cycle_id == cycle_id)
    if role is not None:
        where.append(Match.role == role)
    if statuses is not None:
        where.append(Match.status.in_(statuses))
    if match_ids is not None:
        where.append(Match.id.in_(match_ids))
    rows = db.session.execute(pair_facts(*where).order_by(Match.id)).all()
    if not rows:
        return []
    settings = {
        (cycle.id, each_role): Settings.of(cycle, each_role)
        for cycle in db.session.scalars(
            db.select(Cycle).where(Cycle.id.in_({row.cycle_id for row in rows}))
        )
        for each_role in ("research", "career")
    }
    return [state_of(row, settings[row.cycle_id, row.role]) for row in rows]


def pair_state(match_id: int) -> PairState | None:
    found = pair_states(match_ids=[match_id])
    return found[0] if found else None
