"""Answering a survey, and what happens to answers when an account is deleted or a cycle's
retention ends (see ``docs/surveys.md``)."""

from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..matches.decisions import request_rematch
from ..matches.queries import open_rematch_request
from ..mentorship.services import side_of
from ..models import Match, SurveyAnswer, SurveyQuestion, SurveyResponse, record
from ..models.surveys import LIKERT, SURVEYS
from .schedule import open_survey


class SurveyError(ValueError):
    """An answer the rules refuse; the message is for the person."""


def response_of(match_id: int, survey: str, side: str) -> SurveyResponse | None:
    return db.session.scalar(
        db.select(SurveyResponse).filter_by(match_id=match_id, survey=survey, side=side)
    )


def asked(questions: list[SurveyQuestion], survey: str, side: str) -> list[SurveyQuestion]:
    return [q for q in questions if q.asks(survey, side)]


def _answer(question: SurveyQuestion, value) -> SurveyAnswer | None:
    """The answer row for ``value``, None when left blank; bad values raise SurveyError."""
    if value in (None, ""):
        if question.required:
            raise SurveyError(f"Answer “{question.text}”.")
        return None
    if question.kind == "likert":
        if value not in LIKERT:
            raise SurveyError(f"Choose a rating from 1 to 5 for “{question.text}”.")
        return SurveyAnswer(question_id=question.id, rating=value)
    if question.kind == "choice":
        if value not in question.choices:
            raise SurveyError(f"Choose one of the options listed for “{question.text}”.")
        return SurveyAnswer(question_id=question.id, choice=value)
    return SurveyAnswer(question_id=question.id, text=value)


def submit(
    match: Match, survey: str, *, person, questions: list[SurveyQuestion], values: dict
) -> SurveyResponse:
    """Save ``person``'s answers (``values`` by question id) to ``survey`` of ``match``, once.
    A choice that asks for a different mentor opens a re-match request while the match is
    under way (unless one is open already). The caller commits."""
    side = side_of(match, person)
    if side is None:
        raise SurveyError("Only the two people of a match can answer its surveys.")
    if open_survey(match.id, survey, person.id) is None:
        raise SurveyError("This survey is not open now.")
    if response_of(match.id, survey, side) is not None:
        raise SurveyError("You have already answered this survey. Thank you.")
    response = SurveyResponse(match_id=match.id, survey=survey, side=side, user_id=person.id)
    rematch_choice = None
    for question in asked(questions, survey, side):
        answer = _answer(question, values.get(question.id))
        if answer is not None:
            response.answers.append(answer)
            if question.rematch_choice and answer.choice == question.rematch_choice:
                rematch_choice = answer.choice
    if not response.answers:
        raise SurveyError("Answer at least one question.")
    try:
        with db.session.begin_nested():  # a second tab may have answered a moment ago
            db.session.add(response)
    except IntegrityError as exc:
        raise SurveyError("You have already answered this survey. Thank you.") from exc
    if rematch_choice and match.status == "active":
        request = open_rematch_request(match) or request_rematch(
            match, person=person, reason=f"{SURVEYS[survey]}: answered “{rematch_choice}”."
        )
        db.session.flush()
        response.rematch_request_id = request.id
    record(response, "answered", actor=person, to_state="answered")
    return response


# --- keeping and removing answers ----------------------------------------------------------


def forget_person(user_id: int) -> None:
    """On account deletion: the person's free-text answers are deleted and their ratings and
    choices no longer point at them (they still count in the cycle's report)."""
    mine = db.select(SurveyResponse.id).where(SurveyResponse.user_id == user_id)
    db.session.execute(
        db.delete(SurveyAnswer).where(
            SurveyAnswer.response_id.in_(mine), SurveyAnswer.text.is_not(None)
        ),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        db.update(SurveyResponse).where(SurveyResponse.user_id == user_id).values(user_id=None),
        execution_options={"synchronize_session": False},
    )


def free_text_in(cycle_ids) -> object:
    """SQL condition: free-text answers given in surveys of matches of ``cycle_ids``."""
    responses = (
        db.select(SurveyResponse.id)
        .join(Match, Match.id == SurveyResponse.match_id)
        .where(Match.cycle_id.in_(cycle_ids))
    )
    return SurveyAnswer.response_id.in_(responses) & SurveyAnswer.text.is_not(None)
