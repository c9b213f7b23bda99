"""Forms for running the program: cycles, state changes, eligibility, and list filters."""

import re
from datetime import UTC, datetime

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from .. import vocabulary
from ..extensions import db
from ..forms import BaseForm, as_id, strip_filter
from ..models import APPLICATION_STATES, Cycle, utcnow
from .services import slug_from_name

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_TRACKS = 20
MAX_TRACK_LENGTH = 80  # Application.track
MAX_REASON = 1000


def _options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class UTCDateTimeField(DateTimeLocalField):
    """A date-and-time box whose value is read as UTC, with a plain-language error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])
        super().__init__(*args, tz=UTC, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Enter a date and time, like 2026-03-01 09:00.") from error


EARLIEST_CYCLE_YEAR = 2000  # earlier cohorts may be recorded for outcomes, not older ones
CYCLE_YEARS_AHEAD = 10


def within_sane_years(form, field) -> None:
    """A cycle date from 2000 to the end of the tenth year from now: a typo like 0202 or 9999 is
    caught here, with the range in words."""
    if field.data is None:
        return
    latest = datetime(utcnow().year + CYCLE_YEARS_AHEAD, 12, 31, 23, 59, tzinfo=UTC)
    earliest = datetime(EARLIEST_CYCLE_YEAR, 1, 1, tzinfo=UTC)
    if not earliest <= field.data <= latest:
        raise ValidationError(
            f"Enter a date from {earliest:%d %B %Y} to {latest:%d %B %Y}. "
            "Past cycles may be recorded; check the year."
        )


class DaysField(IntegerField):
    """A number of days: anything but a whole number gets the range message alone."""

    def __init__(self, *args, message: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(self.message) from error

    def pre_validate(self, form):
        if self.process_errors:  # said once, not again by the range check
            raise StopValidation()


def _days(label: str, default: int, low: int, high: int) -> IntegerField:
    """A whole number of days between ``low`` and ``high``, with a plain message otherwise;
    left blank, the cycle keeps its value (a new cycle takes ``default``)."""
    message = f"Enter a whole number of days from {low} to {high}."
    return DaysField(
        label,
        default=default,
        message=message,
        validators=[Optional(), NumberRange(min=low, max=high, message=message)],
    )


class AfterMatchSettings:
    """What happens once a match is confirmed: whether the mentor answers first, and in how many
    days (fields shared by the new-cycle and edit forms; defaults as the model's). The meeting
    and check-in settings have their own page (``mentorship.SettingsForm``)."""

    #: the field names, which are also the Cycle columns they set
    NAMES = ("mentor_acceptance_required", "offer_response_days")

    mentor_acceptance_required = BooleanField(
        "Mentors accept each match before contact details are shared", default=True
    )
    offer_response_days = _days("Days a mentor has to answer", 7, 1, 60)

    def after_match_values(self) -> dict:
        """The settings given (a blank number keeps the cycle's value or the default)."""
        values = {name: getattr(self, name).data for name in self.NAMES}
        return {name: value for name, value in values.items() if value is not None}


def _tracks_from_text(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class CycleEditForm(AfterMatchSettings, BaseForm):
    name = StringField(
        "Name",
        filters=[strip_filter],
        validators=[
            InputRequired(message="Enter a name for the cycle."),
            Length(max=120, message="A name has at most 120 characters."),
        ],
    )
    tracks = TextAreaField(
        "Program tracks",
        validators=[InputRequired(message="List at least one track, one per line.")],
    )
    opens_at = UTCDateTimeField(
        "Applications open (UTC)",
        validators=[InputRequired(message="Enter when applications open."), within_sane_years],
    )
    closes_at = UTCDateTimeField(
        "Applications close (UTC)",
        validators=[InputRequired(message="Enter when applications close."), within_sane_years],
    )
    submit = SubmitField("Save cycle")

    def validate_tracks(self, field):
        tracks = _tracks_from_text(field.data)
        if not tracks:
            raise ValidationError("List at least one track, one per line.")
        if len(tracks) > MAX_TRACKS:
            raise ValidationError(f"List at most {MAX_TRACKS} tracks.")
        if any(len(t) > MAX_TRACK_LENGTH for t in tracks):
            raise ValidationError(f"Each track has at most {MAX_TRACK_LENGTH} characters.")
        if len({t.casefold() for t in tracks}) != len(tracks):
            raise ValidationError("Each track appears only once.")

    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError("Applications must close after they open.")

    @property
    def track_list(self) -> list[str]:
        return _tracks_from_text(self.tracks.data)


class CycleForm(CycleEditForm):
    slug = StringField(
        "Short name for web addresses (slug)",
        filters=[strip_filter],
        validators=[Length(max=60, message="A slug has at most 60 characters.")],
    )
    submit = SubmitField("Create cycle")

    def validate_slug(self, field):
        """A blank slug is made from the name when the cycle is saved; a typed one is checked."""
        if not field.data:
            if self.name.data and not slug_from_name(self.name.data):
                raise ValidationError(
                    "Enter a slug, like mri-2026: the name has no letters or digits to make one."
                )
            return
        if not re.fullmatch(SLUG_PATTERN, field.data):
            raise ValidationError(
                "Use lowercase letters, digits and single hyphens only, like mri-2026."
            )
        if db.session.scalar(db.select(Cycle.id).filter_by(slug=field.data)) is not None:
            raise ValidationError("Another cycle already uses this slug. Choose a different one.")


class TransitionForm(BaseForm):
    """The confirmation of one state change, with a note for the history (required where
    ``reason_required`` says so)."""

    reason = TextAreaField(
        "Note for the history (optional)",
        filters=[strip_filter],
        validators=[Length(max=MAX_REASON, message=f"At most {MAX_REASON} characters.")],
    )
    submit = SubmitField("Change state")

    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason_required = reason_required
        if reason_required:
            self.reason.label.text = "Why are applications reopening?"
            self.reason.flags.required = True  # the form macros mark it so

    def validate_reason(self, field):
        if self.reason_required and not field.data:
            raise ValidationError("Say why applications are reopening.")


class EligibilityForm(BaseForm):
    decision = RadioField(
        "Decision",
        choices=_options([("eligible", "Eligible"), ("ineligible", "Ineligible")]),
        validators=[InputRequired(message="Choose eligible or ineligible.")],
    )
    reason = TextAreaField(
        "Reason",
        filters=[strip_filter],
        validators=[Length(max=MAX_REASON, message=f"At most {MAX_REASON} characters.")],
    )
    submit = SubmitField("Record decision")

    def validate_reason(self, field):
        if self.decision.data == "ineligible" and not field.data:
            raise ValidationError("Give a reason when marking an application ineligible.")


class BulkEligibilityForm(EligibilityForm):
    """One decision for the applications ticked on the list; marking them ineligible is
    asked again on a confirmation page (``confirmed`` is set there)."""

    application = SelectMultipleField(
        "Applications", coerce=as_id, validate_choice=False, default=list
    )
    confirmed = HiddenField()
    submit = SubmitField("Record the decision for the selected applications")

    @property
    def ids(self) -> list[int]:
        return [i for i in self.application.data or [] if i is not None]

    def validate_application(self, field):
        if not self.ids:
            raise ValidationError("Tick at least one application in the list.")


# --- list filters: GET forms without CSRF; an unknown value gets a message and is ignored ---


UNKNOWN_FILTER = "Unknown choice: this filter was ignored."


def _any(pairs, label="Any") -> list[SelectChoice]:
    return _options([("", label), *pairs])


def _filter(label, pairs=()):
    return SelectField(
        label, choices=_any(pairs), default="", invalid_choice_message=UNKNOWN_FILTER
    )


class _FilterForm(BaseForm):
    class Meta:
        csrf = False

    q = SearchField(
        "Search name, email or institution",
        filters=[strip_filter],
        validators=[Optional(), Length(max=100, message="Search for at most 100 characters.")],
    )
    topic = _filter("Topic")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic.choices = _any(vocabulary.topic_choices())

    def cleaned(self) -> dict[str, str]:
        """The filters that are valid and set; a field with an error is left out."""
        self.validate()
        return {f.name: f.data for f in self if f.data and not f.errors}


class ApplicationFilterForm(_FilterForm):
    stage = _filter("Career stage", vocabulary.CAREER_STAGES)
    status = _filter("Status", [(s, s.capitalize()) for s in APPLICATION_STATES])
    track = _filter("Track")

    def __init__(self, *args, tracks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.track.choices = _any([(t, t) for t in tracks])


class MentorFilterForm(_FilterForm):
    stage = _filter("Accepts career stage", vocabulary.CAREER_STAGES)
    role = _filter("Role offered", vocabulary.MENTOR_ROLES)
    status = _filter("Status", [("active", "Active"), ("paused", "Paused")])
    verified = _filter("ASH membership", [("yes", "Verified"), ("no", "Not verified")])
