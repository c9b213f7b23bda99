"""What the cycle reports count: which applications were submitted, which matches were
confirmed, which of those wait for the mentor, and which run of each role is the latest
completed one."""

from sqlalchemy import and_, func

from ..extensions import db
from ..models import Match, MatchRun

# An application counts as submitted once it reached the admins: submitted, eligible or
# ineligible now, or withdrawn after it had been submitted. A draft never counts, not even one
# a trainee re-opened after withdrawing.
SUBMITTED_STATES = ("submitted", "eligible", "ineligible")
# A match is confirmed once an admin confirmed it: offered to the mentor (waiting for the
# answer), active, or since ended. An offer the mentor declined or let lapse is not: the trainee
# went back to review.
CONFIRMED_MATCH_STATES = ("offered", "active", "ended")
WAITING_MATCH_STATES = ("offered",)


def latest_done_runs(cycle_id: int):
    """The id of the newest completed run for each mentor role of a cycle (a subquery)."""
    return (
        db.select(func.max(MatchRun.id))
        .where(MatchRun.cycle_id == cycle_id, MatchRun.status == "done")
        .group_by(MatchRun.role)
    )


def confirmed_in(cycle_id: int):
    """The cycle's confirmed matches: waiting for the mentor, active or since ended (a WHERE
    condition)."""
    return and_(Match.cycle_id == cycle_id, Match.status.in_(CONFIRMED_MATCH_STATES))


def waiting_in(cycle_id: int):
    """The cycle's confirmed matches still waiting for the mentor's answer (a WHERE condition)."""
    return and_(Match.cycle_id == cycle_id, Match.status.in_(WAITING_MATCH_STATES))
