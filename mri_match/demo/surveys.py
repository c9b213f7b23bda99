"""The demo's survey answers: the past cycles' pairs answered the midpoint and end-of-match
surveys (most of them), so the survey report has something to show.

Built from ``random.Random`` like the rest of the demo, in the caller's transaction.
"""

import random
from datetime import timedelta

from ..extensions import db
from ..models import Cycle, Match, SurveyAnswer, SurveyResponse
from ..models.surveys import SIDES
from ..surveys.questions import add_default_questions, questions_of
from ..surveys.schedule import windows

ANSWER_RATE = {"trainee": 0.8, "mentor": 0.65}
COMMENTS = {
    "What has worked well?": [
        "Regular meetings with a clear agenda.",
        "Being invited to the lab meeting every week.",
        "Help with my abstract for the annual meeting.",
        "Honest advice about residency applications.",
        "Shadowing in the hematology clinic.",
        "An enthusiastic trainee who came prepared.",
    ],
    "What could the program do better?": [
        "More guidance at the start on what to expect.",
        "A shared calendar of program events.",
        "Connect trainees with each other, not only with mentors.",
        "Shorter forms.",
        "Funding for travel to the annual meeting earlier in the year.",
    ],
}


def _rating(rng: random.Random) -> int:
    return rng.choices((1, 2, 3, 4, 5), (3, 6, 16, 42, 33))[0]


def write_past_surveys(cycles: list[Cycle], seed: int) -> None:
    """Default questions for each cycle, and answers from most people of its pairs."""
    rng = random.Random(seed + 2)
    for cycle in cycles:
        add_default_questions(cycle)
        db.session.flush()
        questions = questions_of(cycle)
        matches = db.session.scalars(
            db.select(Match).where(Match.cycle_id == cycle.id).order_by(Match.id)
        ).all()
        for match in matches:
            ended = match.ended_at if match.status == "ended" else None
            for window in windows(
                match.accepted_at, ended, cycle.survey_midpoint_days, cycle.survey_end_days
            ):
                for side in SIDES:
                    if rng.random() >= ANSWER_RATE[side]:
                        continue
                    user_id = (
                        match.application.trainee_id if side == "trainee" else match.mentor.user_id
                    )
                    response = SurveyResponse(
                        match_id=match.id,
                        survey=window.survey,
                        side=side,
                        user_id=user_id,
                        answered_at=window.opens_at + timedelta(days=rng.randint(1, 20)),
                    )
                    for question in questions:
                        if question.asks(window.survey, side):
                            answer = _answer(rng, question)
                            if answer is not None:
                                response.answers.append(answer)
                    db.session.add(response)


def _answer(rng: random.Random, question) -> SurveyAnswer | None:
    if question.kind == "likert":
        return SurveyAnswer(question_id=question.id, rating=_rating(rng))
    if question.kind == "choice":
        weights = [70, 20, 10][: len(question.choices)] + [5] * (len(question.choices) - 3)
        return SurveyAnswer(
            question_id=question.id, choice=rng.choices(question.choices, weights)[0]
        )
    if rng.random() < 0.5 and question.text in COMMENTS:
        return SurveyAnswer(question_id=question.id, text=rng.choice(COMMENTS[question.text]))
    return None
