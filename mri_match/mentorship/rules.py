"""The reminder rules of a mentorship: a first meeting overdue, a pair gone quiet, a check-in
due, and the admins' weekly list of pairs at risk. Each reads :func:`.pairs.pair_states`, so a
reminder goes out exactly when the health page shows the same thing.

The active pairs are read once per reminder run (:func:`_active_pairs`, five statements
whatever their number) and shared by the four rules and every email they write."""

from datetime import datetime

from ..email import email_url
from ..extensions import db
from ..models import Cycle, User
from ..reminders import Due, Notice, reminder_rule, run_cached
from ..reminders.registry import Pending
from .pairs import SIDES, PairState, pair_states


def _active_pairs() -> dict[int, PairState]:
    """Every active pair by match id, read once per reminder run."""
    return run_cached(
        "active_pairs",
        lambda: {s.match_id: s for s in pair_states(statuses=("active",))},
    )


def _cycles() -> dict[int, tuple[str, str]]:
    """Every cycle's name and slug by id, read once per reminder run."""
    return run_cached(
        "cycle_names",
        lambda: {
            id_: (name, slug)
            for id_, name, slug in db.session.execute(db.select(Cycle.id, Cycle.name, Cycle.slug))
        },
    )


def _match_id(row: Pending) -> int:
    return int(row.subject.split(":", 1)[1])


def _active_state(row: Pending) -> PairState | None:
    return _active_pairs().get(_match_id(row))


def _other_name(state: PairState, user_id: int) -> str:
    return state.mentor_name if state.side_of(user_id) == "trainee" else state.trainee_name


def _timeline_url(state: PairState) -> str:
    return email_url("mentorship.timeline", match_id=state.match_id)


# --- no first meeting by the deadline ---


def _describe_first_meeting(row: Pending) -> Notice | None:
    state = _active_state(row)
    if state is None or state.first_meeting is not None:
        return None
    other = _other_name(state, row.user_id)
    return Notice(
        subject=f"Have you met {other} yet?",
        lines=[
            f"No first meeting with {other} has been logged; it was expected by "
            f"{state.first_meeting_by:%d %B %Y}.",
            "If you have met, log the meeting; if not, suggest a time to meet soon.",
        ],
        url=_timeline_url(state),
    )


@reminder_rule(
    "first_meeting_overdue",
    describe=_describe_first_meeting,
    title="No first meeting by the deadline (days after acceptance, a cycle setting)",
)
def first_meeting_overdue(now: datetime):
    today = now.date()
    for state in _active_pairs().values():
        first_by = state.first_meeting_by
        if state.first_meeting is None and first_by is not None and today > first_by:
            for side in SIDES:
                yield Due(state.user_of(side), "first_meeting_overdue", f"match:{state.match_id}")


# --- no meeting for the cadence plus the grace days ---


def _describe_quiet(row: Pending) -> Notice | None:
    state = _active_state(row)
    if state is None or state.last_meeting is None or state.last_meeting.isoformat() != row.period:
        return None  # a meeting was logged since: not quiet any more
    other = _other_name(state, row.user_id)
    return Notice(
        subject=f"Time to meet {other} again",
        lines=[
            f"Your last meeting with {other} was on {state.last_meeting:%d %B %Y}; the program "
            f"expects one every {state.settings.cadence_days} days.",
            "Log the meeting if you have met since, or suggest a time to meet.",
        ],
        url=_timeline_url(state),
    )


@reminder_rule(
    "meeting_overdue",
    describe=_describe_quiet,
    title="No meeting for the role's cadence plus the grace days",
)
def meeting_overdue(now: datetime):
    today = now.date()
    for state in _active_pairs().values():
        quiet_after = state.quiet_after
        if quiet_after is not None and today > quiet_after:
            period = state.last_meeting.isoformat() if state.last_meeting else ""
            for side in SIDES:
                yield Due(state.user_of(side), "meeting_overdue", f"match:{state.match_id}", period)


# --- a check-in is due ---


def _describe_checkin(row: Pending) -> Notice | None:
    state = _active_state(row)
    side = state.side_of(row.user_id) if state else None
    if state is None or side is None:
        return None
    due = state.checkin_due_on(side)
    if due is None or due.isoformat() != row.period:
        return None  # answered since
    return Notice(
        subject="How is your mentorship going?",
        lines=[
            f"A short check-in about your mentorship with {_other_name(state, row.user_id)}: "
            "a rating from 1 to 5 and a comment if you like.",
            "Only the program team reads it, never the other person.",
        ],
        url=email_url("mentorship.check_in", match_id=state.match_id),
    )


@reminder_rule(
    "checkin_due",
    describe=_describe_checkin,
    title="A check-in is due (after the first meeting, then every check-in interval)",
)
def checkin_due(now: datetime):
    today = now.date()
    for state in _active_pairs().values():
        for side in SIDES:
            due = state.checkin_due_on(side)
            if due is not None and due <= today:
                yield Due(
                    state.user_of(side), "checkin_due", f"match:{state.match_id}", due.isoformat()
                )


# --- admins: the pairs at risk, once a week per cycle ---


def _describe_at_risk(row: Pending) -> Notice | None:
    cycle_id = int(row.subject.split(":", 1)[1])
    if cycle_id not in _cycles():
        return None
    name, slug = _cycles()[cycle_id]
    today = row.created_at.date()
    at_risk = [s for s in _active_pairs().values() if s.cycle_id == cycle_id and s.risks(today)]
    if not at_risk:
        return None
    lines = [f"{len(at_risk)} pair(s) in {name} are at risk:"]
    lines += [
        f"- {s.trainee_name} with {s.mentor_name}: {'; '.join(s.risks(today))}"
        for s in at_risk[:20]
    ]
    if len(at_risk) > 20:
        lines.append(f"… and {len(at_risk) - 20} more on the health page.")
    return Notice(
        subject=f"Pairs at risk in {name}",
        lines=lines,
        url=email_url("mentorship.health", slug=slug, state="at_risk"),
    )


@reminder_rule(
    "pairs_at_risk",
    describe=_describe_at_risk,
    title="Admins: the pairs at risk in a cycle, once a week",
)
def pairs_at_risk(now: datetime):
    today = now.date()
    cycles = {s.cycle_id for s in _active_pairs().values() if s.risks(today)}
    if not cycles:
        return
    year, week, _ = today.isocalendar()
    admins = db.session.scalars(
        db.select(User.id).where(
            User.role == "admin", User.active.is_(True), User.deleted_at.is_(None)
        )
    ).all()
    for cycle_id in sorted(cycles):
        for admin_id in admins:
            yield Due(admin_id, "pairs_at_risk", f"cycle:{cycle_id}", f"{year}-W{week:02d}")
