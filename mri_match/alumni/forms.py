"""Forms for alumni: the consent question, the yearly follow-up, and an admin's link from a
mentor profile to a former trainee."""

from wtforms import BooleanField, EmailField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from ..forms import BaseForm, none_if_blank
from ..models.alumni import DEGREE_STATUSES, SPECIALTIES, TRAINING_STAGES

YES_NO = {"yes": "Yes", "no": "No"}
MAX_COUNT = 999


def _email(label: str, *validators):
    return EmailField(
        label,
        filters=[none_if_blank],
        validators=[
            *validators,
            Length(max=254, message="An email address has at most 254 characters."),
            Email(
                message="Enter a valid email address, like name@example.org.",
                check_deliverability=False,
            ),
        ],
    )


class ConsentForm(BaseForm):
    consent = BooleanField(
        "Yes, keep my alumni record and send me a short follow-up survey once a year",
        validators=[InputRequired(message="Tick the box to agree, or leave this page.")],
    )
    email = _email("Email address for the follow-ups (optional)", Optional())


class AddressForm(BaseForm):
    email = _email("Email address for the follow-ups (optional)", Optional())


def _choice(label: str, choices) -> RadioField:
    return RadioField(
        label,
        choices=dict(choices),
        validators=[InputRequired(message="Choose one of the options listed.")],
    )


def _text(label: str, max_length: int) -> StringField:
    return StringField(
        label,
        filters=[none_if_blank],
        validators=[Length(max=max_length, message=f"Use at most {max_length} characters.")],
    )


def _count(label: str) -> IntegerField:
    return IntegerField(
        label,
        default=0,
        validators=[
            InputRequired(message="Enter a whole number (0 if none)."),
            NumberRange(min=0, max=MAX_COUNT, message=f"Enter a number from 0 to {MAX_COUNT}."),
        ],
    )


class FollowUpForm(BaseForm):
    training_stage = SelectField(
        "Where are you in your training or career now?",
        choices={"": "Choose one…", **dict(TRAINING_STAGES)},
        validators=[InputRequired(message="Choose where you are now.")],
    )
    degree_status = _choice(
        "The degree you were studying for when you joined the program", DEGREE_STATUSES
    )
    degree_completed = _text("Degrees completed since (optional), e.g. MD, PhD", 120)
    specialty = SelectField(
        "Specialty or field you have chosen",
        choices={"": "Choose one…", **dict(SPECIALTIES)},
        validators=[InputRequired(message="Choose a specialty, or “Not chosen yet”.")],
    )
    fellowship = _text("Fellowship, if you are in or have finished one (optional)", 200)
    faculty_post = _text("Faculty position, if you hold one (optional)", 200)
    grants = _count("Grants or awards received in the past year")
    abstracts = _count("Abstracts presented in the past year")
    papers = _count("Papers published in the past year")
    ash_member = _choice("Are you a member of ASH?", YES_NO.items())
    attended_annual_meeting = _choice(
        "Did you attend the ASH annual meeting in the past year?", YES_NO.items()
    )
    mentors_now = _choice("Do you mentor students or trainees now?", YES_NO.items())

    BOOLEANS = ("ash_member", "attended_annual_meeting", "mentors_now")

    def answers(self) -> dict:
        data = {name: self[name].data for name in self._answer_names()}
        for name in self.BOOLEANS:
            data[name] = data[name] == "yes"
        return data

    @classmethod
    def data_from(cls, response) -> dict:
        data = {name: getattr(response, name) for name in cls._answer_names()}
        for name in cls.BOOLEANS:
            data[name] = "yes" if data[name] else "no"
        return data

    @staticmethod
    def _answer_names():
        from ..models import FollowUpResponse

        return FollowUpResponse.ANSWER_FIELDS


class FormerTraineeForm(BaseForm):
    email = _email(
        "Email address of the former trainee’s account",
        InputRequired(message="Enter the email address of the trainee’s account."),
    )
