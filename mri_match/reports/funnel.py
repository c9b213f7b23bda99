"""The trainee funnel of a cycle: registered, submitted, eligible, proposed, confirmed, and of
the confirmed those still waiting for the mentor's answer."""

from dataclasses import dataclass

from sqlalchemy import and_, case, distinct, func, or_, union

from ..extensions import db
from ..models import Application, Match, Proposal
from .selections import SUBMITTED_STATES, confirmed_in, latest_done_runs, waiting_in


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    count: int
    definition: str


FUNNEL_DEFINITIONS = {
    "registered": "Trainees with an application in this cycle, whatever its status (drafts too).",
    "submitted": "Applications submitted, eligible or ineligible now, or withdrawn after they "
    "had been submitted. Drafts, including re-opened ones, do not count.",
    "eligible": "Applications an admin marked eligible (their current status).",
    "proposed": "Trainees given a mentor in the latest completed matching run of any role, or "
    "already confirmed (later runs leave confirmed trainees out).",
    "confirmed": "Trainees with a match an admin confirmed in this cycle: waiting for the "
    "mentor's answer, active, or since ended. An offer the mentor declined or let lapse does "
    "not count.",
    "waiting": "Confirmed trainees with a match offered to its mentor and not answered yet "
    "(counted in Confirmed too).",
}
FUNNEL_LABELS = {"waiting": "Waiting for the mentor"}


def funnel(cycle) -> list[Stage]:
    """Registered → submitted → eligible → proposed → confirmed (→ of which waiting for the
    mentor), in four queries."""
    was_submitted = or_(
        Application.status.in_(SUBMITTED_STATES),
        and_(Application.status == "withdrawn", Application.submitted_at.is_not(None)),
    )
    registered, submitted, eligible = db.session.execute(
        db.select(
            func.count(Application.id),
            func.coalesce(func.sum(case((was_submitted, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Application.status == "eligible", 1), else_=0)), 0),
        ).where(Application.cycle_id == cycle.id)
    ).one()

    proposed_ids = db.select(Proposal.application_id.label("application_id")).where(
        Proposal.run_id.in_(latest_done_runs(cycle.id)), Proposal.mentor_id.is_not(None)
    )
    confirmed_ids = db.select(Match.application_id.label("application_id")).where(
        confirmed_in(cycle.id)
    )
    either = union(proposed_ids, confirmed_ids).subquery()
    proposed = db.session.scalar(db.select(func.count(distinct(either.c.application_id))))
    confirmed = db.session.scalar(
        db.select(func.count(distinct(Match.application_id))).where(confirmed_in(cycle.id))
    )
    waiting = db.session.scalar(
        db.select(func.count(distinct(Match.application_id))).where(waiting_in(cycle.id))
    )
    counts = {
        "registered": registered,
        "submitted": submitted,
        "eligible": eligible,
        "proposed": proposed,
        "confirmed": confirmed,
        "waiting": waiting,
    }
    return [
        Stage(
            key,
            FUNNEL_LABELS.get(key, key.capitalize()),
            int(counts[key] or 0),
            FUNNEL_DEFINITIONS[key],
        )
        for key in counts
    ]
