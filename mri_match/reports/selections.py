"""What the cycle reports count: which applications were submitted, which matches were
confirmed, and which run of each role is the latest completed one."""

from sqlalchemy import and_, func

from ..extensions import db
from ..models import Match, MatchRun

# An application counts as submitted once it reached the admins: submitted, eligible or
# ineligible now, or withdrawn after it had been submitted. A draft never counts, not even one
# a trainee re-opened after withdrawing.
SUBMITTED_STATES = ("submitted", "eligible", "ineligible")
# A confirmed pair stays confirmed in the reports after it ends.
CONFIRMED_MATCH_STATES = ("active", "ended")


def latest_done_runs(cycle_id: int):
    """The id of the newest completed run for each mentor role of a cycle (a subquery)."""
    return (
        db.select(func.max(MatchRun.id))
        .where(MatchRun.cycle_id == cycle_id, MatchRun.status == "done")
        .group_by(MatchRun.role)
    )


def confirmed_in(cycle_id: int):
    """The cycle's confirmed matches, active or since ended (a WHERE condition)."""
    return and_(Match.cycle_id == cycle_id, Match.status.in_(CONFIRMED_MATCH_STATES))
