"""The program health of a cycle and role: the counts, the rules in words, one page of pairs
with their reasons, the two charts and the CSV. The database reads each pair's facts from its
match row, where the summary of its meetings and check-ins is kept, and computes its state
(:func:`.pairs.pair_facts`, :func:`.pairs.health_sql`) once, in a common table expression
(:func:`health_table`), so the page reads two statements whatever the number of pairs:
:func:`overview` (the pairs per state and per first-meeting bucket from a GROUP BY, and the
page's rows from an ORDER BY ... LIMIT that joins a name to the chosen state alone when it
orders by one), and the meetings per month. Nothing is cached between requests: every figure
is read when shown."""

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, case, cast, func, null, or_, union_all

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


def health_table(cycle: Cycle, today: date, role: str | None = None):
    """The cycle's pairs (of one role, or both) as :func:`.pairs.pair_facts` plus each one's
    ``health``, computed by the database, as a common table expression: a statement that
    reads it twice (:func:`overview`) computes the pairs' facts and states once. Without the
    people's names and accounts (:func:`.pairs.with_people` adds them to the rows shown)."""
    where = [Match.cycle_id == cycle.id] + ([Match.role == role] if role else [])
    pair = pair_facts(*where, people=False).subquery("pair")
    roles = [role] if role else list(dict(MENTOR_ROLES))
    health = health_sql(pair.c, today, {each: Settings.of(cycle, each) for each in roles})
    return db.select(pair, health.label("health")).cte("health")


def _first_meeting_bucket(c):
    """The index in :data:`FIRST_MEETING_BUCKETS` of a pair's days from acceptance to first
    meeting (None until they meet)."""
    days = days_between(c.first_meeting, c.started_on)
    return case(
        (or_(c.first_meeting.is_(None), c.started_on.is_(None)), None),
        *((days <= limit, i) for i, (limit, _name) in enumerate(FIRST_MEETING_BUCKETS) if limit),
        else_=len(FIRST_MEETING_BUCKETS) - 1,
    )


def _order(c, sort: str, name=None) -> tuple:
    """The keys of ``sort`` over the columns ``c``; ``name`` is the name the two name orders
    read (the trainee's or the mentor's)."""
    if sort in ("trainee", "mentor"):
        return (func.lower(name), c.match_id)
    # From the state column: a column of its own in health_table would repeat the rules.
    urgency = case(URGENCY, value=c.health)
    if sort == "last_meeting":  # never met first, then the longest since a meeting
        return (c.last_meeting.is_not(None), c.last_meeting, urgency, c.match_id)
    return (urgency, c.match_id)


def _page(table, state: str | None, sort: str, offset: int, limit: int):
    """One page of the pairs in ``state`` (all when None) in the order ``sort`` names, as a
    subquery, with the name that order reads (if any) as ``sort_name``: ORDER BY and LIMIT,
    so the database keeps only the best rows as it reads, and a name is joined to the pairs
    of the chosen state alone."""
    c = table.c
    stmt = db.select(table)
    name = None
    if sort == "trainee":
        name = Application.full_name
        stmt = stmt.join(Application, Application.id == c.application_id)
    elif sort == "mentor":
        name = MentorProfile.full_name
        stmt = stmt.join(MentorProfile, MentorProfile.id == c.mentor_id)
    if name is not None:
        stmt = stmt.add_columns(name.label("sort_name"))
    if state is not None:
        stmt = stmt.where(c.health == state)
    return stmt.order_by(*_order(c, sort, name)).limit(limit).offset(offset).subquery("page")


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
    pairs ``state`` (all when None) and ``sort`` choose, from one statement over ``table``
    (:func:`health_table`, computed once): the UNION ALL of the page's rows (:func:`_page`,
    numbered in order, with their people) and the count of each (state, bucket) group, each
    side NULL in the other's columns."""
    page = _page(table, state, sort, offset, limit)
    p = page.c
    shown = with_people(
        db.select(
            page,
            func.row_number(type_=Integer)
            .over(order_by=_order(p, sort, p.get("sort_name")))
            .label("position"),
        ),
        p.application_id,
        p.mentor_id,
    ).add_columns(cast(null(), Integer).label("bucket"), cast(null(), Integer).label("pairs"))
    # The bucket in a subquery of its own, so that GROUP BY names it rather than repeating it.
    bucketed = db.select(table.c.health, _first_meeting_bucket(table.c).label("bucket")).subquery(
        "bucketed"
    )
    groups = (
        db.select(bucketed.c.health, bucketed.c.bucket, func.count().label("pairs"))
        .group_by(bucketed.c.health, bucketed.c.bucket)
        .subquery("groups")
    )
    counted = db.select(
        *(
            groups.c.get(col.key, cast(null(), col.type)).label(col.key)
            for col in shown.selected_columns
        )
    )
    states: Counter = Counter()
    buckets: Counter = Counter()
    rows = []
    for row in db.session.execute(union_all(shown, counted)):
        if row.position is not None:
            rows.append(row)
        else:
            states[row.health] += row.pairs
            if row.bucket is not None:
                buckets[row.bucket] += row.pairs
    return Overview(
        {each: states.get(each, 0) for each in HEALTH_STATES},
        [(name, buckets.get(i, 0)) for i, (_limit, name) in enumerate(FIRST_MEETING_BUCKETS)],
        sorted(rows, key=lambda row: row.position),
    )


def chosen_rows(table, state: str | None, sort: str):
    """The pairs in ``state`` (all when None) in the order ``sort`` names, with their people,
    as a statement."""
    c = table.c
    stmt = with_people(db.select(table), c.application_id, c.mentor_id)
    if state is not None:
        stmt = stmt.where(c.health == state)
    names = {"trainee": Application.full_name, "mentor": MentorProfile.full_name}
    return stmt.order_by(*_order(c, sort, names.get(sort)))


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
