"""The score distribution of a cycle: proposals and confirmed matches per band of ten points."""

from dataclasses import dataclass

from sqlalchemy import func

from ..extensions import db
from ..models import Match, Proposal
from .selections import confirmed_in, latest_done_runs

SCORE_BINS = tuple((low, low + 9 if low < 90 else 100) for low in range(0, 100, 10))


@dataclass(frozen=True)
class ScoreBin:
    low: int
    high: int
    proposals: int
    confirmed: int

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high}"


def _percent_counts(score_column, *criteria) -> dict[int, int]:
    """How many scores round to each whole percent (one grouped query)."""
    percent = db.select(db.cast(func.round(score_column * 100), db.Integer).label("percent")).where(
        score_column.is_not(None), *criteria
    )
    inner = percent.subquery()
    return dict(
        db.session.execute(db.select(inner.c.percent, func.count()).group_by(inner.c.percent)).all()
    )


def _bin_index(percent: int) -> int:
    return min(max(percent, 0) // 10, len(SCORE_BINS) - 1)


def score_distribution(cycle) -> list[ScoreBin]:
    """Scores (0–100, as shown elsewhere) in bins of ten: 0–9, …, 80–89, 90–100.

    Proposals are those with a mentor in the latest completed run of each role; confirmed
    matches are those an admin confirmed (:data:`.selections.CONFIRMED_MATCH_STATES`). Two
    queries.
    """
    proposals = _percent_counts(
        Proposal.score,
        Proposal.run_id.in_(latest_done_runs(cycle.id)),
        Proposal.mentor_id.is_not(None),
    )
    confirmed = _percent_counts(Match.score, confirmed_in(cycle.id))
    counts = [[0, 0] for _ in SCORE_BINS]
    for column, source in enumerate((proposals, confirmed)):
        for percent, n in source.items():
            counts[_bin_index(int(percent))][column] += n
    return [
        ScoreBin(low, high, p, c) for (low, high), (p, c) in zip(SCORE_BINS, counts, strict=True)
    ]
