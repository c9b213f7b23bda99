"""The program health of a cycle and role: the counts, the rules in words, one page of pairs
with their reasons, the two charts and the CSV. The database computes each pair's state
(:func:`.pairs.health_sql`), so the page reads two statements whatever the number of pairs:
the counts, the first-meeting chart and the page of pairs in one (:func:`overview`), and the
meetings per month. Nothing is kept between requests: every figure is read when shown."""

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, or_

from ..extensions import db
from ..models import Application, Cycle, Match, Meeting, MentorProfile, utcnow
from ..reports.charts import Chart, Series, bar_chart
from ..spreadsheet import csv_lines
from ..vocabulary import MENTOR_ROLES, label
from .pairs import (
    HEALTH_LABELS,
    HEALTH_STATES,
    LOW_RATING,
    SIDES,
    PairState,
    Settings,
    days_between,
    health_sql,
    pair_facts,
    state_of,
    with_people,
)

SORTS = {
    "state": "State, most urgent first",
    "trainee": "Trainee name",
    "mentor": "Mentor name",
    "last_meeting": "Longest since a meeting first",
}
URGENCY = {"at_risk": 0, "needs_checkin": 1, "waiting": 2, "on_track": 3, "ended": 4}
FIRST_MEETING_BUCKETS = (
    (7, "Within a week"),
    (14, "8 to 14 days"),
    (21, "15 to 21 days"),
    (28, "22 to 28 days"),
    (None, "More than 28 days"),
)


@dataclass
class HealthRow:
    state: PairState
    health: str
    reasons: list[str]

    @property
    def label(self) -> str:
        return HEALTH_LABELS[self.health]


def rules_in_words(settings: Settings) -> dict[str, str]:
    """The rule behind each state, as the page states it."""
    return {
        "at_risk": (
            f"Accepted more than {settings.first_meeting_days} days ago with no meeting logged; "
            f"or no meeting for {settings.cadence_days} days (the expected cadence) plus "
            f"{settings.grace_days} days' grace; or the latest check-in rated {LOW_RATING} or "
            "lower; or an open request for a different match."
        ),
        "needs_checkin": (
            "Not at risk, but a check-in is due from either person: after the first meeting, "
            f"then {settings.checkin_interval_days} days after their last one."
        ),
        "waiting": "Offered to the mentor, who has not accepted yet.",
        "on_track": "Active, meeting within the expected cadence, check-ins answered.",
        "ended": "Declined, expired, or ended by someone.",
    }


def health_table(cycle: Cycle, today: date, role: str | None = None, *, sort: str = "state"):
    """The cycle's pairs (of one role, or both) as :func:`.pairs.pair_facts` plus each one's
    ``health`` and ``urgency``, computed by the database: a subquery to count, filter, sort
    and page. Without the people's names and accounts (:func:`.pairs.with_people` adds them
    to the rows shown), but for an order by name (``sort``) with that name as ``sort_name``."""
    where = [Match.cycle_id == cycle.id] + ([Match.role == role] if role else [])
    facts = pair_facts(*where, people=False)
    if sort == "trainee":
        facts = facts.add_columns(Application.full_name.label("sort_name")).join(
            Application, Application.id == Match.application_id
        )
    elif sort == "mentor":
        facts = facts.add_columns(MentorProfile.full_name.label("sort_name")).join(
            MentorProfile, MentorProfile.id == Match.mentor_id
        )
    pair = facts.subquery("pair")
    roles = [role] if role else list(dict(MENTOR_ROLES))
    health = health_sql(pair.c, today, {each: Settings.of(cycle, each) for each in roles})
    return db.select(
        pair,
        health.label("health"),
        case(URGENCY, value=health).label("urgency"),
    ).subquery("health")


def _first_meeting_bucket(c):
    """The index in :data:`FIRST_MEETING_BUCKETS` of a pair's days from acceptance to first
    meeting (None until they meet)."""
    days = days_between(c.first_meeting, c.started_on)
    return case(
        (or_(c.first_meeting.is_(None), c.started_on.is_(None)), None),
        *((days <= limit, i) for i, (limit, _name) in enumerate(FIRST_MEETING_BUCKETS) if limit),
        else_=len(FIRST_MEETING_BUCKETS) - 1,
    )


def _order(c, sort: str) -> tuple:
    if sort in ("trainee", "mentor"):
        return (func.lower(c.sort_name), c.match_id)
    if sort == "last_meeting":  # never met first, then the longest since a meeting
        return (c.last_meeting.is_not(None), c.last_meeting, c.urgency, c.match_id)
    return (c.urgency, c.match_id)


def state_counts(table) -> dict[str, int]:
    found = dict(
        db.session.execute(db.select(table.c.health, func.count()).group_by(table.c.health)).all()
    )
    return {state: found.get(state, 0) for state in HEALTH_STATES}


def cycle_summary(cycle: Cycle) -> dict[str, int]:
    """Pairs per state across both roles (the cycle page's line), in one statement."""
    return state_counts(health_table(cycle, utcnow().date()))


@dataclass
class Overview:
    counts: dict[str, int]  # pairs per state
    first_meetings: list[tuple[str, int]]  # pairs per bucket of days to the first meeting
    rows: list  # the page's rows of :func:`health_table`, in order


def overview(table, state: str | None, sort: str, offset: int, limit: int) -> Overview:
    """The pairs per state, the pairs per :data:`FIRST_MEETING_BUCKETS` and one page of the
    pairs ``state`` (all when None) and ``sort`` choose, from one statement: window functions
    number the chosen pairs in order and count each group of (state, bucket), and only the
    page's rows and one row per group come back, so the pairs' states are computed once."""
    c = table.c
    bucket = _first_meeting_bucket(c)
    group = (c.health, bucket)
    numbered = db.select(
        table,
        bucket.label("bucket"),
        func.row_number()
        .over(partition_by=(c.health == state) if state else None, order_by=_order(c, sort))
        .label("position"),
        func.count().over(partition_by=group).label("in_group"),
        func.row_number().over(partition_by=group).label("group_row"),
    ).subquery("numbered")
    n = numbered.c
    on_page = and_(n.position > offset, n.position <= offset + limit)
    if state:
        on_page = and_(on_page, n.health == state)
    states: Counter = Counter()
    buckets: Counter = Counter()
    rows = []
    chosen = db.select(numbered, on_page.label("on_page")).where(or_(on_page, n.group_row == 1))
    for row in db.session.execute(with_people(chosen, n.application_id, n.mentor_id)):
        if row.group_row == 1:
            states[row.health] += row.in_group
            if row.bucket is not None:
                buckets[row.bucket] += row.in_group
        if row.on_page:
            rows.append(row)
    return Overview(
        {each: states.get(each, 0) for each in HEALTH_STATES},
        [(name, buckets.get(i, 0)) for i, (_limit, name) in enumerate(FIRST_MEETING_BUCKETS)],
        sorted(rows, key=lambda row: row.position),
    )


def chosen_rows(table, state: str | None, sort: str):
    """The pairs in ``state`` (all when None) in the order ``sort`` names, with their people,
    as a statement."""
    stmt = db.select(table).order_by(*_order(table.c, sort))
    if state is not None:
        stmt = stmt.where(table.c.health == state)
    return with_people(stmt, table.c.application_id, table.c.mentor_id)


def health_row(row, settings: Settings, today: date) -> HealthRow:
    """A row of :func:`health_table` with its reasons in words, from :class:`.pairs.PairState`."""
    state = state_of(row, settings)
    if row.health == "needs_checkin":
        reasons = [
            f"Check-in due from the {side}" for side in SIDES if state.checkin_due(side, today)
        ]
    else:
        reasons = state.risks(today)
    return HealthRow(state, row.health, reasons)


def first_meeting_chart(table: list[tuple[str, int]]) -> Chart:
    """How many days after acceptance pairs first met, in weekly buckets."""
    return bar_chart(
        "first-meeting-chart",
        "Time from acceptance to first meeting",
        "Pairs by the number of days between the mentor's acceptance and their first meeting.",
        [bucket for bucket, _ in table] if any(n for _, n in table) else [],
        [Series("Pairs", [n for _, n in table])],
        empty_text="No pair has met yet.",
    )


def meetings_per_month(cycle: Cycle, role: str) -> list[tuple[str, int]]:
    """Meetings held per calendar month: one statement grouped by day, months in Python."""
    per_day = db.session.execute(
        db.select(Meeting.held_on, func.count())
        .join(Match, Match.id == Meeting.match_id)
        .where(Match.cycle_id == cycle.id, Match.role == role)
        .group_by(Meeting.held_on)
    ).all()
    months: Counter = Counter()
    for held_on, n in per_day:
        months[held_on.strftime("%Y-%m")] += n
    return sorted(months.items())


def month_label(month: str) -> str:
    """``2026-03`` as "March 2026"."""
    return date.fromisoformat(f"{month}-01").strftime("%B %Y")


def month_chart(table: list[tuple[str, int]]) -> Chart:
    labels = [month_label(m) for m, _ in table]
    return bar_chart(
        "meetings-month-chart",
        "Meetings per month",
        "Meetings logged by the pairs, by the month they were held.",
        labels,
        [Series("Meetings", [n for _, n in table])],
        empty_text="No meetings logged yet.",
    )


CSV_HEADER = [
    "Match ID",
    "Trainee",
    "Mentor",
    "Role",
    "State",
    "Reasons",
    "Accepted on",
    "First meeting",
    "Last meeting",
    "Meetings",
    "Latest check-in rating",
]


def health_csv(rows: Iterable[HealthRow]) -> Iterator[str]:
    return csv_lines(
        CSV_HEADER,
        (
            [
                r.state.match_id,
                r.state.trainee_name,
                r.state.mentor_name,
                label(MENTOR_ROLES, r.state.role),
                r.label,
                "; ".join(r.reasons),
                r.state.started_on,
                r.state.first_meeting,
                r.state.last_meeting,
                r.state.meetings,
                r.state.latest_rating,
            ]
            for r in rows
        ),
    )
