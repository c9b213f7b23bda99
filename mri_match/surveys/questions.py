"""A cycle's survey questions: the default set, and the admins' changes to it.

A cycle gets the default set the first time its questions are needed (the admin page, a
survey page, the demo). Questions may be added at any time; a question that has answers can
no longer be changed or deleted, because the answers would then no longer match it.
"""

from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Cycle, SurveyAnswer, SurveyQuestion

NOT_A_GOOD_FIT = "Not a good fit"

DEFAULT_QUESTIONS = [
    {"kind": "likert", "text": "We meet as often as we planned."},
    {"kind": "likert", "text": "Our meetings are useful to me."},
    {"kind": "likert", "text": "I feel comfortable raising problems with the other person."},
    {
        "kind": "choice",
        "text": "How well does this match fit you?",
        "choices": ["A good fit", "Unsure", NOT_A_GOOD_FIT],
        "rematch_choice": NOT_A_GOOD_FIT,
        "asked_in": "midpoint",
    },
    {
        "kind": "likert",
        "text": "Taking part in the program was worth my time.",
        "asked_in": "end",
    },
    {
        "kind": "choice",
        "text": "Would you take part in the program again?",
        "choices": ["Yes", "Maybe", "No"],
        "asked_in": "end",
    },
    {"kind": "text", "text": "What has worked well?", "required": False},
    {"kind": "text", "text": "What could the program do better?", "required": False},
]


class QuestionError(ValueError):
    """A change to the questions the rules refuse; the message is for the admin."""


def questions_of(cycle: Cycle) -> list[SurveyQuestion]:
    return list(
        db.session.scalars(
            db.select(SurveyQuestion)
            .where(SurveyQuestion.cycle_id == cycle.id)
            .order_by(SurveyQuestion.position)
        )
    )


def add_default_questions(cycle: Cycle) -> None:
    """Add the default set to a cycle that has no questions; the caller commits."""
    for position, spec in enumerate(DEFAULT_QUESTIONS, start=1):
        db.session.add(
            SurveyQuestion(
                cycle_id=cycle.id,
                position=position,
                kind=spec["kind"],
                text=spec["text"],
                choices=list(spec.get("choices", [])),
                rematch_choice=spec.get("rematch_choice"),
                required=spec.get("required", True),
                audience=spec.get("audience", "both"),
                asked_in=spec.get("asked_in", "both"),
            )
        )


def ensure_questions(cycle: Cycle) -> list[SurveyQuestion]:
    """The cycle's questions, creating the default set first if it has none. Commits the new
    set; when a second request creates it at the same moment, that one is read back."""
    found = questions_of(cycle)
    if found:
        return found
    add_default_questions(cycle)
    try:
        db.session.commit()
    except IntegrityError:  # the unique (cycle, position) key: another request made them
        db.session.rollback()
    return questions_of(cycle)


def answered_ids(cycle: Cycle) -> set[int]:
    """The ids of the cycle's questions that have at least one answer."""
    return set(
        db.session.scalars(
            db.select(SurveyAnswer.question_id)
            .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
            .where(SurveyQuestion.cycle_id == cycle.id)
            .distinct()
        )
    )


def _has_answers(question: SurveyQuestion) -> bool:
    return bool(
        db.session.scalar(
            db.select(SurveyAnswer.id).where(SurveyAnswer.question_id == question.id).limit(1)
        )
    )


FIELDS = ("kind", "text", "choices", "rematch_choice", "required", "audience", "asked_in")


def _apply(question: SurveyQuestion, data: dict) -> None:
    for name in FIELDS:
        setattr(question, name, data[name])
    if question.kind != "choice":
        question.choices, question.rematch_choice = [], None


def add_question(cycle: Cycle, data: dict) -> SurveyQuestion:
    """Append a question to the cycle's surveys; the caller commits."""
    last = db.session.scalar(
        db.select(db.func.max(SurveyQuestion.position)).where(SurveyQuestion.cycle_id == cycle.id)
    )
    question = SurveyQuestion(cycle_id=cycle.id, position=(last or 0) + 1)
    _apply(question, data)
    db.session.add(question)
    return question


REFUSED = (
    "This question already has answers, so it cannot be changed: the answers were given to "
    "its present wording. Add a new question instead."
)


def change_question(question: SurveyQuestion, data: dict) -> None:
    """Change a question that nobody has answered yet; the caller commits."""
    if _has_answers(question):
        raise QuestionError(REFUSED)
    _apply(question, data)


def delete_question(question: SurveyQuestion) -> None:
    """Delete a question nobody has answered, unless it is the cycle's last one."""
    if _has_answers(question):
        raise QuestionError(
            "This question already has answers, so it cannot be deleted: the survey report "
            "still shows them."
        )
    others = db.session.scalar(
        db.select(db.func.count())
        .select_from(SurveyQuestion)
        .where(SurveyQuestion.cycle_id == question.cycle_id, SurveyQuestion.id != question.id)
    )
    if not others:
        raise QuestionError("A survey needs at least one question: add another one first.")
    db.session.delete(question)
