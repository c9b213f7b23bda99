"""The equity audit of a run: match rate and scores by self-identified group, consenting
trainees only, with small-cell suppression so that no shown or derivable figure describes fewer
than five people.

It is the only report that reads self-identification, and it does so through one function,
:func:`read_consented_self_identification_for_run`, which logs the access.
"""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from .. import vocabulary
from ..extensions import db
from ..models import Application, Proposal, SelfIdentification
from ..models.identity import log_self_identification_access

# The equity audit hides every group with fewer people than this.
SUPPRESSION_THRESHOLD = 5


@dataclass(frozen=True)
class AuditPerson:
    """One consenting trainee of a run, reduced to what the audit counts: no name, no id."""

    matched: bool
    score: float | None
    race_ethnicity: tuple[str, ...]
    gender_identity: str | None
    first_generation: str | None
    disability: str | None
    lgbtq: str | None


def read_consented_self_identification_for_run(run_id: int, actor=None) -> list[AuditPerson]:
    """THE one read of self-identification for the equity audit (one query), logged.

    Only people who consented to its use (``consent_use_for_matching``) are read, and only as
    anonymous rows joined to their outcome in the run; the access log records who looked, when,
    at which run and how many people (the caller commits).
    """
    rows = db.session.execute(
        db.select(
            Proposal.mentor_id,
            Proposal.score,
            SelfIdentification.race_ethnicity,
            SelfIdentification.gender_identity,
            SelfIdentification.first_generation,
            SelfIdentification.disability,
            SelfIdentification.lgbtq,
        )
        .join(Application, Application.id == Proposal.application_id)
        .join(SelfIdentification, SelfIdentification.user_id == Application.trainee_id)
        .where(Proposal.run_id == run_id, SelfIdentification.consent_use_for_matching.is_(True))
    ).all()
    people = [
        AuditPerson(
            matched=row.mentor_id is not None,
            score=row.score if row.mentor_id is not None else None,
            race_ethnicity=tuple(row.race_ethnicity or ()),
            gender_identity=row.gender_identity,
            first_generation=row.first_generation,
            disability=row.disability,
            lgbtq=row.lgbtq,
        )
        for row in rows
    ]
    log_self_identification_access(
        purpose="equity_audit", actor=actor, people=len(rows), detail=f"match run {run_id}"
    )
    return people


@dataclass
class Cell:
    """Match rate and scores (0–100) of one group; hidden parts are None when suppressed."""

    label: str
    people: int
    matched: int
    scores: list[float] = field(default_factory=list, repr=False)
    suppressed: bool = False  # the whole cell: people and match rate (and so scores)
    scores_suppressed: bool = False  # score figures only

    @property
    def scored(self) -> int:
        return len(self.scores)

    @property
    def rate(self) -> float | None:
        return round(100 * self.matched / self.people, 1) if self.people else None

    @property
    def mean(self) -> float | None:
        return round(100 * statistics.fmean(self.scores), 1) if self.scores else None

    @property
    def median(self) -> float | None:
        return round(100 * statistics.median(self.scores), 1) if self.scores else None

    @property
    def minimum(self) -> float | None:
        return round(100 * min(self.scores), 1) if self.scores else None

    def public(self) -> dict:
        """What may be shown: suppressed figures are None."""
        hide_scores = self.suppressed or self.scores_suppressed
        return {
            "label": self.label,
            "suppressed": self.suppressed,
            "scores_suppressed": hide_scores,
            "people": None if self.suppressed else self.people,
            "rate": None if self.suppressed else self.rate,
            "mean": None if hide_scores else self.mean,
            "median": None if hide_scores else self.median,
            "minimum": None if hide_scores else self.minimum,
        }


def _cell(label: str, outcomes: Iterable[tuple[bool, float | None]]) -> Cell:
    outcomes = list(outcomes)
    return Cell(
        label=label,
        people=len(outcomes),
        matched=sum(1 for matched, _ in outcomes if matched),
        scores=[score for matched, score in outcomes if matched and score is not None],
    )


def _complement(cells: list[Cell], size, hidden, hide, threshold: int) -> None:
    """Hide more cells until the hidden ones together hold none or at least ``threshold``.

    A reader who knows the total (from another dimension, or the sum of a complete one) can
    subtract the shown cells; what they get back must not describe fewer than five people.
    """
    while True:
        total = sum(size(c) for c in cells if hidden(c))
        if total == 0 or total >= threshold:
            return
        shown = [c for c in cells if not hidden(c)]
        if not shown:
            return
        hide(min(shown, key=size))


def suppress(cells: list[Cell], threshold: int = SUPPRESSION_THRESHOLD) -> list[Cell]:
    """Primary and complementary suppression of one dimension's cells, in place."""
    for c in cells:
        c.suppressed = c.people < threshold
    _complement(
        cells,
        size=lambda c: c.people,
        hidden=lambda c: c.suppressed,
        hide=lambda c: setattr(c, "suppressed", True),
        threshold=threshold,
    )
    # Score figures describe the matched people only: the same rules on their number.
    for c in cells:
        c.scores_suppressed = c.suppressed or c.scored < threshold
    _complement(
        cells,
        size=lambda c: c.scored,
        hidden=lambda c: c.scores_suppressed,
        hide=lambda c: setattr(c, "scores_suppressed", True),
        threshold=threshold,
    )
    return cells


NO_ANSWER = "No answer"
DIMENSIONS = [
    ("race_ethnicity", "Race or ethnicity", vocabulary.RACE_ETHNICITY),
    ("gender_identity", "Gender identity", vocabulary.GENDER_IDENTITY),
    ("first_generation", "First generation", vocabulary.YES_NO_PREFER_NOT),
    ("disability", "Disability", vocabulary.YES_NO_PREFER_NOT),
    ("lgbtq", "LGBTQ+", vocabulary.YES_NO_PREFER_NOT),
]


@dataclass
class Dimension:
    key: str
    label: str
    cells: list[Cell]
    overlapping: bool = False  # people may be in more than one group (race and ethnicity)


@dataclass
class EquityAudit:
    run_id: int
    overall: Cell  # every trainee in the run, consenting or not
    consenting: Cell  # the consenting trainees, suppressed like any group
    dimensions: list[Dimension]
    threshold: int = SUPPRESSION_THRESHOLD


def _groups_of(person: AuditPerson, key: str) -> list[str | None]:
    if key == "race_ethnicity":
        return list(person.race_ethnicity) or [None]
    return [getattr(person, key)]


def run_outcomes(run_id: int) -> list[tuple[bool, float | None]]:
    """Every trainee of a run as (has a mentor, score): no self-identification (one query)."""
    return [
        (mentor_id is not None, score if mentor_id is not None else None)
        for mentor_id, score in db.session.execute(
            db.select(Proposal.mentor_id, Proposal.score).where(Proposal.run_id == run_id)
        )
    ]


def equity_audit(run, threshold: int = SUPPRESSION_THRESHOLD, *, actor=None) -> EquityAudit:
    """Match rate and scores by self-identified group, consenting people only (two queries)."""
    people = read_consented_self_identification_for_run(run.id, actor)
    overall = _cell("All trainees in this run", run_outcomes(run.id))
    consenting = _cell("Trainees who consented", ((p.matched, p.score) for p in people))
    suppress([consenting], threshold)
    dimensions = []
    for key, title, choices in DIMENSIONS:
        groups: dict[str | None, list[AuditPerson]] = {code: [] for code, _ in choices}
        groups[None] = []
        for person in people:
            for code in _groups_of(person, key):
                groups.setdefault(code, []).append(person)
        labels = dict(choices)
        cells = [
            _cell(
                NO_ANSWER if code is None else labels.get(code, code),
                ((p.matched, p.score) for p in members),
            )
            for code, members in groups.items()
        ]
        dimensions.append(
            Dimension(key, title, suppress(cells, threshold), key == "race_ethnicity")
        )
    return EquityAudit(run.id, overall, consenting, dimensions, threshold)


#: The audit as a table (the CSV download): one row per group, hidden figures in words.
TABLE_HEADER = [
    "Dimension",
    "Group",
    "People",
    "Match rate (%)",
    "Mean score",
    "Median score",
    "Lowest score",
]
SUPPRESSED = f"fewer than {SUPPRESSION_THRESHOLD}"


def table_rows(audit: EquityAudit) -> list[list]:
    """The rows under :data:`TABLE_HEADER`: overall first, then each dimension's groups."""

    def row(dimension: str, cell: Cell) -> list:
        shown = cell.public()
        hidden = SUPPRESSED if shown["suppressed"] else None
        score_hidden = SUPPRESSED if shown["scores_suppressed"] else None
        return [
            dimension,
            shown["label"],
            hidden or shown["people"],
            hidden or shown["rate"],
            score_hidden or shown["mean"],
            score_hidden or shown["median"],
            score_hidden or shown["minimum"],
        ]

    rows = [row("Overall", audit.overall), row("Overall", audit.consenting)]
    for dimension in audit.dimensions:
        rows.extend(row(dimension.label, cell) for cell in dimension.cells)
    return rows
