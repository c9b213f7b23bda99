"""What an admin can do next with a cycle in each state: the state changes the cycle page
offers (each behind a page that says what will happen), and the figures those pages quote.

Matching has no button of its own: running matching moves a closed cycle to "matching"
(``matches.runs.start_run``), so a closed cycle's next step is the matching page.
"""

from dataclasses import dataclass

from sqlalchemy import func

from ..extensions import db
from ..models import LIVE_MATCH_STATES, Cycle, Match
from . import queries


@dataclass(frozen=True)
class Move:
    to: str
    label: str
    #: the cycle page's one main button for its state (else a secondary link)
    primary: bool = True
    #: reopening extends the deadline, so the history must say why
    reason_required: bool = False


MOVES: dict[str, tuple[Move, ...]] = {
    "draft": (Move("open", "Open for applications"),),
    "open": (Move("closed", "Close applications"),),
    "closed": (Move("open", "Reopen applications", primary=False, reason_required=True),),
    "matching": (Move("completed", "Mark the cycle completed", primary=False),),
    "completed": (),
}


def moves(cycle: Cycle) -> tuple[Move, ...]:
    return MOVES[cycle.status]


def offered(cycle: Cycle, state: str) -> Move | None:
    """The move to ``state`` if the cycle page offers it now, else None."""
    return next((m for m in moves(cycle) if m.to == state), None)


def figures(cycle: Cycle) -> dict[str, int]:
    """The counts a confirmation page quotes: applications by status, mentors offering, live
    matches and, of those, offers waiting for an answer."""
    by_status, offering = queries.cycle_counts(cycle)
    live = dict(
        db.session.execute(
            db.select(Match.status, func.count(Match.id))
            .where(Match.cycle_id == cycle.id, Match.status.in_(LIVE_MATCH_STATES))
            .group_by(Match.status)
        ).all()
    )
    return {
        **by_status,
        "offering": offering,
        "matches": sum(live.values()),
        "offered": live.get("offered", 0),
    }
