"""The survey report of a cycle, for admins: response rates, the distribution of each
question's answers (a chart with a table), the free text without names, and breakdowns by
group (trainees and mentors, research and career-development mentoring).

Every breakdown by group goes through the equity audit's suppression
(:func:`..reports.equity.suppress`): a group of fewer than five respondents is hidden, and so
is any further group needed to stop the hidden one being worked out by subtraction.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from statistics import fmean

from .. import vocabulary
from ..extensions import db
from ..models import Cycle, Match, SurveyAnswer, SurveyQuestion, SurveyResponse, utcnow
from ..models.surveys import LIKERT, SIDES, SURVEYS
from ..reports.charts import Series, bar_chart
from ..reports.equity import SUPPRESSED, SUPPRESSION_THRESHOLD, Cell, suppress
from .questions import questions_of
from .schedule import STARTED_STATES, windows

AGREE = (4, 5)


@dataclass
class Group:
    """One group's figure: respondents and the share (agreeing, or answering)."""

    label: str
    people: int | None  # None when suppressed
    count: int | None
    percent: float | None
    mean: float | None = None
    suppressed: bool = False


def _groups(cells: list[Cell], means: dict[str, float | None], threshold: int) -> list[Group]:
    suppress(cells, threshold)
    return [
        Group(c.label, None, None, None, None, True)
        if c.suppressed
        else Group(c.label, c.people, c.matched, c.rate, means.get(c.label))
        for c in cells
    ]


@dataclass
class QuestionResult:
    question: SurveyQuestion
    options: list[str]
    counts: list[int]
    respondents: int
    mean: float | None = None
    breakdowns: list[tuple[str, list[Group]]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    @property
    def percents(self) -> list[float]:
        return [
            round(100 * n / self.respondents, 1) if self.respondents else 0.0 for n in self.counts
        ]


@dataclass
class SurveySection:
    survey: str
    title: str
    invited: int
    answered: int
    rates: list[Group]  # by side, suppressed
    questions: list[QuestionResult]

    @property
    def percent(self) -> float | None:
        return round(100 * self.answered / self.invited, 1) if self.invited else None


@dataclass
class SurveyReport:
    cycle: Cycle
    sections: list[SurveySection]
    threshold: int = SUPPRESSION_THRESHOLD

    @property
    def empty(self) -> bool:
        return not any(s.invited for s in self.sections)


def _invited(cycle: Cycle, now) -> dict[str, dict[str, int]]:
    """How many people each survey has opened for so far, per side (one statement)."""
    counts: dict[str, dict[str, int]] = {s: dict.fromkeys(SIDES, 0) for s in SURVEYS}
    rows = db.session.execute(
        db.select(Match.status, Match.accepted_at, Match.ended_at).where(
            Match.cycle_id == cycle.id,
            Match.status.in_(STARTED_STATES),
            Match.accepted_at.is_not(None),
        )
    )
    for status, accepted_at, ended_at in rows:
        ended = ended_at if status == "ended" else None
        for window in windows(
            accepted_at, ended, cycle.survey_midpoint_days, cycle.survey_end_days
        ):
            if window.opens_at <= now:
                for side in SIDES:
                    counts[window.survey][side] += 1
    return counts


def survey_report(cycle: Cycle, threshold: int = SUPPRESSION_THRESHOLD, now=None) -> SurveyReport:
    """The report for ``cycle``: four statements (matches, responses, answers, questions)."""
    now = now or utcnow()
    invited = _invited(cycle, now)
    responses = db.session.execute(
        db.select(SurveyResponse.id, SurveyResponse.survey, SurveyResponse.side, Match.role)
        .join(Match, Match.id == SurveyResponse.match_id)
        .where(Match.cycle_id == cycle.id)
    ).all()
    about = {rid: (survey, side, role) for rid, survey, side, role in responses}
    answers: dict[tuple[str, int], list[tuple[SurveyAnswer, str, str]]] = defaultdict(list)
    if about:
        for answer in db.session.scalars(
            db.select(SurveyAnswer)
            .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
            .where(SurveyQuestion.cycle_id == cycle.id)
        ):
            survey, side, role = about[answer.response_id]
            answers[survey, answer.question_id].append((answer, side, role))
    questions = questions_of(cycle)
    sections = []
    for survey, title in SURVEYS.items():
        answered = Counter(side for s, side, _ in about.values() if s == survey)
        rate_cells = [
            Cell(label, invited[survey][side], answered[side]) for side, label in SIDES.items()
        ]
        sections.append(
            SurveySection(
                survey,
                title,
                sum(invited[survey].values()),
                sum(answered.values()),
                _groups(rate_cells, {}, threshold),
                [
                    _question(q, answers.get((survey, q.id), []), threshold)
                    for q in questions
                    if q.asked_in in ("both", survey)
                ],
            )
        )
    return SurveyReport(cycle, sections, threshold)


def _question(question: SurveyQuestion, rows, threshold: int) -> QuestionResult:
    if question.kind == "text":
        # sorted, so the order says nothing about who answered when
        texts = sorted((a.text for a, _, _ in rows if a.text), key=str.casefold)
        return QuestionResult(question, [], [], len(texts), texts=texts)
    if question.kind == "likert":
        options = list(LIKERT.values())
        values = [a.rating for a, _, _ in rows]
        counts = [values.count(v) for v in LIKERT]
    else:
        options = list(question.choices)
        values = [a.choice for a, _, _ in rows]
        counts = [values.count(o) for o in options]
    result = QuestionResult(question, options, counts, len(rows))
    if question.kind != "likert":
        return result
    result.mean = round(fmean(values), 2) if values else None
    roles = dict(vocabulary.MENTOR_ROLES)
    groupings = [
        ("By side", list(SIDES.values()), lambda side, role: SIDES[side]),
        ("By kind of mentoring", list(roles.values()), lambda side, role: roles.get(role, role)),
    ]
    for title, labels, group_of in groupings:
        ratings: dict[str, list[int]] = defaultdict(list)
        for answer, side, role in rows:
            ratings[group_of(side, role)].append(answer.rating)
        cells = [
            Cell(label, len(ratings[label]), sum(1 for r in ratings[label] if r in AGREE))
            for label in labels
        ]
        means = {label: round(fmean(r), 2) for label, r in ratings.items() if r}
        result.breakdowns.append((title, _groups(cells, means, threshold)))
    return result


def charts(report: SurveyReport) -> dict[tuple[str, int], object]:
    """A bar chart per question with ratings or choices, by (survey, question id)."""
    found = {}
    for section in report.sections:
        for result in section.questions:
            if result.question.kind == "text":
                continue
            found[section.survey, result.question.id] = bar_chart(
                f"chart-{section.survey}-{result.question.id}",
                f"{section.title}: {result.question.text}",
                f"How many of the {result.respondents} people who answered chose each option; "
                "the table below gives the same figures.",
                result.options,
                [Series("People", [float(n) for n in result.counts])],
                empty_text="No answers yet.",
            )
    return found


#: The report as a table (the CSV download).
TABLE_HEADER = ["Survey", "Section", "Question", "Group or option", "People", "Percent", "Mean"]


def table_rows(report: SurveyReport) -> list[list]:
    rows: list[list] = []
    for section in report.sections:
        rows.append(
            [section.title, "Response rate", "", "Everyone", section.answered, section.percent, ""]
        )
        for group in section.rates:
            rows.append(_group_row(section.title, "Response rate", "", group))
        for result in section.questions:
            text = result.question.text
            if result.question.kind == "text":
                rows.extend(
                    [section.title, "Free text", text, answer, "", "", ""]
                    for answer in result.texts
                )
                continue
            for option, count, percent in zip(
                result.options, result.counts, result.percents, strict=True
            ):
                rows.append([section.title, "Answers", text, option, count, percent, ""])
            for title, groups in result.breakdowns:
                rows.extend(_group_row(section.title, title, text, g) for g in groups)
    return rows


def _group_row(survey: str, section: str, question: str, group: Group) -> list:
    if group.suppressed:
        return [survey, section, question, group.label, SUPPRESSED, SUPPRESSED, ""]
    mean = "" if group.mean is None else group.mean
    return [survey, section, question, group.label, group.people, group.percent, mean]
