"""The program health of a cycle and role: each pair's state with its reasons, the counts, the
rules in words, the two charts and the CSV. Built on :func:`.pairs.pair_states` (four
statements) plus one for the meetings per month, whatever the number of pairs."""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func

from ..extensions import db
from ..models import Cycle, Match, Meeting, utcnow
from ..reports.charts import Chart, Series, bar_chart
from ..spreadsheet import to_csv
from ..vocabulary import MENTOR_ROLES, label
from .pairs import HEALTH_LABELS, HEALTH_STATES, LOW_RATING, PairState, Settings, pair_states

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


def health_rows(cycle: Cycle, role: str, today: date) -> list[HealthRow]:
    rows = []
    for state in pair_states(cycle_id=cycle.id, role=role):
        health = state.health(today)
        reasons = state.risks(today)
        if health == "needs_checkin":
            reasons = [
                f"Check-in due from the {side}"
                for side in ("trainee", "mentor")
                if state.checkin_due(side, today)
            ]
        rows.append(HealthRow(state, health, reasons))
    return rows


def sort_rows(rows: list[HealthRow], sort: str) -> list[HealthRow]:
    if sort == "trainee":
        return sorted(rows, key=lambda r: (r.state.trainee_name.lower(), r.state.match_id))
    if sort == "mentor":
        return sorted(rows, key=lambda r: (r.state.mentor_name.lower(), r.state.match_id))
    if sort == "last_meeting":
        return sorted(
            rows,
            key=lambda r: (
                r.state.last_meeting or date.min,
                URGENCY[r.health],
                r.state.match_id,
            ),
        )
    return sorted(rows, key=lambda r: (URGENCY[r.health], r.state.match_id))


def counts(rows: list[HealthRow]) -> dict[str, int]:
    found = Counter(r.health for r in rows)
    return {state: found.get(state, 0) for state in HEALTH_STATES}


def cycle_summary(cycle: Cycle) -> dict[str, int]:
    """Pairs per state across both roles (the cycle page's line), in four statements."""
    today = utcnow().date()
    found = Counter(state.health(today) for state in pair_states(cycle_id=cycle.id))
    return {state: found.get(state, 0) for state in HEALTH_STATES}


def first_meeting_chart(rows: list[HealthRow]) -> tuple[Chart, list[tuple[str, int]]]:
    """How many days after acceptance pairs first met, in weekly buckets."""
    found: Counter = Counter()
    for row in rows:
        s = row.state
        if s.started_on is None or s.first_meeting is None:
            continue
        days = (s.first_meeting - s.started_on).days
        for limit, bucket in FIRST_MEETING_BUCKETS:
            if limit is None or days <= limit:
                found[bucket] += 1
                break
    table = [(bucket, found.get(bucket, 0)) for _limit, bucket in FIRST_MEETING_BUCKETS]
    chart = bar_chart(
        "first-meeting-chart",
        "Time from acceptance to first meeting",
        "Pairs by the number of days between the mentor's acceptance and their first meeting.",
        [bucket for bucket, _ in table] if any(n for _, n in table) else [],
        [Series("Pairs", [n for _, n in table])],
        empty_text="No pair has met yet.",
    )
    return chart, table


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


def health_csv(rows: list[HealthRow]) -> str:
    return to_csv(
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
