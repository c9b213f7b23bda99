"""Program reports and the equity audit as plain figures: grouped SQL in, dataclasses out.

Nothing here knows about Flask views or charts. Each aggregate runs a fixed number of grouped
queries whatever the size of the cycle, so the report pages never query once per person.

The equity audit is the only report that reads self-identification, and it does so through
one function, :func:`read_consented_self_identification_for_run`.
"""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, case, distinct, func, or_, union

from .. import vocabulary
from ..extensions import db
from ..models import (
    Application,
    ApplicationTopic,
    Match,
    MatchRun,
    MentorOffer,
    MentorProfile,
    MentorTopic,
    Proposal,
    SelfIdentification,
)
from ..models.identity import log_self_identification_access

# An application counts as submitted once it reached the admins: submitted, eligible or
# ineligible now, or withdrawn after it had been submitted. A draft never counts, not even one
# a trainee re-opened after withdrawing.
SUBMITTED_STATES = ("submitted", "eligible", "ineligible")
# Trainee demand per topic: applications still in the running (what the matcher considers).
DEMAND_STATES = ("submitted", "eligible")
# A confirmed pair stays confirmed in the reports after it ends.
CONFIRMED_MATCH_STATES = ("active", "ended")
# The equity audit hides every group with fewer people than this.
SUPPRESSION_THRESHOLD = 5

SCORE_BINS = tuple((low, low + 9 if low < 90 else 100) for low in range(0, 100, 10))


# --- shared selections --------------------------------------------------------------------------


def latest_done_runs(cycle_id: int):
    """The id of the newest completed run for each mentor role of a cycle (a subquery)."""
    return (
        db.select(func.max(MatchRun.id))
        .where(MatchRun.cycle_id == cycle_id, MatchRun.status == "done")
        .group_by(MatchRun.role)
    )


def _confirmed(cycle_id: int):
    return and_(Match.cycle_id == cycle_id, Match.status.in_(CONFIRMED_MATCH_STATES))


# --- the funnel ---------------------------------------------------------------------------------


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
    "confirmed": "Trainees with a confirmed match in this cycle, active or since ended.",
}


def funnel(cycle) -> list[Stage]:
    """Registered → submitted → eligible → proposed → confirmed, in three queries."""
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
        _confirmed(cycle.id)
    )
    either = union(proposed_ids, confirmed_ids).subquery()
    proposed = db.session.scalar(db.select(func.count(distinct(either.c.application_id))))
    confirmed = db.session.scalar(
        db.select(func.count(distinct(Match.application_id))).where(_confirmed(cycle.id))
    )
    counts = {
        "registered": registered,
        "submitted": submitted,
        "eligible": eligible,
        "proposed": proposed,
        "confirmed": confirmed,
    }
    return [
        Stage(key, key.capitalize(), int(counts[key] or 0), FUNNEL_DEFINITIONS[key])
        for key in counts
    ]


# --- supply and demand per topic ----------------------------------------------------------------


@dataclass(frozen=True)
class TopicBalance:
    topic: str
    label: str
    demand: int  # applications listing the topic
    places: int  # summed capacity of active offers whose mentor lists the topic

    @property
    def gap(self) -> int:
        """Places minus demand: negative is a shortage of mentors."""
        return self.places - self.demand


def topic_balance(cycle) -> list[TopicBalance]:
    """Demand against places per topic, biggest shortage first, in two queries."""
    demand = dict(
        db.session.execute(
            db.select(ApplicationTopic.topic, func.count(ApplicationTopic.application_id))
            .join(Application, Application.id == ApplicationTopic.application_id)
            .where(Application.cycle_id == cycle.id, Application.status.in_(DEMAND_STATES))
            .group_by(ApplicationTopic.topic)
        ).all()
    )
    places = dict(
        db.session.execute(
            db.select(MentorTopic.topic, func.sum(MentorOffer.capacity))
            .join(MentorOffer, MentorOffer.mentor_id == MentorTopic.mentor_id)
            .where(MentorOffer.cycle_id == cycle.id, MentorOffer.status == "active")
            .group_by(MentorTopic.topic)
        ).all()
    )
    labels = vocabulary.topic_labels()
    rows = [
        TopicBalance(t, labels.get(t, t), int(demand.get(t) or 0), int(places.get(t) or 0))
        for t in set(demand) | set(places)
    ]
    return sorted(rows, key=lambda r: (r.gap, -r.demand, r.label.lower()))


# --- score distribution -------------------------------------------------------------------------


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
    matches are active or ended ones. Two queries.
    """
    proposals = _percent_counts(
        Proposal.score,
        Proposal.run_id.in_(latest_done_runs(cycle.id)),
        Proposal.mentor_id.is_not(None),
    )
    confirmed = _percent_counts(Match.score, _confirmed(cycle.id))
    counts = [[0, 0] for _ in SCORE_BINS]
    for column, source in enumerate((proposals, confirmed)):
        for percent, n in source.items():
            counts[_bin_index(int(percent))][column] += n
    return [
        ScoreBin(low, high, p, c) for (low, high), (p, c) in zip(SCORE_BINS, counts, strict=True)
    ]


# --- confirmed pairs: meeting format and geography ----------------------------------------------


@dataclass(frozen=True)
class Share:
    key: str
    label: str
    count: int
    total: int

    @property
    def percent(self) -> float:
        return round(100 * self.count / self.total, 1) if self.total else 0.0


def _shares(counts: dict, categories: list[tuple[str, str]]) -> list[Share]:
    total = sum(counts.values())
    return [Share(key, label, int(counts.get(key, 0)), total) for key, label in categories]


MEETING_CATEGORIES = [*vocabulary.MEETING_PREFERENCES, ("not_stated", "Not stated")]


def meeting_formats(cycle) -> list[Share]:
    """The trainee's meeting preference across confirmed pairs (one query)."""
    known = {code for code, _ in vocabulary.MEETING_PREFERENCES}
    counts: dict[str, int] = {}
    for fmt, n in db.session.execute(
        db.select(Application.meeting_format, func.count(Match.id))
        .join(Application, Application.id == Match.application_id)
        .where(_confirmed(cycle.id))
        .group_by(Application.meeting_format)
    ):
        key = fmt if fmt in known else "not_stated"
        counts[key] = counts.get(key, 0) + n
    return _shares(counts, MEETING_CATEGORIES)


GEOGRAPHY_CATEGORIES = [
    ("institution", "Same institution"),
    ("city", "Same city"),
    ("region", "Same region (state or province)"),
    ("country", "Same country"),
    ("abroad", "Different countries"),
    ("unknown", "Location not given"),
]


def _same(a, b):
    return func.lower(func.trim(a)) == func.lower(func.trim(b))


def geography(cycle) -> list[Share]:
    """How close each confirmed pair is, the closest level that applies (one query).

    Same city needs the same region and country too, same region the same country; places
    compare without case or surrounding spaces.
    """
    trainee, mentor = Application, MentorProfile
    same_country = _same(trainee.country, mentor.country)
    same_region = and_(same_country, _same(trainee.region, mentor.region))
    kind = case(
        (_same(trainee.institution, mentor.institution), "institution"),
        (
            or_(
                func.coalesce(func.trim(trainee.country), "") == "",
                func.coalesce(func.trim(mentor.country), "") == "",
            ),
            "unknown",
        ),
        (and_(same_region, _same(trainee.city, mentor.city)), "city"),
        (same_region, "region"),
        (same_country, "country"),
        else_="abroad",
    )
    pairs = (
        db.select(kind.label("kind"))
        .select_from(Match)
        .join(trainee, trainee.id == Match.application_id)
        .join(mentor, mentor.id == Match.mentor_id)
        .where(_confirmed(cycle.id))
        .subquery()
    )
    counts = dict(
        db.session.execute(db.select(pairs.c.kind, func.count()).group_by(pairs.c.kind)).all()
    )
    return _shares(counts, GEOGRAPHY_CATEGORIES)


# --- equity audit of a proposal set -------------------------------------------------------------


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
