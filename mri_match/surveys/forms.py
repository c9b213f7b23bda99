"""Forms: a survey built from its questions, an admin's question, a cycle's survey timing."""

from wtforms import BooleanField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..forms import BaseForm, none_if_blank
from ..models.surveys import AUDIENCES, LIKERT, QUESTION_KINDS, WHEN_ASKED

MAX_TEXT = 2000
MAX_CHOICES = 10


class OptionalRadioField(RadioField):
    """A radio group that may be left unanswered (an optional question)."""

    def pre_validate(self, form):
        if self.data is not None:
            super().pre_validate(form)


def field_name(question) -> str:
    return f"q{question.id}"


def _field(question):
    label = question.text
    if question.kind == "text":
        return TextAreaField(
            label if question.required else f"{label} (optional)",
            filters=[none_if_blank],
            validators=[
                InputRequired("Write an answer.") if question.required else Optional(),
                Length(max=MAX_TEXT, message=f"Use at most {MAX_TEXT:,} characters."),
            ],
        )
    if question.kind == "likert":
        choices = {str(value): text for value, text in LIKERT.items()}
        coerce = int
    else:
        choices = {choice: choice for choice in question.choices}
        coerce = str
    if question.required:
        return RadioField(
            label,
            choices=choices,
            coerce=coerce,
            validators=[InputRequired("Choose one of the options listed.")],
        )
    return OptionalRadioField(
        f"{label} (optional)", choices=choices, coerce=coerce, validators=[Optional()]
    )


def survey_form(questions):
    """A form with one field per question, named ``q<id>``."""

    class SurveyForm(BaseForm):
        def values(self) -> dict:
            return {q.id: self[field_name(q)].data for q in questions}

    for question in questions:
        setattr(SurveyForm, field_name(question), _field(question))
    return SurveyForm()


class QuestionForm(BaseForm):
    text = StringField(
        "Question",
        filters=[none_if_blank],
        validators=[
            InputRequired("Write the question."),
            Length(max=300, message="Use at most 300 characters."),
        ],
    )
    kind = RadioField(
        "Kind of answer",
        choices=QUESTION_KINDS,
        default="likert",
        validators=[InputRequired("Choose one.")],
    )
    choices = TextAreaField(
        "Options, one per line (for “One choice from a list”)",
        validators=[Optional(), Length(max=MAX_CHOICES * 121)],
    )
    rematch_choice = StringField(
        "Option that asks for a different mentor (optional)",
        filters=[none_if_blank],
        validators=[Optional(), Length(max=120, message="Use at most 120 characters.")],
    )
    required = BooleanField("An answer is required", default=True)
    audience = RadioField(
        "Asked of", choices=AUDIENCES, default="both", validators=[InputRequired("Choose one.")]
    )
    asked_in = RadioField(
        "Asked in", choices=WHEN_ASKED, default="both", validators=[InputRequired("Choose one.")]
    )

    def choice_list(self) -> list[str]:
        lines = (self.choices.data or "").splitlines()
        return [line.strip() for line in lines if line.strip()]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        options = self.choice_list()
        problems: list[tuple] = []
        if self.kind.data == "choice":
            if len(options) < 2 or len(options) > MAX_CHOICES:
                problems.append((self.choices, f"Give from 2 to {MAX_CHOICES} options."))
            elif any(len(option) > 120 for option in options):
                problems.append((self.choices, "An option has at most 120 characters."))
            elif len(set(options)) != len(options):
                problems.append((self.choices, "Each option appears once."))
            if self.rematch_choice.data and self.rematch_choice.data not in options:
                problems.append((self.rematch_choice, "Copy one of the options exactly."))
        elif self.rematch_choice.data:
            problems.append(
                (self.rematch_choice, "Only a “one choice from a list” question has options.")
            )
        for field, message in problems:
            field.errors = [*field.errors, message]
        return valid and not problems

    def data_for_question(self) -> dict:
        choice = self.kind.data == "choice"
        return {
            "kind": self.kind.data,
            "text": self.text.data,
            "choices": self.choice_list() if choice else [],
            "rematch_choice": self.rematch_choice.data if choice else None,
            "required": self.required.data,
            "audience": self.audience.data,
            "asked_in": self.asked_in.data,
        }

    @classmethod
    def of(cls, question):
        return cls(
            formdata=None,
            data={
                "kind": question.kind,
                "text": question.text,
                "choices": "\n".join(question.choices or []),
                "rematch_choice": question.rematch_choice,
                "required": question.required,
                "audience": question.audience,
                "asked_in": question.asked_in,
            },
        )


def _days(label: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            InputRequired("Give a number of days."),
            NumberRange(14, 730, "Between 14 and 730 days."),
        ],
    )


class TimingForm(BaseForm):
    survey_midpoint_days = _days("Midpoint survey opens (days after acceptance)")
    survey_end_days = _days("End-of-match survey opens (days after acceptance)")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        mid, end = self.survey_midpoint_days.data, self.survey_end_days.data
        if valid and end <= mid:
            self.survey_end_days.errors = [
                *self.survey_end_days.errors,
                "The end survey opens after the midpoint survey: give a larger number.",
            ]
            return False
        return valid
