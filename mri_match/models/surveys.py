"""Feedback surveys: a cycle's questions, and each person's midpoint and end-of-match answers.

Questions belong to a cycle. A :class:`SurveyResponse` is one side's (trainee or mentor) answer
to one survey of one match; its :class:`SurveyAnswer` rows hold the rating, the choice or the
text for each question. Only admins read answers. What is kept for how long is in
``docs/surveys.md``: deleting an account removes the person's free text and detaches their
ratings and choices from them; the retention purge removes free text from expired cycles.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

SURVEYS = {"midpoint": "Midpoint survey", "end": "End-of-match survey"}
SIDES = {"trainee": "Trainees", "mentor": "Mentors"}
QUESTION_KINDS = {
    "likert": "A rating from 1 to 5",
    "choice": "One choice from a list",
    "text": "Free text",
}
#: Who a question is asked of, and in which surveys.
AUDIENCES = {"both": "Trainees and mentors", "trainee": "Trainees only", "mentor": "Mentors only"}
WHEN_ASKED = {"both": "Both surveys", "midpoint": "Midpoint survey only", "end": "End survey only"}
LIKERT = {
    1: "1: strongly disagree",
    2: "2: disagree",
    3: "3: neither agree nor disagree",
    4: "4: agree",
    5: "5: strongly agree",
}


class SurveyQuestion(db.Model):
    """One question of a cycle's surveys, in ``position`` order."""

    __tablename__ = "survey_question"
    __table_args__ = (UniqueConstraint("cycle_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed by the unique constraint, which starts with it
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))  # likert | choice | text
    text: Mapped[str] = mapped_column(String(300))
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)  # for kind "choice"
    # The choice that asks for a different mentor: answering it opens a re-match request.
    rematch_choice: Mapped[str | None] = mapped_column(String(120))
    required: Mapped[bool] = mapped_column(default=True)
    audience: Mapped[str] = mapped_column(String(8), default="both")
    asked_in: Mapped[str] = mapped_column(String(8), default="both")

    def asks(self, survey: str, side: str) -> bool:
        return self.asked_in in ("both", survey) and self.audience in ("both", side)


class SurveyResponse(db.Model):
    """One side's answers to one survey of a match: at most one per match, survey and side."""

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("match_id", "survey", "side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed by the unique constraint, which starts with it
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"))
    survey: Mapped[str] = mapped_column(String(8))  # midpoint | end
    side: Mapped[str] = mapped_column(String(8))  # trainee | mentor
    # None once the person's account is deleted: their ratings and choices still count.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    rematch_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("rematch_request.id", ondelete="SET NULL")
    )
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    match = relationship("Match")
    answers: Mapped[list["SurveyAnswer"]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )


class SurveyAnswer(db.Model):
    """The answer to one question: a rating (1–5), a choice or a text."""

    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_question.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int | None] = mapped_column(Integer)
    choice: Mapped[str | None] = mapped_column(String(120))
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    question: Mapped[SurveyQuestion] = relationship(lazy="joined")
