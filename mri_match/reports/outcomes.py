"""The alumni outcomes report across cycles: the measures ASH publishes for the program, from
the consenting alumni's latest follow-up answers.

A cohort is a completed cycle's awardees: trainees who had a mentor in it. Each measure is a
share of the respondents it applies to (degree attrition among those who were studying for a
degree when they joined, and so on), with a 95% Wilson interval; the response rate is the share
of awardees who answered a follow-up. Cohorts smaller than five are suppressed with the equity
audit's rules (:func:`.equity.suppress`), complementary suppression included.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

from ..extensions import db
from ..models import AlumniRecord, Application, Cycle, FollowUpResponse, Match
from ..models.alumni import HEMATOLOGY, HEMATOLOGY_ONCOLOGY
from .charts import Series, bar_chart
from .equity import SUPPRESSED, SUPPRESSION_THRESHOLD, Cell, suppress


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for a proportion ``successes / n``, as fractions (0 to 1).

    Unlike the normal approximation it stays within 0 and 1 and behaves at 0 and n successes.
    """
    if n <= 0:
        raise ValueError("a proportion needs at least one observation")
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


DEGREE_STAGES = frozenset({"undergraduate", "medical_student", "graduate_student"})
EARLY_CAREER = frozenset({"resident", "fellow", "postdoc_early_faculty"})


@dataclass(frozen=True)
class Person:
    """An awardee of one cohort, as the report counts them: no name, no id."""

    entry_stage: str | None
    answer: FollowUpResponse | None


@dataclass(frozen=True)
class Measure:
    key: str
    title: str
    among: str  # who the share is of, in words
    applies: Callable[[Person], bool]  # the denominator (respondents only)
    counts: Callable[[Person], bool]  # the numerator


def _answered(person: Person) -> FollowUpResponse:
    assert person.answer is not None
    return person.answer


MEASURES = [
    Measure(
        "attrition",
        "Degree attrition",
        "respondents who were studying for a degree when they joined, who left it",
        lambda p: (
            p.entry_stage in DEGREE_STAGES
            and _answered(p).degree_status in ("in_progress", "completed", "left")
        ),
        lambda p: _answered(p).degree_status == "left",
    ),
    Measure(
        "hematology_oncology",
        "Entering hematology/oncology",
        "medical-student awardees who have chosen a specialty, who chose hematology or oncology",
        lambda p: p.entry_stage == "medical_student" and _answered(p).specialty != "undecided",
        lambda p: _answered(p).specialty in HEMATOLOGY_ONCOLOGY,
    ),
    Measure(
        "retention",
        "Retention in hematology",
        "early-career awardees (residents, fellows, early faculty), still in hematology",
        lambda p: p.entry_stage in EARLY_CAREER,
        lambda p: _answered(p).specialty in HEMATOLOGY,
    ),
    Measure(
        "ash_engagement",
        "ASH engagement",
        "respondents who are ASH members or attended the annual meeting in the past year",
        lambda p: True,
        lambda p: _answered(p).ash_member or _answered(p).attended_annual_meeting,
    ),
    Measure(
        "ash_member",
        "ASH membership",
        "respondents who are ASH members",
        lambda p: True,
        lambda p: _answered(p).ash_member,
    ),
    Measure(
        "annual_meeting",
        "ASH annual meeting attendance",
        "respondents who attended the annual meeting in the past year",
        lambda p: True,
        lambda p: _answered(p).attended_annual_meeting,
    ),
    Measure(
        "mentors_now",
        "Mentoring others",
        "respondents who mentor students or trainees now",
        lambda p: True,
        lambda p: _answered(p).mentors_now,
    ),
]


@dataclass
class Figure:
    """One share: ``count`` of ``of``; None where suppressed."""

    label: str
    count: int | None
    of: int | None
    percent: float | None
    low: float | None
    high: float | None
    suppressed: bool

    @classmethod
    def from_cell(cls, cell: Cell) -> "Figure":
        if cell.suppressed or not cell.people:  # no one is below the threshold too
            return cls(cell.label, None, None, None, None, None, True)
        low, high = wilson_interval(cell.matched, cell.people)
        return cls(
            cell.label,
            cell.matched,
            cell.people,
            round(100 * cell.matched / cell.people, 1),
            round(100 * low, 1),
            round(100 * high, 1),
            False,
        )


@dataclass
class Row:
    """A measure (or the response rate) for each cohort and for every cycle together."""

    key: str
    title: str
    among: str
    cohorts: list[Figure]
    total: Figure


@dataclass
class OutcomesReport:
    cohorts: list[str]
    awardees: int
    consenting: int
    response_rate: Row
    measures: list[Row]
    threshold: int = SUPPRESSION_THRESHOLD

    @property
    def empty(self) -> bool:
        return self.awardees == 0


def _cohorts() -> tuple[list[tuple[int, str]], dict[int, dict[int, str | None]]]:
    """Completed cycles oldest first, and per cycle its awardees' entry stages (one query)."""
    rows = db.session.execute(
        db.select(Cycle.id, Cycle.name, Application.trainee_id, Application.career_stage)
        .join(Match, Match.cycle_id == Cycle.id)
        .join(Application, Application.id == Match.application_id)
        .where(Cycle.status == "completed", Match.was_mentorship)
        .order_by(Cycle.completed_at, Cycle.opens_at, Cycle.id)
    ).all()
    cycles: list[tuple[int, str]] = []
    people: dict[int, dict[int, str | None]] = {}
    for cycle_id, name, trainee_id, stage in rows:
        if cycle_id not in people:
            cycles.append((cycle_id, name))
            people[cycle_id] = {}
        people[cycle_id].setdefault(trainee_id, stage)
    return cycles, people


def _latest_answers() -> tuple[set[int], dict[int, FollowUpResponse]]:
    """The consenting people, and each one's latest follow-up answer (one query)."""
    consenting = set(db.session.scalars(db.select(AlumniRecord.user_id)))
    latest: dict[int, FollowUpResponse] = {}
    rows = db.session.execute(
        db.select(AlumniRecord.user_id, FollowUpResponse)
        .join(FollowUpResponse, FollowUpResponse.alumni_id == AlumniRecord.id)
        .order_by(FollowUpResponse.year)
    )
    for user_id, response in rows:
        latest[user_id] = response  # later years overwrite earlier ones
    return consenting, latest


def _row(key, title, among, cohort_cells: list[Cell], total: Cell, threshold: int) -> Row:
    suppress(cohort_cells, threshold)
    suppress([total], threshold)
    return Row(
        key,
        title,
        among,
        [Figure.from_cell(c) for c in cohort_cells],
        Figure.from_cell(total),
    )


def outcomes_report(threshold: int = SUPPRESSION_THRESHOLD) -> OutcomesReport:
    """Every measure for every completed cycle's cohort and for all of them together."""
    cycles, people = _cohorts()
    consenting, latest = _latest_answers()
    everyone: dict[int, str | None] = {}
    for cycle_id, _ in cycles:  # a person in two cohorts counts once overall, from the first
        for user_id, stage in people[cycle_id].items():
            everyone.setdefault(user_id, stage)

    def group(members: dict[int, str | None]) -> list[Person]:
        return [Person(stage, latest.get(user_id)) for user_id, stage in members.items()]

    groups = [(name, group(people[cycle_id])) for cycle_id, name in cycles]
    overall = group(everyone)

    def rate_cell(label: str, persons: list[Person]) -> Cell:
        return Cell(label, len(persons), sum(1 for p in persons if p.answer is not None))

    def measure_cell(label: str, persons: list[Person], measure: Measure) -> Cell:
        applicable = [p for p in persons if p.answer is not None and measure.applies(p)]
        return Cell(label, len(applicable), sum(1 for p in applicable if measure.counts(p)))

    all_label = "All cycles"
    response_rate = _row(
        "response_rate",
        "Response rate",
        "awardees who answered a follow-up",
        [rate_cell(name, persons) for name, persons in groups],
        rate_cell(all_label, overall),
        threshold,
    )
    measures = [
        _row(
            m.key,
            m.title,
            m.among,
            [measure_cell(name, persons, m) for name, persons in groups],
            measure_cell(all_label, overall, m),
            threshold,
        )
        for m in MEASURES
    ]
    return OutcomesReport(
        cohorts=[name for _, name in cycles],
        awardees=len(everyone),
        consenting=len(consenting & set(everyone)),
        response_rate=response_rate,
        measures=measures,
        threshold=threshold,
    )


def chart(report: OutcomesReport):
    """Every cycle together: each measure's share, suppressed ones left out (the table says)."""
    shown = [r for r in [report.response_rate, *report.measures] if not r.total.suppressed]
    return bar_chart(
        "outcomes-chart",
        "Alumni outcomes, all cycles",
        "Each measure as a percentage of the people it applies to, every completed cycle "
        "together; the table below gives counts and 95% confidence intervals.",
        [r.title for r in shown],
        [Series("Share", [r.total.percent or 0.0 for r in shown], "%")],
        empty_text="No follow-up answers yet.",
    )


#: The report as a table (the CSV download): one row per measure and cohort.
TABLE_HEADER = [
    "Measure",
    "Cohort",
    "Count",
    "Of",
    "Percent",
    "95% CI low",
    "95% CI high",
    "Among",
]


def table_rows(report: OutcomesReport) -> list[list]:
    rows = []
    for row in [report.response_rate, *report.measures]:
        for figure in [*row.cohorts, row.total]:
            if figure.suppressed:
                rows.append(
                    [row.title, figure.label, SUPPRESSED, SUPPRESSED, "", "", "", row.among]
                )
            else:
                rows.append(
                    [
                        row.title,
                        figure.label,
                        figure.count,
                        figure.of,
                        figure.percent,
                        figure.low,
                        figure.high,
                        row.among,
                    ]
                )
    return rows
