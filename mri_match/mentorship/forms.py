"""Forms: log a meeting, answer a check-in, filter the health page."""

from wtforms import BooleanField, DateField, IntegerField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..forms import BaseForm, none_if_blank
from .services import MAX_MINUTES, MIN_MINUTES

FORMAT_CHOICES = {"in_person": "In person", "video": "Video call", "phone": "Phone call"}
RATING_CHOICES = {
    "5": "5: very well",
    "4": "4: well",
    "3": "3: all right",
    "2": "2: not so well",
    "1": "1: not well at all",
}
MAX_TEXT = 2000


class MinutesField(IntegerField):
    """Whole minutes; anything else gets a message that says what to type."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("Give the length as a whole number of minutes, e.g. 45.") from exc


class MeetingForm(BaseForm):
    held_on = DateField("Date of the meeting", validators=[InputRequired("Give the date.")])
    minutes = MinutesField(
        "Length in minutes",
        validators=[
            InputRequired("Give the length in minutes, e.g. 45."),
            NumberRange(MIN_MINUTES, MAX_MINUTES, f"Between {MIN_MINUTES} and {MAX_MINUTES}."),
        ],
    )
    format = RadioField(
        "How did you meet?", choices=FORMAT_CHOICES, validators=[InputRequired("Choose one.")]
    )
    topics = TextAreaField(
        "Topics (optional; the other person sees them)",
        filters=[none_if_blank],
        validators=[Optional(), Length(max=MAX_TEXT)],
    )
    private_note = TextAreaField(
        "Private note (optional; only you see it)",
        filters=[none_if_blank],
        validators=[Optional(), Length(max=MAX_TEXT)],
    )


class CheckInForm(BaseForm):
    rating = RadioField(
        "How is the mentorship going?",
        choices=RATING_CHOICES,
        validators=[InputRequired("Choose a rating from 1 to 5.")],
    )
    comment = TextAreaField(
        "Comment (optional)",
        filters=[none_if_blank],
        validators=[Optional(), Length(max=MAX_TEXT)],
    )
    not_a_good_fit = BooleanField("This is not a good fit: I would like a different match")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.not_a_good_fit.data and not self.comment.data:
            self.comment.errors = [
                *self.comment.errors,
                "Tell the program team why this is not a good fit.",
            ]
            return False
        return valid


def _days(label: str, low: int, high: int) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            InputRequired("Give a number of days."),
            NumberRange(low, high, f"Between {low} and {high} days."),
        ],
    )


class SettingsForm(BaseForm):
    """A cycle's after-match settings (the names are the cycle's columns)."""

    first_meeting_days = _days("First meeting expected within (days after acceptance)", 1, 120)
    research_cadence_days = _days("Research mentors meet every (days)", 7, 180)
    career_cadence_days = _days("Career-development mentors meet every (days)", 7, 365)
    meeting_grace_days = _days("Grace before a quiet pair is at risk (days)", 0, 90)
    checkin_interval_days = _days("Check-ins every (days)", 14, 365)
